"""交办单: for each receiving department, the hazards handed to it on a day (anfang notice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from anfang.config import Config
from anfang.dates import month_day
from anfang.engine import Columns, Finding, as_dates, findings, known_groups, one_of, rows_at, state_columns
from anfang.errors import AnfangError


@dataclass(frozen=True)
class Notice:
    department: str
    day: date
    findings: tuple[Finding, ...]
    number: str  # 交办单编号: the day and the department's place among that day's, e.g. 20200327-03


def build_notices(store: Columns, config: Config, day: date, department: str | None = None) -> list[Notice]:
    """One notice per department that was handed hazards on `day` (or only `department`; a
    department that received nothing that day is an error naming the day's departments).
    `store`: the logs' columns (columnar.read_columns); groups groups.yaml does not know are left out."""
    known = [g.number for g in config.groups]
    state = known_groups(state_columns(store, day), known)
    handed = findings(
        store, rows_at(state, state["is_finding"] & (state["handover_date"] == np.datetime64(day, "us")))
    )
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
    final = known_groups(state_columns(store, date.max), known)
    handed_over = final["handover_date"][final["is_finding"] & one_of(final["handover"], department)]
    ever = sorted({d for d in as_dates(handed_over) if d is not None})
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
