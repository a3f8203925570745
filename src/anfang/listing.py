"""Finding findings (anfang list) and one finding's whole story (anfang show)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from anfang.config import Config
from anfang.dates import month_day
from anfang.errors import UnknownId
from anfang.ledger import Finding, findings_as_of, history_of
from anfang.model import (
    AMEND,
    AMENDABLE,
    DEADLINE,
    FIELD_LABELS,
    FINDING,
    HANDOVER,
    RECTIFY,
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


def select_findings(records: list[Record], f: Filters, visits: bool = False) -> list[Finding]:
    """Findings matching every filter, in date and id order; with `visits`, also the sites where
    nothing was found (unless a filter only findings can meet is given)."""
    chosen = []
    keep_visits = visits and not (f.major or f.open or f.overdue)
    for finding in findings_as_of(records, f.as_of):
        if not finding.is_finding and not keep_visits:
            continue
        if f.group and finding.group != f.group:
            continue
        if (f.on and finding.date != f.on) or (f.since and finding.date < f.since):
            continue
        if (f.until and finding.date > f.until) or (f.sector and finding.sector != f.sector):
            continue
        if (f.major and not finding.major) or (f.open and finding.rectified):
            continue
        if f.overdue and not finding.overdue_days(f.as_of):
            continue
        chosen.append(finding)
    return sorted(chosen, key=lambda x: (x.date, x.group, x.id))


def status_text(finding: Finding, as_of: date) -> str:
    """整改 state in words: 已整改 / 逾期N天 / 整改中 / 未交办."""
    if finding.rectified:
        return f"已整改（{month_day(finding.rectified)}）"
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
        return "已完成整改"
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


def show_finding(records: list[Record], record_id: str, config: Config, as_of: date) -> str:
    """A finding as it stands today, then its whole history, in order."""
    history = history_of(records, record_id)
    if not history or history[0].kind not in (FINDING, VISIT):
        raise UnknownId(f"没有编号为 {record_id} 的记录")
    original = history[0]
    record_id = original.id
    state = {f.id: f for f in findings_as_of(records, max(as_of, original.date))}.get(record_id)
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
        if record.kind == AMEND:
            current.update({name: getattr(record, name) for name in record.fields})
    return "\n".join(lines) + "\n"


def photo_line(entry: str) -> str:
    stored, original = split_photo(entry)
    return f"evidence/{stored}" + (f"（原文件名 {original}）" if original != stored else "")
