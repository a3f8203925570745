"""Blocks (render/official.py) -> a Word document in the layout of GB/T 9704-2012 (党政机关公文格式):
A4, margins 37/35/28/26 mm, body 仿宋_GB2312 3号 on a grid of 22 lines × 28 characters, title
方正小标宋简体 2号, headings 黑体 / 楷体_GB2312, page numbers "— N —" in 4号 (odd pages right, even
pages left), the red masthead and line, the 抄送/印发 block at the end. East Asian font names are set
on w:eastAsia, so Word and WPS use them. Photos are downscaled (long side ≤ 1,024 px, JPEG)."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from anfang.render.official import Block

BODY, TITLE, HEI, KAI, SONG = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
SIZE_3, SIZE_2, SIZE_4, SIZE_5 = 16, 22, 14, 10.5  # 3号, 2号, 4号, 五号 in points
LINE = Pt(28.95)  # 225 mm of text height / 22 lines
CONDENSED = "-4"  # 3号 characters 0.2 pt closer (in twentieths of a point): 28 of them fill the 156 mm line
TEXT_WIDTH_PT = 156 / 25.4 * 72
RED = RGBColor(0xC0, 0x00, 0x00)
MAX_SIDE = 1024
PHOTO_WIDTH = Mm(72)


def _font(run, name: str, size: float, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = "Times New Roman"  # digits and Latin letters
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size == SIZE_3:
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), CONDENSED)
        rpr.append(spacing)


def _paragraph(doc, text: str = "", font: str = BODY, size: float = SIZE_3, *, align=None, indent_chars: float = 0,
               bold: bool = False, color=None, exact: bool = True, right_chars: float = 0):  # fmt: skip
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    if indent_chars:
        fmt.first_line_indent = Pt(size * indent_chars)
    if right_chars:
        fmt.right_indent = Pt(size * right_chars)
    if align is not None:
        p.alignment = align
    if text:
        _font(p.add_run(text), font, size, bold, color)
    return p


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(25)  # the page number sits about 7 mm below the text block
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), "579")  # 28.95 pt in twentieths: 22 lines; 28 characters: see CONDENSED
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(SIZE_3)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(footer, align) -> None:
    p = footer.paragraphs[0]
    p.alignment = align
    fmt = p.paragraph_format
    fmt.left_indent = fmt.right_indent = Pt(SIZE_4)  # 空一字
    _font(p.add_run("— "), SONG, SIZE_4)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)
    _font(p.add_run(" —"), SONG, SIZE_4)


def _border(paragraph, side: str, color: str = "C00000", size: int = 12) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", "4"), ("color", color)):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)


def _table(doc, rows: tuple, widths: tuple) -> None:
    headers, *body = rows
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header_row = table.rows[0]
    header_props = header_row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # repeated at the top of every page
    repeat.set(qn("w:val"), "true")
    header_props.append(repeat)
    for cell, text in zip(header_row.cells, headers, strict=True):
        _cell(cell, str(text), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for values in body:
        row = table.add_row()
        keep = OxmlElement("w:cantSplit")
        row._tr.get_or_add_trPr().append(keep)
        for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            text = " ".join(str(value).split()) if value is not None else ""
            numeric = isinstance(value, int) or index == 0
            _cell(
                cell,
                text,
                align=WD_ALIGN_PARAGRAPH.CENTER if numeric or len(text) <= 4 else WD_ALIGN_PARAGRAPH.LEFT,
            )
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)  # the table grid, which LibreOffice and WPS follow
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)


def _cell(cell, text: str, bold: bool = False, align=None) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(1)
    fmt.line_spacing = 1.0
    snap = OxmlElement("w:snapToGrid")  # tables keep their own line height, not the body's grid
    snap.set(qn("w:val"), "0")
    p._p.get_or_add_pPr().append(snap)
    _font(p.add_run(text), HEI if bold else BODY, SIZE_5, bold=False)


def small_jpeg(path: Path) -> bytes | None:
    """The photo as a JPEG with its long side at most 1,024 px; None if it is not a readable image."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80, optimize=True)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def _photos(doc, photos: tuple) -> None:
    for caption, name, path in photos:
        data = small_jpeg(path) if path else None
        if data is None:
            _paragraph(
                doc,
                f"（照片 {name} 无法读取）",
                align=WD_ALIGN_PARAGRAPH.CENTER,
                size=SIZE_5,
                exact=False,
            )
            continue
        p = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
        p.add_run().add_picture(io.BytesIO(data), width=PHOTO_WIDTH)
        _paragraph(doc, caption, align=WD_ALIGN_PARAGRAPH.CENTER, size=SIZE_5, exact=False)


def _title(doc, text: str) -> None:
    """2号 小标宋, centred; a long title breaks before its last bracket (the words stay whole)."""
    lines = [text]
    cut = text.rfind("（")
    if len(text) > 20 and cut > 0:
        lines = [text[:cut], text[cut:]]
    p = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    for index, line in enumerate(lines):
        run = p.add_run(line)
        _font(run, TITLE, SIZE_2)
        if index < len(lines) - 1:
            run.add_break()


def document_bytes(blocks: list[Block]) -> bytes:
    doc = Document()
    _page_setup(doc)
    first = doc.paragraphs[0]._p if doc.paragraphs else None
    if first is not None:
        first.getparent().remove(first)
    for block in blocks:
        kind = block.kind
        if kind == "masthead":
            size = min(36, int(TEXT_WIDTH_PT / (len(block.text) + 3)))  # the issuer's name on one line
            _paragraph(doc, block.text, TITLE, size, align=WD_ALIGN_PARAGRAPH.CENTER, color=RED, exact=False)
        elif kind == "docnum":
            _paragraph(doc)
            p = _paragraph(doc, block.text, align=WD_ALIGN_PARAGRAPH.CENTER)
            _border(p, "bottom")  # the red line under the 发文字号
            _paragraph(doc)
        elif kind == "title":
            _title(doc, block.text)
            _paragraph(doc)
        elif kind == "addressee":
            _paragraph(doc, block.text)
        elif kind == "para":
            _paragraph(doc, block.text, indent_chars=2, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        elif kind == "h1":
            _paragraph(doc, block.text, HEI, indent_chars=2)
        elif kind == "h2":
            _paragraph(doc, block.text, KAI, indent_chars=2)
        elif kind == "table":
            _table(doc, block.rows, block.widths)
        elif kind == "photos":
            _photos(doc, block.rows)
        elif kind == "signature":
            _paragraph(doc)
            _paragraph(doc, block.text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2)
            _paragraph(doc, block.rows[0], align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4)
        elif kind == "page_break":
            doc.add_page_break()
        elif kind == "annex":
            _paragraph(doc, block.text, HEI)
            _paragraph(doc, block.rows[0], TITLE, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
            _paragraph(doc)
        elif kind == "colophon":
            _paragraph(doc)
            copy = _paragraph(
                doc, f"抄送：{block.rows[0]}。" if block.rows[0] else "", size=SIZE_4, indent_chars=1
            )
            _border(copy, "top", "000000", 8)
            printed = _paragraph(doc, block.rows[1], size=SIZE_4, indent_chars=1)
            _border(printed, "top", "000000", 4)
            _border(printed, "bottom", "000000", 8)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
