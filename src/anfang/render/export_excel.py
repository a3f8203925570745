"""The flat table as a workbook for the office: typed dates, header kept in view, filters.

Written in openpyxl's write-only mode, so memory stays flat for a large campaign.
"""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from anfang.dates import today
from anfang.flat import EXPORT_COLUMNS
from anfang.render.excel import (
    BODY_FONT,
    BOX,
    CENTER,
    HEADER_FILL,
    WRAP,
    a4_landscape,
    row_height,
    set_widths,
    workbook_bytes,
)

WIDTHS = {"编号": 17, "组别": 8, "日期": 11, "县（市、区）": 14, "镇（街道）": 12, "行业领域": 11, "企业（场所）名称": 26,
          "地址": 24, "问题隐患内容": 44, "是否为重大": 7, "是否留存影像资料": 9, "交办情况": 22, "交办日期": 11,
          "整改期限": 11, "整改完成日期": 11, "整改过程": 40}  # fmt: skip
BODY = Font(name=BODY_FONT, size=11)
BOLD = Font(name=BODY_FONT, size=11, bold=True)


def _cell(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    cell.font = BODY
    cell.border = BOX  # printed as a table
    cell.alignment = WRAP
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
    a4_landscape(ws, title_rows="1:1", header=f"暗访检查记录（导出于 {today().isoformat()}）")
    ws.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_COLUMNS))}{len(rows) + 1}"
    header = []
    for title in EXPORT_COLUMNS:
        cell = _cell(ws, title)
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEADER_FILL, CENTER, BOX
        header.append(cell)
    ws.append(header)
    ws.row_dimensions[1].height = row_height([(c, WIDTHS[c]) for c in EXPORT_COLUMNS])
    for number, row in enumerate(rows, start=2):
        values = [row[c] if row[c] not in (None, "") else None for c in EXPORT_COLUMNS]
        # office suites do not size wrapped rows on their own: text would print over the next row
        ws.row_dimensions[number].height = row_height(
            [(v, WIDTHS[c]) for v, c in zip(values, EXPORT_COLUMNS, strict=True) if isinstance(v, str)]
        )
        ws.append([_cell(ws, v) for v in values])
    return workbook_bytes(wb)
