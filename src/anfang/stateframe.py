"""Records (a frame from columnar.read_frame) -> every observation's state as of the end of a
date, vectorised. Same rules as ledger.findings_as_of (the reference; tests hold them equal):
events count from their date on, in the order (date, recorded_at, file, line); corrections
(amend, void) apply to every date.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from anfang.ledger import Finding
from anfang.model import AMEND, AMENDABLE, DEADLINE, FINDING, HANDOVER, RECTIFY, VISIT, VOID

ORDER = ["date", "recorded_at", "source", "line"]
# The state keeps the columns the figures need; the long texts are fetched (with_details) only for
# the rows a report lists, which keeps a campaign of millions within memory.
STATE_COLUMNS = ["id", "kind", "group", "date", "county", "town", "sector", "site", "major", "evidence",
                 "handover", "deadline", "rectified", "recorded_at"]  # fmt: skip
DETAIL_COLUMNS = ["address", "hazard", "photos", "by"]


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.where(values != ""), format="%Y-%m-%d")


def _site_keys(sites: pd.Series) -> np.ndarray:
    """The same site on the same day counts once: fold width, spaces and case (as ledger.site_key),
    once per distinct name."""
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
        keep &= ~frame["id"].isin(voided.unique())
    obs = frame.loc[keep, STATE_COLUMNS].copy()
    obs["row"] = obs.index  # where the long texts are, for with_details
    obs = obs.reset_index(drop=True)
    obs["date"] = _dates(obs["date"])
    ids = pd.Index(obs["id"])  # built once: every change finds its observation through it
    obs = _apply_amendments(obs, ids, frame[kinds == AMEND], [n for n in AMENDABLE if n in STATE_COLUMNS])
    is_event = ((kinds == RECTIFY) | (kinds == HANDOVER) | (kinds == DEADLINE)) & (frame["date"] <= day_text)
    events = frame.loc[
        is_event, ["ref", "kind", "date", "handover", "deadline", "recorded_at", "source", "line"]
    ]
    fixed = events.loc[events["kind"] == RECTIFY, ["ref", "date"]].groupby("ref")["date"].min()
    # only handovers and deadline moves need the exact event order (the last one wins)
    events = events[events["kind"] != RECTIFY].sort_values(ORDER, kind="stable")
    obs["rectified"] = _dates(obs["rectified"])
    obs["rectified"] = _override(obs, ids, _dates(fixed), "rectified", only_missing=True)
    obs["handover_date"] = obs["date"].where(obs["handover"] != "")
    handed = events[events["kind"] == HANDOVER].drop_duplicates("ref", keep="last").set_index("ref")
    obs["handover"] = _override(obs, ids, handed["handover"], "handover")
    obs["handover_date"] = _override(obs, ids, _dates(handed["date"]), "handover_date")
    moves = events[(events["kind"] == DEADLINE) | ((events["kind"] == HANDOVER) & (events["deadline"] != ""))]
    moves = moves.drop_duplicates("ref", keep="last").set_index("ref")
    obs["deadline"] = _dates(_override(obs, ids, moves["deadline"], "deadline"))
    obs["group"] = obs["group"].astype(int)
    obs["major"] = obs["major"] == "是"
    obs["evidence"] = obs["evidence"] == "是"
    obs["is_finding"] = obs["kind"] == FINDING
    obs["site_key"] = _site_keys(obs["site"])
    return obs


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
    return frame[frame["kind"] == AMEND]


def with_details(frame: pd.DataFrame, rows: pd.DataFrame, amends: pd.DataFrame) -> pd.DataFrame:
    """State rows with their long texts (address, hazard, photos, recorder), corrected by
    `amends` (the amendment rows of the frame)."""
    details = frame.loc[rows["row"], DETAIL_COLUMNS].set_axis(rows.index)
    joined = pd.concat([rows, details], axis=1)
    amends = amends[amends["ref"].isin(rows["id"])]
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
    for name in names:
        changed = amends[amends["fields"].str.split(";").map(lambda names, n=name: n in names)]
        obs[name] = _override(
            obs, ids, changed.drop_duplicates("ref", keep="last").set_index("ref")[name], name
        )
    return obs


def _day(value) -> date | None:
    return None if pd.isna(value) else value.date()


def as_findings(rows: pd.DataFrame) -> list[Finding]:
    """Finding objects for a (small) set of state rows, for the report's lists."""
    return [
        Finding(
            id=r.id,
            kind=r.kind,
            group=r.group,
            date=r.date.date(),
            county=r.county,
            town=r.town,
            sector=r.sector,
            site=r.site,
            address=r.address,
            hazard=r.hazard,
            major=bool(r.major),
            evidence=bool(r.evidence),
            photos=tuple(p for p in r.photos.split(";") if p),
            handover=r.handover,
            handover_date=_day(r.handover_date),
            deadline=_day(r.deadline),
            rectified=_day(r.rectified),
            by=r.by,
            recorded_at=r.recorded_at,
        )
        for r in rows.itertuples(index=False)
    ]


def findings_json(rows: pd.DataFrame) -> list[dict]:
    """The report's `findings` entries (DESIGN.md), made column-wise: a day may have thousands."""
    table = pd.DataFrame({
        "id": rows["id"], "sector": rows["sector"], "site": rows["site"], "address": rows["address"],
        "hazard": rows["hazard"], "major": rows["major"].astype(bool), "evidence": rows["evidence"].astype(bool),
        "handover": rows["handover"], "deadline": rows["deadline"].dt.strftime("%Y-%m-%d"),
        "rectified": rows["rectified"].notna(),
    })  # fmt: skip
    records = table.to_dict("records")
    for record in records:  # NaT formats as NaN: JSON wants null
        if not isinstance(record["deadline"], str):
            record["deadline"] = None
    return records


def overdue_json(rows: pd.DataFrame, as_of: date) -> list[dict]:
    """`anfang overdue --format json` entries, made column-wise (there may be many)."""
    records = findings_json(rows)
    groups = rows["group"].astype(int).tolist()
    dates = rows["date"].dt.strftime("%Y-%m-%d").tolist()
    late = (pd.Timestamp(as_of) - rows["deadline"]).dt.days.tolist()
    for record, group, day, days in zip(records, groups, dates, late, strict=True):
        record.update(group=group, date=day, days_overdue=days)
    return records
