"""The flat table (导入/导出): one row per finding, or per visit that found nothing.

Columns as DESIGN.md defines them. Export writes the current state; import reads rows back,
validating each with the same rules as `anfang log`.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from anfang.config import Config
from anfang.dates import parse_date, parse_group
from anfang.errors import AnfangError
from anfang.model import RECORD_ID
from anfang.recording import VisitEntry, validate_entry
from anfang.textsafe import check_text

IMPORT_COLUMNS = [
    "组别", "日期", "县（市、区）", "镇（街道）", "行业领域", "企业（场所）名称", "地址", "问题隐患内容",
    "是否为重大", "是否留存影像资料", "交办情况", "整改期限", "整改完成日期",
]  # fmt: skip
# 整改过程: every handover, deadline and rectification with its date, so that importing an
# export into an empty workspace reproduces the reports of past dates exactly.
EXPORT_COLUMNS = ["编号", *IMPORT_COLUMNS[:11], "交办日期", *IMPORT_COLUMNS[11:], "整改过程"]
REQUIRED = ("组别", "日期", "镇（街道）", "行业领域", "企业（场所）名称")
OPTIONAL = ("编号", "交办日期", "整改过程")


@dataclass(frozen=True)
class Event:
    """A step after the finding: 交办 (with its deadline), 期限 (set or moved), 整改完成."""

    date: date
    kind: str  # "handover" | "deadline" | "rectify" | "pass" | "fail" (复查通过 / 不通过)
    department: str = ""  # 交办部门; of a rectify: 整改责任人
    deadline: date | None = None
    note: str = ""  # of a rectify: 整改措施; of a 复查: 复查意见


def process_text(events: list[Event]) -> str:
    return STEP_SEPARATOR.join(map(step_text, events))


STEP_SEPARATOR = "；"


def step_text(e: Event) -> str:
    """One step of 整改过程 (parse_process reads it back)."""
    if e.kind == "handover":
        return f"{e.date} 交办{e.department}" + (f"，期限{e.deadline}" if e.deadline else "")
    if e.kind == "deadline":
        return f"{e.date} 期限{e.deadline}"
    if e.kind == "rectify":
        details = [f"措施：{e.note}"] * bool(e.note) + [f"责任人：{e.department}"] * bool(e.department)
        return f"{e.date} 整改完成" + (f"（{'；'.join(details)}）" if details else "")
    verdict = "复查通过" if e.kind == "pass" else "复查不通过"
    return f"{e.date} {verdict}" + (f"（{e.note}）" if e.note else "")


_STEP = re.compile(
    r"^(\d{4}-\d{2}-\d{2}) (?:交办(?P<dept>.+?)(?:，期限(?P<due>\d{4}-\d{2}-\d{2}))?|期限(?P<moved>\d{4}-\d{2}-\d{2})"
    r"|(?P<done>整改完成)(?:（(?P<fix>.*)）)?|复查(?P<verdict>通过|不通过)(?:（(?P<note>.*)）)?)$",
    re.S,
)
_FIX = re.compile(r"^(?:措施：(?P<measures>.*?))?(?:；?责任人：(?P<person>[^；]*))?$", re.S)


@functools.lru_cache(maxsize=4096)  # an export repeats the same steps on many rows
def parse_process(text: str) -> tuple[Event, ...]:
    events = []
    for part in re.split(r"；(?=\d{4}-\d{2}-\d{2} )", text.strip()):
        match = _STEP.match(part.strip())
        if not match:
            raise AnfangError(
                f"整改过程中的“{part}”看不懂：应写成“2020-03-27 交办某部门，期限2020-04-03”“2020-03-30 期限2020-04-10”“2020-04-01 整改完成（措施：…；责任人：…）”或“2020-04-02 复查通过”"
            )
        when = date.fromisoformat(match.group(1))
        if match.group("dept"):
            due = match.group("due")
            events.append(
                Event(when, "handover", match.group("dept").strip(), date.fromisoformat(due) if due else None)
            )
        elif match.group("moved"):
            events.append(Event(when, "deadline", deadline=date.fromisoformat(match.group("moved"))))
        elif match.group("verdict"):
            events.append(
                Event(
                    when,
                    "pass" if match.group("verdict") == "通过" else "fail",
                    note=match.group("note") or "",
                )
            )
        else:
            fix = _FIX.match(match.group("fix") or "")
            if fix is None:
                raise AnfangError(f"整改过程中的“{part}”看不懂：整改完成后的括号里应写“措施：…；责任人：…”")
            events.append(Event(when, "rectify", fix.group("person") or "", note=fix.group("measures") or ""))
    return tuple(events)


# -- import --------------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One validated row, ready to be written."""

    number: int  # the row's number in the file (the header is row 1)
    entry: VisitEntry  # with the state on the visit day (handover, deadline, rectified)
    record_id: str  # an exported 编号 to keep, or ""
    later: list[Event]  # events after the visit day's first state, in order
    fingerprint: str = ""


_YES = {"是", "y", "yes", "1", "有", "√", "true"}
_NO = {"否", "n", "no", "0", "无", "×", "false", ""}
_ID = RECORD_ID


def _cell_text(value) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_yes_no(text: str, column: str) -> bool:
    word = text.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise AnfangError(f"{column}应填“是”或“否”，实际是“{text}”")


class RowErrors(Exception):
    def __init__(self, messages: list[str]):
        self.messages = messages


def parse_row(number: int, raw: dict, config: Config, today: date, *, default_group: int | None = None,
              default_date: date | None = None) -> ImportRow:  # fmt: skip
    """Validate one row (values as read from the file); raise RowErrors listing every problem."""
    values = {k: _cell_text(v) for k, v in raw.items()}
    errors: list[str] = []
    year = config.campaign.span

    def field(column: str, parse, default=None):
        text = values.get(column, "")
        if not text:
            return default
        try:
            return parse(text)
        except AnfangError as error:
            errors.append(f"第 {number} 行：{error}")
            return default

    group = field("组别", lambda t: parse_group(t, len(config.groups)), default_group)
    day = field("日期", lambda t: parse_date(t, year, "日期"), default_date)
    deadline = field("整改期限", lambda t: parse_date(t, year, "整改期限"))
    handover_date = field("交办日期", lambda t: parse_date(t, year, "交办日期"))
    rectified_date = field("整改完成日期", lambda t: parse_date(t, year, "整改完成日期"))
    major = field("是否为重大", lambda t: parse_yes_no(t, "是否为重大"), False)
    evidence = field("是否留存影像资料", lambda t: parse_yes_no(t, "是否留存影像资料"), False)
    for column in ("组别", "日期"):
        if not values.get(column) and (group if column == "组别" else day) is None:
            errors.append(f"第 {number} 行（{column}）：不能为空")
    if group is None or day is None:
        raise RowErrors(errors)  # nothing more can be checked without them
    # 交办情况 as exported (a department), or in the report's own words on a filled-in form
    handover, on_spot, fixed_text = parse_handover_text(
        values.get("_handover_text") or values.get("交办情况", "")
    )
    if fixed_text and not rectified_date:
        rectified_date = _fixed_on(fixed_text, year, number, errors)
    hazard = "" if is_placeholder(values.get("问题隐患内容", "")) else values.get("问题隐患内容", "")
    try:
        if values.get("整改过程") and hazard:
            events = list(parse_process(values["整改过程"]))
        else:
            events = _events_from_columns(
                day, handover, on_spot, deadline, handover_date, rectified_date, hazard
            )
        first, later = _split_visit_day(events, day)
    except AnfangError as error:
        raise RowErrors([*errors, f"第 {number} 行：{error}"]) from None
    entry = VisitEntry(
        group=group, date=day, town=values.get("镇（街道）", ""), sector=values.get("行业领域", ""),
        site=values.get("企业（场所）名称", ""), county=values.get("县（市、区）", ""),
        address=values.get("地址", ""), hazard=hazard, major=major, evidence=evidence,
        handover=first["assign"].department if "assign" in first else "",
        deadline=first["assign"].deadline if "assign" in first else None,
        rectified="rectify" in first,
    )  # fmt: skip
    try:
        entry, _ = validate_entry(entry, config, today)
    except AnfangError as error:
        messages = [f"第 {number} 行：{m}" for m in getattr(error, "messages", [str(error)])]
        if not values.get("行业领域"):
            messages = [f"第 {number} 行（行业领域）：不能为空" if "行业领域“”" in m else m for m in messages]
        raise RowErrors([*errors, *messages]) from None
    for event in later:
        if event.date < day or event.date > today:
            errors.append(f"第 {number} 行：整改过程中的日期 {event.date} 应在 {day} 到今天之间")
        person = {"handover": "交办部门", "rectify": "整改责任人"}.get(event.kind)
        if person:
            errors.extend(f"第 {number} 行：{m}" for m in _text_problems(person, event.department))
        if event.note:
            label = "整改措施" if event.kind == "rectify" else "复查意见"
            errors.extend(f"第 {number} 行：{m}" for m in _text_problems(label, event.note))
        if event.deadline and event.deadline < day:
            errors.append(f"第 {number} 行：整改期限 {event.deadline} 早于日期 {day}")
    if handover_date and not handover and not values.get("整改过程"):
        errors.append(f"第 {number} 行（交办日期）：填了交办日期，但交办情况是空的")
    if errors:
        raise RowErrors(errors)
    record_id = values.get("编号", "")
    match = _ID.match(record_id)
    if record_id and not match:
        record_id = ""  # not an id anfang writes: the row gets a new one
    elif record_id and (int(match.group("group")) != entry.group or match.group("date") != f"{day:%Y%m%d}"):
        raise RowErrors([f"第 {number} 行（编号）：{record_id} 是另一组别或日期的编号，与这一行的组别、日期不符；"
                         "组别和日期不能更正，请作废原记录后重新记录，或删去编号"])  # fmt: skip
    return ImportRow(number, entry, record_id, later)


def _text_problems(label: str, value: str) -> list[str]:
    try:
        check_text(label, value)
    except AnfangError as error:
        return [str(error)]
    return []


def _events_from_columns(
    day, handover, on_spot, deadline, handover_date, rectified_date, hazard
) -> list[Event]:
    if not hazard:
        return []
    events = []
    if handover:
        events.append(Event(handover_date or day, "handover", handover, deadline))
    elif deadline:
        events.append(Event(day, "deadline", deadline=deadline))
    if on_spot or rectified_date:
        events.append(Event(rectified_date or day, "rectify"))
    for e in events:
        if e.date < day:
            label = "交办日期" if e.kind == "handover" else "整改完成日期"
            raise AnfangError(f"{label} {e.date} 早于日期 {day}")
    return sorted(events, key=lambda e: e.date)


def _split_visit_day(events: list[Event], day: date) -> tuple[dict[str, Event], list[Event]]:
    """The visit day's first 交办/期限 and first 整改 go on the finding's own row (as `anfang log`
    writes them); every other event becomes a change record, in order."""
    first: dict[str, Event] = {}
    later: list[Event] = []
    for event in events:
        slot = "rectify" if event.kind == "rectify" else "assign"
        plain = event.kind in ("handover", "deadline") or (
            event.kind == "rectify" and not (event.note or event.department)
        )
        if not later and plain and event.date == day and slot not in first:
            first[slot] = event
        else:
            later.append(event)
    return first, later


# What people write for "nothing" in 交办情况 and 问题隐患内容 (and anfang's own 未交办)
PLACEHOLDERS = frozenset(
    {"", "无", "没有", "未交办", "暂未交办", "不需交办", "否", "—", "——", "-", "--", "/", "／", "－", "无问题",
     "无隐患", "未发现问题", "未发现问题隐患", "n/a", "none"}
)  # fmt: skip


def is_placeholder(text: str) -> bool:
    return " ".join(text.split()).lower() in PLACEHOLDERS


_FIXED_ON = re.compile(r"^(?:已)?于(?P<day>.+?)(?:完成)?整改(?:完成)?$")


def parse_handover_text(text: str) -> tuple[str, bool, str]:
    """交办情况 as a clerk writes it, or as anfang's report prints it: 已交办XX、已当场整改、
    已于3月29日整改、未交办, or just the department. Returns (department, fixed on the spot,
    the date text of a later fix or "")."""
    on_spot, fixed_on = False, ""
    parts = [p.strip() for p in re.split(r"[，,；;]", text) if p.strip()]
    departments = []
    for part in parts:
        if is_placeholder(part):
            continue
        if re.fullmatch(r"(已)?(当场|现场)(完成)?整改(完成)?|(已)?(完成)?整改(完成)?", part):
            on_spot = True
        elif _FIXED_ON.match(part):
            fixed_on = _FIXED_ON.match(part).group("day")
        else:
            department = re.sub(r"^(已)?交办(给|至|到)?", "", part).strip()
            if not is_placeholder(department):
                departments.append(department)
    return "，".join(departments), on_spot, fixed_on


def _fixed_on(text: str, year: int, number: int, errors: list[str]):
    try:
        return parse_date(text, year, "交办情况中的整改日期")
    except AnfangError as error:
        errors.append(f"第 {number} 行：{error}")
        return None


def fingerprint_rows(rows: list[ImportRow]) -> None:
    """A fingerprint per row from its content; identical rows in one file are told apart by
    their occurrence, so importing the same file twice finds every row already there."""
    seen: Counter[str] = Counter()
    for row in rows:
        e = row.entry
        content = (
            f"{e.group}\x1f{e.date}\x1f{e.county}\x1f{e.town}\x1f{e.sector}\x1f{e.site}\x1f{e.address}\x1f"
            f"{e.hazard}\x1f{e.major}\x1f{e.evidence}\x1f{e.handover}\x1f{e.deadline}\x1f{e.rectified}\x1f{row.later}"
        )
        seen[content] += 1
        digest = hashlib.sha256(f"{content}\x1e{seen[content]}".encode()).hexdigest()[:20]
        row.fingerprint = f"import:{digest}"
