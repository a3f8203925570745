"""The daily report as a printable workbook: a summary sheet, then one sheet per group laid out
like the printed form 附件2."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from anfang.render.excel import (
    ALERT_FILL,
    CENTER,
    HEADER_FILL,
    LEFT_TOP,
    TITLE_FONT,
    a4_landscape,
    fit_row,
    merged,
    put,
    safe_sheet_title,
    sector_chart,
    set_widths,
    table_sheet,
    workbook_bytes,
)  # fmt: skip
from anfang.render.view import report_view
from anfang.report import Report
from anfang.templating import environment, form_wording

FORM_HEADERS = [
    "行业领域",
    "企业（场所）名称",
    "地址",
    "问题隐患内容",
    "是否为重大",
    "是否留存影像资料",
    "交办情况",
    "整改期限",
]
# printed headings break where the words do (是否留存\n影像资料), never mid-word
FORM_HEADINGS = [
    h.replace("是否留存影像资料", "是否留存\n影像资料").replace("是否为重大", "是否\n为重大")
    for h in FORM_HEADERS
]
FORM_WIDTHS = [12, 22, 24, 42, 10, 12, 24, 11]


def report_workbook(report: Report, template_dirs: list[Path]) -> bytes:
    words = form_wording(environment(template_dirs))
    view = report_view(report, escape=str)
    wb = Workbook()
    wb.remove(wb.active)
    if report.city:
        _summary_sheet(wb.create_sheet("汇总"), view, words)
        _list_sheet(wb.create_sheet("当日重大隐患"), f"当日重大隐患（{view['date']}）", MAJOR_COLUMNS,
                    [[f["group_name"], f["site"], f["address"], f["hazard"], str(words.handover_status(f)), f["deadline"]]
                     for f in view["major"]])  # fmt: skip
        _list_sheet(wb.create_sheet("逾期未整改"), f"逾期未整改问题隐患（截至{view['date']}）", OVERDUE_COLUMNS,
                    [[f["id"], f["group_name"], f["site"], f["hazard"], f["handover"] or "—", f["deadline"], f["days_overdue"]]
                     for f in view["overdue"]])  # fmt: skip
    for group in view["groups"]:
        _form_sheet(wb.create_sheet(safe_sheet_title(group["name"])), group, view, words)
    return workbook_bytes(wb)


def _form_sheet(ws: Worksheet, g: dict, view: dict, words) -> None:
    """附件2 暗访检查日报表 for one group."""
    columns = len(FORM_HEADERS)
    set_widths(ws, FORM_WIDTHS)
    full = sum(FORM_WIDTHS)
    merged(ws, 1, 1, columns, words.title(), bold=True, size=18, align=CENTER, font=TITLE_FONT)
    ws.row_dimensions[1].height = 34
    merged(ws, 2, 1, 4, f"组别：{g['name']}", size=12)
    merged(ws, 2, 5, columns, f"时间：{view['date']}", size=12)
    ws.row_dimensions[2].height = 22
    merged(ws, 3, 1, columns, "总体情况", bold=True, size=12)
    for row, sentence in ((4, words.daily(g)), (5, words.to_date(g))):
        merged(ws, row, 1, columns, "　　" + sentence, align=LEFT_TOP, size=12)
        fit_row(ws, row, [("　　" + sentence, full * 11 / 12)], size=12)
    header = 6
    for column, title in enumerate(FORM_HEADINGS, start=1):
        put(ws, header, column, title, bold=True, align=CENTER, border=True, fill=HEADER_FILL)
    fit_row(ws, header, list(zip(FORM_HEADINGS, FORM_WIDTHS, strict=True)))
    rows = [
        [f["sector"], f["site"], f["address"], f["hazard"], f["major_text"], f["evidence_text"],
         str(words.handover_status(f)), f["deadline"]]
        for f in g["findings"]
    ] or [["当日无问题隐患记录", "", "", "", "", "", "", ""]]  # fmt: skip
    for offset, values in enumerate(rows, start=1):
        row = header + offset
        for column, value in enumerate(values, start=1):
            centered = column in (1, 5, 6, 8)
            put(ws, row, column, value, align=CENTER if centered else LEFT_TOP, border=True,
                fill=ALERT_FILL if values[4] == "是" else None)  # fmt: skip
        fit_row(ws, row, list(zip(values, FORM_WIDTHS, strict=True)))
    a4_landscape(ws, title_rows=f"{header}:{header}", header=f"{g['name']} 暗访检查日报表（{view['date']}）")
    ws.freeze_panes = ws.cell(row=header + 1, column=1)


SUMMARY_HEADERS = ["组别", "督查区域", "检查企业\n（场所）", "发现问题\n隐患", "其中\n重大", "已整改", "已交办",
                   "检查企业\n（场所）", "发现问题\n隐患", "其中\n重大", "已整改", "已交办", "暗访\n天数", "备注"]  # fmt: skip
SUMMARY_WIDTHS = [9, 20, 10, 9, 7, 7, 7, 10, 9, 7, 7, 7, 7, 12]
FIGURES = ("sites", "hazards", "major", "rectified", "handed_over")


def _summary_sheet(ws: Worksheet, view: dict, words) -> None:
    columns = len(SUMMARY_HEADERS)
    set_widths(ws, SUMMARY_WIDTHS)
    merged(ws, 1, 1, columns, f"{words.summary_title(view)}（{view['date']}）", bold=True, size=16,
           align=CENTER, font=TITLE_FONT)  # fmt: skip
    ws.row_dimensions[1].height = 30
    # two header rows: 当日 / 截至当日 over the five figures
    for column, title in ((1, "组别"), (2, "督查区域"), (13, "暗访天数"), (14, "备注")):
        put(ws, 2, column, title, bold=True, align=CENTER, border=True, fill=HEADER_FILL)
        put(ws, 3, column, "", border=True, fill=HEADER_FILL)
        ws.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    merged(ws, 2, 3, 7, "当日", bold=True, align=CENTER, border=True, fill=HEADER_FILL)
    merged(ws, 2, 8, 12, "截至当日累计", bold=True, align=CENTER, border=True, fill=HEADER_FILL)
    for column in range(3, 13):
        put(
            ws, 3, column, SUMMARY_HEADERS[column - 1], bold=True, align=CENTER, border=True, fill=HEADER_FILL
        )
    fit_row(ws, 3, list(zip(SUMMARY_HEADERS, SUMMARY_WIDTHS, strict=True)))
    row = 4
    for g in view["groups"]:
        note = "" if g["visited"] else "当日无记录"
        values = [g["name"], g["region"], *(getattr(g["day"], k) for k in FIGURES),
                  *(getattr(g["to_date"], k) for k in FIGURES), g["days_on_site"], note]  # fmt: skip
        for column, value in enumerate(values, start=1):
            put(ws, row, column, value, align=CENTER, border=True, fill=None if g["visited"] else ALERT_FILL)
        fit_row(ws, row, [(g["region"], SUMMARY_WIDTHS[1])])
        row += 1
    totals = ["合计", "", *(getattr(view["total_day"], k) for k in FIGURES),
              *(getattr(view["total_to_date"], k) for k in FIGURES), "", ""]  # fmt: skip
    for column, value in enumerate(totals, start=1):
        put(ws, row, column, value, bold=True, align=CENTER, border=True)
    last_table_row = row
    row += 2
    missing = "、".join(view["missing"]) if view["missing"] else "无"
    merged(ws, row, 1, columns, f"当日无记录的组：{missing}", bold=bool(view["missing"]))
    row += 1
    closed = view["total_to_date"]
    merged(
        ws,
        row,
        1,
        columns,
        f"截至当日，已复查销号 {closed.verified} 个，已整改待复查 {closed.awaiting_verification} 个。",
    )
    if view["major"] or view["overdue"]:
        row += 1
        merged(ws, row, 1, columns, f"当日重大隐患 {len(view['major'])} 个、截至当日逾期未整改 {len(view['overdue'])} 个，"
               "清单见工作表“当日重大隐患”“逾期未整改”。", size=11)  # fmt: skip
    row += 1
    from openpyxl.worksheet.pagebreak import Break

    ws.row_breaks.append(Break(id=row))  # sectors and charts start page 2, together
    _first_sector, last_sector = _sector_section(ws, row + 1, view["sectors"])
    largest = max(
        [1, *(s["to_date"] for s in view["sectors"]), *(g["to_date"].hazards for g in view["groups"])]
    )
    sectors = [(s["name"], s["to_date"]) for s in view["sectors"] if s["to_date"]]
    row = _charts(ws, last_sector + 2, (4, last_table_row - 1), sectors, largest)
    a4_landscape(ws, header=f"{words.summary_title(view)}（{view['date']}）")
    ws.print_area = f"A1:N{row}"


def _sector_section(ws: Worksheet, row: int, sectors: list[dict]) -> tuple[int, int]:
    """Findings by sector (the sector chart draws from it); returns its first and last data rows."""
    merged(ws, row, 1, len(SUMMARY_HEADERS), "分行业领域发现问题隐患", bold=True, size=12)
    row += 1
    for (first, last), text in zip(((1, 3), (4, 5), (6, 7)), ("行业领域", "当日", "累计"), strict=True):
        merged(ws, row, first, last, text, bold=True, align=CENTER, border=True, fill=HEADER_FILL)
    for offset, item in enumerate(sectors, start=1):
        merged(ws, row + offset, 1, 3, item["name"], align=CENTER, border=True)
        merged(ws, row + offset, 4, 5, item["day"], align=CENTER, border=True)
        merged(ws, row + offset, 6, 7, item["to_date"], align=CENTER, border=True)
    return row + 1, row + len(sectors)


def _bar_chart(kind: str, title: str, largest: int, height: float, width: float):
    from openpyxl.chart import BarChart

    chart = BarChart()
    chart.type, chart.title = kind, title
    chart.height, chart.width = height, width
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl hides axes by default
    chart.y_axis.majorUnit = max(1, -(-largest // 5))  # whole numbers: these are counts
    chart.y_axis.number_format = "0"
    return chart


CHART_COLUMN = 16  # P: the chart's own data, right of the printed area


def _charts(
    ws: Worksheet, row: int, groups: tuple[int, int], sectors: list[tuple[str, int]], largest: int
) -> int:
    """Native bar charts below the tables: hazards by group (day, to date) and by sector (to date).
    Returns the last row they cover."""
    from openpyxl.chart import Reference
    from openpyxl.chart.series import SeriesLabel

    first, last = groups
    by_group = _bar_chart("col", "各组发现问题隐患", largest, 9, 16)
    for column, label in ((4, "当日"), (9, "累计")):
        by_group.add_data(Reference(ws, min_col=column, min_row=first, max_row=last))
        by_group.series[-1].tx = SeriesLabel(v=label)
    by_group.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    ws.add_chart(by_group, f"A{row}")
    by_sector = sector_chart(ws, sectors, "各行业领域发现问题隐患（累计）", CHART_COLUMN)
    if by_sector is not None:
        ws.add_chart(by_sector, f"H{row}")
    return row + 19


MAJOR_COLUMNS = [
    ("组别", 8),
    ("企业（场所）名称", 24),
    ("地址", 24),
    ("问题隐患内容", 48),
    ("交办情况", 26),
    ("整改期限", 11),
]
OVERDUE_COLUMNS = [("编号", 18), ("组别", 8), ("企业（场所）名称", 24), ("问题隐患内容", 46), ("交办部门", 24),
                   ("整改期限", 11), ("逾期天数", 9)]  # fmt: skip


def _list_sheet(ws: Worksheet, title: str, columns: list[tuple[str, float]], rows: list[list]) -> None:
    """A list of its own (the day's major hazards, the overdue ones)."""
    table_sheet(ws, title, [c for c, _ in columns], [w for _, w in columns], rows, empty="无")
