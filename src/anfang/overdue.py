"""Open findings past their 整改期限 on a date (anfang overdue), oldest deadline first."""

from __future__ import annotations

from datetime import date

from anfang.ledger import Finding, finding_data, findings_as_of
from anfang.model import Record


def overdue_findings(records: list[Record], as_of: date, groups: list[int] | None = None) -> list[Finding]:
    found = [
        f
        for f in findings_as_of(records, as_of)
        if f.overdue_days(as_of) and (not groups or f.group in groups)
    ]
    return sorted(found, key=lambda f: (f.deadline, f.date, f.id))


def overdue_data(finding: Finding, as_of: date) -> dict:
    return {
        **finding_data(finding),
        "group": finding.group,
        "date": finding.date.isoformat(),
        "days_overdue": finding.overdue_days(as_of),
    }


OVERDUE_HEADERS = ["编号", "组别", "发现日期", "企业（场所）", "问题隐患", "交办部门", "整改期限", "逾期天数"]


def overdue_rows(findings: list[Finding], group_names: dict[int, str], as_of: date) -> list[list[str]]:
    return [
        [f.id, group_names[f.group], f.date.isoformat(), f.site, f.hazard, f.handover or "—",
         f.deadline.isoformat(), str(f.overdue_days(as_of))]
        for f in findings
    ]  # fmt: skip
