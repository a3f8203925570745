"""THE state of every visit and finding as of the end of a date, written once, column-wise.

Every command that needs state comes here: the reports over the whole store (the columns of
columnar.read_columns) and the one-finding commands (the columns of that finding's few lines,
records_columns). The rules:
- an observation (visit or finding) dated on or before the date, not voided, is in the state;
- events (rectify, handover, deadline, verify) count from their date on, in the order
  (date, recorded_at, file, line); the last handover and deadline move win;
- 整改 and 复查: a failed 复查 (verify fail) undoes every rectification before it, the one made on
  the spot included; after the last failed 复查 the earliest rectification stands (rectified),
  and the earliest passed 复查 after it closes the finding (verified, 销号);
- corrections (amend, void) fix the record itself and apply to every date, the last one wins.
The row-wise model of the same rules lives in tests/oracle/ as the executable specification;
tests hold this engine equal to it on every field. Never imported on `anfang log`'s path.

The rules run on arrow arrays (texts) and numpy arrays (numbers, dates, flags), never on pandas:
`show` and `rectify` compute one finding's state without pyarrow; the reports query the state's
columns with the tools at the end of this module (rows_at, ordered, known_groups, findings, …).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import numpy as np

from anfang.model import (
    AMEND,
    AMENDABLE,
    DEADLINE,
    FAIL,
    FINDING,
    HANDOVER,
    PASS,
    RECTIFY,
    VERIFY,
    VISIT,
    VOID,
    site_key,
)

# The engine's table: column name -> arrow array (texts) or numpy array (numbers, dates as
# datetime64[us] with NaT for none, flags), all of one length.
Columns = dict


class Finding(NamedTuple):
    """A finding (or a visit with none, hazard == "") as it stands on a date: plain values (a
    named tuple: the reports build a hundred thousand of them, three times faster than a
    frozen dataclass)."""

    id: str
    kind: str
    group: int
    date: date
    county: str
    town: str
    sector: str
    site: str
    address: str
    hazard: str
    major: bool
    evidence: bool
    photos: tuple[str, ...]
    handover: str  # 交办 department, "" if not handed over
    handover_date: date | None
    deadline: date | None  # 整改期限
    rectified: date | None  # 整改完成日期 (still set once closed: 已完成整改 counts closed ones too)
    verified: date | None  # 复查通过、销号 on that date
    by: str
    recorded_at: str
    source: str = ""  # the log file and line of the record that made it
    line: int = 0

    @property
    def is_finding(self) -> bool:
        return self.kind == FINDING

    @property
    def site_key(self) -> tuple[int, date, str]:
        """The same site on the same day by the same group counts once."""
        return (self.group, self.date, site_key(self.site))

    @property
    def awaiting_verification(self) -> bool:
        """待复查: rectified, not yet verified."""
        return self.is_finding and self.rectified is not None and self.verified is None

    def overdue_days(self, as_of: date) -> int:
        """Days past 整改期限 on `as_of` (0 when not overdue)."""
        if self.rectified or not self.deadline or not self.is_finding:
            return 0
        return max(0, (as_of - self.deadline).days)


ORDER = ["date", "recorded_at", "source", "line"]
# The state keeps the columns the figures need; the long texts are fetched (details_columns) only for
# the rows a report lists, which keeps a campaign of millions within memory.
STATE_COLUMNS = ["id", "kind", "group", "date", "county", "town", "sector", "site", "major", "evidence",
                 "handover", "deadline", "rectified", "recorded_at", "id_code"]  # fmt: skip
DETAIL_COLUMNS = ["address", "hazard", "photos", "by", "source", "line"]
NAT = np.datetime64("NaT", "us")
_NEVER = np.iinfo(np.int64).max  # a day later than any, for minima over days that may be NaT
_TEXT_LIMIT = 2**31 - 1  # bytes one arrow string array (32-bit offsets) can hold


# -- columns ------------------------------------------------------------------------------------
# A text column is an arrow array (the store's frame: arrow's kernels, no copy) or a numpy array of
# str (a few records: no pyarrow, whose conversions import pandas). The helpers below are the only
# places that tell them apart; the rules further down call nothing else on texts.


def _is_arrow(values) -> bool:
    return not isinstance(values, np.ndarray)


def _length(columns: Columns) -> int:
    return len(next(iter(columns.values()))) if columns else 0


def flags(result) -> np.ndarray:
    """An arrow boolean result as numpy (a null, which the logs never hold, as False)."""
    import pyarrow.compute as pc

    return pc.fill_null(result, False).to_numpy(zero_copy_only=False)


def one_of(texts, *values: str) -> np.ndarray:
    """For each text: is it one of `values`?"""
    if not _is_arrow(texts):
        return np.isin(texts, values)
    import pyarrow as pa
    import pyarrow.compute as pc

    return flags(pc.is_in(texts, value_set=pa.array(values, texts.type)))


def filled(texts) -> np.ndarray:
    """For each text: is it not empty?"""
    return ~one_of(texts, "")


def _up_to(texts, last: str) -> np.ndarray:
    """For each text: does it sort on or before `last` (ISO dates order as texts)?"""
    if not _is_arrow(texts):
        return texts <= last
    import pyarrow.compute as pc

    return flags(pc.less_equal(texts, last))


def take(values, positions: np.ndarray):
    """values at `positions` (integers)."""
    if not _is_arrow(values):
        return values[positions]
    import pyarrow as pa

    return values.take(pa.array(positions, pa.int64()))


def _where(values, mask: np.ndarray):
    """values where `mask` holds; an arrow result in one chunk (a later take needs no
    concatenation of the store's chunks first)."""
    if not _is_arrow(values):
        return values[mask]
    import pyarrow as pa

    kept = values.filter(pa.array(mask))
    if not isinstance(kept, pa.ChunkedArray):
        return kept
    if pa.types.is_string(kept.type) and kept.nbytes > _TEXT_LIMIT:
        kept = kept.cast(pa.large_string())  # more text than 32-bit offsets reach: 64-bit ones
    return kept.combine_chunks()


def _replaced(current, mask: np.ndarray, new):
    """`current` with `new` (in order) where `mask` holds."""
    if not _is_arrow(current):
        result = current.copy()
        result[mask] = new
        return result
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(current, pa.ChunkedArray):
        current = current.combine_chunks()
    return pc.replace_with_mask(current, pa.array(mask), new.cast(current.type))


def _missing(values) -> np.ndarray:
    """For each value: is it missing (NaT; texts are never missing, "" is a text)?"""
    if _is_arrow(values):
        return values.is_null().to_numpy(zero_copy_only=False)
    return np.isnat(values) if values.dtype.kind == "M" else np.zeros(len(values), dtype=bool)


def _encoded(texts) -> tuple[np.ndarray, list[str]]:
    """The distinct texts, in order of first appearance, and each row's index among them."""
    if not _is_arrow(texts):
        distinct: dict[str, int] = {}
        codes = [distinct.setdefault(text, len(distinct)) for text in texts.tolist()]
        return np.array(codes, dtype=np.int64), list(distinct)
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if texts.null_count:  # never null in the logs; "" if so (no copy of the texts when none is)
        texts = pc.fill_null(texts, "")
    encoded = pc.dictionary_encode(texts)
    return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()


def _integers(texts) -> np.ndarray:
    if not _is_arrow(texts):
        return np.array([int(text) for text in texts.tolist()], dtype=np.int64)
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.cast(texts, pa.int64()).to_numpy(zero_copy_only=False)  # arrow's cast: 10× pandas' astype


def as_list(values) -> list:
    """A column's values as Python objects; equal texts share one str (a report holds a hundred
    thousand findings, whose counties, towns, sectors and recorders are a few dozen texts: less
    memory, and faster than a new str per row)."""
    if not _is_arrow(values):
        return values.tolist()
    import pyarrow as pa

    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return values.to_pylist()
    codes, distinct = _encoded(values)
    return np.array(distinct, dtype=object)[codes].tolist()


def pick(columns: Columns, rows: np.ndarray, names) -> Columns:
    """The columns `names` at `rows` (a boolean mask, or positions in any order). A column at a
    time: arrow's filter releases the GIL, but a column per core held two columns' copies at
    once, which took the export of a million findings over 1 GB for 0.1 s less."""
    if rows.dtype == bool:
        return {name: _where(columns[name], rows) for name in names}
    mask = np.zeros(_length(columns), dtype=bool)
    mask[rows] = True
    order = np.searchsorted(np.flatnonzero(mask), rows)  # each wanted row among the filtered
    return {name: take(_where(columns[name], mask), order) for name in names}


def order_of(columns: Columns, names: list[str]) -> np.ndarray:
    """The positions that sort the rows by `names`: stable, missing values last (arrow's sort,
    five times faster than pandas' at a million rows, which factorizes every text key first; a
    few records' texts and numbers, by Python's sort)."""
    keys = [columns[n] for n in names]
    if not any(map(_is_arrow, keys)):
        rows = [tuple((v is None, v) for v in row) for row in zip(*(k.tolist() for k in keys), strict=True)]
        return np.array(sorted(range(len(rows)), key=rows.__getitem__), dtype=np.int64)  # None (NaT) last
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.table(
        [k if _is_arrow(k) else pa.array(k, from_pandas=True) for k in keys],
        names=[f"k{i}" for i in range(len(keys))],
    )
    return pc.sort_indices(table, sort_keys=[(f"k{i}", "ascending") for i in range(len(keys))]).to_numpy()


def _sorted(columns: Columns, names: list[str]) -> Columns:
    if _length(columns) < 2:
        return columns
    order = order_of(columns, names)
    return {name: take(values, order) for name, values in columns.items()}


def days_of(texts, coerce: bool = False) -> np.ndarray:
    """ISO date texts ("" for none) as datetime64[us], NaT for none; each distinct text parsed
    once (a campaign has a few dozen dates and a million rows). The store lets only real dates
    into its date columns; coerce: any other text (a recorded_at cut short) is NaT, not an error."""
    from anfang.store import parse_log_date

    codes, distinct = _encoded(texts)
    parsed = []
    for text in distinct:
        try:
            day = parse_log_date(text, "deadline")  # "" is no date; a wrong text raises
        except ValueError:
            if not coerce:
                raise
            day = None
        parsed.append(NAT if day is None else np.datetime64(day, "us"))
    return np.array(parsed, dtype="datetime64[us]")[codes]


def _site_keys(sites) -> np.ndarray:
    """model.site_key for every row, as an integer (equal keys, equal integers), computed once
    per distinct name."""
    codes, names = _encoded(sites)
    keys: dict = {}
    per_name = [keys.setdefault(site_key(name), len(keys)) for name in names]
    return np.array(per_name, dtype=np.int64)[codes]


def occurrence(codes: np.ndarray, size: int, last: bool = False) -> np.ndarray:
    """For each code 0..size-1, the position of its first (or last) occurrence in `codes`, -1 for
    a code that does not occur; one more entry, -1, for the codes >= size (a ref to no id), so
    that `occurrence(...)[np.minimum(refs, size)]` looks refs up."""
    inside = np.flatnonzero(codes < size)
    if last:
        found = np.full(size + 1, -1, dtype=np.int64)
        np.maximum.at(found, codes[inside], inside)
        return found
    found = np.full(size + 1, len(codes), dtype=np.int64)
    np.minimum.at(found, codes[inside], inside)
    found[found == len(codes)] = -1
    return found


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values, by a sort and a look at neighbours: numpy 2's np.unique hashes
    and is fifty times slower on a million integers."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


class _Changes:
    """The observations' id codes, and a function placing values given per code (a change's
    ref) on every observation row holding that id (a duplicated id: on each of its rows)."""

    def __init__(self, obs_codes: np.ndarray) -> None:
        self.obs = obs_codes
        self.size = int(obs_codes.max()) + 1 if len(obs_codes) else 0

    def holds(self, codes: np.ndarray) -> np.ndarray:
        """For every observation row: is its code among `codes`?"""
        marked = np.zeros(self.size + 1, dtype=bool)
        marked[codes[codes < self.size]] = True
        return marked[self.obs]

    def override(self, current, codes: np.ndarray, values, only_missing: bool = False):
        """`current` with the value of each of `codes` (the last one of a code wins) on the rows of
        its observation, where that value is not missing (and, only_missing, the row's is)."""
        if not len(codes):
            return current
        chosen = occurrence(codes, self.size, last=True)[self.obs]
        use = chosen >= 0
        use[use] = ~_missing(take(values, chosen[use]))
        if only_missing:
            use &= _missing(current)
        if not use.any():
            return current
        return _replaced(current, use, take(values, chosen[use]))


class _Kinds:
    """The records' kinds encoded once (eight texts over a million rows): each question about them
    is then a lookup of small integers, not another pass over the texts."""

    def __init__(self, kinds) -> None:
        self.codes, self.names = _encoded(kinds)

    def among(self, *kinds: str) -> np.ndarray:
        return np.isin(self.codes, [i for i, name in enumerate(self.names) if name in kinds])


# -- the state ----------------------------------------------------------------------------------


def state_columns(columns: Columns, as_of: date, amends: Columns | None = None) -> Columns:
    """One row per observation dated on or before `as_of` that is not voided, in its state then
    (STATE_COLUMNS, dates parsed, flags as booleans, plus row: its row in `columns`, verified,
    handover_date, is_finding, handed_over and site_key). `amends`: amendment_columns(columns),
    for a caller that also fetches texts (findings) from the same columns."""
    day_text = as_of.isoformat()  # ISO dates order as text: no parsing to filter
    kinds = _Kinds(columns["kind"])
    dated = _up_to(columns["date"], day_text)
    is_event = kinds.among(RECTIFY, HANDOVER, DEADLINE, VERIFY) & dated
    events = pick(
        columns, is_event, ["ref_code", "kind", "date", "handover", "deadline", "fields", *ORDER[1:]]
    )
    amends = amendment_columns(columns, kinds) if amends is None else amends
    candidates = kinds.among(VISIT, FINDING) & dated
    void_codes = columns["ref_code"][kinds.among(VOID)]
    if len(void_codes):
        candidates[candidates] = ~_Changes(columns["id_code"][candidates]).holds(void_codes)
    obs = pick(columns, candidates, STATE_COLUMNS)
    obs["row"] = np.flatnonzero(candidates)  # where the long texts are, for details_columns
    ids = _Changes(obs["id_code"])
    obs["date"] = days_of(obs["date"])
    _apply_amendments(obs, ids, amends, [n for n in AMENDABLE if n in STATE_COLUMNS])
    steps = one_of(events["kind"], RECTIFY, VERIFY)
    _rectification(obs, ids, pick(events, steps, list(events)))
    # only handovers and deadline moves need the exact event order (the last one wins)
    events = _sorted(pick(events, ~steps, list(events)), ORDER)
    obs["handover_date"] = np.where(filled(obs["handover"]), obs["date"], NAT)
    handed = one_of(events["kind"], HANDOVER)
    handed_codes = events["ref_code"][handed]
    obs["handover"] = ids.override(obs["handover"], handed_codes, _where(events["handover"], handed))
    obs["handover_date"] = ids.override(
        obs["handover_date"], handed_codes, days_of(_where(events["date"], handed))
    )
    moves = ~handed | filled(events["deadline"])  # a deadline move, or a handover that sets one
    obs["deadline"] = days_of(
        ids.override(obs["deadline"], events["ref_code"][moves], _where(events["deadline"], moves))
    )
    obs["group"] = _integers(obs["group"])
    obs["major"] = one_of(obs["major"], "是")
    obs["evidence"] = one_of(obs["evidence"], "是")
    obs["is_finding"] = one_of(obs["kind"], FINDING)
    obs["handed_over"] = filled(obs["handover"])  # asked by every count: once
    obs["site_key"] = _site_keys(obs["site"])
    return obs


def _earliest(dates, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The earliest of `dates` (ISO texts) per code: the distinct codes, and their earliest days
    (NaT when a code has none)."""
    unique = distinct(codes)
    days = days_of(dates).view(np.int64).copy()
    days[days == NAT.view(np.int64)] = _NEVER
    earliest = np.full(len(unique), _NEVER, dtype=np.int64)
    np.minimum.at(earliest, np.searchsorted(unique, codes), days)
    earliest[earliest == _NEVER] = NAT.view(np.int64)
    return unique, earliest.view("datetime64[us]")


def _rectification(obs: Columns, ids: _Changes, steps: Columns) -> None:
    """rectified and verified of every observation from its rectify and verify events. Findings
    never 复查'd need no order (the earliest rectification stands); the few that were are
    replayed in event order."""
    obs["rectified"] = days_of(obs["rectified"])
    obs["verified"] = np.full(len(obs["rectified"]), NAT)
    if not _length(steps):
        return
    codes = steps["ref_code"]
    checked_codes = distinct(codes[one_of(steps["kind"], VERIFY)])
    checked = np.isin(codes, checked_codes)
    plain = _earliest(_where(steps["date"], ~checked), codes[~checked])
    obs["rectified"] = ids.override(obs["rectified"], *plain, only_missing=True)
    if not len(checked_codes):
        return
    steps = _sorted(pick(steps, checked, list(steps)), ORDER)
    code, position = steps["ref_code"], np.arange(len(steps["ref_code"]))
    failed = one_of(steps["fields"], FAIL)
    last_fail = np.full(ids.size + 1, -1, dtype=np.int64)
    np.maximum.at(last_fail, np.minimum(code[failed], ids.size), position[failed])
    last_fail[ids.size] = -1  # a change of no observation
    if failed.any():  # a failed 复查 undoes what was rectified before it, on the spot included
        obs["rectified"] = np.where(ids.holds(code[failed]), NAT, obs["rectified"])
    still_rectified = ids.holds(checked_codes) & ~np.isnat(obs["rectified"])
    on_the_spot = np.zeros(ids.size + 1, dtype=bool)
    on_the_spot[ids.obs[still_rectified]] = True  # still rectified at the visit
    slot = np.minimum(code, ids.size)
    after = position > last_fail[slot]
    fix = after & one_of(steps["kind"], RECTIFY)
    dates = steps["date"]
    obs["rectified"] = ids.override(
        obs["rectified"], *_earliest(_where(dates, fix), code[fix]), only_missing=True
    )
    # a passed 复查 counts after the rectification it verifies (one at the visit comes first of all)
    passes = after & one_of(steps["kind"], VERIFY) & one_of(steps["fields"], PASS)
    if not passes.any():
        return
    fixed_at = np.full(ids.size + 1, np.inf)
    np.minimum.at(fixed_at, slot[fix], position[fix].astype(float))
    fixed_at[on_the_spot] = -1
    passed = passes & (position > fixed_at[slot])
    verified = ids.override(obs["verified"], *_earliest(_where(dates, passed), code[passed]))
    obs["verified"] = np.where(np.isnat(obs["rectified"]), NAT, verified)


def amendment_columns(columns: Columns, kinds: _Kinds | None = None) -> Columns:
    """The amendment records, with the columns corrections need (the rows first would copy every
    column of them)."""
    amend = (kinds or _Kinds(columns["kind"])).among(AMEND)
    return pick(columns, amend, ["ref_code", "fields", *ORDER, *AMENDABLE])


def _apply_amendments(obs: Columns, ids: _Changes, amends: Columns, names: list[str]) -> None:
    """Corrections of the fields `names`, the last one wins; they apply to every date."""
    if not _length(amends):
        return
    amends = _sorted(amends, ORDER)
    codes = amends["ref_code"]
    fields = [set(text.split(";")) for text in as_list(amends["fields"])]
    for name in names:
        named = np.fromiter((name in f for f in fields), dtype=bool, count=len(fields))
        if named.any():  # most fields are never corrected
            obs[name] = ids.override(obs[name], codes[named], _where(amends[name], named))


def details_columns(columns: Columns, rows: Columns, amends: Columns, names=DETAIL_COLUMNS) -> Columns:
    """State rows with their long texts (address, hazard, photos, recorder) and where they were
    written (or only the DETAIL_COLUMNS `names`), corrected by `amends` (amendment_columns)."""
    joined = {**rows, **pick(columns, rows["row"], names)}
    _apply_amendments(joined, _Changes(joined["id_code"]), amends, [n for n in AMENDABLE if n in names])
    return joined


def as_dates(values: np.ndarray) -> list[date | None]:
    """Dates as date objects, NaT as None (numpy converts whole days directly)."""
    return np.asarray(values).astype("datetime64[D]").astype(object).tolist()


def iso_days(values: np.ndarray) -> list[str]:
    """Dates as ISO texts, "" for NaT."""
    days = np.asarray(values).astype("datetime64[D]")
    return np.where(np.isnat(days), "", np.datetime_as_string(days)).tolist()


def as_findings(rows: Columns) -> list[Finding]:
    """Finding values for state rows that carry their texts (details_columns). Column by column
    (a list per column, then zip): building row by row is ten times slower."""
    if not _length(rows):
        return []
    photos = [tuple(filter(None, text.split(";"))) if text else () for text in as_list(rows["photos"])]
    columns = (
        as_list(rows["id"]), as_list(rows["kind"]), as_list(rows["group"]), as_dates(rows["date"]),
        as_list(rows["county"]), as_list(rows["town"]), as_list(rows["sector"]), as_list(rows["site"]),
        as_list(rows["address"]), as_list(rows["hazard"]), as_list(rows["major"]), as_list(rows["evidence"]),
        photos, as_list(rows["handover"]), as_dates(rows["handover_date"]), as_dates(rows["deadline"]),
        as_dates(rows["rectified"]), as_dates(rows["verified"]), as_list(rows["by"]), as_list(rows["recorded_at"]),
        as_list(rows["source"]), as_list(rows["line"]),
    )  # fmt: skip
    return list(map(Finding._make, zip(*columns, strict=True)))


def findings_as_of(columns: Columns, as_of: date) -> list[Finding]:
    """Every observation in its state at the end of `as_of`, as Finding values, in the order of
    the records. `columns`: of a few records (records_columns: one finding's lines, an import's
    known ids) or of the store (the reports select state rows first and fetch texts only for those)."""
    return as_findings(details_columns(columns, state_columns(columns, as_of), amendment_columns(columns)))


def event_key(record) -> tuple:
    """The order in which a finding's records apply (ORDER, for one Record)."""
    return (record.date or date.min, record.recorded_at, record.source, record.line)


def finding_state(records, record_id: str, as_of: date) -> Finding | None:
    """The state of one observation from its own records (store.records_about), by this same
    engine; None if it is voided or dated after `as_of`. Imports neither pyarrow nor pandas."""
    return next((f for f in findings_as_of(records_columns(records), as_of) if f.id == record_id), None)


def records_columns(records) -> Columns:
    """A few records (one finding's lines, an import's known ids) as the columns of
    columnar.read_columns' columns, in numpy arrays: ids and refs coded by the rule of columnar._codes
    (equal texts, equal codes; the ids' codes dense from 0, then the other refs'), here in order
    of first appearance."""
    from anfang.store import COLUMNS, record_values

    rows = [record_values(r) for r in records]
    columns = {name: np.array([row[i] for row in rows], dtype=object) for i, name in enumerate(COLUMNS[:-1])}
    columns["source"] = np.array([r.source for r in records], dtype=object)
    columns["line"] = np.array([r.line for r in records], dtype=np.int64)
    codes: dict[str, int] = {}
    ids = [codes.setdefault(r.id, len(codes)) for r in records]
    columns["id_code"] = np.array(ids, dtype=np.int64)
    columns["ref_code"] = np.array([codes.setdefault(r.ref, len(codes)) for r in records], dtype=np.int64)
    return columns


# -- queries on columns: what the reports select, count and list -------------------------------


def rows_at(columns: Columns, rows: np.ndarray) -> Columns:
    """Every column at `rows` (a boolean mask, or positions in any order)."""
    return pick(columns, rows, list(columns))


def ordered(rows: Columns, names: list[str]) -> Columns:
    """The rows sorted by `names` (order_of: stable, missing values last)."""
    return _sorted(rows, names)


def known_groups(state: Columns, numbers) -> Columns:
    """The state rows of the groups `numbers`: records of a group groups.yaml does not know are
    left out of every output (anfang check names them). The same columns, not a copy of a
    million rows, when every row is of those groups."""
    keep = np.isin(state["group"], list(numbers))
    return state if keep.all() else rows_at(state, keep)


def findings(columns: Columns, rows: Columns, amends: Columns | None = None) -> list[Finding]:
    """Finding values for the chosen state rows of `columns` (the store's), with their texts;
    `amends`: amendment_columns(columns), for callers that fetch details several times."""
    return as_findings(
        details_columns(columns, rows, amendment_columns(columns) if amends is None else amends)
    )


def visit_keys(rows: Columns) -> np.ndarray:
    """One integer per site visit of state rows: the same site (folded name) on the same day by the
    same group counts once (Finding.site_key), as a number so visits are counted without hashing
    rows. Injective: groups are below 1000 and site keys below their count."""
    if not _length(rows):
        return np.zeros(0, dtype=np.int64)
    day = rows["date"].astype("datetime64[D]").astype(np.int64)
    sites = rows["site_key"].astype(np.int64)
    return (day * 1000 + rows["group"]) * (int(sites.max()) + 1) + sites


def days_on_site(state: Columns, start: date, end: date) -> dict[int, int]:
    """暗访天数 per group: distinct visit dates within the campaign (start..end); a record dated
    outside it is still counted as a visit, but not as a day on site (the same rule as check)."""
    dates = state["date"]
    inside = (dates >= np.datetime64(start, "us")) & (dates <= np.datetime64(end, "us"))
    day = dates[inside].astype("datetime64[D]").astype(np.int64)
    pairs = distinct(state["group"][inside].astype(np.int64) * 1_000_000 + (day - day.min(initial=0)))
    groups, counts = np.unique(pairs // 1_000_000, return_counts=True)  # a few groups
    return dict(zip(groups.tolist(), counts.tolist(), strict=True))
