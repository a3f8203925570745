"""The campaign summary for the assessment (anfang summary): the whole campaign up to a date,
per group and per sector, days on site against the minimum, the major hazards and their state,
and the coverage of the key sectors by each group (是否抓住本地区本行业关键要害)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from anfang.config import Config
from anfang.engine import (
    Columns,
    Finding,
    amendment_columns,
    days_on_site,
    distinct,
    findings,
    known_groups,
    ordered,
    rows_at,
    state_columns,
    visit_keys,
)


@dataclass(frozen=True)
class Totals:
    """Counts up to the date: sites are site visits (a site on two days counts twice)."""

    sites: int
    hazards: int
    major: int
    rectified: int
    handed_over: int
    overdue: int
    verified: int = 0  # 已复查销号
    awaiting_verification: int = 0  # 待复查

    @property
    def rectification_rate(self) -> float | None:
        return round(self.rectified / self.hazards, 3) if self.hazards else None


@dataclass(frozen=True)
class Summary:
    until: date
    config: Config
    groups: dict[int, Totals]
    days_on_site: dict[int, int]
    sectors: dict[str, Totals]
    coverage: dict[int, dict[str, int]]  # group -> key sector -> site visits
    total: Totals
    major: tuple[Finding, ...]  # every major hazard up to the date, in its state then


def totals_by(
    rows: Columns, keys: np.ndarray, size: int, until: date, visits: np.ndarray | None = None
) -> list[Totals]:
    """Totals of the state rows of each key 0..size-1 (a row whose key is -1 counts nowhere), in
    one pass: a per-key filter of the whole state costs a second at a million findings.
    `visits`: visit_keys(rows), when the caller counts the same rows by several keys."""
    inside = keys >= 0
    found = rows["is_finding"]
    fixed, closed = ~np.isnat(rows["rectified"]), ~np.isnat(rows["verified"])

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(keys[inside & mask], minlength=size)

    columns = [
        sites_by(visit_keys(rows) if visits is None else visits, keys, size),
        count(found),  # hazards
        count(found & rows["major"]),
        count(found & fixed),  # rectified (closed ones included)
        count(found & rows["handed_over"]),
        count(found & ~fixed & (rows["deadline"] < np.datetime64(until, "us"))),  # overdue
        count(found & closed),  # verified
        count(found & fixed & ~closed),  # awaiting verification
    ]
    return [Totals(*(int(c[k]) for c in columns)) for k in range(size)]


def sites_by(visits: np.ndarray, keys: np.ndarray, size: int) -> np.ndarray:
    """Distinct visits (engine.visit_keys) per key 0..size-1 (a key of -1 counts nowhere)."""
    inside = keys >= 0
    pairs = distinct(visits[inside] * size + keys[inside])
    return np.bincount(pairs % size, minlength=size)


def group_positions(groups: np.ndarray, numbers: list[int]) -> np.ndarray:
    """The position of each group number in `numbers`, -1 if absent."""
    numbers = np.asarray(numbers, dtype=np.int64)
    order = np.argsort(numbers, kind="stable")
    at = np.minimum(np.searchsorted(numbers[order], groups), max(len(numbers) - 1, 0))
    return np.where(numbers[order][at] == groups, order[at], -1) if len(numbers) else np.full(len(groups), -1)


def build_summary(store: Columns, config: Config, until: date) -> Summary:
    """`store`: the logs' columns (columnar.read_columns)."""
    numbers = [g.number for g in config.groups]
    amends = amendment_columns(store)
    state = known_groups(state_columns(store, until, amends), numbers)
    group_keys = group_positions(state["group"], numbers)
    visits = visit_keys(state)
    by_group = totals_by(state, group_keys, len(numbers), until, visits)
    groups = dict(zip(numbers, by_group, strict=True))
    days = days_on_site(state, config.campaign.start, config.campaign.end)
    names = [s.name for s in config.sectors]
    sector_keys = sector_positions(state["sector"], names)  # -1: not in sectors.yaml
    sectors = dict(zip(names, totals_by(state, sector_keys, len(names), until, visits), strict=True))
    (total,) = totals_by(state, np.zeros(len(group_keys), dtype=int), 1, until, visits)
    keys = group_keys * len(names) + sector_keys
    sites = sites_by(visits, np.where(sector_keys >= 0, keys, -1), len(numbers) * len(names))
    coverage = {
        g.number: {s.name: int(sites[i * len(names) + names.index(s.name)]) for s in config.key_sectors}
        for i, g in enumerate(config.groups)
    }
    majors = ordered(rows_at(state, state["is_finding"] & state["major"]), ["date", "group", "id"])
    return Summary(
        until=until, config=config, groups=groups,
        days_on_site={g.number: int(days.get(g.number, 0)) for g in config.groups},
        sectors=sectors, coverage=coverage, total=total,
        major=tuple(findings(store, majors, amends)),
    )  # fmt: skip


def sector_positions(texts, names: list[str]) -> np.ndarray:
    """The position of each text (an arrow column) in `names`, -1 if absent (arrow's lookup: few
    names, a million texts)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.index_in(texts, value_set=pa.array(names, texts.type))
    return pc.fill_null(found, -1).to_numpy().astype(np.int64)


def _figures(t: Totals) -> dict:
    return {"sites": t.sites, "hazards": t.hazards, "major": t.major, "rectified": t.rectified,
            "verified": t.verified, "awaiting_verification": t.awaiting_verification}  # fmt: skip


def summary_json(s: Summary) -> dict:
    """DESIGN.md's shape."""
    required = s.config.campaign.min_days_on_site
    return {
        "until": s.until.isoformat(),
        "groups": [
            {
                "group": n,
                "region": s.config.group(n).region,
                **_figures(t),
                "rectification_rate": t.rectification_rate,
                "handed_over": t.handed_over,
                "overdue": t.overdue,
                "days_on_site": s.days_on_site[n],
                "days_required": required,
            }
            for n, t in s.groups.items()
        ],
        "sectors": [{"sector": name, **_figures(t)} for name, t in s.sectors.items()],
        "coverage": {str(n): cells for n, cells in s.coverage.items()},
        "total": {**_figures(s.total), "handed_over": s.total.handed_over, "overdue": s.total.overdue},
    }


def summary_json_text(s: Summary) -> str:
    import json

    return json.dumps(summary_json(s), ensure_ascii=False, indent=2) + "\n"
