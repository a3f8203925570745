"""Reading the logs column-wise, for the reports: the same lines as store.read_logs accepts,
parsed by pyarrow's multithreaded CSV reader, with the per-line CRC checked without a Python
loop. store.read_logs stays the reference; tests prove the two agree on every kind of file.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from anfang.errors import Problem
from anfang.model import KINDS, Record
from anfang.store import (
    BOM,
    COLUMNS,
    HEADER,
    USER_TEXT_COLUMNS,
    LogContents,
    _unescape,
    read_log,
    record_values,
    snapshot,
)
from anfang.textsafe import EXCEL_CELL_LIMIT

FIELDS = COLUMNS[:-1]  # without the CRC column
TEXT = USER_TEXT_COLUMNS  # the only columns the store escapes
_HEX = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX[_c] = _i
_WEIGHTS = (16 ** np.arange(7, -1, -1, dtype=np.uint64)).astype(np.uint64)


def _crc_ok(data: bytes, arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """For each line [start, end): does its last column hold the CRC-32 of the rest?"""
    long_enough = ends - starts >= 10
    safe_ends = np.where(long_enough, ends, starts + 10)
    view = memoryview(data)
    body_ends = (safe_ends - 9).tolist()
    computed = np.fromiter(map(zlib.crc32, map(view.__getitem__, map(slice, starts.tolist(), body_ends))),
                           dtype=np.uint32, count=len(starts))  # fmt: skip
    digits = _HEX[arr[np.minimum(safe_ends[:, None] - 8 + np.arange(8)[None, :], len(arr) - 1)]]
    stored = (digits.astype(np.uint64) * _WEIGHTS).sum(axis=1)
    separator = arr[np.minimum(safe_ends - 9, len(arr) - 1)] == ord(",")
    return long_enough & separator & (digits < 16).all(axis=1) & (stored == computed)


def _parse(body) -> pa.Table:
    return pacsv.read_csv(
        pa.BufferReader(body),
        read_options=pacsv.ReadOptions(column_names=list(COLUMNS), use_threads=True, block_size=16 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.large_string() for c in COLUMNS},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _file_table(raw: bytes, label: str) -> pa.Table | None:
    """One log as an arrow table, or None if this file needs the reference reader: another
    encoding, CRLF line ends, a torn or damaged line, or lines pyarrow cannot split."""
    if not raw:
        return _empty_table()
    if not raw.startswith(BOM + HEADER) or b"\r" in raw:
        return None
    if not raw.endswith(b"\n"):
        raw += b"\n"  # a last line without its newline is whole if its CRC says so
    data = memoryview(raw)[len(BOM + HEADER) :]
    if not len(data):
        return _empty_table()
    arr = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], newlines[:-1] + 1))
    ends = newlines
    keep = ends > starts  # blank lines are not records
    if not keep.all() or _has_forbidden(raw, arr):
        return None  # the reference reader judges (and names) such lines
    if not _crc_ok(data, arr, starts, ends).all():
        return None  # rare: the reference reader names the damaged line exactly
    try:
        table = _parse(data)
    except pa.ArrowInvalid:
        return None
    if table.num_rows != len(starts):
        return None
    table = table.drop_columns(["crc"])
    table = table.append_column("source", pa.array([label] * table.num_rows, pa.string()).dictionary_encode())
    return table.append_column("line", pa.array(np.arange(2, table.num_rows + 2)))


def _empty_table() -> pa.Table:
    fields = [pa.field(c, pa.large_string()) for c in FIELDS]
    fields += [pa.field("source", pa.dictionary(pa.int32(), pa.string())), pa.field("line", pa.int64())]
    return pa.schema(fields).empty_table()


def _clean_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the store's escaping (\\n, \\\\) and formula guard (') where they occur: rarely."""
    for column in TEXT:
        values = frame[column]
        touched = values.str.contains("\\", regex=False) | values.str.startswith("'")
        if touched.any():
            frame.loc[touched, column] = values[touched].map(_unescape)
    return frame


def read_frame(logs_dir: Path, label_root: Path | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Every complete record of the logs as one frame (string columns, plus `source`, `line`),
    and the problems of the lines that are not records. Falls back to the reference reader for
    a file that is not plain UTF-8 with LF line ends, or has a damaged line."""
    tables, problems = [], []
    for path, raw in snapshot(logs_dir):
        label = path.relative_to(label_root).as_posix() if label_root else path.name
        table = _file_table(raw, label) if isinstance(raw, bytes) else None
        tables.append(table if table is not None else _reference_table(path, label, problems, raw))
    # arrow concatenation keeps the files' buffers as chunks: no copy of the whole store
    table = pa.concat_tables(tables or [_empty_table()], promote_options="permissive")
    broken = _broken(table)
    frame = table.to_pandas()
    frame["source"] = frame["source"].astype(str)
    bad = ~frame["kind"].isin(KINDS) | ~frame["group"].str.fullmatch(r"\d+") | broken
    if bad.any():
        for row in frame[bad].itertuples():
            problems.append(Problem(row.source, int(row.line), "该行无法识别，未作为记录读取", dropped=True))
        frame = frame[~bad]
    return _clean_text(frame), problems


# model.RECORD_ID in the syntax of arrow's regex engine (RE2)
_ID_PATTERN = r"^G\d{1,2}-\d{8}-(?:B|W\d{1,2}-)?\d{1,9}$"


def _has_forbidden(data, arr: np.ndarray) -> bool:
    """Does the file hold a character textsafe forbids (C0 controls but tab, DEL, C1 controls,
    U+FFFE/U+FFFF)? A few byte scans (the newlines are the only usual bytes below 0x20), far
    cheaper than a regex per column; rare when true."""
    low = arr[np.flatnonzero(arr < 0x20)]
    if ((low != 10) & (low != 9)).any() or (arr == 0x7F).any():
        return True
    lead = np.flatnonzero(arr[:-1] == 0xC2)  # C1 controls are C2 80..C2 9F in UTF-8
    if len(lead) and ((arr[lead + 1] >= 0x80) & (arr[lead + 1] <= 0x9F)).any():
        return True
    raw = data if isinstance(data, bytes) else bytes(data)
    return b"\xef\xbf\xbe" in raw or b"\xef\xbf\xbf" in raw  # U+FFFE, U+FFFF


def _broken(table: pa.Table) -> np.ndarray:
    """Rows that break the rules store.decode_line applies on top of the CRC: ids and refs of the
    grammar model.RECORD_ID writes, user text within Excel's cell limit (forbidden characters
    sent the file to the reference reader already)."""
    import pyarrow.compute as pc

    bad = pc.invert(pc.match_substring_regex(table["id"], _ID_PATTERN))
    ref = table["ref"]
    bad = pc.or_(bad, pc.and_(pc.not_equal(ref, ""), pc.invert(pc.match_substring_regex(ref, _ID_PATTERN))))
    for column in TEXT:
        bad = pc.or_(bad, pc.greater(pc.utf8_length(table[column]), EXCEL_CELL_LIMIT))
    return bad.to_numpy(zero_copy_only=False)


def _reference_table(path: Path, label: str, problems: list[Problem], raw) -> pa.Table:
    contents = LogContents()
    read_log(path, label, contents, raw)
    problems.extend(contents.problems)
    return _records_table(contents.records)


def _records_table(records: list[Record]) -> pa.Table:
    rows = [record_values(r) for r in records]
    columns = {name: pa.array([row[i] for row in rows], pa.large_string()) for i, name in enumerate(FIELDS)}
    columns["source"] = pa.array([r.source for r in records], pa.string()).dictionary_encode()
    columns["line"] = pa.array([r.line for r in records], pa.int64())
    return pa.table(columns)


def records_frame(records: list[Record]) -> pd.DataFrame:
    """A few records (one finding's lines, an import's known ids) as the frame read_frame makes,
    for the engine."""
    frame = _records_table(records).to_pandas()
    frame["source"] = frame["source"].astype(str)
    return frame
