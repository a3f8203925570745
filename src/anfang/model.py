"""The records of the logs. Immutable; each knows the file and line it came from."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import NamedTuple

from anfang import schema

# What a log row can be. Visits and findings are observations; the rest refer to a finding.
VISIT = "visit"  # a site inspected where nothing was found
FINDING = "finding"  # a 问题隐患 found at a site (the visit is implied)
RECTIFY = (
    "rectify"  # event: 已完成整改 on `date`; `reason` 整改措施, `handover` 整改责任人, `photos` after-photos
)
VERIFY = "verify"  # event: 复查 on `date`; `fields` is (PASS,) 销号 or (FAIL,) open again; `reason` 复查意见
HANDOVER = "handover"  # event: 交办 to `handover` on `date`, with an optional new `deadline`
DEADLINE = "deadline"  # event: 整改期限 moved to `deadline` on `date`
AMEND = "amend"  # correction: the `fields` named take the values of this row
VOID = "void"  # correction: the referenced record was made by mistake (`reason`)

OBSERVATIONS = (VISIT, FINDING)
EVENTS = (RECTIFY, HANDOVER, DEADLINE, VERIFY)
PASS, FAIL = "pass", "fail"  # the two results of a 复查
CORRECTIONS = (AMEND, VOID)
KINDS = (*OBSERVATIONS, *EVENTS, *CORRECTIONS)

# Every id anfang writes: G<group>-<YYYYMMDD>-<seq>, with B (the office) or W<n>- (written on
# group n's laptop for another group) before the sequence.
RECORD_ID = re.compile(r"^G(?P<group>\d{1,2})-(?P<date>\d{8})-(?:B|W(?P<writer>\d{1,2})-)?(?P<seq>\d{1,9})$")

# A date as the log holds it: YYYY-MM-DD (what anfang writes), a year of this century or the last;
# a line with anything else is not a record (store.parse_log_date, which both readers use).
LOG_DATE_PATTERN = r"^(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$"
LOG_DATE_COLUMNS = ("date", "deadline", "rectified")  # `date` required, the others may be empty

# the correctable fields and their labels come from the one declaration of the log's columns
AMENDABLE = schema.AMENDABLE
FIELD_LABELS = {name: schema.LABELS[name] for name in AMENDABLE}


class Record(NamedTuple):
    """One row of a log.

    id: stable id such as G1-20200327-003; ref: for changes, the id they refer to.
    date: the visit date (observations) or the day the event happened (events).
    major 是否为重大, evidence 是否留存影像资料, handover 交办 (department), deadline 整改期限,
    rectified 整改完成日期 (on a finding: rectified at the visit).
    origin: for imported rows, a fingerprint of the source row, so a re-import is recognised.
    """

    id: str
    kind: str
    ref: str
    group: int
    date: date | None
    county: str
    town: str
    sector: str
    site: str
    address: str
    hazard: str
    major: bool
    evidence: bool
    photos: tuple[str, ...]
    handover: str
    deadline: date | None
    rectified: date | None
    reason: str
    fields: tuple[str, ...]
    origin: str  # where an imported row came from (a fingerprint), "" when typed in
    by: str
    recorded_at: str
    source: str = ""
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def photo_entry(stored: str, original: str) -> str:
    """One entry of a record's photos: the name in evidence/ (content-addressed) and the name
    the photo had on the liaison's laptop, joined by "/" (which no file name can hold)."""
    clean = "".join("_" if c in "/\\;" or ord(c) < 32 else c for c in original)[:120]
    return f"{stored}/{clean}" if clean and clean != stored else stored


# the name a photo is kept under in evidence/ (recording.store_evidence): its content's hash
STORED_PHOTO = re.compile(r"[0-9a-f]{24}(?:\.[a-z0-9]{1,8})?")


def evidence_file(evidence_dir: Path, stored: str) -> Path | None:
    """The photo kept in evidence/ as `stored`, or None. A record's photo is opened only if its
    name is one anfang makes and it is a regular file there: a synced record naming a path
    ("/home/…", "../…"), a symlink or a device never makes a document read another file."""
    import os
    import stat

    if not STORED_PHOTO.fullmatch(stored):
        return None
    path = evidence_dir / stored
    try:
        return path if stat.S_ISREG(os.lstat(path).st_mode) else None
    except OSError:
        return None


def split_photo(entry: str) -> tuple[str, str]:
    """(name in evidence/, original file name)."""
    stored, _, original = entry.partition("/")
    return stored, original or stored


def site_key(name: str) -> str:
    """A site's name folded for counting: width (NFKC), spaces and case (the same site on the
    same day counts once; `anfang site` finds a site's history by it)."""
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()
