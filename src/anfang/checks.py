"""Validations for `anfang check`. Each takes the campaign's data and returns problems; all run.

Errors (exit 1) are things wrong in the logs. Notices are the office's follow-up list: groups
with no records on the day, groups short of the required days on site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from anfang.config import Config
from anfang.dates import month_day
from anfang.errors import Problem
from anfang.ledger import findings_as_of
from anfang.model import OBSERVATIONS, VOID, Record


@dataclass(frozen=True)
class CheckInput:
    config: Config
    records: list[Record]
    read_problems: list[Problem]  # torn or unreadable lines, from the store
    day: date
    root: Path | None = None  # the workspace, for its sync history


Check = Callable[[CheckInput], list[Problem]]


def check_unreadable_lines(data: CheckInput) -> list[Problem]:
    return list(data.read_problems)


def check_duplicate_ids(data: CheckInput) -> list[Problem]:
    first: dict[str, Record] = {}
    problems = []
    for record in data.records:
        if record.id in first:
            problems.append(
                Problem(
                    record.source,
                    record.line,
                    f"编号 {record.id} 重复（首次出现在 {first[record.id].where}）",
                )
            )
        else:
            first[record.id] = record
    return problems


def check_references(data: CheckInput) -> list[Problem]:
    observations = {r.id: r for r in data.records if r.kind in OBSERVATIONS}
    voided_at: dict[str, Record] = {}
    problems = []
    for record in data.records:
        if not record.ref:
            continue
        target = observations.get(record.ref)
        if target is None:
            problems.append(
                Problem(record.source, record.line, f"{record.kind} 引用了不存在的编号 {record.ref}")
            )
            continue
        if record.kind == VOID:
            voided_at.setdefault(record.ref, record)
        elif record.ref in voided_at and record.recorded_at > voided_at[record.ref].recorded_at:
            problems.append(
                Problem(record.source, record.line, f"{record.ref} 已作废，之后仍有{record.kind}记录")
            )
        if record.kind not in ("amend", "void") and record.date and record.date < target.date:
            problems.append(
                Problem(
                    record.source,
                    record.line,
                    f"日期 {record.date} 早于 {record.ref} 的发现日期 {target.date}",
                )
            )
    return problems


def check_campaign_dates(data: CheckInput) -> list[Problem]:
    campaign = data.config.campaign
    return [
        Problem(
            r.source,
            r.line,
            f"{r.id} 的暗访日期 {r.date} 不在攻坚行动期间（{campaign.start} 至 {campaign.end}）",
        )
        for r in data.records
        if r.kind in OBSERVATIONS and not campaign.start <= r.date <= campaign.end
    ]


def check_known_groups(data: CheckInput) -> list[Problem]:
    known = {g.number for g in data.config.groups}
    return [
        Problem(r.source, r.line, f"{r.id} 的组别 {r.group} 不在 groups.yaml 中，报表不计入")
        for r in data.records
        if r.group not in known
    ]


def check_known_sectors(data: CheckInput) -> list[Problem]:
    """A sector renamed or removed in sectors.yaml would drop its records from the per-sector
    tables and the coverage matrix: named here (after amendments, as the reports see them)."""
    known = {s.name for s in data.config.sectors}
    return [
        Problem(
            f.history[0].source,
            f.history[0].line,
            f"{f.id} 的行业领域“{f.sector}”不在 sectors.yaml 中，分行业领域的统计不计入",
        )
        for f in findings_as_of(data.records, date.max)
        if f.sector not in known
    ]


def check_sync_refusal(data: CheckInput) -> list[Problem]:
    """A commit the last sync refused stays an error until a sync gets past it."""
    if data.root is None or not (data.root / ".git").is_dir():
        return []
    from anfang.sync import sync_status
    from anfang.syncverify import Refusal

    status = sync_status(data.root) or {}
    refusal = status.get("refusal")
    if not refusal or refusal.get("held"):
        return []
    return [
        Problem("同步", None, Refusal(**refusal).message() + "（市安委办运行 anfang sync --repair 移除）")
    ]


ERROR_CHECKS: list[Check] = [
    check_unreadable_lines,
    check_duplicate_ids,
    check_references,
    check_campaign_dates,
    check_known_groups,
    check_known_sectors,
    check_sync_refusal,
]


def notice_missing_groups(data: CheckInput) -> list[Problem]:
    visited = {f.group for f in findings_as_of(data.records, data.day) if f.date == data.day}
    return [
        Problem(g.name, None, f"{month_day(data.day)}无暗访记录（联络员 {g.liaison} {g.liaison_phone}）")
        for g in data.config.groups
        if g.number not in visited
    ]


def notice_days_on_site(data: CheckInput) -> list[Problem]:
    campaign = data.config.campaign
    required = campaign.min_days_on_site
    days: dict[int, set[date]] = {g.number: set() for g in data.config.groups}
    for f in findings_as_of(data.records, data.day):
        if campaign.start <= f.date <= campaign.end and f.group in days:
            days[f.group].add(f.date)
    last = min(data.day, campaign.end)
    remaining = max(0, (campaign.end - data.day).days)
    problems = []
    for g in data.config.groups:
        count = len(days[g.number])
        if count >= required:
            continue
        if data.day >= campaign.end:
            message = f"行动期内暗访 {count} 天，少于要求的 {required} 天"
        elif count + remaining < required:
            message = f"截至{month_day(last)}暗访 {count} 天，行动期只剩 {remaining} 天，已无法达到要求的 {required} 天"
        else:
            message = (
                f"截至{month_day(last)}暗访 {count} 天，要求不少于 {required} 天（行动期还剩 {remaining} 天）"
            )
        problems.append(Problem(g.name, None, message))
    return problems


def notice_last_sync(data: CheckInput) -> list[Problem]:
    """On a synced workspace: when each group's records last arrived (a group that has sent
    nothing on the day is visible)."""
    if data.root is None or not (data.root / ".git").is_dir():
        return []
    from anfang.sync import last_synced

    problems = []
    for g in data.config.groups:
        when = last_synced(data.root, f"group-{g.number}.csv")
        if when is None:
            problems.append(Problem(g.name, None, "还没有同步过任何记录"))
        elif when[:10] < data.day.isoformat():
            problems.append(
                Problem(
                    g.name,
                    None,
                    f"最后一次同步在 {when[:16].replace('T', ' ')}，{month_day(data.day)}尚未同步",
                )
            )
    return problems


def notice_sync_held(data: CheckInput) -> list[Problem]:
    """Commits of a key not registered yet: held until the office registers it."""
    if data.root is None or not (data.root / ".git").is_dir():
        return []
    from anfang.sync import sync_status
    from anfang.syncverify import Refusal

    status = sync_status(data.root) or {}
    problems = []
    refusal = status.get("refusal")
    if refusal and refusal.get("held"):
        problems.append(Problem("同步", None, "暂不接收：" + Refusal(**refusal).message()))
    if status.get("set_aside"):
        problems.append(
            Problem("同步", None, "上次同步另存并恢复了本机改动过的文件：" + "、".join(status["set_aside"]))
        )
    return problems


def notice_not_handed_over_today(data: CheckInput) -> list[Problem]:
    """The day's own findings neither handed over nor fixed on the spot yet (majors first): what
    the office still has to chase before the day ends (当日交办)."""
    waiting = [
        f for f in findings_as_of(data.records, data.day)
        if f.is_finding and f.date == data.day and not f.handover and not f.rectified
    ]  # fmt: skip
    waiting.sort(key=lambda f: (not f.major, f.group, f.id))
    by_id = {r.id: r for r in data.records if r.kind in OBSERVATIONS}
    return [
        Problem(
            by_id[f.id].source,
            by_id[f.id].line,
            f"{f.id} {'【重大隐患】' if f.major else ''}当日尚未交办：{f.site}，{f.hazard[:40]}"
            f"（anfang handover {f.id} --to 部门）",
        )
        for f in waiting
    ]


def notice_roster(data: CheckInput) -> list[Problem]:
    """检查人员名单: the departments (and expert) whose names are still blank, against the due time."""
    due = data.config.campaign.roster_due
    passed = due is not None and datetime.combine(data.day, datetime.max.time()) > due
    when = f"（报送截止 {due.month}月{due.day}日{due:%H:%M}{'，已过' if passed else ''}）" if due else ""
    problems = []
    for g in data.config.groups:
        missing = [m.department for m in g.members if not m.name] + ([] if g.expert else ["专家"])
        if missing:
            problems.append(Problem(g.name, None, f"检查人员名单未报齐：{'、'.join(missing)}{when}"))
    return problems


def notice_same_day(data: CheckInput) -> list[Problem]:
    """当日交办、当日上报: findings handed over after the day they were found (or not at all and
    not fixed on the spot), and records entered after the end of the day after the visit."""
    problems = []
    by_id = {r.id: r for r in data.records}
    for f in findings_as_of(data.records, data.day):
        record = by_id[f.id]
        if f.is_finding and f.date < data.day:
            handed_on = min((c.date for c in f.history[1:] if c.kind == "handover"), default=f.handover_date)
            fixed_on_spot = record.rectified == f.date
            if record.handover == "" and not fixed_on_spot:
                late = f"于 {handed_on} 才交办" if handed_on else "至今未交办"
                problems.append(
                    Problem(record.source, record.line, f"{f.id} 未当日交办：{f.date} 发现，{late}")
                )
        recorded = record.recorded_at[:10]
        if recorded and recorded > (f.date + timedelta(days=1)).isoformat():
            problems.append(
                Problem(record.source, record.line, f"{f.id} 未当日上报：{f.date} 的检查，{recorded} 才录入")
            )
    return problems


NOTICE_CHECKS: list[Check] = [
    notice_missing_groups,
    notice_days_on_site,
    notice_last_sync,
    notice_sync_held,
    notice_not_handed_over_today,
    notice_roster,
    notice_same_day,
]


@dataclass(frozen=True)
class CheckResult:
    errors: list[Problem]
    notices: list[Problem]


def run_checks(data: CheckInput) -> CheckResult:
    errors = [p for check in ERROR_CHECKS for p in check(data)]
    notices = [p for check in NOTICE_CHECKS for p in check(data)]
    return CheckResult(errors, notices)
