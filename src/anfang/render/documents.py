"""The office's documents (交办单, 攻坚行动汇总) as Markdown and printable workbooks.

The views turn data into display text once; `escape` makes user text inert for Markdown and is
the identity for Excel, as for the daily report."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from anfang.config import Config
from anfang.dates import month_day
from anfang.listing import status_text
from anfang.notices import Notice
from anfang.render.excel import (
    ALERT_FILL,
    CENTER,
    HEADER_FILL,
    LEFT_TOP,
    RIGHT,
    TITLE_FONT,
    a4_landscape,
    fit_row,
    heading,
    merged,
    put,
    safe_sheet_title,
    sector_chart,
    set_widths,
    table_sheet,
    workbook_bytes,
)  # fmt: skip
from anfang.render.markdown import md_escape
from anfang.render.view import Escape, finding_view
from anfang.replies import MARK_SHEET, mark_notices
from anfang.summary import Summary
from anfang.templating import environment


def campaign_view(config: Config, escape: Escape) -> dict:
    c, office = config.campaign, config.campaign.office
    return {
        "title": escape(c.title), "document_number": escape(c.document_number), "office": escape(office.name),
        "office_full": escape(office.full_name), "contact": escape(office.contact), "channel": escape(office.channel),
        "phone": escape(office.phone),
    }  # fmt: skip


def notice_view(n: Notice, config: Config, escape: Escape) -> dict:
    names = {g.number: g.name for g in config.groups}
    return {
        "department": escape(n.department),
        "number": n.number,
        "date": month_day(n.day),
        "date_cn": f"{n.day.year}年{n.day.month}月{n.day.day}日",
        "iso_date": n.day.isoformat(),
        "findings": [finding_view(f, n.day, names[f.group], escape) for f in n.findings],
    }


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def summary_view(s: Summary, escape: Escape) -> dict:
    names = {g.number: g.name for g in s.config.groups}
    required = s.config.campaign.min_days_on_site
    groups = []
    for g in s.config.groups:
        t = s.groups[g.number]
        groups.append({"name": g.name, "region": escape(g.region), **vars(t), "rate": _rate(t.rectification_rate),
                       "days_on_site": s.days_on_site[g.number], "days_short": s.days_on_site[g.number] < required})  # fmt: skip
    major = []
    for f in s.major:
        view = finding_view(f, s.until, names[f.group], escape)
        view["status"] = status_text(f, s.until)
        major.append(view)
    return {
        "until": month_day(s.until),
        "group_count": len(s.config.groups),
        "days_required": required,
        "total": s.total,
        "total_rate": _rate(s.total.rectification_rate),
        "groups": groups,
        "sectors": [
            {
                "name": escape(name),
                "key": any(k.name == name for k in s.config.key_sectors),
                **vars(t),
                "rate": _rate(t.rectification_rate),
            }
            for name, t in s.sectors.items()
        ],
        "key_sectors": [escape(k.name) for k in s.config.key_sectors],
        "coverage": [
            {
                "name": names[n],
                "counts": list(cells.values()),
                "cells": [str(v) if v else "未检查" for v in cells.values()],
            }
            for n, cells in s.coverage.items()
        ],
        "major": major,
    }


def notices_markdown(notices: list[Notice], config: Config, template_dirs: list[Path], day) -> str:
    views = [notice_view(n, config, md_escape) for n in notices]
    text = (
        environment(template_dirs)
        .get_template("notice.md.j2")
        .render(notices=views, c=campaign_view(config, md_escape), n_day=month_day(day))
    )
    return text.lstrip("\n")


def summary_markdown(s: Summary, template_dirs: list[Path]) -> str:
    text = (
        environment(template_dirs)
        .get_template("summary.md.j2")
        .render(s=summary_view(s, md_escape), c=campaign_view(s.config, md_escape))
    )
    return text.lstrip("\n")


# -- workbooks -----------------------------------------------------------------------------

NOTICE_HEADERS = [
    "序号",
    "编号",
    "组别",
    "企业（场所）名称",
    "地址",
    "问题隐患内容",
    "是否为重大",
    "整改期限",
    "整改情况",
    "完成日期",
    "责任人",
]
NOTICE_WIDTHS = [5, 18, 8, 20, 20, 34, 7, 10, 22, 10, 9]


def notices_workbook(notices: list[Notice], config: Config, template_dirs: list[Path]) -> bytes:
    words = environment(template_dirs).get_template("documents.j2").module
    campaign = campaign_view(config, str)
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = {MARK_SHEET}
    marks = []
    for notice in notices:
        n = notice_view(notice, config, str)
        title = safe_sheet_title(notice.department)
        while title in used:  # long names may truncate to the same 31 characters
            title = safe_sheet_title(title[:28] + f"{len(used)}")
        used.add(title)
        marks.append((title, notice.department, notice.number, notice.day, [f.id for f in notice.findings]))
        ws = wb.create_sheet(title)
        set_widths(ws, NOTICE_WIDTHS)
        columns, full = len(NOTICE_HEADERS), sum(NOTICE_WIDTHS)
        merged(ws, 1, 1, columns, words.notice_title(), bold=True, size=18, align=CENTER, font=TITLE_FONT)
        ws.row_dimensions[1].height = 34
        intro = str(words.notice_intro(campaign, n))
        head, _, body = intro.partition("\n")
        merged(ws, 2, 1, columns, head, bold=True, size=12)
        merged(ws, 3, 1, columns, "　　" + body, align=LEFT_TOP, size=12)
        fit_row(ws, 3, [("　　" + body, full * 11 / 12)], size=12)
        merged(ws, 4, 1, columns, str(words.notice_from(campaign, n)), size=11)
        ws.row_dimensions[4].height = 20
        for column, text in enumerate(NOTICE_HEADERS, start=1):
            put(ws, 5, column, heading(text), bold=True, align=CENTER, border=True, fill=HEADER_FILL)
        fit_row(ws, 5, list(zip(NOTICE_HEADERS, NOTICE_WIDTHS, strict=True)))
        row = 5
        for index, f in enumerate(n["findings"], start=1):
            row += 1
            values = [
                index,
                f["id"],
                f["group_name"],
                f["site"],
                f["address"],
                f["hazard"],
                f["major_text"],
                f["deadline"],
                "",
                "",
                "",
            ]
            for column, value in enumerate(values, start=1):
                put(ws, row, column, value, border=True, align=CENTER if column in (1, 3, 7, 8) else LEFT_TOP,
                    fill=ALERT_FILL if f["major_text"] == "是" else None)  # fmt: skip
            # the reply columns are filled in by hand: room for three written lines at least
            fit_row(ws, row, [(str(v), w) for v, w in zip(values, NOTICE_WIDTHS, strict=True)], minimum=3)
        seal = str(words.notice_seal(campaign, n))
        merged(ws, row + 2, 1, columns, seal.replace("\n", "　　"), size=12, align=RIGHT)
        ws.row_dimensions[row + 2].height = 40
        merged(ws, row + 3, 1, columns, str(words.notice_receipt()), size=12)
        ws.row_dimensions[row + 3].height = 40
        a4_landscape(ws, title_rows="5:5", header=f"交办单 {n['number']} {notice.department}")
    if not notices:
        ws = wb.create_sheet("交办单")
        put(ws, 1, 1, "当日没有交办的问题隐患。")
    else:
        mark_notices(wb, marks)  # so `anfang import` knows the department's filled-in reply
    return workbook_bytes(wb)


GROUP_HEADERS = [
    "组别",
    "督查区域",
    "检查企业\n（场所）",
    "发现问题\n隐患",
    "重大隐患",
    "已整改",
    "整改率",
    "已交办",
    "逾期未整改",
    "暗访天数",
]


def summary_workbook(s: Summary, template_dirs: list[Path]) -> bytes:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.series import SeriesLabel

    words = environment(template_dirs).get_template("documents.j2").module
    view, campaign = summary_view(s, str), campaign_view(s.config, str)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    widths = [9, 22, 11, 11, 9, 9, 9, 9, 11, 9]
    set_widths(ws, widths)
    merged(
        ws,
        1,
        1,
        10,
        str(words.summary_title(campaign, view)),
        bold=True,
        size=16,
        align=CENTER,
        font=TITLE_FONT,
    )
    ws.row_dimensions[1].height = 30
    intro = "　　" + str(words.summary_intro(campaign, view))
    merged(ws, 2, 1, 10, intro, align=LEFT_TOP, size=11)
    fit_row(ws, 2, [(intro, sum(widths))])
    for column, text in enumerate(GROUP_HEADERS, start=1):
        put(ws, 4, column, text, bold=True, align=CENTER, border=True, fill=HEADER_FILL)
    fit_row(ws, 4, list(zip(GROUP_HEADERS, widths, strict=True)))
    for row, g in enumerate(view["groups"], start=5):
        values = [g["name"], g["region"], g["sites"], g["hazards"], g["major"], g["rectified"], g["rate"],
                  g["handed_over"], g["overdue"], g["days_on_site"]]  # fmt: skip
        for column, value in enumerate(values, start=1):
            short = column == 10 and g["days_short"]
            put(ws, row, column, value, align=CENTER, border=True, fill=ALERT_FILL if short else None)
        fit_row(ws, row, [(g["region"], widths[1])])
    total_row = 5 + len(view["groups"])
    t = view["total"]
    for column, value in enumerate(["合计", "", t.sites, t.hazards, t.major, t.rectified, view["total_rate"],
                                    t.handed_over, t.overdue, ""], start=1):  # fmt: skip
        put(ws, total_row, column, value, bold=True, align=CENTER, border=True)
    note = (f"暗访天数标色的组少于要求的 {view['days_required']} 天。已整改的 {t.rectified} 个中，已复查销号 "
            f"{t.verified} 个，待复查 {t.awaiting_verification} 个。")  # fmt: skip
    merged(ws, total_row + 1, 1, 10, note, size=10)
    chart = BarChart()
    chart.type, chart.title = "col", "各组发现问题隐患与整改"
    chart.height, chart.width = 8, 22
    chart.x_axis.delete = chart.y_axis.delete = False
    for column, label in ((4, "发现问题隐患"), (6, "已整改")):
        chart.add_data(Reference(ws, min_col=column, min_row=5, max_row=total_row - 1))
        chart.series[-1].tx = SeriesLabel(v=label)
    chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=total_row - 1))
    from openpyxl.worksheet.pagebreak import Break

    ws.row_breaks.append(Break(id=total_row + 1))  # the chart prints whole, on its own page
    ws.add_chart(chart, f"A{total_row + 3}")
    a4_landscape(ws)
    ws.print_area = f"A1:J{total_row + 20}"
    _sector_sheet(wb.create_sheet("分行业领域"), view)
    _coverage_sheet(wb.create_sheet("重点行业领域覆盖"), view, str(words.coverage_note(view)))
    _major_sheet(wb.create_sheet("重大隐患"), view)
    return workbook_bytes(wb)


def _sector_sheet(ws, view: dict) -> None:
    rows = [[t["name"] + ("（重点）" if t["key"] else ""), t["sites"], t["hazards"], t["major"], t["rectified"], t["rate"]]
            for t in view["sectors"]]  # fmt: skip
    table_sheet(ws, f"分行业领域情况（截至{view['until']}）", ["行业领域", "检查企业\n（场所）", "发现问题\n隐患", "重大隐患", "已整改", "整改率"],
                  [18, 14, 14, 10, 10, 10], rows)  # fmt: skip
    chart_sheet = ws.parent.create_sheet("分行业领域图")
    chart = sector_chart(chart_sheet, [(t["name"], t["hazards"]) for t in view["sectors"] if t["hazards"]],
                         "各行业领域发现问题隐患", 12)  # fmt: skip
    if chart is not None:  # on a page of its own: no repeated table header printed over it
        chart_sheet.add_chart(chart, "A1")
    a4_landscape(chart_sheet, header=f"分行业领域发现问题隐患（截至{view['until']}）")
    chart_sheet.print_area = "A1:J30"


def _coverage_sheet(ws, view: dict, note: str) -> None:
    headers = ["组别", *view["key_sectors"]]
    rows = [[row["name"], *row["cells"]] for row in view["coverage"]]
    last = table_sheet(ws, f"重点行业领域覆盖情况（截至{view['until']}）", headers, [10] + [12] * len(view["key_sectors"]), rows,
                  alert=lambda value, column: value == "未检查")  # fmt: skip
    merged(ws, last + 1, 1, len(headers), note, size=10, align=LEFT_TOP)
    ws.row_dimensions[last + 1].height = 32


def _major_sheet(ws, view: dict) -> None:
    rows = [[f["id"], f["group_name"], f["date"], f["site"], f["hazard"], f["handover"] or "—", f["deadline"] or "—", f["status"]]
            for f in view["major"]] or [["无", "", "", "", "", "", "", ""]]  # fmt: skip
    table_sheet(ws, f"重大隐患及整改情况（截至{view['until']}）", ["编号", "组别", "发现日期", "企业（场所）名称", "问题隐患内容", "交办部门", "整改期限", "整改情况"],
           [16, 8, 10, 22, 36, 20, 10, 16], rows)  # fmt: skip
