"""交办单: for each receiving department, the hazards handed to it on a day (anfang notice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from anfang.config import Config
from anfang.dates import month_day
from anfang.engine import Finding, findings_of, of_groups, state_as_of
from anfang.errors import AnfangError


@dataclass(frozen=True)
class Notice:
    department: str
    day: date
    findings: tuple[Finding, ...]
    number: str  # 交办单编号: the day and the department's place among that day's, e.g. 20200327-03


def build_notices(frame, config: Config, day: date, department: str | None = None) -> list[Notice]:
    """One notice per department that was handed hazards on `day` (or only `department`; a
    department that received nothing that day is an error naming the day's departments).
    `frame`: the logs (columnar.read_frame); groups groups.yaml does not know are left out."""
    import pandas as pd

    known = [g.number for g in config.groups]
    state = state_as_of(frame, day)
    state = of_groups(state, known)
    handed = findings_of(frame, state[state["is_finding"] & (state["handover_date"] == pd.Timestamp(day))])
    by_department: dict[str, list[Finding]] = {}
    for f in sorted(handed, key=lambda f: (f.group, f.id)):
        by_department.setdefault(f.handover, []).append(f)
    notices = [
        Notice(name, day, tuple(items), f"{day:%Y%m%d}-{index:02d}")
        for index, (name, items) in enumerate(sorted(by_department.items()), start=1)
    ]
    if department is None:
        return notices
    chosen = [n for n in notices if n.department == department]
    if chosen:
        return chosen
    that_day = "、".join(n.department for n in notices) or "没有"
    final = of_groups(state_as_of(frame, date.max), known)
    final = final[final["is_finding"] & (final["handover"] == department)]
    ever = sorted({d.date() for d in final["handover_date"].dropna()})
    if ever:
        raise NothingHanded(
            f"{month_day(day)}没有交办给“{department}”的问题隐患（交办给它的日期：{'、'.join(month_day(d) for d in ever)}）；"
            f"{month_day(day)}接收交办的单位：{that_day}",
            exit_code=0,
        )
    raise NothingHanded(f"没有交办给“{department}”的问题隐患；{month_day(day)}接收交办的单位：{that_day}")


class NothingHanded(AnfangError):
    """--dept named a department with nothing on that day (exit 0) or ever (exit 1)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code
