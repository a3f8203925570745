"""Shared pieces for printable workbooks: fonts, borders, text-only cells, A4 page setup.

Every value from the logs is written as text (never a formula), with Excel's quote prefix so
it stays text even after a clerk edits the cell.
"""

from __future__ import annotations

import io
import math
from copy import copy

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from anfang.render.text import display_width

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
ALERT_FILL = PatternFill("solid", fgColor="FCE4D6")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
LEFT_TOP = Alignment(wrap_text=True, vertical="top", horizontal="left")
RIGHT = Alignment(wrap_text=True, vertical="center", horizontal="right")
LINE_HEIGHT = 15.0  # points per line of 11 pt CJK text


# Column headings too long for their column, broken where the words are (never 是否留存影像资/料)
_HEADING_BREAKS = {"是否留存影像资料": "是否留存\n影像资料", "是否为重大": "是否\n为重大", "检查企业（场所）": "检查企业\n（场所）",
                   "发现问题隐患": "发现问题\n隐患"}  # fmt: skip


def heading(text: str) -> str:
    """A printed column heading; `anfang import` reads it back with the break taken out."""
    return _HEADING_BREAKS.get(text, text)


def put(ws: Worksheet, row: int, column: int, value, *, bold: bool = False, size: int = 11,
        align: Alignment = WRAP, border: bool = False, fill: PatternFill | None = None, font: str = BODY_FONT):  # fmt: skip
    """Write one cell; strings are always stored as text, never as a formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    text = isinstance(value, str)
    if text:
        cell.data_type = "s"
    key = (text, bold, size, id(align), border, id(fill), font)  # the objects are kept: ids stay theirs
    styles = _styles_of(ws)
    if key in styles:  # the same look as a cell before: its style indices, copied
        cell._style = copy(styles[key][0])
        return cell
    cell.quotePrefix = text
    cell.font = Font(name=font, size=size, bold=bold)
    cell.alignment = align
    if border:
        cell.border = BOX
    if fill is not None:
        cell.fill = fill
    styles[key] = (copy(cell._style), align, fill)
    return cell


def _styles_of(ws: Worksheet) -> dict:
    """The looks `put` has given cells of this workbook, as openpyxl's per-cell style indices
    (StyleArray). Setting a font, border and alignment on every cell makes openpyxl hash each
    style object again to find it in the workbook's lists: three quarters of a day's workbook
    time; copying the indices of a cell with the same look gives the same cell."""
    workbook = ws.parent
    styles = getattr(workbook, "_anfang_styles", None)
    if styles is None:
        styles = workbook._anfang_styles = {}
    return styles


def merged(ws: Worksheet, row: int, first: int, last: int, value, **style) -> None:
    put(ws, row, first, value, **style)
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    if style.get("border"):
        for column in range(first + 1, last + 1):
            ws.cell(row=row, column=column).border = BOX


def set_widths(ws: Worksheet, widths: list[float]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def lines_needed(text: str, width_chars: float) -> int:
    """How many lines `text` wraps to in a column `width_chars` wide (a CJK char counts 2)."""
    usable = max(1.0, width_chars - 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in str(text).split("\n"))


def row_height(cells: list[tuple[str, float]], minimum: float = 1, size: int = 11) -> float:
    """Points for a row whose cells wrap in columns of the given widths."""
    lines = max([minimum, *(lines_needed(text, width) for text, width in cells)])
    return lines * LINE_HEIGHT * size / 11 + 4


def fit_row(
    ws: Worksheet, row: int, cells: list[tuple[str, float]], minimum: float = 1, size: int = 11
) -> None:
    """Set a row's height to fit its wrapped cells: neither Excel nor LibreOffice sizes merged cells."""
    ws.row_dimensions[row].height = row_height(cells, minimum, size)


def a4_landscape(ws: Worksheet, title_rows: str | None = None, header: str | None = None,
                 portrait: bool = False) -> None:  # fmt: skip
    """A4 (landscape unless `portrait`), one page wide, header rows repeated on every printed page,
    page numbers counted per sheet ("第 2 页" of this sheet: office suites count a total over the
    whole workbook, so no "共 N 页"), and `header` (the group or
    department) at the top of every page, so a second page still says whose it is."""
    ws.page_setup.orientation = "portrait" if portrait else "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_setup.useFirstPageNumber = True
    ws.page_setup.firstPageNumber = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    # inches: the footer sits 0.35 in above the paper's edge with room below the page numbers
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.8
    ws.page_margins.header = ws.page_margins.footer = 0.35
    if title_rows:
        ws.print_title_rows = title_rows
    if header:
        ws.oddHeader.right.text = header.replace("&", "&&")
        ws.oddHeader.right.size = 9
    ws.oddFooter.center.text = "第 &P 页"
    ws.oddFooter.center.size = 9


def safe_sheet_title(text: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in text).strip("'")
    return (cleaned or "Sheet")[:31]


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def sector_chart(ws: Worksheet, sectors: list[tuple[str, int]], title: str, column: int):
    """A horizontal bar chart of the sectors with findings, each one named, in the given order.

    Its data goes to two columns of `ws` starting at `column` (outside what is printed), so
    sectors with none take no room. None when no sector has any."""
    from openpyxl.chart import BarChart, Reference

    if not sectors:
        return None
    put(ws, 1, column, "图表数据：行业领域")
    put(ws, 1, column + 1, "数量")
    for row, (name, count) in enumerate(sectors, start=2):
        put(ws, row, column, name)
        put(ws, row, column + 1, count)
    chart = BarChart()
    chart.type, chart.title, chart.legend = "bar", title, None
    chart.height, chart.width = max(6.0, 1.2 + 0.75 * len(sectors)), 14
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl hides axes by default
    chart.x_axis.tickLblSkip = 1  # every sector named, not every other one
    chart.x_axis.scaling.orientation = "maxMin"  # in the table's order, top to bottom
    chart.y_axis.crosses = "max"  # ... with the counts still along the bottom
    largest = max(count for _, count in sectors)
    chart.y_axis.majorUnit = max(1, -(-largest // 5))  # whole numbers: these are counts
    chart.y_axis.number_format = "0"
    chart.add_data(Reference(ws, min_col=column + 1, min_row=2, max_row=len(sectors) + 1))
    chart.set_categories(Reference(ws, min_col=column, min_row=2, max_row=len(sectors) + 1))
    return chart


def table_sheet(ws: Worksheet, title: str, headers: list[str], widths: list[float], rows: list[list],
                alert=None, empty: str | None = None) -> int:  # fmt: skip
    """A sheet that is one titled table: its own column widths, its header row repeated on every
    printed page, the title in the page header. `alert(value, column)` marks cells; `empty` is
    the row shown when there are none. Returns the last row written."""
    set_widths(ws, widths)
    merged(ws, 1, 1, len(headers), title, bold=True, size=14, align=CENTER, font=TITLE_FONT)
    ws.row_dimensions[1].height = 28
    for column, text in enumerate(headers, start=1):
        put(ws, 2, column, text, bold=True, align=CENTER, border=True, fill=HEADER_FILL)
    fit_row(ws, 2, list(zip(headers, widths, strict=True)))
    if not rows and empty:
        merged(ws, 3, 1, len(headers), empty, align=CENTER, border=True)
    for r, values in enumerate(rows, start=3):
        for column, value in enumerate(values, start=1):
            long_text = isinstance(value, str) and len(value) > 12
            put(ws, r, column, value, border=True, align=LEFT_TOP if long_text else CENTER,
                fill=ALERT_FILL if alert is not None and alert(value, column) else None)  # fmt: skip
        fit_row(ws, r, [(str(v), w) for v, w in zip(values, widths, strict=True)])
    a4_landscape(ws, title_rows="2:2", header=title)
    return 2 + len(rows)
