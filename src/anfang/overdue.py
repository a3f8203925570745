"""Open findings past their 整改期限 on a date (anfang overdue, the report's list), oldest
deadline first."""

from __future__ import annotations

from datetime import date

import numpy as np

from anfang.engine import Columns, Finding, findings, ordered, rows_at


def overdue_findings(store: Columns, state: Columns, as_of: date, groups: list[int],
                     amends: Columns | None = None) -> list[Finding]:  # fmt: skip
    """Open findings of `groups` past 整改期限 on `as_of` in `state` (engine.state_columns of
    `store`), oldest deadline first."""
    late = (
        state["is_finding"] & np.isnat(state["rectified"]) & (state["deadline"] < np.datetime64(as_of, "us"))
        & np.isin(state["group"], groups)
    )  # fmt: skip
    return findings(store, ordered(rows_at(state, late), ["deadline", "date", "id"]), amends)


def awaiting_verification(store: Columns, state: Columns, as_of: date, groups: list[int],
                          days: int, amends: Columns | None = None) -> list[Finding]:  # fmt: skip
    """Findings rectified more than `days` days before `as_of` and not verified yet (待复查超期),
    the longest waiting first."""
    waiting = (
        state["is_finding"] & ~np.isnat(state["rectified"]) & np.isnat(state["verified"])
        & (state["rectified"] < np.datetime64(as_of, "us") - np.timedelta64(days, "D"))
        & np.isin(state["group"], groups)
    )  # fmt: skip
    return findings(store, ordered(rows_at(state, waiting), ["rectified", "date", "id"]), amends)


def verification_rows(findings: list[Finding], group_names: dict[int, str], as_of: date) -> list[list[str]]:
    return [
        [f.id, group_names[f.group], f.date.isoformat(), f.site, f.hazard, f.handover or "—",
         f.rectified.isoformat(), str((as_of - f.rectified).days)]
        for f in findings
    ]  # fmt: skip


VERIFICATION_HEADERS = [
    "编号",
    "组别",
    "发现日期",
    "企业（场所）",
    "问题隐患",
    "交办部门",
    "整改日期",
    "已等待天数",
]

OVERDUE_HEADERS = ["编号", "组别", "发现日期", "企业（场所）", "问题隐患", "交办部门", "整改期限", "逾期天数"]


def overdue_rows(findings: list[Finding], group_names: dict[int, str], as_of: date) -> list[list[str]]:
    return [
        [f.id, group_names[f.group], f.date.isoformat(), f.site, f.hazard, f.handover or "—",
         f.deadline.isoformat(), str(f.overdue_days(as_of))]
        for f in findings
    ]  # fmt: skip
