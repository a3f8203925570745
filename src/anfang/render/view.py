"""Report data -> display values (text for each cell and sentence), shared by Markdown and Excel.

`escape` is applied to every value that came from the logs or the config, and to nothing else,
so the Markdown renderer can make user text inert while Excel gets it verbatim.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from anfang.dates import month_day
from anfang.engine import Finding
from anfang.report import GroupReport, Report

Escape = Callable[[str], str]


def _day(value: date | None) -> str:
    return month_day(value) if value else ""


def finding_view(f: Finding, as_of: date, group_name: str, escape: Escape) -> dict:
    return {
        "id": escape(f.id),
        "group_name": group_name,
        "date": _day(f.date),
        "sector": escape(f.sector),
        "site": escape(f.site),
        "address": escape(f.address),
        "hazard": escape(f.hazard),
        "major_text": "是" if f.major else "否",
        "evidence_text": "是" if f.evidence else "否",
        "handover": escape(f.handover),
        "rectified_on": _day(f.rectified),
        "deadline": _day(f.deadline),
        "days_overdue": f.overdue_days(as_of),
    }


def group_view(g: GroupReport, as_of: date, escape: Escape) -> dict:
    return {
        "number": g.group.number,
        "name": g.group.name,
        "region": escape(g.group.region),
        "visited": g.visited,
        "places": [(escape(county), [escape(t) for t in towns]) for county, towns in g.places],
        "day": g.day,
        "to_date": g.to_date,
        "days_on_site": g.days_on_site,
        "findings": [finding_view(f, as_of, g.group.name, escape) for f in g.findings],
    }


def report_view(report: Report, escape: Escape) -> dict:
    names = {g.number: g.name for g in report.config.groups}
    return {
        "date": _day(report.date),
        "iso_date": report.date.isoformat(),
        "campaign": escape(report.config.campaign.title),
        "city": report.city,
        "groups": [group_view(g, report.date, escape) for g in report.groups],
        "total_day": report.total_day,
        "total_to_date": report.total_to_date,
        "missing": [names[n] for n in report.missing],
        "major": [finding_view(f, report.date, names[f.group], escape) for f in report.major_today],
        "overdue": [finding_view(f, report.date, names[f.group], escape) for f in report.overdue],
        "sectors": [
            {"name": escape(name), "day": day, "to_date": to_date} for name, day, to_date in report.sectors
        ],
    }
