"""The blank 暗访检查日报表 (anfang form): a workbook a liaison fills in by hand and imports back
(forms.py reads it; this module only writes it, so an import never loads openpyxl for a CSV)."""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from anfang.config import Config
from anfang.dates import month_day
from anfang.forms import FORM_COLUMNS, FORM_TITLE
from anfang.render.excel import (
    CENTER,
    HEADER_FILL,
    LEFT_TOP,
    TITLE_FONT,
    a4_landscape,
    fit_row,
    heading,
    merged,
    put,
    set_widths,
    workbook_bytes,
)  # fmt: skip

FORM_WIDTHS = [12, 12, 22, 22, 38, 10, 12, 22, 12]
BLANK_ROWS = 40
HEADER_ROW = 6


def blank_form(config: Config, group: int, day: date) -> bytes:
    g = config.group(group)
    wb = Workbook()
    ws = wb.active
    ws.title = g.name
    columns = len(FORM_COLUMNS)
    set_widths(ws, FORM_WIDTHS)
    merged(ws, 1, 1, columns, FORM_TITLE, bold=True, size=18, align=CENTER, font=TITLE_FONT)
    ws.row_dimensions[1].height = 34
    merged(ws, 2, 1, 4, f"组别：{g.name}", size=12)
    merged(ws, 2, 5, columns, f"时间：{month_day(day)}（{day.isoformat()}）", size=12)
    merged(ws, 3, 1, columns, "总体情况", bold=True, size=12)
    note = (f"　　县（市、区）默认为{g.region}。“总体情况”的数字由 anfang 根据下表自动统计，无需填写。"
            "每发现一个问题隐患填一行；检查了但未发现问题的企业（场所）也填一行，“问题隐患内容”留空。"
            "交办情况填交办的部门（如“南湖区消防救援大队”），当场整改的填“已当场整改”。")  # fmt: skip
    merged(ws, 4, 1, columns, note, align=LEFT_TOP, size=10)
    fit_row(ws, 4, [(note, sum(FORM_WIDTHS) * 1.1)], size=10)
    merged(ws, 5, 1, columns, "")
    for column, title in enumerate(FORM_COLUMNS, start=1):
        put(ws, HEADER_ROW, column, heading(title), bold=True, align=CENTER, border=True, fill=HEADER_FILL)
    fit_row(ws, HEADER_ROW, [(heading(t), w) for t, w in zip(FORM_COLUMNS, FORM_WIDTHS, strict=True)])
    first, last = HEADER_ROW + 1, HEADER_ROW + BLANK_ROWS
    for row in range(first, last + 1):
        for column in range(1, columns + 1):
            cell = put(
                ws, row, column, None, border=True, align=CENTER if column in (1, 2, 6, 7, 9) else LEFT_TOP
            )
            if column == 9:
                cell.number_format = "yyyy-mm-dd"
        ws.row_dimensions[row].height = 30
    _validations(ws, wb, config, day, first, last)
    a4_landscape(ws, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    ws.freeze_panes = ws.cell(row=first, column=1)
    return workbook_bytes(wb)


def _validations(ws, wb, config: Config, day: date, first: int, last: int) -> None:
    # The sector list lives on a hidden sheet: an inline list is limited to 255 characters.
    lists = wb.create_sheet("选项")
    for row, sector in enumerate(config.sectors, start=1):
        put(lists, row, 1, sector.name)
    lists.sheet_state = "hidden"
    sectors = DataValidation(type="list", formula1=f"=选项!$A$1:$A${len(config.sectors)}", allow_blank=True,
                             showErrorMessage=True, errorTitle="行业领域", error="请从下拉列表中选择行业领域")  # fmt: skip
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True,
                            errorTitle="是/否", error="请填“是”或“否”")  # fmt: skip
    deadline = DataValidation(type="date", operator="greaterThanOrEqual", formula1=f"DATE({day.year},{day.month},{day.day})",
                              allow_blank=True, showErrorMessage=True, errorTitle="整改期限",
                              error=f"请填日期（如 {day.year}-04-03），且不早于 {day.isoformat()}")  # fmt: skip
    for validation, column in ((sectors, "A"), (yes_no, "F"), (yes_no, "G"), (deadline, "I")):
        if validation not in ws.data_validations.dataValidation:
            ws.add_data_validation(validation)
        validation.add(f"{column}{first}:{column}{last}")
