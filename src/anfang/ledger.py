"""Records -> the state of every visit and finding as of the end of a date. Pure: no I/O.

Events (rectify, handover, deadline) count from their date on, so a past date's state is
reproducible. Corrections (amend, void) fix the record itself and apply to every date.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date

from anfang.model import (
    AMEND,
    DEADLINE,
    FINDING,
    HANDOVER,
    OBSERVATIONS,
    RECTIFY,
    VOID,
    Record,
)


@dataclass(frozen=True)
class Finding:
    """A finding (or a visit with none, hazard == "") as it stands on `as_of`."""

    id: str
    kind: str
    group: int
    date: date
    county: str
    town: str
    sector: str
    site: str
    address: str
    hazard: str
    major: bool
    evidence: bool
    photos: tuple[str, ...]
    handover: str  # 交办 department, "" if not handed over
    handover_date: date | None
    deadline: date | None  # 整改期限
    rectified: date | None  # 整改完成日期
    by: str
    recorded_at: str
    history: tuple[Record, ...] = field(default=(), compare=False, repr=False)

    @property
    def is_finding(self) -> bool:
        return self.kind == FINDING

    @property
    def site_key(self) -> tuple[int, date, str]:
        """The same site on the same day by the same group counts once."""
        return (self.group, self.date, site_key(self.site))

    def overdue_days(self, as_of: date) -> int:
        """Days past 整改期限 on `as_of` (0 when not overdue)."""
        if self.rectified or not self.deadline or not self.is_finding:
            return 0
        return max(0, (as_of - self.deadline).days)


def site_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


def _event_order(record: Record) -> tuple:
    return (record.date or date.min, record.recorded_at, record.source, record.line)


def findings_as_of(records: list[Record], as_of: date) -> list[Finding]:
    """Every observation dated on or before `as_of` that is not voided, in its state on that day.

    Visits with nothing found are included (kind == "visit"), as they count as sites.
    """
    voided = {r.ref for r in records if r.kind == VOID}
    changes: dict[str, list[Record]] = {}
    for record in records:
        if record.ref:
            changes.setdefault(record.ref, []).append(record)
    result = []
    for record in records:
        if record.kind not in OBSERVATIONS or record.id in voided or record.date > as_of:
            continue
        result.append(apply_changes(record, changes.get(record.id, []), as_of))
    return result


def apply_changes(record: Record, changes: list[Record], as_of: date) -> Finding:
    finding = Finding(
        id=record.id, kind=record.kind, group=record.group, date=record.date,
        county=record.county, town=record.town, sector=record.sector, site=record.site,
        address=record.address, hazard=record.hazard, major=record.major,
        evidence=record.evidence, photos=record.photos, handover=record.handover,
        handover_date=record.date if record.handover else None, deadline=record.deadline,
        rectified=record.rectified, by=record.by, recorded_at=record.recorded_at,
    )  # fmt: skip
    ordered = sorted(changes, key=_event_order)
    for change in ordered:
        if change.kind == AMEND:
            finding = replace(finding, **{name: getattr(change, name) for name in change.fields})
        elif change.date is None or change.date > as_of:
            continue
        elif change.kind == RECTIFY:
            finding = replace(finding, rectified=finding.rectified or change.date)
        elif change.kind == HANDOVER:
            finding = replace(
                finding,
                handover=change.handover,
                handover_date=change.date,
                deadline=change.deadline or finding.deadline,
            )
        elif change.kind == DEADLINE:
            finding = replace(finding, deadline=change.deadline)
    return replace(finding, history=(record, *ordered))


def history_of(records: list[Record], record_id: str) -> list[Record]:
    """The record with this id and every change that refers to it, in order."""
    change = next((r for r in records if r.id == record_id and r.ref), None)
    if change is not None:  # the id of a change: show the finding it belongs to
        record_id = change.ref
    own = [r for r in records if r.id == record_id and r.kind in OBSERVATIONS]
    return own + sorted((r for r in records if r.ref == record_id), key=_event_order)


def finding_data(finding: Finding) -> dict:
    """The report's keys for a finding (JSON: dates as YYYY-MM-DD)."""
    return {
        "id": finding.id,
        "sector": finding.sector,
        "site": finding.site,
        "address": finding.address,
        "hazard": finding.hazard,
        "major": finding.major,
        "evidence": finding.evidence,
        "handover": finding.handover,
        "deadline": finding.deadline.isoformat() if finding.deadline else None,
        "rectified": finding.rectified is not None,
    }


def listed_finding_data(finding: Finding) -> dict:
    """`anfang list --format json`: the report's keys plus where and when."""
    return {
        **finding_data(finding),
        "group": finding.group,
        "date": finding.date.isoformat(),
        "county": finding.county,
        "town": finding.town,
        "rectified_date": finding.rectified.isoformat() if finding.rectified else None,
    }
