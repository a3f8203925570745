"""Open findings past their 整改期限 on a date (anfang overdue), oldest deadline first."""

from __future__ import annotations

from datetime import date

from anfang.ledger import Finding, findings_as_of
from anfang.model import Record


def overdue_findings(records: list[Record], as_of: date, groups: list[int] | None = None) -> list[Finding]:
    found = [
        f
        for f in findings_as_of(records, as_of)
        if f.overdue_days(as_of) and (not groups or f.group in groups)
    ]
    return sorted(found, key=lambda f: (f.deadline, f.date, f.id))


OVERDUE_HEADERS = ["编号", "组别", "发现日期", "企业（场所）", "问题隐患", "交办部门", "整改期限", "逾期天数"]


def overdue_rows(findings: list[Finding], group_names: dict[int, str], as_of: date) -> list[list[str]]:
    return [
        [f.id, group_names[f.group], f.date.isoformat(), f.site, f.hazard, f.handover or "—",
         f.deadline.isoformat(), str(f.overdue_days(as_of))]
        for f in findings
    ]  # fmt: skip


def overdue_rows_frame(frame, state, as_of: date, groups: list[int]):
    """Open findings of `groups` past 整改期限 on `as_of`, oldest deadline first, with their texts:
    column-wise, from the state (stateframe.state_as_of) of the logs' frame. The report and
    `anfang overdue` both use it; overdue_findings above is the row-wise reference."""
    import pandas as pd

    from anfang.stateframe import amendments, with_details

    late = state[
        state["is_finding"]
        & state["rectified"].isna()
        & (state["deadline"] < pd.Timestamp(as_of))
        & state["group"].isin(groups)
    ]
    return with_details(frame, late.sort_values(["deadline", "date", "id"]), amendments(frame))
