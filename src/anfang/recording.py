"""Recording visits and findings (anfang log): validate everything, then append one record."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import NamedTuple

from anfang import dates
from anfang.config import Config
from anfang.dates import chinese_number
from anfang.errors import AnfangError, UsageError, os_reason
from anfang.identity import read_writer
from anfang.model import FINDING, VISIT, Record, photo_entry
from anfang.store import append
from anfang.textsafe import check_text
from anfang.workspace import Workspace

MAX_PHOTO_BYTES = 100 * 1024 * 1024


class VisitEntry(NamedTuple):
    """What the liaison entered for one site visit, and at most one finding there (a NamedTuple:
    a dataclass's generated methods would cost `anfang log` milliseconds at every start)."""

    group: int
    date: date
    town: str
    sector: str
    site: str
    county: str = ""
    address: str = ""
    hazard: str = ""
    major: bool = False
    evidence: bool = False
    photos: tuple[Path, ...] = ()
    handover: str = ""
    deadline: date | None = None
    rectified: bool = False
    by: str = ""


def destination(workspace: Workspace, group: int, force: bool = False) -> tuple[Path, str]:
    """The log this laptop writes a record of `group` to, and the tag its new ids carry.

    One writer per file keeps syncing conflict-free: a group's laptop writes only its own group's
    records (unless forced: then to its own file, with ids tagged W<n>- so they never collide);
    the office writes every group's records to its own file, with ids tagged B."""
    writer = read_writer(workspace.root)
    if writer is None:
        return workspace.logs_dir / f"group-{group}.csv", ""
    if writer.is_office:
        return workspace.logs_dir / writer.log_name(), "B"
    if writer.group != group and not force:
        raise AnfangError(
            f"这台电脑登记为第{chinese_number(writer.group)}组的联络员电脑，不能记录或修改"
            f"第{chinese_number(group)}组的记录（确需代录请加 --force）"
        )
    return workspace.logs_dir / writer.log_name(), "" if writer.group == group else f"W{writer.group}-"


def make_id(group: int, day: date, sequence: int, tag: str = "") -> str:
    """G1-20200327-003: group, visit (or event) date, and the writer file's sequence."""
    return f"G{group}-{day:%Y%m%d}-{tag}{sequence:03d}"


class EntryProblems(UsageError):
    """Everything wrong with an entry at once (an import lists them all for the row)."""

    def __init__(self, problems: list[AnfangError]):
        self.problems = problems
        self.messages = [str(p) for p in problems]
        super().__init__("；".join(self.messages))
        self.exit_code = max(p.exit_code for p in problems)


def validate_entry(entry: VisitEntry, config: Config, today: date) -> tuple[VisitEntry, list[str]]:
    """Check an entry against the campaign; return it normalised, with warnings. Raises
    EntryProblems naming every problem when it is bad."""
    problems: list[AnfangError] = []

    def check(rule, *args):
        try:
            return rule(*args)
        except AnfangError as error:
            problems.append(error)
            return None

    group = config.group(entry.group)
    found = check(config.sector, entry.sector)
    sector = found.name if found else ""
    if not entry.site.strip():
        problems.append(UsageError("企业（场所）名称不能为空"))
    if not entry.town.strip():
        problems.append(UsageError("镇（街道）不能为空"))
    single_line = {"镇（街道）": entry.town, "县（市、区）": entry.county, "企业（场所）名称": entry.site,
                   "地址": entry.address, "交办部门": entry.handover, "记录人": entry.by}  # fmt: skip
    for label, value in single_line.items():
        check(check_text, label, value)
    check(lambda: check_text("问题隐患内容", entry.hazard, multiline=True))
    check(check_visit_date, entry.date, today)
    if not entry.hazard.strip():
        given = (("是否为重大（--major）", entry.major), ("是否留存影像资料（--evidence、--photo）", entry.evidence or entry.photos),
                 ("交办（--handover）", entry.handover), ("整改期限（--deadline）", entry.deadline),
                 ("已整改（--rectified）", entry.rectified))  # fmt: skip
        extra = [name for name, on in given if on]
        if extra:
            problems.append(
                UsageError(f"没有问题隐患内容，却填了{'、'.join(extra)}：这些只用于发现了问题隐患的记录")
            )
    if entry.deadline:
        check(check_deadline, entry.deadline, entry.date)
    for photo in entry.photos:
        check(check_photo, photo)
    if problems:
        raise problems[0] if len(problems) == 1 else EntryProblems(problems)
    campaign = config.campaign
    warnings = []
    if not campaign.start <= entry.date <= campaign.end:
        warnings.append(
            f"注意：暗访日期 {entry.date} 不在攻坚行动期间（{campaign.start} 至 {campaign.end}），已照常记录"
        )
    normalised = VisitEntry(
        group=group.number, date=entry.date, town=entry.town.strip(), sector=sector,
        site=entry.site.strip(), county=entry.county.strip() or group.region,
        address=entry.address.strip(), hazard=entry.hazard.strip(), major=entry.major,
        evidence=entry.evidence or bool(entry.photos), photos=entry.photos,
        handover=entry.handover.strip(), deadline=entry.deadline, rectified=entry.rectified,
        by=entry.by.strip() or group.liaison,
    )  # fmt: skip
    return normalised, warnings


def check_visit_date(day: date, today: date) -> date:
    if day > today:
        raise AnfangError(f"暗访日期 {day} 晚于今天（{today}），请检查日期")
    return day


def check_deadline(deadline: date, day: date) -> date:
    if deadline < day:
        raise AnfangError(f"整改期限 {deadline} 早于暗访日期 {day}")
    return deadline


def check_photo(photo: Path) -> Path:
    if not photo.is_file():
        raise AnfangError(f"照片文件 {photo} 不存在或不是文件")
    if photo.stat().st_size > MAX_PHOTO_BYTES:
        raise AnfangError(f"照片文件 {photo} 超过 100 MB")
    if not os.access(photo, os.R_OK):
        raise AnfangError(f"照片文件 {photo} 无法读取")
    return photo


def store_evidence(workspace: Workspace, photo: Path) -> str:
    """Copy a photo into evidence/, named by its content: the same photo is kept once, and an
    existing file is never overwritten. Returns the stored name."""
    import hashlib  # only a log with photos needs these
    import shutil
    import tempfile

    digest = hashlib.sha256()
    with photo.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    suffix = photo.suffix.lower() if re.fullmatch(r"\.[a-z0-9]{1,8}", photo.suffix.lower()) else ""
    name = digest.hexdigest()[:24] + suffix
    target = workspace.evidence_dir / name
    if target.exists():
        return name
    workspace.evidence_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=workspace.evidence_dir, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(photo, tmp)
        os.link(tmp, target)  # fails rather than overwrite if another process won the race
    except FileExistsError:
        pass
    except OSError as exc:
        raise AnfangError(f"无法保存照片 {photo}：{os_reason(exc)}") from None
    finally:
        os.unlink(tmp)
    return name


def record_entry(workspace: Workspace, entry: VisitEntry, force: bool = False) -> Record:
    """Append a validated entry to this writer's log and return the record with its new id."""
    log, tag = destination(workspace, entry.group, force)  # refuses before any photo is copied
    photos = tuple(photo_entry(store_evidence(workspace, p), p.name) for p in entry.photos)
    recorded_at = dates.now().isoformat(timespec="seconds")
    kind = FINDING if entry.hazard else VISIT

    def build(sequence: int) -> Record:
        return Record(
            id=make_id(entry.group, entry.date, sequence, tag), kind=kind, ref="", group=entry.group,
            date=entry.date, county=entry.county, town=entry.town, sector=entry.sector,
            site=entry.site, address=entry.address, hazard=entry.hazard, major=entry.major,
            evidence=entry.evidence, photos=photos, handover=entry.handover,
            deadline=entry.deadline, rectified=entry.date if entry.rectified else None,
            reason="", fields=(), origin="", by=entry.by, recorded_at=recorded_at,
        )  # fmt: skip

    return append(log, build)
