"""State -> the daily report of 附件2 for a date, with to-date figures. Pure: no I/O.

Counted as of the end of D: observations dated D (daily) or on/before D (to date), each in its
state on D; events dated after D do not count. See DESIGN.md, "The report".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from anfang.config import Config, Group
from anfang.ledger import Finding, findings_as_of
from anfang.model import Record
from anfang.overdue import overdue_findings


@dataclass(frozen=True)
class Figures:
    """The five numbers of the form's 总体情况 sentences."""

    sites: int = 0  # 检查企业（场所）
    hazards: int = 0  # 发现问题或隐患
    major: int = 0  # 其中重大隐患
    rectified: int = 0  # 已完成整改
    handed_over: int = 0  # 已交办属地相关部门

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (self.sites, self.hazards, self.major, self.rectified, self.handed_over)


def figures(observations: Iterable[Finding]) -> Figures:
    """Figures of one group's observations (any span of days): sites are counted per day."""
    items = list(observations)
    found = [f for f in items if f.is_finding]
    return Figures(
        sites=len({f.site_key for f in items}),
        hazards=len(found),
        major=sum(f.major for f in found),
        rectified=sum(f.rectified is not None for f in found),
        handed_over=sum(bool(f.handover) for f in found),
    )


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
    overdue: tuple[Finding, ...]  # open findings past 整改期限 on `date`, oldest first
    sectors: tuple[tuple[str, int, int], ...]  # (行业领域, findings that day, findings to date)

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


def _places(observations: list[Finding]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    places: dict[str, dict[str, None]] = {}
    for f in sorted(observations, key=lambda f: (f.recorded_at, f.id)):
        places.setdefault(f.county, {}).setdefault(f.town, None)
    return tuple((county, tuple(towns)) for county, towns in places.items())


def _order(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.date, f.recorded_at, f.id))


def build_report(records: list[Record], config: Config, day: date, groups: list[int] | None = None) -> Report:
    """The report for `day`: every group (city report) or only `groups`."""
    numbers = groups or [g.number for g in config.groups]
    state = [f for f in findings_as_of(records, day) if f.group in numbers]
    by_group: dict[int, list[Finding]] = {n: [] for n in numbers}
    for f in state:
        by_group[f.group].append(f)
    reports = []
    for number in numbers:
        observations = by_group[number]
        today = [f for f in observations if f.date == day]
        days = sorted({f.date for f in observations})
        to_date = sum((figures(f for f in observations if f.date == d) for d in days), Figures())
        reports.append(
            GroupReport(
                group=config.group(number),
                day=figures(today),
                to_date=to_date,
                days_on_site=len(days),
                places=_places(today),
                findings=tuple(_order(f for f in today if f.is_finding)),
            )
        )
    overdue = overdue_findings(records, day, numbers)
    found = [f for f in state if f.is_finding]
    sectors = tuple(
        (
            s.name,
            sum(f.sector == s.name and f.date == day for f in found),
            sum(f.sector == s.name for f in found),
        )
        for s in config.sectors
    )
    return Report(day, config, tuple(reports), city=groups is None, overdue=tuple(overdue), sectors=sectors)
