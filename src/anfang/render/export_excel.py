"""The flat table as a workbook for the office: typed dates, header kept in view, filters.

Written in openpyxl's write-only mode, so memory stays flat for a large campaign.
"""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from anfang.flat import EXPORT_COLUMNS
from anfang.render.excel import BODY_FONT, CENTER, HEADER_FILL, WRAP, set_widths, workbook_bytes

WIDTHS = {"编号": 17, "组别": 8, "日期": 11, "县（市、区）": 14, "镇（街道）": 12, "行业领域": 11, "企业（场所）名称": 26,
          "地址": 24, "问题隐患内容": 44, "是否为重大": 7, "是否留存影像资料": 9, "交办情况": 22, "交办日期": 11,
          "整改期限": 11, "整改完成日期": 11, "整改过程": 40}  # fmt: skip
BODY = Font(name=BODY_FONT, size=11)
BOLD = Font(name=BODY_FONT, size=11, bold=True)


def _cell(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    cell.font = BODY
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, str):
        cell.data_type = "s"  # text from the logs is never a formula
        cell.quotePrefix = True
        cell.alignment = WRAP
    return cell


def export_workbook(rows: list[dict]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("暗访记录")
    set_widths(ws, [WIDTHS[c] for c in EXPORT_COLUMNS])
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_COLUMNS))}{len(rows) + 1}"
    header = []
    for title in EXPORT_COLUMNS:
        cell = _cell(ws, title)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, CENTER
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([_cell(ws, row[c]) if row[c] not in (None, "") else None for c in EXPORT_COLUMNS])
    return workbook_bytes(wb)
