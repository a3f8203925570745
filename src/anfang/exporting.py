"""The export's rows (anfang export), column-wise and a chunk at a time.

Every visit and finding that is not voided, in its current state, by date then id; records of
groups groups.yaml does not know are left out (anfang check names them). The state, the long texts
and each finding's steps (整改过程) are gathered from the store once; then the store is let go and
the rows are made EXPORT_CHUNK at a time, so that a million-row export stays well within memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from anfang.arrowtext import joined_per, large_text
from anfang.config import Config
from anfang.engine import (
    ORDER,
    Columns,
    amendment_columns,
    as_dates,
    as_list,
    details_columns,
    filled,
    occurrence,
    one_of,
    order_of,
    pick,
    state_columns,
    take,
)
from anfang.flat import EXPORT_COLUMNS, STEP_SEPARATOR, Event, step_text

EXPORT_CHUNK = 50_000  # rows made at a time
DATE_COLUMNS = ("日期", "交办日期", "整改期限", "整改完成日期")
# What the export takes of each state row (the rest of the state is let go before the texts come).
_KEPT = ["id", "group", "date", "county", "town", "sector", "site", "major", "evidence", "handover",
         "handover_date", "deadline", "rectified", "is_finding", "id_code", "row"]  # fmt: skip
_FEW_TEXTS = ("county", "town", "sector", "site", "handover")  # a million rows, a few thousand texts
_STEP_KINDS = ("handover", "deadline", "rectify", "verify")
_STEP_FIELD = "\x1f"  # between a step's fields in its key: never in stored text


def export_chunks(columns: Columns, config: Config) -> Iterator[Columns]:
    """EXPORT_COLUMNS of the export's rows, EXPORT_CHUNK rows at a time: texts as arrow arrays,
    dates as datetime64 (NaT for none). `columns`: the logs' (columnar.read_columns); the caller
    may drop its own reference to them: once the first chunk is made, nothing here holds them."""
    rows = _ordered_state(columns, [g.number for g in config.groups])
    steps = _Steps(columns, rows)
    texts = details_columns(columns, {n: rows[n] for n in ("id_code", "row")}, amendment_columns(columns),
                            ["address", "hazard"])  # fmt: skip
    del columns
    found = rows["is_finding"]
    names = sorted((g.number, g.name) for g in config.groups)
    group_names = pa.array([n for _, n in names]).take(np.searchsorted([n for n, _ in names], rows["group"]))
    words = pa.array(["", "是", "否"])  # a visit has no 是否 of a finding

    def yes_no(flags: np.ndarray):
        return words.take(np.where(found, np.where(flags, 1, 2), 0))

    table = {
        "编号": rows["id"], "组别": group_names, "日期": rows["date"], "县（市、区）": rows["county"],
        "镇（街道）": rows["town"], "行业领域": rows["sector"], "企业（场所）名称": rows["site"],
        "地址": texts["address"], "问题隐患内容": texts["hazard"], "是否为重大": yes_no(rows["major"]),
        "是否留存影像资料": yes_no(rows["evidence"]), "交办情况": rows["handover"],
        "交办日期": rows["handover_date"], "整改期限": rows["deadline"], "整改完成日期": rows["rectified"],
    }  # fmt: skip
    for start in range(0, len(found), EXPORT_CHUNK):
        part = slice(start, start + EXPORT_CHUNK)
        chunk = {name: _decoded(values[part]) for name, values in table.items()}
        chunk["整改过程"] = steps.texts(part)
        yield chunk


def _decoded(values):
    return values.dictionary_decode() if isinstance(values, pa.DictionaryArray) else values


def _ordered_state(columns: Columns, groups: list[int]) -> Columns:
    """The state's rows of `groups` by date, group, recorded_at and id, with the columns _KEPT."""
    state = state_columns(columns, date.max)
    order = order_of(state, ["date", "group", "recorded_at", "id"])
    order = order[np.isin(state["group"], groups)[order]]  # the order is stable: filter after
    for name in _FEW_TEXTS:  # as codes of their distinct texts: a tenth of the memory
        state[name] = pc.dictionary_encode(state[name])
    return _reordered(state, order, _KEPT)


def _reordered(columns: Columns, order: np.ndarray, names: list[str]) -> Columns:
    """The columns `names` in `order`, each taken out of `columns` as it is reordered (never two
    copies of a million rows at once)."""
    return {name: take(columns.pop(name), order) for name in names}


def export_rows(store: Columns, config: Config) -> Iterator[dict]:
    """The export's rows as dicts (dates as date objects, None for none)."""
    for chunk in export_chunks(store, config):
        values = [as_dates(chunk[c]) if c in DATE_COLUMNS else as_list(chunk[c]) for c in EXPORT_COLUMNS]
        yield from (dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in zip(*values, strict=True))


def export_csv_chunks(store: Columns, config: Config) -> Iterator[list]:
    """The export CSV's cells a chunk at a time (arrow text arrays in EXPORT_COLUMNS' order, ISO
    dates, "" for none); text is made safe for spreadsheets by the caller (tables.csv_columns)."""
    for chunk in export_chunks(store, config):
        for name in DATE_COLUMNS:
            iso = pc.cast(pa.array(chunk[name].astype("datetime64[D]"), from_pandas=True), pa.large_string())
            chunk[name] = pc.fill_null(iso, "")
        yield [chunk[name] for name in EXPORT_COLUMNS]


class _Steps:
    """整改过程 of the export's rows: the visit day's state of each finding (from its own record),
    then every handover, deadline move, rectification and 复查 in the order the engine applies
    them — what process_text writes. Each distinct step is formatted once; the steps are kept as
    numbers (which distinct step, whose), and joined into texts only for the rows of a chunk. A
    visit row has none; an id on several rows (a damaged log, which check names) takes the own
    steps of its last finding row."""

    def __init__(self, columns: Columns, rows: Columns) -> None:
        """`rows`: the export's state rows (row, id_code, is_finding), in the export's order."""
        size = int(max(columns["id_code"].max(initial=-1), columns["ref_code"].max(initial=-1))) + 1
        codes = rows["id_code"]
        # each id's last finding row among the export's rows
        last = occurrence(np.where(rows["is_finding"], codes, size), size, last=True)
        own = pick(columns, rows["row"][last[last >= 0]], ["date", "handover", "deadline", "rectified"])
        own_code = np.flatnonzero(last >= 0)
        handed, moved, done = (filled(own[name]) for name in ("handover", "deadline", "rectified"))
        handed_kind = pc.if_else(handed, large_text("handover"), large_text("deadline"))
        parts = [  # (whose, rank among its steps, distinct-step keys), one kind of step at a time
            (own_code[handed | moved], 0,
             _keys(handed | moved, own["date"], handed_kind, own["handover"], own["deadline"], "")),
            (own_code[done], 1, _keys(done, own["date"], "rectify", "", "", "")),
        ]  # fmt: skip
        del own
        is_step = np.flatnonzero(one_of(columns["kind"], *_STEP_KINDS))
        events = pick(
            columns,
            is_step,
            ["ref_code", "kind", "date", "handover", "deadline", "reason", "fields", *ORDER[1:]],
        )
        events = _reordered(events, order_of(events, ORDER), list(events))
        ref = events["ref_code"]
        mine = last[np.minimum(ref, size)] >= 0  # steps of the export's findings only
        # a 复查's kind of step is its verdict (pass/fail)
        verdict = pc.if_else(one_of(events["kind"], "verify"), events["fields"], events["kind"])
        parts.append((ref[mine], 2 + np.flatnonzero(mine),
                      _keys(mine, events["date"], verdict, events["handover"], events["deadline"], events["reason"])))  # fmt: skip
        del events
        keys = pa.chunked_array([key for _, _, key in parts]).unify_dictionaries()
        whose = np.concatenate([w for w, _, _ in parts])
        rank = np.concatenate([np.broadcast_to(r, len(w)) for w, r, _ in parts])
        which = np.concatenate([np.asarray(k.indices) for k in keys.chunks])
        in_order = np.lexsort((rank, whose))
        self.step = which[in_order]  # the distinct step of each step, steps by finding then in order
        self.first = np.searchsorted(whose[in_order], np.arange(size + 1))  # each code's steps start
        distinct = keys.chunk(0).dictionary.to_pylist()
        self.texts_of = large_text([step_text(_step_event(*key.split(_STEP_FIELD))) for key in distinct])
        self.codes = codes

    def texts(self, part: slice):
        """整改过程 of the export rows `part`: each row's steps joined."""
        codes = self.codes[part]
        starts, counts = self.first[codes], self.first[codes + 1] - self.first[codes]
        offsets = np.concatenate([[0], np.cumsum(counts)])
        steps = np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1])  # each row's, in order
        row_of = np.repeat(np.arange(len(codes)), counts)
        return joined_per(self.texts_of.take(pa.array(self.step[steps])), row_of, len(codes), STEP_SEPARATOR)


def _keys(kept: np.ndarray, *fields):
    """The distinct-step keys of the rows `kept`: their fields (day, kind, department, due, note:
    arrays of every row, or one text for all) joined, dictionary encoded (a million steps' keys are
    never held as texts all at once)."""
    mask = pa.array(kept)
    parts = [large_text(f) if isinstance(f, str) else f.filter(mask).cast(pa.large_string()) for f in fields]
    return pc.dictionary_encode(pc.binary_join_element_wise(*parts, large_text(_STEP_FIELD)))


def _step_event(day: str, kind: str, department: str, due: str, note: str) -> Event:
    return Event(date.fromisoformat(day), kind, department, date.fromisoformat(due) if due else None, note)
