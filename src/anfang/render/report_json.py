"""The daily report as JSON for scripts: the shape of DESIGN.md, stable keys."""

from __future__ import annotations

from anfang.ledger import finding_data
from anfang.overdue import overdue_data
from anfang.report import Figures, Report


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
                "findings": [finding_data(f) for f in g.findings],
            }
            for g in report.groups
        ],
        "total": {"day": _figures(report.total_day), "to_date": _figures(report.total_to_date)},
        "missing": report.missing,
        "overdue": [overdue_data(f, report.date) for f in report.overdue],
    }
