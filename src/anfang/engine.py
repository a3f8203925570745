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
                 "handover", "deadline", "rectified", "recorded_at"]  # fmt: skip
DETAIL_COLUMNS = ["address", "hazard", "photos", "by", "source", "line"]


def is_in(values, allowed) -> np.ndarray:
    """values.isin(allowed) for text, by arrow's hash lookup: pandas' own takes seconds when
    `allowed` holds a million ids."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.is_in(pa.array(values, pa.large_string()), value_set=pa.array(allowed, pa.large_string()))
    return found.to_numpy(zero_copy_only=False)


def parse_days(values: pd.Series, errors: str = "raise") -> pd.Series:
    """ISO date texts ("" for none) as datetimes, each distinct text parsed once (a campaign has a
    few dozen dates and a million rows); errors="coerce": an unreadable text is NaT too."""
    codes, texts = pd.factorize(values)
    texts = pd.Series(texts, dtype=object)
    parsed = pd.to_datetime(texts.where(texts != ""), format="%Y-%m-%d", errors=errors).to_numpy()
    parsed = np.append(parsed, np.datetime64("NaT"))  # code -1 (a missing value) takes the last
    return pd.Series(parsed[codes], index=values.index)


def _site_keys(sites: pd.Series) -> np.ndarray:
    """site_key for every row, computed once per distinct name."""
    codes, names = pd.factorize(sites)
    if not len(names):
        return np.array([], dtype=int)
    folded = (
        pd.Series(names, dtype="str").str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.lower()
    )
    return pd.factorize(folded)[0][codes]


def state_as_of(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per observation dated on or before `as_of` that is not voided, in its state then."""
    day_text = as_of.isoformat()  # ISO dates order as text: no parsing to filter
    kinds = frame["kind"].astype("category")
    voided = frame.loc[kinds == VOID, "ref"]
    keep = ((kinds == VISIT) | (kinds == FINDING)) & (frame["date"] <= day_text)
    if len(voided):
        keep &= ~is_in(frame["id"], voided.unique())
    obs = frame.loc[keep, STATE_COLUMNS].copy()
    obs["row"] = obs.index  # where the long texts are, for with_details
    obs = obs.reset_index(drop=True)
    obs["date"] = parse_days(obs["date"])
    ids = pd.Index(obs["id"])  # built once: every change finds its observation through it
    obs = _apply_amendments(obs, ids, amendments(frame), [n for n in AMENDABLE if n in STATE_COLUMNS])
    is_event = kinds.isin([RECTIFY, HANDOVER, DEADLINE, VERIFY]) & (frame["date"] <= day_text)
    events = frame.loc[
        is_event, ["ref", "kind", "date", "handover", "deadline", "fields", "recorded_at", "source", "line"]
    ]
    _rectification(obs, ids, events[events["kind"].isin([RECTIFY, VERIFY])])
    # only handovers and deadline moves need the exact event order (the last one wins)
    events = events[events["kind"].isin([HANDOVER, DEADLINE])].sort_values(ORDER, kind="stable")
    obs["handover_date"] = obs["date"].where(obs["handover"] != "")
    handed = events[events["kind"] == HANDOVER].drop_duplicates("ref", keep="last").set_index("ref")
    obs["handover"] = _override(obs, ids, handed["handover"], "handover")
    obs["handover_date"] = _override(obs, ids, parse_days(handed["date"]), "handover_date")
    moves = events[(events["kind"] == DEADLINE) | ((events["kind"] == HANDOVER) & (events["deadline"] != ""))]
    moves = moves.drop_duplicates("ref", keep="last").set_index("ref")
    obs["deadline"] = parse_days(_override(obs, ids, moves["deadline"], "deadline"))
    obs["group"] = pa.array(obs["group"]).cast(pa.int64()).to_numpy()  # arrow's cast: 10× pandas' astype
    obs["major"] = obs["major"] == "是"
    obs["evidence"] = obs["evidence"] == "是"
    obs["is_finding"] = obs["kind"] == FINDING
    obs["site_key"] = _site_keys(obs["site"])
    return obs


def _rectification(obs: pd.DataFrame, ids: pd.Index, steps: pd.DataFrame) -> None:
    """rectified and verified of every observation from its rectify and verify events. Findings
    never 复查'd need no order (the earliest rectification stands); the few that were are replayed
    in event order."""
    obs["rectified"] = parse_days(obs["rectified"])
    obs["verified"] = pd.Series(pd.NaT, index=obs.index, dtype=obs["rectified"].dtype)
    if steps.empty:
        return
    checked_refs = steps.loc[steps["kind"] == VERIFY, "ref"].unique()
    checked = is_in(steps["ref"], checked_refs)
    plain = steps[~checked].groupby("ref")["date"].min()
    obs["rectified"] = _override(obs, ids, parse_days(plain), "rectified", only_missing=True)
    if not len(checked_refs):
        return
    steps = steps[checked].sort_values(ORDER, kind="stable")
    steps = steps.assign(position=np.arange(len(steps)))
    last_fail = steps[steps["fields"] == FAIL].groupby("ref")["position"].max()
    if len(last_fail):  # a failed 复查 undoes what was rectified before it, on the spot included
        obs["rectified"] = obs["rectified"].mask(is_in(obs["id"], last_fail.index))
    checked_obs = is_in(obs["id"], checked_refs)
    on_the_spot = pd.Index(
        obs.loc[checked_obs & obs["rectified"].notna(), "id"]
    )  # still rectified at the visit
    after = steps["position"] > steps["ref"].map(last_fail).fillna(-1).to_numpy()
    fixes = steps[after & (steps["kind"] == RECTIFY)]
    obs["rectified"] = _override(
        obs, ids, parse_days(fixes.groupby("ref")["date"].min()), "rectified", only_missing=True
    )
    # a passed 复查 counts after the rectification it verifies (one at the visit comes first of all)
    passes = steps[after & (steps["kind"] == VERIFY) & (steps["fields"] == PASS)]
    if passes.empty:
        return
    fixed_at = passes["ref"].map(fixes.groupby("ref")["position"].min()).astype(float)
    fixed_at = fixed_at.mask(is_in(passes["ref"], on_the_spot), -1)
    passed = passes[passes["position"] > fixed_at.fillna(np.inf)].groupby("ref")["date"].min()
    obs["verified"] = _override(obs, ids, parse_days(passed), "verified").where(obs["rectified"].notna())


def _override(
    obs: pd.DataFrame, ids: pd.Index, by_id: pd.Series, column: str, only_missing: bool = False
) -> pd.Series:
    """`column` with the values of `by_id` (indexed by observation id) where it has one."""
    current = obs[column]
    if by_id.empty:
        return current
    if ids.is_unique:
        positions = ids.get_indexer(by_id.index)
        found = positions >= 0
        new = pd.Series(pd.NA, index=obs.index, dtype=by_id.dtype)
        new.iloc[positions[found]] = by_id.to_numpy()[found]
    else:  # duplicate ids (a damaged log, which check reports): slower, same result
        new = obs["id"].map(by_id)
    use = new.notna() & (current.isna() if only_missing else True)
    return current.mask(use, new)


def days_on_site(state: pd.DataFrame, start: date, end: date) -> pd.Series:
    """暗访天数 per group: distinct visit dates within the campaign (start..end); a record dated
    outside it is still counted as a visit, but not as a day on site (the same rule as check)."""
    inside = state[(state["date"] >= pd.Timestamp(start)) & (state["date"] <= pd.Timestamp(end))]
    return inside.groupby("group")["date"].nunique()


def amendments(frame: pd.DataFrame) -> pd.DataFrame:
    """The amendment records, with the columns corrections need (the rows first would copy every
    column of them)."""
    return frame.loc[(frame["kind"] == AMEND).to_numpy(), ["ref", "fields", *ORDER, *AMENDABLE]]


def with_details(frame: pd.DataFrame, rows: pd.DataFrame, amends: pd.DataFrame | None = None) -> pd.DataFrame:
    """State rows with their long texts (address, hazard, photos, recorder) and where they were
    written, corrected by `amends` (the amendment rows of the frame, found once by the caller
    that fetches details several times)."""
    if amends is None:
        amends = amendments(frame)
    details = frame.loc[rows["row"], DETAIL_COLUMNS].set_axis(rows.index)
    joined = pd.concat([rows, details], axis=1)
    return _apply_amendments(
        joined, pd.Index(joined["id"]), amends, [n for n in AMENDABLE if n in DETAIL_COLUMNS]
    )


def _apply_amendments(
    obs: pd.DataFrame, ids: pd.Index, amends: pd.DataFrame, names: list[str]
) -> pd.DataFrame:
    """Corrections of the fields `names`, the last one wins; they apply to every date."""
    if amends.empty:
        return obs
    amends = amends.sort_values(ORDER, kind="stable")
    fields = [set(text.split(";")) for text in amends["fields"].tolist()]
    for name in names:
        named = np.fromiter((name in f for f in fields), dtype=bool, count=len(fields))
        if named.any():  # most fields are never corrected
            changed = amends[named].drop_duplicates("ref", keep="last").set_index("ref")[name]
            obs[name] = _override(obs, ids, changed, name)
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
    photos = [tuple(p for p in text.split(";") if p) for text in rows["photos"].tolist()]
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
