"""交办单: for each receiving department, the hazards handed to it on a day (anfang notice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from anfang.config import Config
from anfang.ledger import Finding, findings_as_of
from anfang.model import Record


@dataclass(frozen=True)
class Notice:
    department: str
    day: date
    findings: tuple[Finding, ...]


def build_notices(
    records: list[Record], config: Config, day: date, department: str | None = None
) -> list[Notice]:
    """One notice per department that was handed hazards on `day` (or only `department`)."""
    handed = [
        f for f in findings_as_of(records, day) if f.is_finding and f.handover and f.handover_date == day
    ]
    by_department: dict[str, list[Finding]] = {}
    for f in sorted(handed, key=lambda f: (f.group, f.id)):
        by_department.setdefault(f.handover, []).append(f)
    if department is not None:
        by_department = {department: by_department.get(department, [])}
    return [Notice(name, day, tuple(items)) for name, items in sorted(by_department.items())]
