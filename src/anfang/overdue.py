"""Open findings past their 整改期限 on a date (anfang overdue, the report's list), oldest
deadline first."""

from __future__ import annotations

from datetime import date

import pandas as pd

from anfang.engine import Finding, findings_of, sorted_by


def overdue_findings(frame: pd.DataFrame, state: pd.DataFrame, as_of: date, groups: list[int],
                     amends: pd.DataFrame | None = None) -> list[Finding]:  # fmt: skip
    """Open findings of `groups` past 整改期限 on `as_of` in `state` (engine.state_as_of of
    `frame`), oldest deadline first."""
    late = state[
        state["is_finding"]
        & state["rectified"].isna()
        & (state["deadline"] < pd.Timestamp(as_of))
        & state["group"].isin(groups)
    ]
    return findings_of(frame, sorted_by(late, ["deadline", "date", "id"]), amends)


def awaiting_verification(frame: pd.DataFrame, state: pd.DataFrame, as_of: date, groups: list[int],
                          days: int) -> list[Finding]:  # fmt: skip
    """Findings rectified more than `days` days before `as_of` and not verified yet (待复查超期),
    the longest waiting first."""
    waiting = state[
        state["is_finding"] & state["rectified"].notna() & state["verified"].isna()
        & (state["rectified"] < pd.Timestamp(as_of) - pd.Timedelta(days=days)) & state["group"].isin(groups)
    ]  # fmt: skip
    return findings_of(frame, sorted_by(waiting, ["rectified", "date", "id"]))


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
