"""Follow-up after the visit: rectify, hand over, move a deadline, amend, void.

Each is a new record appended to the log of the finding's group; nothing is rewritten.
Everything is checked against the finding first, and a refusal writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from anfang import dates
from anfang.config import Config
from anfang.errors import AnfangError, UnknownId, UsageError
from anfang.model import (
    AMEND,
    AMENDABLE,
    DEADLINE,
    FAIL,
    FIELD_LABELS,
    FINDING,
    HANDOVER,
    OBSERVATIONS,
    PASS,
    RECTIFY,
    VERIFY,
    VOID,
    Record,
)
from anfang.recording import destination, make_id
from anfang.textsafe import check_text
from anfang.workspace import Workspace


@dataclass(frozen=True)
class Target:
    """The record a change refers to, its changes so far, and whether it is voided."""

    record: Record
    changes: list[Record]

    @property
    def voided(self) -> bool:
        return any(c.kind == VOID for c in self.changes)

    def last_verification(self) -> Record | None:
        from anfang.engine import event_key

        checks = sorted((c for c in self.changes if c.kind == VERIFY), key=event_key)
        return checks[-1] if checks else None

    def state(self, as_of: date = date.max):
        """The finding as of `as_of` (a voided one: as it stood before the void), by the engine."""
        from anfang.engine import finding_state

        live = [self.record, *(c for c in self.changes if c.kind != VOID)]
        return finding_state(live, self.record.id, as_of)


def find_target(records: list[Record], record_id: str, config: Config) -> Target:
    """The observation `record_id` among `records` (those of store.records_about) and its changes.
    A record of a group groups.yaml does not know is left out, as every output leaves it out."""
    record = next((r for r in records if r.id == record_id and r.kind in OBSERVATIONS), None)
    if record is None:
        raise UnknownId(f"没有编号为 {record_id} 的记录（可用 anfang list 查找编号）")
    if record.group not in {g.number for g in config.groups}:
        raise UnknownId(
            f"{record_id} 属于第 {record.group} 组，groups.yaml 中没有这个组，报表不计入（anfang check 会列出）"
        )
    return Target(record, [r for r in records if r.ref == record_id])


def load_target(workspace: Workspace, config: Config, record_id: str, problems: list | None = None) -> Target:
    """The finding `record_id` from the logs: only its own lines are read."""
    from anfang.store import read_records_about

    contents = read_records_about(workspace.logs_dir, record_id)
    if problems is not None:
        problems.extend(contents.problems)
    return find_target(contents.records, record_id, config)


def _require_open_finding(target: Target, action: str) -> None:
    if target.voided:
        raise AnfangError(f"{target.record.id} 已作废，不能再{action}")
    if target.record.kind != FINDING:
        raise AnfangError(f"{target.record.id} 是未发现问题的检查记录，没有可{action}的问题隐患")


def _check_event_date(target: Target, when: date, today: date, what: str) -> None:
    if when < target.record.date:
        raise AnfangError(f"{what} {when} 早于发现该问题的日期 {target.record.date}")
    if when > today:
        raise AnfangError(f"{what} {when} 晚于今天（{today}）")


def rectify_change(target: Target, when: date, today: date, measures: str = "", responsible: str = "",
                   photos: tuple[str, ...] = ()) -> dict:  # fmt: skip
    """整改完成 on `when`, with 整改措施, 整改责任人 and after-photos (already in evidence/)."""
    _require_open_finding(target, "整改")
    _check_event_date(target, when, today, "整改日期")
    state = target.state()
    if state and state.rectified:
        raise AnfangError(f"{target.record.id} 已于 {state.rectified} 完成整改，无需重复记录")
    last = target.last_verification()
    if last and when < last.date:
        raise AnfangError(f"整改日期 {when} 早于 {last.date} 的复查，应在复查不通过之后")
    return {"kind": RECTIFY, "date": when, "reason": check_text("整改措施", measures.strip(), multiline=True),
            "handover": check_text("整改责任人", responsible.strip()), "photos": photos}  # fmt: skip


def verify_change(target: Target, when: date, today: date, passed: bool, note: str = "",
                  photos: tuple[str, ...] = ()) -> dict:  # fmt: skip
    """复查 on `when`: passed closes the finding (销号), failed opens it again (the note says why)."""
    _require_open_finding(target, "复查")
    _check_event_date(target, when, today, "复查日期")
    now = target.state()
    if now and now.verified:
        raise AnfangError(f"{target.record.id} 已于 {now.verified} 复查通过并销号，不能再复查")
    last = target.last_verification()
    if last and when < last.date:
        raise AnfangError(f"复查日期 {when} 早于上一次复查（{last.date}）")
    state = target.state(when)
    if not state or not state.rectified:
        raise AnfangError(
            f"{target.record.id} 截至 {when} 尚未整改，不能复查（先用 anfang rectify 记录整改）"
        )
    note = check_text("复查意见", note.strip(), multiline=True)
    if not passed and not note:
        raise UsageError("复查不通过时请用 --note 写明原因")
    return {
        "kind": VERIFY,
        "date": when,
        "fields": (PASS if passed else FAIL,),
        "reason": note,
        "photos": photos,
    }


def handover_change(target: Target, department: str, when: date, deadline: date | None, today: date) -> dict:
    _require_open_finding(target, "交办")
    _check_event_date(target, when, today, "交办日期")
    if not department.strip():
        raise UsageError("交办部门（--to）不能为空")
    check_text("交办部门", department)
    if deadline and deadline < when:
        raise AnfangError(f"整改期限 {deadline} 早于交办日期 {when}")
    return {"kind": HANDOVER, "date": when, "handover": department.strip(), "deadline": deadline}


def deadline_change(target: Target, deadline: date, when: date, today: date) -> dict:
    _require_open_finding(target, "调整整改期限")
    _check_event_date(target, when, today, "调整日期")
    if deadline < target.record.date:
        raise AnfangError(f"整改期限 {deadline} 早于发现该问题的日期 {target.record.date}")
    return {"kind": DEADLINE, "date": when, "deadline": deadline}


def void_change(target: Target, reason: str, today: date) -> dict:
    if target.voided:
        raise AnfangError(f"{target.record.id} 已经作废过了")
    if not reason.strip():
        raise UsageError("请用 --reason 说明作废原因")
    check_text("作废原因", reason)
    return {"kind": VOID, "date": today, "reason": reason.strip()}


def amend_change(target: Target, values: dict, config: Config, today: date) -> dict:
    """values: the fields to correct (subset of AMENDABLE) with their new values."""
    if target.voided:
        raise AnfangError(f"{target.record.id} 已作废，不能再更正")
    if not values:
        raise UsageError("请至少给出一项要更正的内容，如 --hazard、--site、--sector、--major/--no-major")
    unknown = set(values) - set(AMENDABLE)
    if unknown:
        raise UsageError(f"不能更正：{'、'.join(sorted(unknown))}")
    if target.record.kind != FINDING and {"hazard", "major", "evidence"} & set(values):
        raise AnfangError(f"{target.record.id} 是未发现问题的检查记录，不能更正问题隐患内容")
    clean = dict(values)
    for name in ("county", "town", "site", "address", "hazard"):
        label = FIELD_LABELS[name]
        if name in clean:
            clean[name] = check_text(label, str(clean[name]).strip(), multiline=name == "hazard")
            if name in ("site", "town", "hazard", "county") and not clean[name]:
                raise UsageError(f"{label}不能更正为空")
    if "sector" in clean:
        clean["sector"] = config.sector(clean["sector"]).name
    return {"kind": AMEND, "date": today, "fields": tuple(sorted(clean)), **clean}


def apply_change(workspace: Workspace, config: Config, record_id: str, make_change, by: str = "",
                 force: bool = False, problems: list | None = None, photos: list | None = None) -> Record:  # fmt: skip
    """Validate `make_change(target, today)` against the finding and write it; the check is
    repeated under the exclusive lock, so two commands at once cannot both pass. `photos` (files,
    checked with recording.check_photo) are copied into evidence/ only once the change is accepted."""
    from anfang.model import photo_entry
    from anfang.recording import store_evidence
    from anfang.store import LogTransaction

    target = load_target(workspace, config, record_id, problems)
    make_change(target, dates.today())  # refuse early, before any lock is taken or photo copied
    group = target.record.group
    log, tag = destination(workspace, group, force)
    stored = tuple(photo_entry(store_evidence(workspace, p), p.name) for p in photos or ())
    with LogTransaction(workspace.logs_dir, [log]) as tx:
        target = find_target(tx.records_about(record_id).records, record_id, config)
        change = make_change(target, dates.today())
        if stored:
            change["photos"] = stored
        return tx.append(
            log, lambda seq: [change_record(target, change, seq, tag, by or config.group(group).liaison)]
        )[0]


def change_record(target: Target, change: dict, sequence: int, tag: str, by: str) -> Record:
    """The record of `change` (from one of the *_change functions) with the writer's next id."""
    row = _change_row(target, change, by)
    return Record(id=make_id(target.record.group, row["date"], sequence, tag), **row)


def _change_row(target: Target, change: dict, by: str) -> dict:
    group = target.record.group
    recorded_at = dates.now().isoformat(timespec="seconds")
    row = {
        "ref": target.record.id, "group": group, "county": "", "town": "", "sector": "", "site": "",
        "address": "", "hazard": "", "major": False, "evidence": False, "photos": (), "handover": "",
        "deadline": None, "rectified": None, "reason": "", "fields": (), "origin": "", "by": by, "recorded_at": recorded_at,
    }  # fmt: skip
    row.update(change)
    return row


SITE_FIELDS = ("site", "address", "town", "county")


def site_siblings(store, target: Target, values: dict) -> list[str]:
    """The other visits and findings of the same group, day and site as the target, when
    `values` corrects a field the site is known by (they would otherwise count as another site).
    `store`: the whole store's columns (columnar.read_columns), read only in that case."""
    import numpy as np

    from anfang.engine import as_list, pick, site_key, state_columns

    me = target.state()
    if me is None or not set(values) & set(SITE_FIELDS):
        return []
    state = state_columns(store, date.max)
    same = pick(
        state, (state["group"] == me.group) & (state["date"] == np.datetime64(me.date, "us")), ["id", "site"]
    )
    return [
        i for i, site in zip(as_list(same["id"]), as_list(same["site"]), strict=True)
        if i != me.id and site_key(site) == site_key(me.site)
    ]  # fmt: skip


def describe_amend(target: Target, values: dict, config: Config) -> str:
    """字段：旧 → 新, for the confirmation (values as they stood before the correction)."""
    from anfang.listing import shown_value

    before = target.state() or target.record
    parts = []
    for name in sorted(values):
        new = values[name]
        if name == "sector":
            new = config.sector(new).name
        parts.append(f"{FIELD_LABELS[name]}：{shown_value(getattr(before, name))} → {shown_value(new)}")
    return "；".join(parts)
