"""Reading the logs column-wise, for the reports: the same lines as store.read_logs accepts,
parsed by pyarrow's multithreaded CSV reader, with the per-line CRC checked without a Python
loop. store.read_logs stays the reference; tests prove the two agree on every kind of file.
"""

from __future__ import annotations

import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from anfang.engine import distinct, one_of
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
    return _with_keys(
        table.append_column("line", pa.array(np.arange(first_line, first_line + table.num_rows)))
    )


def _empty_table() -> pa.Table:
    fields = [pa.field(c, TEXT_TYPE) for c in FIELDS]
    fields += [pa.field("source", pa.string()), pa.field("line", pa.int64())]
    fields += [pa.field(name, pa.int64()) for name in KEY_COLUMNS]
    return pa.schema(fields).empty_table()


# -- id keys: every id and ref as an integer, computed once per line and remembered with it ------

KEY_COLUMNS = ["id_key", "ref_key"]
NO_REF = -1  # the key of an empty ref
UNCOMMON = -2  # an id the packing does not cover (the reads then hash the texts instead)
# The ids anfang writes (recording.new_id): G{group}-{YYYYMMDD}-{B | W{n}- | }{sequence, 3+ digits}.
# Packed into one integer, different texts giving different integers: a group without a leading
# zero, a date of 2000..2099 (month 1..12, day 1..31: not checked to exist, only packed), a writer
# without a leading zero, and the sequence with its number of digits (zero padding is part of the text).
_KEY_PATTERN = (
    r"^G(?P<g>[1-9]\d?)-20(?P<y>\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])-"
    r"(?P<v>B|W(?:[1-9]\d?|0)-|)(?P<s>\d{1,9})$"
)
# each part's count of values: group 100, day 100*12*31, variant 1+1+100, sequence 10**9 * 9 widths
_DAYS, _VARIANTS, _SEQUENCES = 100 * 12 * 31, 102, 9 * 10**9


def _with_keys(table: pa.Table) -> pa.Table:
    for name, column in zip(KEY_COLUMNS, ("id", "ref"), strict=True):
        table = table.append_column(name, pa.array(id_keys(table[column]), pa.int64()))
    return table


def id_keys(texts) -> np.ndarray:
    """For each id text: its packed integer (_KEY_PATTERN), NO_REF for "", UNCOMMON otherwise.
    Equal keys >= 0 are equal texts: the reads code ids by sorting integers, not hashing texts."""
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    keys = np.full(len(texts), NO_REF, dtype=np.int64)
    filled = pc.not_equal(texts, "").to_numpy(zero_copy_only=False)
    if not filled.any():
        return keys
    parts = pc.extract_regex(texts.filter(pa.array(filled)), _KEY_PATTERN)
    packed = parts.is_valid().to_numpy(zero_copy_only=False)

    def number(name: str, default: str = "0") -> np.ndarray:
        field = pc.fill_null(pc.struct_field(parts, name), default)
        return pc.cast(pc.if_else(pc.equal(field, ""), default, field), pa.int64()).to_numpy()

    sequence = pc.fill_null(pc.struct_field(parts, "s"), "0")
    width = pc.utf8_length(sequence).to_numpy(zero_copy_only=False).astype(np.int64)
    variant = pc.fill_null(pc.struct_field(parts, "v"), "")
    writer = pc.utf8_slice_codeunits(variant, 1, -1)  # "W12-" -> "12"
    writer = pc.cast(pc.if_else(pc.equal(writer, ""), "0", writer), pa.int64()).to_numpy()
    kind = pc.utf8_slice_codeunits(variant, 0, 1)
    variants = np.where(one_of(kind, "B"), 1, np.where(one_of(kind, "W"), 2 + writer, 0))
    days = (number("y") * 12 + number("m", "1") - 1) * 31 + number("d", "1") - 1
    serial = number("s") * 9 + width - 1
    key = ((number("g", "1") * _DAYS + days) * _VARIANTS + variants) * _SEQUENCES + serial
    keys[filled] = np.where(packed, key, UNCOMMON)
    return keys


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


def read_columns(
    logs_dir: Path, label_root: Path | None = None, cache_dir: Path | None = None
) -> tuple[dict, list[Problem]]:
    """Every complete record of the logs as the engine's columns (engine.Columns: texts as arrow
    arrays, `line`, `id_code` and `ref_code` as numpy), and the problems of the lines that are not
    records. Falls back to the reference reader for a file that is not plain UTF-8 with LF line
    ends, or has a line it does not accept. `cache_dir` (a workspace's .anfang/frames): remember
    what was checked (framecache)."""
    table, problems = _read_table(logs_dir, label_root, cache_dir)
    codes = _codes(table)
    columns = {name: table[name] for name in table.column_names if name not in KEY_COLUMNS}
    columns["line"] = _numbers(table["line"])
    columns["id_code"], columns["ref_code"] = codes
    return columns, problems


def _read_table(
    logs_dir: Path, label_root: Path | None, cache_dir: Path | None
) -> tuple[pa.Table, list[Problem]]:
    cache = FrameCache(cache_dir, _empty_table().schema) if cache_dir else None

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
    return pa.concat_tables(tables), [p for _, problems in results for p in problems]


def _codes(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Every id and ref as an integer code (`id_code`, `ref_code`: equal texts, equal codes, the
    ids' codes dense from 0); the engine and check join changes to records by numpy indexing,
    never by hashing a million texts again. From the lines' packed keys (id_keys) by sorting
    integers; if a line holds an id they do not cover, by one hash pass over the texts."""
    ids = _numbers(table["id_key"])
    refs = _numbers(table["ref_key"])
    if len(ids) and ids.min() >= 0 and refs.min(initial=0) >= NO_REF:
        return _codes_of_keys(ids, refs)
    return _hashed_codes(table)


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    chunks = [chunk.to_numpy() for chunk in column.chunks if len(chunk)]
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)


def _codes_of_keys(ids: np.ndarray, refs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes from keys: an id's code is its key's rank among the distinct ids' keys; the empty
    ref and refs to no id get codes after them, equal refs equal codes."""
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    first = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    known = ordered[first]
    id_codes = np.empty(len(ids), dtype=np.int64)
    id_codes[order] = np.cumsum(first) - 1
    ref_codes = np.full(len(refs), len(known), dtype=np.int64)  # the empty ref's
    filled = refs != NO_REF
    given = refs[filled]
    at = np.minimum(np.searchsorted(known, given), len(known) - 1)
    found = known[at] == given
    if not found.all():  # refs to records not in the logs
        others = distinct(given[~found])
        at = np.where(found, at, len(known) + 1 + np.searchsorted(others, given))
    ref_codes[filled] = at
    return id_codes, ref_codes


def _hashed_codes(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
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
    return _with_keys(pa.table(columns))
