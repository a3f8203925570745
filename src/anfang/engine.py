"""THE state of every visit and finding as of the end of a date, written once, column-wise.

Every command that needs state comes here: the reports over the whole store (a frame from
columnar.read_frame) and the one-finding commands (a frame of that finding's few lines). The rules:
- an observation (visit or finding) dated on or before the date, not voided, is in the state;
- events (rectify, handover, deadline, verify) count from their date on, in the order
  (date, recorded_at, file, line); the last handover and deadline move win;
- 整改 and 复查: a failed 复查 (verify fail) undoes every rectification before it, the one made on
  the spot included; after the last failed 复查 the earliest rectification stands (rectified),
  and the earliest passed 复查 after it closes the finding (verified, 销号);
- corrections (amend, void) fix the record itself and apply to every date, the last one wins.
The row-wise model of the same rules lives in tests/oracle/ as the executable specification;
tests hold this engine equal to it on every field. Never imported on `anfang log`'s path.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

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
# The state keeps the columns the figures need; the long texts are fetched (with_details) only for
# the rows a report lists, which keeps a campaign of millions within memory.
STATE_COLUMNS = ["id", "kind", "group", "date", "county", "town", "sector", "site", "major", "evidence",
                 "handover", "deadline", "rectified", "recorded_at", "id_code"]  # fmt: skip
DETAIL_COLUMNS = ["address", "hazard", "photos", "by", "source", "line"]


def parse_days(values: pd.Series, errors: str = "raise") -> pd.Series:
    """ISO date texts ("" for none) as datetimes, each distinct text parsed once (a campaign has a
    few dozen dates and a million rows); errors="coerce": an unreadable text is NaT too."""
    codes, texts = pd.factorize(values)
    texts = pd.Series(texts, dtype=object)
    parsed = pd.to_datetime(texts.where(texts != ""), format="%Y-%m-%d", errors=errors).to_numpy()
    parsed = np.append(parsed, np.datetime64("NaT"))  # code -1 (a missing value) takes the last
    return pd.Series(parsed[codes], index=values.index)


def select(frame: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """frame[columns] at `rows` (a boolean mask, or positions in any order) on a new range index.
    Text columns are filtered by arrow chunk by chunk, then made one chunk: pandas' take (what
    .loc does) makes arrow concatenate a million-row column of the store's chunks first, for
    every column and every selection."""
    if rows.dtype == bool:
        mask, order = rows, None
    else:
        mask = np.zeros(len(frame), dtype=bool)
        mask[rows] = True
        order = np.searchsorted(np.flatnonzero(mask), rows)  # each wanted row among the filtered
    picked, arrow_mask = {}, pa.array(mask)
    for name in columns:
        values = frame[name]
        if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            texts = pa.array(values).filter(arrow_mask)
            if isinstance(texts, pa.ChunkedArray):  # one chunk: later takes need no concatenation
                texts = texts.combine_chunks()
            if order is not None:
                texts = texts.take(pa.array(order))
            picked[name] = texts.to_pandas()
        else:
            kept = values.to_numpy()[mask]
            picked[name] = kept if order is None else kept[order]
    return pd.DataFrame(picked, index=pd.RangeIndex(int(mask.sum()) if order is None else len(order)))


def sorted_by(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """rows.sort_values(columns, kind="stable") (missing values last), by arrow's stable sort:
    five times faster at a million rows, where pandas factorizes every text key first."""
    import pyarrow.compute as pc

    if len(rows) < 2:
        return rows
    keys = pa.table([pa.array(rows[c]) for c in columns], names=[f"k{i}" for i in range(len(columns))])
    order = pc.sort_indices(keys, sort_keys=[(f"k{i}", "ascending") for i in range(len(columns))])
    return rows.iloc[order.to_numpy()]


def _site_keys(sites: pd.Series) -> np.ndarray:
    """model.site_key for every row, computed once per distinct name."""
    codes, names = pd.factorize(sites)
    if not len(names):
        return np.array([], dtype=int)
    return pd.factorize(pd.Series([site_key(name) for name in names.tolist()], dtype=object))[0][codes]


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

    def override(
        self, current: pd.Series, codes: np.ndarray, values: pd.Series, only_missing=False
    ) -> pd.Series:
        """`current` with the value of each of `codes` (the last one of a code wins) on the rows of
        its observation, where that value is not missing (and, only_missing, the row's is)."""
        if not len(codes):
            return current
        chosen = occurrence(codes, self.size, last=True)[self.obs]
        use = chosen >= 0
        use[use] = values.iloc[chosen[use]].notna().to_numpy()
        if only_missing:
            use &= current.isna().to_numpy()
        if not use.any():
            return current
        rows = np.flatnonzero(use)
        result = current.copy()
        result.iloc[rows] = values.iloc[chosen[rows]].to_numpy()
        return result


def state_as_of(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per observation dated on or before `as_of` that is not voided, in its state then."""
    day_text = as_of.isoformat()  # ISO dates order as text: no parsing to filter
    kinds = frame["kind"].astype("category")
    dated = (frame["date"] <= day_text).to_numpy()
    is_obs = ((kinds == VISIT) | (kinds == FINDING)).to_numpy()
    is_event = kinds.isin([RECTIFY, HANDOVER, DEADLINE, VERIFY]).to_numpy() & dated
    events = select(
        frame, is_event, ["ref", "ref_code", "kind", "date", "handover", "deadline", "fields", *ORDER[1:]]
    )
    amends = amendments(frame)
    candidates = is_obs & dated
    void_codes = frame["ref_code"].to_numpy()[(kinds == VOID).to_numpy()]
    if len(void_codes):
        candidates[candidates] = ~_Changes(frame["id_code"].to_numpy()[candidates]).holds(void_codes)
    obs = select(frame, candidates, STATE_COLUMNS)
    obs["row"] = np.flatnonzero(candidates)  # where the long texts are, for with_details
    ids = _Changes(obs["id_code"].to_numpy())
    obs["date"] = parse_days(obs["date"])
    obs = _apply_amendments(obs, ids, amends, [n for n in AMENDABLE if n in STATE_COLUMNS])
    event_kinds = events["kind"]
    _rectification(obs, ids, events[event_kinds.isin([RECTIFY, VERIFY]).to_numpy()])
    # only handovers and deadline moves need the exact event order (the last one wins)
    events = sorted_by(events[event_kinds.isin([HANDOVER, DEADLINE]).to_numpy()], ORDER)
    obs["handover_date"] = obs["date"].where(obs["handover"] != "")
    handed = events[events["kind"] == HANDOVER]
    handed_codes = handed["ref_code"].to_numpy()
    obs["handover"] = ids.override(obs["handover"], handed_codes, handed["handover"])
    obs["handover_date"] = ids.override(obs["handover_date"], handed_codes, parse_days(handed["date"]))
    moves = events[(events["kind"] == DEADLINE) | ((events["kind"] == HANDOVER) & (events["deadline"] != ""))]
    obs["deadline"] = parse_days(
        ids.override(obs["deadline"], moves["ref_code"].to_numpy(), moves["deadline"])
    )
    obs["group"] = pa.array(obs["group"]).cast(pa.int64()).to_numpy()  # arrow's cast: 10× pandas' astype
    obs["major"] = obs["major"] == "是"
    obs["evidence"] = obs["evidence"] == "是"
    obs["is_finding"] = obs["kind"] == FINDING
    obs["site_key"] = _site_keys(obs["site"])
    return obs


def _earliest(dates: pd.Series, codes: np.ndarray) -> tuple[np.ndarray, pd.Series]:
    """The earliest of `dates` (ISO texts) per code: the codes, and their dates parsed."""
    if not len(codes):
        return codes, pd.Series([], dtype="datetime64[ns]")
    earliest = parse_days(dates).groupby(codes).min()
    return earliest.index.to_numpy(), earliest.reset_index(drop=True)


def _rectification(obs: pd.DataFrame, ids: _Changes, steps: pd.DataFrame) -> None:
    """rectified and verified of every observation from its rectify and verify events. Findings
    never 复查'd need no order (the earliest rectification stands); the few that were are
    replayed in event order."""
    obs["rectified"] = parse_days(obs["rectified"])
    obs["verified"] = pd.Series(pd.NaT, index=obs.index, dtype=obs["rectified"].dtype)
    if steps.empty:
        return
    codes = steps["ref_code"].to_numpy()
    is_verify = (steps["kind"] == VERIFY).to_numpy()
    checked_codes = distinct(codes[is_verify])
    checked = np.isin(codes, checked_codes)
    plain = _earliest(steps["date"][~checked], codes[~checked])
    obs["rectified"] = ids.override(obs["rectified"], *plain, only_missing=True)
    if not len(checked_codes):
        return
    steps = sorted_by(steps[checked], ORDER)
    code, position = steps["ref_code"].to_numpy(), np.arange(len(steps))
    failed = (steps["fields"] == FAIL).to_numpy()
    last_fail = np.full(ids.size + 1, -1, dtype=np.int64)
    np.maximum.at(last_fail, np.minimum(code[failed], ids.size), position[failed])
    last_fail[ids.size] = -1  # a change of no observation
    if failed.any():  # a failed 复查 undoes what was rectified before it, on the spot included
        obs["rectified"] = obs["rectified"].mask(ids.holds(code[failed]))
    still_rectified = ids.holds(checked_codes) & obs["rectified"].notna().to_numpy()
    on_the_spot = np.zeros(ids.size + 1, dtype=bool)
    on_the_spot[ids.obs[still_rectified]] = True  # still rectified at the visit
    slot = np.minimum(code, ids.size)
    after = position > last_fail[slot]
    kinds = steps["kind"].to_numpy()
    fix = after & (kinds == RECTIFY)
    obs["rectified"] = ids.override(
        obs["rectified"], *_earliest(steps["date"][fix], code[fix]), only_missing=True
    )
    # a passed 复查 counts after the rectification it verifies (one at the visit comes first of all)
    passes = after & (kinds == VERIFY) & (steps["fields"] == PASS).to_numpy()
    if not passes.any():
        return
    fixed_at = np.full(ids.size + 1, np.inf)
    np.minimum.at(fixed_at, slot[fix], position[fix].astype(float))
    fixed_at[on_the_spot] = -1
    passed = passes & (position > fixed_at[slot])
    verified = ids.override(obs["verified"], *_earliest(steps["date"][passed], code[passed]))
    obs["verified"] = verified.where(obs["rectified"].notna())


def visit_keys(rows: pd.DataFrame) -> np.ndarray:
    """One integer per site visit of state rows: the same site (folded name) on the same day by the
    same group counts once (Finding.site_key), as a number so visits are counted without hashing
    rows. Injective: groups are below 1000 and site keys below their count."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    day = rows["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    sites = rows["site_key"].to_numpy().astype(np.int64)
    return (day * 1000 + rows["group"].to_numpy()) * (int(sites.max()) + 1) + sites


def of_groups(state: pd.DataFrame, numbers) -> pd.DataFrame:
    """The state rows of the groups `numbers`: records of a group groups.yaml does not know are
    left out of every output (anfang check names them). The same frame, not a copy of a million
    rows, when every row is of those groups."""
    keep = state["group"].isin(list(numbers)).to_numpy()
    return state if keep.all() else state[keep]


def days_on_site(state: pd.DataFrame, start: date, end: date) -> pd.Series:
    """暗访天数 per group: distinct visit dates within the campaign (start..end); a record dated
    outside it is still counted as a visit, but not as a day on site (the same rule as check)."""
    inside = state[(state["date"] >= pd.Timestamp(start)) & (state["date"] <= pd.Timestamp(end))]
    return inside.groupby("group")["date"].nunique()


def amendments(frame: pd.DataFrame) -> pd.DataFrame:
    """The amendment records, with the columns corrections need (the rows first would copy every
    column of them)."""
    return select(
        frame, (frame["kind"] == AMEND).to_numpy(), ["ref", "ref_code", "fields", *ORDER, *AMENDABLE]
    )


def with_details(frame: pd.DataFrame, rows: pd.DataFrame, amends: pd.DataFrame | None = None) -> pd.DataFrame:
    """State rows with their long texts (address, hazard, photos, recorder) and where they were
    written, corrected by `amends` (the amendment rows of the frame, found once by the caller
    that fetches details several times)."""
    if amends is None:
        amends = amendments(frame)
    details = select(frame, rows["row"].to_numpy(), DETAIL_COLUMNS).set_axis(rows.index)
    joined = pd.concat([rows, details], axis=1)
    names = [n for n in AMENDABLE if n in DETAIL_COLUMNS]
    return _apply_amendments(joined, _Changes(joined["id_code"].to_numpy()), amends, names)


def _apply_amendments(
    obs: pd.DataFrame, ids: _Changes, amends: pd.DataFrame, names: list[str]
) -> pd.DataFrame:
    """Corrections of the fields `names`, the last one wins; they apply to every date."""
    if amends.empty:
        return obs
    amends = sorted_by(amends, ORDER)
    codes = amends["ref_code"].to_numpy()
    fields = [set(text.split(";")) for text in amends["fields"].tolist()]
    for name in names:
        named = np.fromiter((name in f for f in fields), dtype=bool, count=len(fields))
        if named.any():  # most fields are never corrected
            obs[name] = ids.override(obs[name], codes[named], amends[name][named])
    return obs


def _days(values: pd.Series) -> list[date | None]:
    """Dates as date objects, NaT as None (numpy converts whole days directly)."""
    return values.to_numpy("datetime64[D]").astype(object).tolist()


def iso_dates(values: pd.Series) -> list[str]:
    """Datetimes as ISO date texts, "" for NaT (each distinct date formatted once)."""
    codes, uniques = pd.factorize(values)
    texts = np.append(pd.DatetimeIndex(uniques).strftime("%Y-%m-%d").to_numpy(dtype=object), "")
    return texts[codes].tolist()


def as_findings(rows: pd.DataFrame) -> list[Finding]:
    """Finding values for state rows that carry their texts (with_details). Column by column
    (a list per column, then zip): iterating a frame's rows is ten times slower."""
    if rows.empty:
        return []
    photos = [tuple(filter(None, text.split(";"))) if text else () for text in rows["photos"].tolist()]
    columns = (
        rows["id"].tolist(), rows["kind"].tolist(), rows["group"].tolist(), _days(rows["date"]),
        rows["county"].tolist(), rows["town"].tolist(), rows["sector"].tolist(), rows["site"].tolist(),
        rows["address"].tolist(), rows["hazard"].tolist(), rows["major"].tolist(), rows["evidence"].tolist(),
        photos, rows["handover"].tolist(), _days(rows["handover_date"]), _days(rows["deadline"]),
        _days(rows["rectified"]), _days(rows["verified"]), rows["by"].tolist(), rows["recorded_at"].tolist(), rows["source"].tolist(),
        rows["line"].tolist(),
    )  # fmt: skip
    return list(map(Finding._make, zip(*columns, strict=True)))


def findings_of(frame: pd.DataFrame, rows: pd.DataFrame, amends: pd.DataFrame | None = None) -> list[Finding]:
    """Finding values for the chosen state rows (with their texts)."""
    return as_findings(with_details(frame, rows, amends))


def findings_as_of(frame: pd.DataFrame, as_of: date) -> list[Finding]:
    """Every observation of the frame in its state at the end of `as_of`, as Finding values, in
    the order of the logs. For the few records of one finding or an import's known ids; the
    reports select state rows first and fetch texts only for those."""
    return findings_of(frame, state_as_of(frame, as_of))


def event_key(record) -> tuple:
    """The order in which a finding's records apply (ORDER, for one Record)."""
    return (record.date or date.min, record.recorded_at, record.source, record.line)


def finding_state(records, record_id: str, as_of: date) -> Finding | None:
    """The state of one observation from its own records (store.records_about), by this same
    engine; None if it is voided or dated after `as_of`."""
    from anfang.columnar import records_frame

    return next((f for f in findings_as_of(records_frame(records), as_of) if f.id == record_id), None)
