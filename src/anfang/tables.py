"""CSV for spreadsheets: UTF-8 with BOM, and text that can never run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from anfang.textsafe import neutralize

_GUARDED = frozenset("=+-@\t\r'")  # first characters neutralize may change


def _safe(cell) -> str:
    text = cell if type(cell) is str else str(cell)
    return neutralize(text) if text and text[0] in _GUARDED else text


def csv_text(headers: list[str], rows: Iterable[list], bom: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_safe(c) for c in row] for row in rows)  # rows may be a generator: one at a time
    return ("\ufeff" if bom else "") + buffer.getvalue()
