"""The daily report as JSON for scripts: the shape of DESIGN.md, stable keys."""

from __future__ import annotations

from anfang.report import Figures, Report
from anfang.stateframe import findings_json, overdue_json


def _figures(f: Figures) -> dict:
    return {"sites": f.sites, "hazards": f.hazards, "major": f.major, "rectified": f.rectified,
            "handed_over": f.handed_over}  # fmt: skip


def report_json(report: Report) -> dict:
    return {
        "date": report.date.isoformat(),
        "groups": [
            {
                "group": g.group.number,
                "name": g.group.name,
                "region": g.group.region,
                "day": {"counties": g.counties, "towns": g.towns, **_figures(g.day)},
                "to_date": {**_figures(g.to_date), "days_on_site": g.days_on_site},
                "findings": findings_json(g.finding_rows),
            }
            for g in report.groups
        ],
        "total": {"day": _figures(report.total_day), "to_date": _figures(report.total_to_date)},
        "missing": report.missing,
        "overdue": overdue_json(report.overdue_rows, report.date),
    }
