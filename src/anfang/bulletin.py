"""通报 (the office's numbered bulletin) and 督办函 (letters to counties with overdue findings):
plain data for the Word and Markdown renderers. Figures follow the report's as-of rules: the
totals are the campaign summary's (summary.build_summary) for the same date."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from anfang.config import Config
from anfang.engine import (
    Columns,
    Finding,
    as_list,
    distinct,
    findings,
    known_groups,
    ordered,
    rows_at,
    state_columns,
    visit_keys,
)
from anfang.errors import AnfangError
from anfang.summary import Summary, Totals, build_summary

REPLY_DAYS = 5  # a 督办函 asks for the county's reply within this many days


@dataclass(frozen=True)
class CountyFigures:
    county: str
    sites: int
    hazards: int
    major: int
    rectified: int
    overdue: int
    kinds: tuple[tuple[str, int], ...]  # the most frequent hazards (text, count)


@dataclass(frozen=True)
class SectorFigures:
    sector: str
    totals: Totals
    kinds: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Bulletin:
    number: int
    until: date
    config: Config
    summary: Summary  # the figures, exactly those of `anfang summary --until`
    days: int  # days of the campaign up to `until`
    counties: tuple[CountyFigures, ...]
    key_sectors: tuple[SectorFigures, ...]
    typical: tuple[Finding, ...]  # the major hazards, with their photos
    findings: tuple[Finding, ...]  # 附件1: every finding up to `until`
    overdue: tuple[Finding, ...]  # 附件2: open past 整改期限 on `until`, oldest deadline first


def _kinds(hazards, top: int = 3) -> tuple[tuple[str, int], ...]:
    counted = Counter(" ".join(h.split())[:30] for h in hazards if h)
    return tuple(counted.most_common(top))


def _counties(state: Columns, listed: list[Finding], until: date) -> tuple[CountyFigures, ...]:
    result = []
    counties = np.array(as_list(state["county"]), dtype=object)
    open_late = np.isnat(state["rectified"]) & (state["deadline"] < np.datetime64(until, "us"))
    for county in sorted(set(counties.tolist())):
        here = counties == county
        mine = here & state["is_finding"]
        result.append(CountyFigures(
            county=county, sites=len(distinct(visit_keys(rows_at(state, here)))),
            hazards=int(mine.sum()), major=int((mine & state["major"]).sum()),
            rectified=int((mine & ~np.isnat(state["rectified"])).sum()), overdue=int((mine & open_late).sum()),
            kinds=_kinds(f.hazard for f in listed if f.county == county),
        ))  # fmt: skip
    return tuple(sorted(result, key=lambda c: (-c.hazards, c.county)))


def build_bulletin(store: Columns, config: Config, until: date, number: int) -> Bulletin:
    """`store`: the logs' columns (columnar.read_columns)."""
    from anfang.overdue import overdue_findings

    numbers = [g.number for g in config.groups]
    summary = build_summary(store, config, until)
    state = known_groups(state_columns(store, until), numbers)
    findings_ = findings(store, ordered(rows_at(state, state["is_finding"]), ["date", "group", "id"]))
    key = tuple(
        SectorFigures(
            s.name, summary.sectors[s.name], _kinds(f.hazard for f in findings_ if f.sector == s.name)
        )
        for s in config.key_sectors
    )
    campaign = config.campaign
    return Bulletin(
        number=number, until=until, config=config, summary=summary,
        days=max(0, (min(until, campaign.end) - campaign.start).days + 1),
        counties=_counties(state, findings_, until), key_sectors=key, typical=tuple(f for f in findings_ if f.major),
        findings=tuple(findings_), overdue=tuple(overdue_findings(store, state, until, numbers)),
    )  # fmt: skip


@dataclass(frozen=True)
class Letter:
    """督办函 to one county."""

    county: str
    day: date
    reply_by: date
    config: Config
    overdue: tuple[Finding, ...]  # oldest deadline first
    number: str  # 督办函编号: month, day and the county's place among that day's letters (40501)


def build_letters(store: Columns, config: Config, day: date, county: str | None = None) -> list[Letter]:
    """One letter per county with findings overdue on `day` (or only `county`); `store`: the
    logs' columns (columnar.read_columns)."""
    from anfang.overdue import overdue_findings

    numbers = [g.number for g in config.groups]
    late = overdue_findings(store, state_columns(store, day), day, numbers)
    by_county: dict[str, list[Finding]] = {}
    for f in late:
        by_county.setdefault(f.county, []).append(f)
    letters = [
        Letter(
            name,
            day,
            day + timedelta(days=REPLY_DAYS),
            config,
            tuple(items),
            f"{day.month}{day.day:02d}{i:02d}",
        )
        for i, (name, items) in enumerate(sorted(by_county.items()), start=1)
    ]
    if county is None:
        return letters
    chosen = [letter for letter in letters if letter.county == county.strip()]
    if not chosen:
        counties = "、".join(letter.county for letter in letters) or "没有"
        raise AnfangError(f"截至 {day}，{county} 没有逾期未整改的问题隐患；有逾期的县（市、区）：{counties}")
    return chosen
