"""CSV for spreadsheets: UTF-8 with BOM, and text that can never run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from anfang.textsafe import neutralize

_GUARDED = frozenset("=+-@\t\r'")  # first characters neutralize may change


def _safe(cell) -> str:
    text = cell if type(cell) is str else str(cell)
    return neutralize(text) if text and text[0] in _GUARDED else text


def csv_columns(headers: list[str], chunks: Iterable[list], bom: bool = False) -> Iterator[str]:
    """csv_text for column-wise data, a piece of text per chunk: each chunk a list of columns
    (pandas Series of text, or lists of str); a cell that could run as a formula is found per
    column at once and made safe by the same rule (_safe)."""
    import pandas as pd

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff" if bom else "")
    writer.writerow(headers)
    pattern = "^[" + "".join(sorted(_GUARDED)).replace("-", "\\-") + "]"
    for columns in chunks:
        cells = []
        for column in columns:
            if isinstance(column, pd.Series):
                guarded = column.str.contains(pattern, regex=True).to_numpy().nonzero()[0].tolist()
                texts = column.tolist()
            else:
                texts = column
                guarded = [i for i, text in enumerate(texts) if text[:1] in _GUARDED]
            for i in guarded:
                texts[i] = _safe(texts[i])
            cells.append(texts)
        writer.writerows(zip(*cells, strict=True))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()  # the header of an empty table


def csv_text(headers: list[str], rows: Iterable[list], bom: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_safe(c) for c in row] for row in rows)  # rows may be a generator: one at a time
    return ("\ufeff" if bom else "") + buffer.getvalue()
