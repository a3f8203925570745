"""State -> the daily report of 附件2 for a date, with to-date figures. Pure: no I/O.

Computed column-wise from the engine's state of the logs' frame, so a campaign of millions of
findings reports in seconds; the report holds plain values only (renderers never see a frame).

Counted as of the end of D: observations dated D (daily) or on/before D (to date), each in its
state on D; events dated after D do not count. See DESIGN.md, "The report".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from anfang.config import Config, Group
from anfang.engine import (
    Columns,
    Finding,
    amendment_columns,
    as_list,
    findings,
    known_groups,
    ordered,
    rows_at,
    state_columns,
)
from anfang.engine import days_on_site as days_on_site_of
from anfang.overdue import overdue_findings
from anfang.summary import group_positions, sector_positions, totals_by


@dataclass(frozen=True)
class Figures:
    """The five numbers of the form's 总体情况 sentences."""

    sites: int = 0  # 检查企业（场所）
    hazards: int = 0  # 发现问题或隐患
    major: int = 0  # 其中重大隐患
    rectified: int = 0  # 已完成整改
    handed_over: int = 0  # 已交办属地相关部门
    verified: int = 0  # 已复查销号 (counted in rectified too)
    awaiting_verification: int = 0  # 待复查: rectified, not verified yet

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (self.sites, self.hazards, self.major, self.rectified, self.handed_over, self.verified,
                self.awaiting_verification)  # fmt: skip


@dataclass(frozen=True)
class GroupReport:
    group: Group
    day: Figures
    to_date: Figures
    days_on_site: int
    places: tuple[tuple[str, tuple[str, ...]], ...]  # (县市区, (镇街道, …)) in order of visit
    findings: tuple[Finding, ...]  # the day's findings: the form's table

    @property
    def visited(self) -> bool:
        return self.day.sites > 0

    @property
    def counties(self) -> list[str]:
        return [county for county, _ in self.places]

    @property
    def towns(self) -> list[str]:
        return [town for _, towns in self.places for town in towns]


@dataclass(frozen=True)
class Report:
    date: date
    config: Config
    groups: tuple[GroupReport, ...]
    city: bool  # all groups: the city summary comes first
    overdue: tuple[Finding, ...]  # open, past 整改期限 on `date`, oldest first
    sectors: tuple[tuple[str, int, int], ...] = ()  # (行业领域, findings that day, findings to date)

    @property
    def total_day(self) -> Figures:
        return sum((g.day for g in self.groups), Figures())

    @property
    def total_to_date(self) -> Figures:
        return sum((g.to_date for g in self.groups), Figures())

    @property
    def missing(self) -> list[int]:
        """Groups with no visit recorded on the day."""
        return [g.group.number for g in self.groups if not g.visited]

    @property
    def major_today(self) -> list[Finding]:
        return [f for g in self.groups for f in g.findings if f.major]


def _places(today: Columns) -> dict[int, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Per group, the day's counties and their towns in the order they were recorded."""
    places: dict[int, dict[str, dict[str, None]]] = {}
    rows = ordered(
        {n: today[n] for n in ("recorded_at", "id", "group", "county", "town")}, ["recorded_at", "id"]
    )
    for group, county, town in zip(rows["group"].tolist(), as_list(rows["county"]), as_list(rows["town"]),
                                   strict=True):  # fmt: skip
        places.setdefault(group, {}).setdefault(county, {}).setdefault(town, None)
    return {g: tuple((county, tuple(towns)) for county, towns in by.items()) for g, by in places.items()}


def _figures_by_group(rows: Columns, numbers: list[int], day: date) -> dict[int, Figures]:
    """The form's figures per group: the summary's totals (sites are counted per day and summed,
    so the daily reports add up), without the overdue count the form does not print."""
    totals = totals_by(rows, group_positions(rows["group"], numbers), len(numbers), day)
    return {
        n: Figures(
            t.sites, t.hazards, t.major, t.rectified, t.handed_over, t.verified, t.awaiting_verification
        )
        for n, t in zip(numbers, totals, strict=True)
    }


def build_report(store: Columns, config: Config, day: date, groups: list[int] | None = None) -> Report:
    """The report for `day` from the logs' columns (columnar.read_columns): every group, or `groups`."""
    numbers = groups or [g.number for g in config.groups]
    amends = amendment_columns(store)
    state = known_groups(state_columns(store, day, amends), numbers)
    today = rows_at(state, state["date"] == np.datetime64(day, "us"))
    daily, to_date = _figures_by_group(today, numbers, day), _figures_by_group(state, numbers, day)
    days_on_site = days_on_site_of(state, config.campaign.start, config.campaign.end)
    found_today = ordered(rows_at(today, today["is_finding"]), ["date", "recorded_at", "id"])
    by_group: dict[int, list[Finding]] = {n: [] for n in numbers}
    for finding in findings(store, found_today, amends):  # texts fetched once for every group
        by_group[finding.group].append(finding)
    reports = []
    places = _places(today)
    for number in numbers:
        reports.append(
            GroupReport(
                group=config.group(number),
                day=daily[number],
                to_date=to_date[number],
                days_on_site=int(days_on_site.get(number, 0)),
                places=places.get(number, ()),
                findings=tuple(by_group[number]),
            )
        )
    overdue = tuple(overdue_findings(store, state, day, numbers, amends))
    names = [s.name for s in config.sectors]
    found = state["is_finding"]
    sector = sector_positions(state["sector"], names)
    on_day = np.bincount(
        sector[found & (sector >= 0) & (state["date"] == np.datetime64(day, "us"))], minlength=len(names)
    )
    to_day = np.bincount(sector[found & (sector >= 0)], minlength=len(names))
    sectors = tuple((name, int(a), int(b)) for name, a, b in zip(names, on_day, to_day, strict=True))
    return Report(day, config, tuple(reports), city=groups is None, overdue=overdue, sectors=sectors)
