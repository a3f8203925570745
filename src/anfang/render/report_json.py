"""The daily report as JSON for scripts: the shape of DESIGN.md, stable keys. Dates are left as
date objects (None for none): cli/base.dump_json (orjson) writes them as ISO text, "2020-03-27"."""

from __future__ import annotations

from datetime import date

from anfang.engine import Finding
from anfang.report import Figures, Report


def finding_data(f: Finding) -> dict:
    """A finding in the report's `findings` (DESIGN.md)."""
    return {"id": f.id, "sector": f.sector, "site": f.site, "address": f.address, "hazard": f.hazard,
            "major": f.major, "evidence": f.evidence, "handover": f.handover, "deadline": f.deadline,
            "rectified": f.rectified is not None}  # fmt: skip


def listed_finding_data(f: Finding) -> dict:
    """`anfang list --format json`: the report's keys plus where and when."""
    return {**finding_data(f), "group": f.group, "date": f.date, "county": f.county,
            "town": f.town, "rectified_date": f.rectified}  # fmt: skip


def overdue_data(findings, as_of: date) -> list[dict]:
    """`overdue` of the report and `anfang overdue --format json`."""
    return [
        {**finding_data(f), "group": f.group, "date": f.date, "days_overdue": f.overdue_days(as_of)}
        for f in findings
    ]


def _figures(f: Figures) -> dict:
    return {"sites": f.sites, "hazards": f.hazards, "major": f.major, "rectified": f.rectified,
            "handed_over": f.handed_over}  # fmt: skip


def report_json(report: Report) -> dict:
    return {
        "date": report.date,
        "groups": [
            {
                "group": g.group.number,
                "name": g.group.name,
                "region": g.group.region,
                "day": {"counties": g.counties, "towns": g.towns, **_figures(g.day)},
                "to_date": {**_figures(g.to_date), "days_on_site": g.days_on_site},
                "findings": [finding_data(f) for f in g.findings],
            }
            for g in report.groups
        ],
        "total": {"day": _figures(report.total_day), "to_date": _figures(report.total_to_date)},
        "missing": report.missing,
        "overdue": overdue_data(report.overdue, report.date),
    }
