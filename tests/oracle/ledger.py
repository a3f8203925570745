"""The row-wise model of the finding state: the executable specification the engine
(anfang.engine) is held equal to. Pure, one record at a time, written for clarity, not speed.

Events (rectify, handover, deadline, verify) count from their date on, so a past date's state is
reproducible; a failed 复查 undoes the rectification before it, a passed one closes (销号) a
rectified finding. Corrections (amend, void) fix the record itself and apply to every date.
"""

from __future__ import annotations

from datetime import date

from anfang.engine import Finding, event_key
from anfang.model import AMEND, DEADLINE, FAIL, HANDOVER, OBSERVATIONS, PASS, RECTIFY, VERIFY, VOID, Record


def findings_as_of(records: list[Record], as_of: date) -> list[Finding]:
    """Every observation dated on or before `as_of` that is not voided, in its state on that day,
    in the order of the records."""
    voided = {r.ref for r in records if r.kind == VOID}
    changes: dict[str, list[Record]] = {}
    for record in records:
        if record.ref:
            changes.setdefault(record.ref, []).append(record)
    return [
        apply_changes(record, changes.get(record.id, []), as_of)
        for record in records
        if record.kind in OBSERVATIONS and record.id not in voided and record.date <= as_of
    ]


def apply_changes(record: Record, changes: list[Record], as_of: date) -> Finding:
    finding = Finding(
        id=record.id, kind=record.kind, group=record.group, date=record.date,
        county=record.county, town=record.town, sector=record.sector, site=record.site,
        address=record.address, hazard=record.hazard, major=record.major,
        evidence=record.evidence, photos=record.photos, handover=record.handover,
        handover_date=record.date if record.handover else None, deadline=record.deadline,
        rectified=record.rectified, verified=None, by=record.by, recorded_at=record.recorded_at,
        source=record.source, line=record.line,
    )  # fmt: skip
    for change in sorted(changes, key=event_key):
        if change.kind == AMEND:
            finding = finding._replace(**{name: getattr(change, name) for name in change.fields})
        elif change.date is None or change.date > as_of:
            continue
        elif change.kind == RECTIFY:
            finding = finding._replace(rectified=finding.rectified or change.date)
        elif change.kind == VERIFY and change.fields == (FAIL,):  # open again, from its date
            finding = finding._replace(rectified=None, verified=None)
        elif change.kind == VERIFY and change.fields == (PASS,) and finding.rectified:
            finding = finding._replace(verified=finding.verified or change.date)
        elif change.kind == HANDOVER:
            finding = finding._replace(
                handover=change.handover,
                handover_date=change.date,
                deadline=change.deadline or finding.deadline,
            )
        elif change.kind == DEADLINE:
            finding = finding._replace(deadline=change.deadline)
    return finding
