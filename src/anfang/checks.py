"""Validations for `anfang check`. Each takes the campaign's data and returns problems; all run.

Errors (exit 1) are things wrong in the logs. Notices are the office's follow-up list: groups
with no records on the day, groups short of the required days on site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from anfang.config import Config
from anfang.dates import month_day
from anfang.engine import (
    Columns,
    amendment_columns,
    as_list,
    days_of,
    filled,
    findings,
    flags,
    iso_days,
    known_groups,
    occurrence,
    one_of,
    order_of,
    ordered,
    pick,
    rows_at,
    state_columns,
    take,
)
from anfang.errors import Problem
from anfang.model import AMEND, HANDOVER, OBSERVATIONS, VOID


@dataclass(frozen=True)
class CheckInput:
    """The logs column-wise (columnar.read_columns: every record with its file and line), the
    problems of the lines that are not records, and the day checked."""

    config: Config
    store: Columns
    read_problems: list[Problem]  # torn or unreadable lines, from the store
    day: date
    root: Path | None = None  # the workspace, for its sync history
    _states: dict = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def last_date(self) -> str:
        """The logs' last date as text ("" for none): a scan of a million texts, made once."""
        return (pc.max(self.store["date"]).as_py() or "") if len(self.store["date"]) else ""

    @cached_property
    def amends(self) -> Columns:
        """The amendment records, taken from the store once for every state and text fetched."""
        return amendment_columns(self.store)

    def state(self, as_of: date) -> Columns:
        """The engine's state as of `as_of`, groups groups.yaml knows only (the others are named
        by check_known_groups); computed once per date for all the checks. Any date on or after
        the last date of the logs gives the same state (today's, the final one): computed once.
        Only the last date's state is kept (a million findings' state is a quarter of a GB): the
        checks ask date by date (the 回头看 refresh and the errors for today, the notices for the day)."""
        key = date.max if as_of.isoformat() >= self.last_date else as_of
        if key not in self._states:
            self._states.clear()
            state = state_columns(self.store, key, self.amends)
            self._states[key] = known_groups(state, [g.number for g in self.config.groups])
        return self._states[key]


Check = Callable[[CheckInput], list[Problem]]
MESSAGE_BLOCK = 50_000  # rows whose messages are made at a time


def check_unreadable_lines(data: CheckInput) -> list[Problem]:
    return list(data.read_problems)


def check_duplicate_ids(data: CheckInput) -> list[Problem]:
    store = data.store
    codes = store["id_code"]
    size = int(codes.max()) + 1 if len(codes) else 0
    if size == len(codes):  # the ids' codes are dense: as many codes as rows, no id repeats
        return []
    first = occurrence(codes, size)
    repeated = np.ones(len(codes), dtype=bool)
    repeated[first[:size]] = False
    later = pick(store, repeated, ["id", "id_code", "source", "line"])
    firsts = pick(store, first[later["id_code"]], ["source", "line"])
    return [
        Problem(source, int(line), f"编号 {rid} 重复（首次出现在 {first_source}:{first_line}）")
        for (rid, source, line), (first_source, first_line) in zip(
            _rows(later, "id", "source", "line"), _rows(firsts, "source", "line"), strict=True
        )
    ]


def check_references(data: CheckInput) -> list[Problem]:
    """Changes that refer to no record, come after the record's void, or are dated before it."""
    store = data.store
    is_change = filled(store["ref"])
    if not is_change.any():
        return []
    ids = store["id_code"]
    size = int(ids.max()) + 1
    # a change refers to the last observation of its id (its codes are the ids' codes)
    observed = np.flatnonzero(one_of(store["kind"], *OBSERVATIONS))
    last_seen = occurrence(ids[observed], size, last=True)
    changes = pick(store, is_change, ["kind", "ref", "ref_code", "date", "recorded_at", "source", "line"])
    position = np.flatnonzero(is_change)
    refs = np.minimum(changes["ref_code"], size)
    found = last_seen[refs]
    missing = found < 0
    # the record's date (any row's, where it is missing: a log may hold changes and no records)
    target = take(
        store["date"], observed[np.maximum(found, 0)] if len(observed) else np.zeros(len(refs), int)
    )
    kind = changes["kind"]
    early = ~missing & ~one_of(kind, AMEND, VOID) & filled(changes["date"])
    early &= flags(pc.less(changes["date"], target))
    after_void = np.zeros(len(refs), dtype=bool)
    is_void = one_of(kind, VOID)
    if is_void.any():
        first_void = occurrence(np.where(is_void, refs, size), size)[refs]  # the first void of each id
        has = first_void >= 0
        after_void = has & ~missing & ~is_void
        after_void &= position > np.where(has, position[np.maximum(first_void, 0)], 0)
        void_recorded = take(changes["recorded_at"], np.maximum(first_void, 0))
        after_void &= flags(pc.greater(changes["recorded_at"], void_recorded))
    problems = []
    flagged = missing | after_void | early
    rows = pick({**changes, "target": target}, flagged, ["kind", "ref", "date", "source", "line", "target"])
    for (kind_, ref, day, source, line, target_), gone, voided_, early_ in zip(
        _rows(rows, "kind", "ref", "date", "source", "line", "target"),
        missing[flagged], after_void[flagged], early[flagged], strict=True,
    ):  # fmt: skip
        if gone:
            problems.append(Problem(source, int(line), f"{kind_} 引用了不存在的编号 {ref}"))
            continue
        if voided_:
            problems.append(Problem(source, int(line), f"{ref} 已作废，之后仍有{kind_}记录"))
        if early_:
            problems.append(Problem(source, int(line), f"日期 {day} 早于 {ref} 的发现日期 {target_}"))
    return problems


def check_campaign_dates(data: CheckInput) -> list[Problem]:
    campaign = data.config.campaign
    store = data.store
    dates = store["date"]
    outside = one_of(store["kind"], *OBSERVATIONS) & (
        flags(pc.less(dates, campaign.start.isoformat())) | flags(pc.greater(dates, campaign.end.isoformat()))
    )
    names = ["id", "date", "source", "line"]
    return [
        Problem(
            source,
            int(line),
            f"{rid} 的暗访日期 {day} 不在攻坚行动期间（{campaign.start} 至 {campaign.end}）",
        )
        for rid, day, source, line in _rows(pick(store, outside, names), *names)
    ]


def check_known_groups(data: CheckInput) -> list[Problem]:
    known = [str(g.number) for g in data.config.groups]
    store = data.store
    unknown = ~one_of(pc.utf8_ltrim(store["group"], "0"), *known)
    names = ["id", "group", "source", "line"]
    return [
        Problem(source, int(line), f"{rid} 的组别 {int(group)} 不在 groups.yaml 中，报表不计入")
        for rid, group, source, line in _rows(pick(store, unknown, names), *names)
    ]


def check_known_sectors(data: CheckInput) -> list[Problem]:
    """A sector renamed or removed in sectors.yaml would drop its records from the per-sector
    tables and the coverage matrix: named here (after amendments, as the reports see them)."""
    known = [s.name for s in data.config.sectors]
    state = data.state(date.max)
    return [
        Problem(
            f.source, f.line, f"{f.id} 的行业领域“{f.sector}”不在 sectors.yaml 中，分行业领域的统计不计入"
        )
        for f in findings(data.store, rows_at(state, ~one_of(state["sector"], *known)), data.amends)
    ]


def _rows(columns: Columns, *names: str):
    """The rows of `names` as tuples (each column converted at once: iterating one is slow)."""
    return zip(*(as_list(columns[n]) for n in names), strict=True)


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
    state = data.state(data.day)
    visited = set(state["group"][state["date"] == np.datetime64(data.day, "us")].tolist())
    return [
        Problem(g.name, None, f"{month_day(data.day)}无暗访记录（联络员 {g.liaison} {g.liaison_phone}）")
        for g in data.config.groups
        if g.number not in visited
    ]


def notice_days_on_site(data: CheckInput) -> list[Problem]:
    from anfang.engine import days_on_site

    campaign = data.config.campaign
    required = campaign.min_days_on_site
    days = days_on_site(data.state(data.day), campaign.start, campaign.end)
    last = min(data.day, campaign.end)
    remaining = max(0, (campaign.end - data.day).days)
    problems = []
    for g in data.config.groups:
        count = int(days.get(g.number, 0))
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
    state = data.state(data.day)
    waiting = rows_at(state, state["is_finding"] & (state["date"] == np.datetime64(data.day, "us"))
                      & ~state["handed_over"] & np.isnat(state["rectified"]))  # fmt: skip
    waiting = ordered({**waiting, "minor": ~waiting["major"]}, ["minor", "group", "id"])
    return [
        Problem(
            f.source,
            f.line,
            f"{f.id} {'【重大隐患】' if f.major else ''}当日尚未交办：{f.site}，{f.hazard[:40]}"
            f"（anfang handover {f.id} --to 部门）",
        )
        for f in findings(data.store, waiting, data.amends)
    ]


def notice_awaiting_verification(data: CheckInput) -> list[Problem]:
    """复查: rectifications reported more than verify_within_days ago and not verified yet."""
    within = data.config.campaign.verify_within_days
    state = data.state(data.day)
    day = np.datetime64(data.day, "us")
    waiting = pick(state, state["is_finding"] & ~np.isnat(state["rectified"]) & np.isnat(state["verified"])
                   & (state["rectified"] < day - np.timedelta64(within, "D")), ["id", "date", "rectified", "row"])  # fmt: skip
    waiting = ordered(waiting, ["rectified", "date", "id"])
    problems = []
    # a block of rows at a time, one message at a time (a quarter of a million of them at 1M: the
    # parts of only one block's messages are held besides the messages)
    for start in range(0, len(waiting["row"]), MESSAGE_BLOCK):
        part = {name: values[start : start + MESSAGE_BLOCK] for name, values in waiting.items()}
        where = pick(data.store, part["row"], ["source", "line"])
        days = ((day - part["rectified"]) // np.timedelta64(1, "D")).tolist()
        problems += [
            Problem(source, line, f"{f_id} 于 {done} 整改，已 {late} 天尚未复查（anfang verify {f_id} --pass 或 --fail）")
            for source, line, f_id, done, late in zip(
                as_list(where["source"]), where["line"].tolist(), as_list(part["id"]),
                iso_days(part["rectified"]), days, strict=True,
            )
        ]  # fmt: skip
    return problems


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
    store = data.store
    state = data.state(data.day)
    rows = state["row"]
    # handover and rectified as the record was written, before any event (kind, date and
    # recorded_at are never corrected: the state's are the record's)
    written = pick(store, rows, ["handover", "rectified"])
    late_handover = (
        state["is_finding"] & (state["date"] < np.datetime64(data.day, "us")) & ~filled(written["handover"])
        & (days_of(written["rectified"]) != state["date"])
    )  # fmt: skip
    entered_day = days_of(pc.utf8_slice_codeunits(state["recorded_at"], 0, 10), coerce=True)
    late_entry = entered_day > state["date"] + np.timedelta64(1, "D")
    del written, entered_day  # a million rows' texts: only the flagged rows' are taken next
    flagged = late_handover | late_entry
    names = ["id", "id_code", "date", "recorded_at", "source", "line"]
    rows = pick(store, rows[flagged], names)
    handed_on = _first_handovers(store, rows["id_code"])
    problems = []
    for (f_id, seen, source, line, entry_day), hand, entry, handed in zip(
        _rows(rows, "id", "date", "source", "line", "recorded_at"), late_handover[flagged], late_entry[flagged],
        handed_on, strict=True,
    ):  # fmt: skip
        if hand:
            late = f"于 {handed} 才交办" if handed else "至今未交办"
            problems.append(Problem(source, int(line), f"{f_id} 未当日交办：{seen} 发现，{late}"))
        if entry:
            problems.append(
                Problem(source, int(line), f"{f_id} 未当日上报：{seen} 的检查，{entry_day[:10]} 才录入")
            )
    return problems


def _first_handovers(store: Columns, codes: np.ndarray) -> list[str]:
    """The date (as written) of the first handover of each finding of `codes`, "" for none: the
    handovers ordered by code and date, the first of each code found by its position; by integer
    codes (a ref's code is its id's), no dict of every ref."""
    handovers = pick(store, one_of(store["kind"], HANDOVER), ["ref_code", "date"])
    order = order_of(handovers, ["ref_code", "date"])
    refs = handovers["ref_code"][order]
    size = int(max(codes.max(initial=-1), refs.max(initial=-1))) + 1
    first = occurrence(refs, size)[np.minimum(codes, size)]
    texts = as_list(take(handovers["date"], order[np.maximum(first, 0)])) if len(order) else [""] * len(codes)
    return [text if at >= 0 else "" for text, at in zip(texts, first.tolist(), strict=True)]


NOTICE_CHECKS: list[Check] = [
    notice_missing_groups,
    notice_days_on_site,
    notice_last_sync,
    notice_sync_held,
    notice_not_handed_over_today,
    notice_awaiting_verification,
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
