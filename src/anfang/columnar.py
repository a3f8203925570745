"""Reading the logs column-wise, for the reports: the same lines as store.read_logs accepts,
parsed by pyarrow's multithreaded CSV reader, with the per-line CRC checked without a Python
loop. store.read_logs stays the reference; tests prove the two agree on every kind of file.
"""

from __future__ import annotations

import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from anfang.errors import Problem
from anfang.framecache import FrameCache
from anfang.model import KINDS, LOG_DATE_COLUMNS, Record
from anfang.store import (
    BOM,
    COLUMNS,
    HEADER,
    USER_TEXT_COLUMNS,
    LogContents,
    _unescape,
    parse_log_date,
    read_log,
    record_values,
    snapshot,
)
from anfang.textsafe import EXCEL_CELL_LIMIT

if TYPE_CHECKING:
    import pandas as pd

FIELDS = COLUMNS[:-1]  # without the CRC column
# 32-bit offsets (a log's column is far below 2 GB): the cached tables are a third smaller than
# with large_string, and so is what a read maps into memory
TEXT_TYPE = pa.string()
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
            column_types={c: TEXT_TYPE for c in COLUMNS},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _file_table(raw: bytes, label: str, cache: FrameCache | None) -> pa.Table | None:
    """One log as an arrow table of checked records, or None if this file needs the reference
    reader: another encoding, CRLF line ends, a torn, damaged or unreadable line, or lines pyarrow
    cannot split. The part a cache proved already checked is not checked again."""
    if not raw:
        return _empty_table()
    if not raw.startswith(BOM + HEADER) or b"\r" in raw:
        return None
    known = cache.load(label, raw) if cache else None
    start = known[1] if known else len(BOM + HEADER)
    first_line = known[0].num_rows + 2 if known else 2
    tail = _checked_lines(memoryview(raw)[start:], label, first_line)
    if tail is None:
        return None
    if not known:
        table = tail
    elif not tail.num_rows:
        return known[0]
    else:
        table = pa.concat_tables([known[0], tail])
    if cache and raw.endswith(b"\n"):
        cache.store(label, raw, table)
    return table


def _checked_lines(data: memoryview, label: str, first_line: int) -> pa.Table | None:
    """The lines of `data` (whole lines of one log, after its header) as checked records."""
    if not len(data):
        return _empty_table()
    if data[-1] != 10:
        data = memoryview(bytes(data) + b"\n")  # a last line without its newline is whole if its CRC says so
    arr = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], newlines[:-1] + 1))
    ends = newlines
    keep = ends > starts  # blank lines are not records
    if not keep.all() or _has_forbidden(data, arr):
        return None  # the reference reader judges (and names) such lines
    if not _crc_ok(data, arr, starts, ends).all():
        return None  # rare: the reference reader names the damaged line exactly
    try:
        table = _parse(data)
    except pa.ArrowInvalid:
        return None
    if table.num_rows != len(starts) or _broken(table).any():
        return None
    table = _clean_text(table.drop_columns(["crc"]))
    table = table.append_column("source", pa.array([label] * table.num_rows, pa.string()))
    return table.append_column("line", pa.array(np.arange(first_line, first_line + table.num_rows)))


def _empty_table() -> pa.Table:
    fields = [pa.field(c, TEXT_TYPE) for c in FIELDS]
    fields += [pa.field("source", pa.string()), pa.field("line", pa.int64())]
    return pa.schema(fields).empty_table()


def _clean_text(table: pa.Table) -> pa.Table:
    """Undo the store's escaping (\\n, \\\\) and formula guard (') where they occur: rarely."""
    for column in TEXT:
        values = table[column].combine_chunks()
        touched = pc.or_(pc.match_substring(values, "\\"), pc.starts_with(values, "'"))
        if pc.any(touched).as_py():
            fixed = [_unescape(v) for v in values.filter(touched).to_pylist()]
            values = pc.replace_with_mask(values, touched, pa.array(fixed, values.type))
            table = table.set_column(table.schema.get_field_index(column), column, values)
    return table


def read_frame(
    logs_dir: Path, label_root: Path | None = None, cache_dir: Path | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Every complete record of the logs as one frame (string columns, plus `source`, `line`),
    and the problems of the lines that are not records. Falls back to the reference reader for
    a file that is not plain UTF-8 with LF line ends, or has a line it does not accept.
    `cache_dir` (a workspace's .anfang/frames): remember what was checked (framecache)."""
    cache = FrameCache(cache_dir) if cache_dir else None

    def one_log(index: int) -> tuple[pa.Table, list[Problem]]:
        path, raw = files[index]
        files[index] = None  # its bytes are let go once it is read: not every log's at once
        label = path.relative_to(label_root).as_posix() if label_root else path.name
        table = _file_table(raw, label, cache) if isinstance(raw, bytes) else None
        if table is not None:
            return table, []
        problems: list[Problem] = []
        return _reference_table(path, label, problems, raw), problems

    files = snapshot(logs_dir)
    # a log's checks are mostly SHA-256 and arrow's parser, which release the GIL: one log per core
    with ThreadPoolExecutor(max_workers=max(1, min(len(files), os.cpu_count() or 1))) as pool:
        results = list(pool.map(one_log, range(len(files))))  # in the logs' order, whatever finishes first
    tables = [table for table, _ in results] or [_empty_table()]
    # arrow concatenation keeps the files' buffers as chunks: no copy of the whole store
    return _frame(pa.concat_tables(tables)), [p for _, problems in results for p in problems]


def _frame(table: pa.Table) -> pd.DataFrame:
    """The records as a frame, with every id and ref also as an integer code (_codes)."""
    import pandas as pd

    # ArrowDtype keeps the texts as they are: pandas' own str dtype would copy every offset to 64 bits
    frame = table.to_pandas(types_mapper={TEXT_TYPE: pd.ArrowDtype(TEXT_TYPE)}.get)
    frame["id_code"], frame["ref_code"] = _codes(table)
    return frame


def _codes(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Every id and ref as an integer code (`id_code`, `ref_code`: equal texts, equal codes, the
    ids' codes dense from 0). One hash pass by arrow here; the engine and check then join changes
    to records by numpy indexing, never by hashing a million texts again."""
    texts = pa.chunked_array(table["id"].chunks + table["ref"].chunks, TEXT_TYPE)
    codes = np.zeros(0, dtype=np.int64)
    if len(texts):
        encoded = pc.dictionary_encode(texts).chunks
        codes = np.concatenate([c.indices.to_numpy() for c in encoded if len(c)]).astype(np.int64)
    return codes[: table.num_rows], codes[table.num_rows :]


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
    """Rows that break the rules store.decode_line applies on top of the CRC: known kinds, groups
    written as numbers, ids and refs of the grammar model.RECORD_ID writes, dates as
    store.parse_log_date reads them, user text within Excel's cell limit (forbidden
    characters sent the file to the reference reader already)."""
    bad = pc.invert(pc.match_substring_regex(table["id"], _ID_PATTERN))
    bad = pc.or_(bad, pc.invert(pc.is_in(table["kind"], pa.array(sorted(KINDS), TEXT_TYPE))))
    bad = pc.or_(bad, pc.invert(pc.match_substring_regex(table["group"], r"^\d{1,9}$")))
    ref = table["ref"]
    bad = pc.or_(bad, pc.and_(pc.not_equal(ref, ""), pc.invert(pc.match_substring_regex(ref, _ID_PATTERN))))
    for column in TEXT:
        bad = pc.or_(bad, pc.greater(pc.utf8_length(table[column]), EXCEL_CELL_LIMIT))
    for column in LOG_DATE_COLUMNS:  # each distinct text judged once, by the reference reader's rule
        distinct = pc.unique(table[column]).to_pylist()
        wrong = [text for text in distinct if not _is_log_date(text, column)]
        if wrong:
            bad = pc.or_(bad, pc.is_in(table[column], value_set=pa.array(wrong, TEXT_TYPE)))
    return bad.to_numpy(zero_copy_only=False)


def _is_log_date(text: str, column: str) -> bool:
    try:
        parse_log_date(text, column)
    except ValueError:
        return False
    return True


def _reference_table(path: Path, label: str, problems: list[Problem], raw) -> pa.Table:
    contents = LogContents()
    read_log(path, label, contents, raw)
    problems.extend(contents.problems)
    return _records_table(contents.records)


def _records_table(records: list[Record]) -> pa.Table:
    rows = [record_values(r) for r in records]
    columns = {name: pa.array([row[i] for row in rows], TEXT_TYPE) for i, name in enumerate(FIELDS)}
    columns["source"] = pa.array([r.source for r in records], pa.string())
    columns["line"] = pa.array([r.line for r in records], pa.int64())
    return pa.table(columns)
