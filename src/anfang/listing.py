"""Finding findings (anfang list) and one finding's whole story (anfang show)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from anfang.config import Config
from anfang.dates import month_day
from anfang.engine import Finding, event_key, finding_state
from anfang.errors import UnknownId
from anfang.model import (
    AMEND,
    AMENDABLE,
    DEADLINE,
    FIELD_LABELS,
    FINDING,
    HANDOVER,
    PASS,
    RECTIFY,
    VERIFY,
    VISIT,
    VOID,
    Record,
    split_photo,
)


@dataclass(frozen=True)
class Filters:
    as_of: date
    group: int | None = None
    on: date | None = None
    since: date | None = None
    until: date | None = None
    sector: str | None = None
    major: bool = False
    open: bool = False
    overdue: bool = False
    status: str | None = None  # open 未整改 | rectified 已整改待复查 | closed 已销号 | overdue 逾期


STATUSES = ("open", "rectified", "closed", "overdue")


def select_findings(store, config: Config, f: Filters, visits: bool = False) -> list[Finding]:
    """Findings matching every filter, in date and id order; with `visits`, also the sites where
    nothing was found (unless a filter only findings can meet is given). `store`: the logs'
    columns (columnar.read_columns); records of groups groups.yaml does not know are left out."""
    import numpy as np

    from anfang.engine import (
        amendment_columns,
        findings,
        known_groups,
        one_of,
        ordered,
        rows_at,
        state_columns,
    )

    amends = amendment_columns(store)
    state = known_groups(state_columns(store, f.as_of, amends), [g.number for g in config.groups])
    day = lambda value: np.datetime64(value, "us")  # noqa: E731
    dates, rectified, verified = state["date"], state["rectified"], state["verified"]
    keep = np.ones(len(dates), dtype=bool)
    if not (visits and not (f.major or f.open or f.overdue or f.status)):
        keep &= state["is_finding"]
    if f.group:
        keep &= state["group"] == f.group
    if f.on:
        keep &= dates == day(f.on)
    if f.since:
        keep &= dates >= day(f.since)
    if f.until:
        keep &= dates <= day(f.until)
    if f.sector:
        keep &= one_of(state["sector"], f.sector)
    if f.major:
        keep &= state["major"]
    if f.open:
        keep &= np.isnat(rectified)
    if f.overdue or f.status == "overdue":
        keep &= np.isnat(rectified) & (state["deadline"] < day(f.as_of))
    if f.status == "open":
        keep &= np.isnat(rectified)
    elif f.status == "rectified":
        keep &= ~np.isnat(rectified) & np.isnat(verified)
    elif f.status == "closed":
        keep &= ~np.isnat(verified)
    return findings(store, ordered(rows_at(state, keep), ["date", "group", "id"]), amends)


def status_text(finding: Finding, as_of: date) -> str:
    """整改 state in words: 已整改 / 逾期N天 / 整改中 / 未交办."""
    if finding.verified:
        return f"已销号（{month_day(finding.verified)}复查通过）"
    if finding.rectified:
        return f"已整改（{month_day(finding.rectified)}），待复查"
    late = finding.overdue_days(as_of)
    if late:
        return f"逾期 {late} 天"
    return "整改中" if finding.handover or finding.deadline else "未整改"


LIST_HEADERS = [
    "编号",
    "组别",
    "日期",
    "行业领域",
    "企业（场所）",
    "问题隐患",
    "重大",
    "交办",
    "整改期限",
    "状态",
]


def list_rows(findings: list[Finding], config: Config, as_of: date) -> list[list[str]]:
    rows = []
    for f in findings:
        if f.is_finding:
            rows.append([f.id, config.group(f.group).name, f.date.isoformat(), f.sector, f.site, f.hazard,
                         "是" if f.major else "否", f.handover or "—", f.deadline.isoformat() if f.deadline else "—",
                         status_text(f, as_of)])  # fmt: skip
        else:
            rows.append([f.id, config.group(f.group).name, f.date.isoformat(), f.sector, f.site, "（未发现问题）",
                         "—", "—", "—", "未发现问题"])  # fmt: skip
    return rows


# Columns of long free text: cut first when the table is wider than the terminal.
LIST_FLEXIBLE = ("问题隐患", "企业（场所）", "交办")


def shown_value(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return " ".join(str(value).split()) or "（空）"


def _describe(record: Record, before: dict | None = None) -> str:
    if record.kind == FINDING:
        return "发现问题隐患"
    if record.kind == VISIT:
        return "检查场所，未发现问题"
    if record.kind == RECTIFY:
        details = [f"整改措施：{record.reason}"] * bool(record.reason)
        details += [f"整改责任人：{record.handover}"] * bool(record.handover)
        return "已完成整改" + (f"（{'；'.join(details)}）" if details else "")
    if record.kind == VERIFY:
        verdict = "复查通过，销号" if record.fields == (PASS,) else "复查不通过，重新列为未整改"
        return verdict + (f"（{record.reason}）" if record.reason else "")
    if record.kind == HANDOVER:
        due = f"，整改期限 {record.deadline}" if record.deadline else ""
        return f"交办 {record.handover}{due}"
    if record.kind == DEADLINE:
        return f"整改期限调整为 {record.deadline}"
    if record.kind == AMEND:
        before = before or {}
        return "更正：" + "；".join(
            f"{FIELD_LABELS[name]}：{shown_value(before.get(name, ''))} → {shown_value(getattr(record, name))}"
            for name in record.fields
        )
    if record.kind == VOID:
        return f"作废：{record.reason}"
    return record.kind


def history_of(records: list[Record], record_id: str) -> list[Record]:
    """The record with this id and every change that refers to it, in the order they apply."""
    change = next((r for r in records if r.id == record_id and r.ref), None)
    if change is not None:  # the id of a change: show the finding it belongs to
        record_id = change.ref
    own = [r for r in records if r.id == record_id and r.kind in (FINDING, VISIT)]
    return own + sorted((r for r in records if r.ref == record_id), key=event_key)


def show_finding(records: list[Record], record_id: str, config: Config, as_of: date) -> str:
    """A finding as it stands on `as_of`, then its whole history, in order. `records`: its own
    lines (store.records_about)."""
    history = history_of(records, record_id)
    if not history or history[0].kind not in (FINDING, VISIT):
        raise UnknownId(f"没有编号为 {record_id} 的记录")
    original = history[0]
    record_id = original.id
    if original.group not in {g.number for g in config.groups}:
        raise UnknownId(
            f"{record_id} 属于第 {original.group} 组，groups.yaml 中没有这个组，报表不计入（anfang check 会列出）"
        )
    state = finding_state(records, record_id, max(as_of, original.date))
    lines = [f"编号：{record_id}"]
    if state is None:
        lines.append("状态：已作废")
        state_source = original
    else:
        state_source = state
        lines.append(f"状态：{status_text(state, as_of) if state.is_finding else '未发现问题'}")
    s = state_source
    lines += [
        f"组别：{config.group(s.group).name}",
        f"日期：{s.date}",
        f"地点：{s.county} {s.town}",
        f"行业领域：{s.sector}",
        f"企业（场所）：{s.site}",
        f"地址：{s.address or '—'}",
    ]
    if s.hazard:
        lines += [
            f"问题隐患：{s.hazard}",
            f"是否为重大：{'是' if s.major else '否'}",
            f"是否留存影像资料：{'是' if s.evidence else '否'}"
            + (f"（{len(s.photos)} 张照片）" if s.photos else ""),
            f"交办：{s.handover or '—'}",
            f"整改期限：{s.deadline or '—'}",
        ]
    if original.photos:
        lines.append("照片：")
        lines += [f"  {photo_line(p)}" for p in original.photos]
    lines.append("历史：")
    current = {name: getattr(original, name) for name in AMENDABLE}
    for record in history:
        when = record.date.isoformat() if record.date else "          "
        lines.append(f"  {when}  {_describe(record, current)}  （{record.by}，记录于 {record.recorded_at}）")
        if record.ref and record.photos:
            lines += [f"      照片 {photo_line(p)}" for p in record.photos]
        if record.kind == AMEND:
            current.update({name: getattr(record, name) for name in record.fields})
    return "\n".join(lines) + "\n"


def photo_line(entry: str) -> str:
    stored, original = split_photo(entry)
    return f"evidence/{stored}" + (f"（原文件名 {original}）" if original != stored else "")
