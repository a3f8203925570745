"""CSV for spreadsheets: UTF-8 with BOM, and text that can never run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from anfang.textsafe import neutralize

_GUARDED = frozenset("=+-@\t\r'")  # first characters neutralize may change
_GUARD_BYTES = [ord(c) for c in _GUARDED]


def _safe(cell) -> str:
    text = cell if type(cell) is str else str(cell)
    return neutralize(text) if text and text[0] in _GUARDED else text


def csv_columns(headers: list[str], chunks: Iterable[list], bom: bool = False) -> Iterator[bytes]:
    """csv_text for column-wise data, the file's bytes a chunk at a time: each chunk a list of
    arrow text arrays. The same cells as the csv module writes (QUOTE_MINIMAL, CRLF; the test
    holds them equal), made in arrow's kernels; a cell that could run as a formula is found per
    column at once and made safe by the same rule (_safe)."""
    import pyarrow as pa

    yield ("\ufeff" if bom else "").encode("utf-8") + _csv_lines([pa.array([h]) for h in headers])
    for columns in chunks:
        yield _csv_lines([_guarded(column) for column in columns])


def _guarded(column):
    """_safe of every cell of an arrow text array (the few that need it, found by first byte: the
    guarded characters are ASCII, so a UTF-8 first byte is one of them only if the character is)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from anfang.arrowtext import large_text, utf8_of

    column = pc.fill_null(column.cast(pa.large_string()), "")
    data, offsets = utf8_of(column)
    filled = offsets[1:] > offsets[:-1]
    first = np.zeros(len(column), np.uint8)
    first[filled] = data[offsets[:-1][filled]]
    starts = np.isin(first, _GUARD_BYTES)
    if not starts.any():
        return column
    changed = [_safe(text) for text in column.filter(starts).to_pylist()]
    return pc.replace_with_mask(column, starts, large_text(changed))


def _csv_lines(columns) -> bytes:
    """The CSV lines of equally long arrow text columns: quoted where the csv module quotes
    (a delimiter, a quote or a line break inside), quotes doubled, joined by commas, CRLF."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from anfang.arrowtext import concat, large_text, utf8_of

    cells = []
    for column in columns:
        column = column.cast(pa.large_string())
        data, offsets = utf8_of(column)
        used = data[offsets[0] : offsets[-1]].tobytes() if len(column) else b""
        alone_empty = len(columns) == 1 and bool((offsets[1:] == offsets[:-1]).any())  # a line "" not blank
        if alone_empty or any(special in used for special in (b'"', b",", b"\r", b"\n")):  # rarely: quote
            needs = pc.match_substring_regex(column, '^$|[",\r\n]' if alone_empty else '[",\r\n]')
            column = pc.if_else(needs, concat('"', pc.replace_substring(column, '"', '""'), '"'), column)
        cells.append(column)
    lines = concat(pc.binary_join_element_wise(*cells, large_text(",")), "\r\n")
    if lines.null_count:
        raise ValueError("a CSV cell is missing")  # every column was filled: a bug, not data
    data, offsets = utf8_of(lines)
    return data[offsets[0] : offsets[-1]].tobytes()


def csv_text(headers: list[str], rows: Iterable[list], bom: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_safe(c) for c in row] for row in rows)  # rows may be a generator: one at a time
    return ("\ufeff" if bom else "") + buffer.getvalue()
