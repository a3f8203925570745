"""The only code that touches the CSV logs: read them, append to them, find torn lines.

Format (one file per writer under logs/, UTF-8 with BOM so Excel opens it):
- line 1 is the header; every other line is exactly one record;
- newlines and backslashes inside text are escaped (\\n, \\r, \\\\), so a record never spans
  lines and git's line-based merge, tail reading and torn-line detection all work;
- the last column is the CRC-32 of the rest of the line: a line cut by a power cut, a full disk
  or a half-synced file, or edited by hand, fails it and is never read as data.
Appends take an exclusive lock, close a torn tail with a newline (so the new record never joins
the fragment), write the record in one call and fsync. The next id comes from the file's tail.
"""

from __future__ import annotations

import contextlib
import csv
import mmap
import os
import re
import zlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from anfang import schema
from anfang.errors import AnfangError, Problem, os_reason
from anfang.model import KINDS, LOG_DATE_PATTERN, OBSERVATIONS, RECORD_ID, Record
from anfang.textsafe import neutralize, restore, text_problem

BOM = "\ufeff".encode()
COLUMNS = schema.NAMES  # declared once, in schema.py
HEADER = (",".join(COLUMNS) + "\n").encode("utf-8")
YES, NO = "是", "否"
TAIL_CHUNK = 64 * 1024

try:  # POSIX
    import fcntl

    def _lock(fd: int, exclusive: bool) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

except ImportError:  # Windows: lock the first byte (shared locks do not exist there)
    import msvcrt

    def _lock(fd: int, exclusive: bool) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


@contextlib.contextmanager
def _locked(fd: int, exclusive: bool) -> Iterator[None]:
    _lock(fd, exclusive)
    try:
        yield
    finally:
        _unlock(fd)


# -- encoding one record as one line -----------------------------------------------------

_UNESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"n": "\n", "r": "\r", "\\": "\\"}


_PLAIN = re.compile(r"[^=+\-@\t\r'\\\n][^\\\n\r]*")  # text that needs neither guard nor escape


def _escape(value: str) -> str:
    if not value or _PLAIN.fullmatch(value):
        return value
    value = neutralize(value)
    if "\\" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _unescape(value: str) -> str:
    if "\\" in value:
        value = _UNESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1), m.group(0)), value)
    return restore(value)


def _flag(value: bool | None) -> str:
    return "" if value is None else (YES if value else NO)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


# Columns that can hold text a user typed: only these can need the formula guard, the newline
# escape or CSV quoting (ids, kinds, dates, flags, photo names and timestamps are ours).
USER_TEXT_COLUMNS = schema.USER_TEXT
_USER_TEXT = tuple(COLUMNS.index(name) for name in USER_TEXT_COLUMNS)


def record_values(record: Record) -> list[str]:
    """A record's column values as text (before escaping), in COLUMNS order without the CRC."""
    return [
        record.id, record.kind, record.ref, str(record.group), _day(record.date), record.county,
        record.town, record.sector, record.site, record.address, record.hazard,
        _flag(record.major) if record.kind == "finding" or "major" in record.fields else "",
        _flag(record.evidence) if record.kind == "finding" or "evidence" in record.fields else "",
        ";".join(record.photos), record.handover, _day(record.deadline), _day(record.rectified),
        record.reason, ";".join(record.fields), record.origin, record.by, record.recorded_at,
    ]  # fmt: skip


def encode_record(record: Record) -> bytes:
    values = record_values(record)
    for index in _USER_TEXT:
        value = values[index]
        if value:
            values[index] = _csv_field(_escape(value))
    body = ",".join(values).encode("utf-8")
    return body + b",%08x\n" % zlib.crc32(body)


def _csv_field(value: str) -> str:
    """Minimal CSV quoting, as csv.writer does it (newlines never occur: they are escaped)."""
    if "," in value or '"' in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _checked_body(line: bytes) -> bytes | None:
    """The line without its CRC column if the CRC matches, else None."""
    line = line.removesuffix(b"\n").removesuffix(b"\r")  # CR: a checkout that turned LF into CRLF
    if len(line) < 10 or line[-9:-8] != b",":
        return None
    body, crc = line[:-9], line[-8:]
    try:
        return body if int(crc, 16) == zlib.crc32(body) else None
    except ValueError:
        return None


_LOG_DATE = re.compile(LOG_DATE_PATTERN)


def parse_log_date(text: str, column: str) -> date | None:
    """A date column of a line (model.LOG_DATE_PATTERN, a real day); `date` is required."""
    if not text:
        if column == "date":
            raise ValueError("缺少日期")
        return None
    if _LOG_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"的{schema.LABELS[column]}“{text}”不是有效的日期")


def _record_from_fields(fields: list[str], source: str, line: int) -> Record:
    if len(fields) != len(COLUMNS) - 1:
        raise ValueError(f"应有 {len(COLUMNS)} 列")
    v = [_unescape(f) for f in fields]
    if v[1] not in KINDS:
        raise ValueError(f"未知的记录类型 {v[1]}")
    if not v[0]:
        raise ValueError("缺少编号")
    if not RECORD_ID.match(v[0]) or (v[2] and not RECORD_ID.match(v[2])):
        raise ValueError("编号格式不对（不是 anfang 写的编号）")
    if not (v[3].isascii() and v[3].isdigit() and len(v[3]) <= 9):
        raise ValueError(f"的组别“{v[3]}”不是有效的组号")
    for index in _USER_TEXT:
        problem = text_problem(v[index])
        if problem:
            raise ValueError(f"的{COLUMNS[index]}列{problem}")
    return Record(
        id=v[0], kind=v[1], ref=v[2], group=int(v[3]), date=parse_log_date(v[4], "date"), county=v[5],
        town=v[6], sector=v[7], site=v[8], address=v[9], hazard=v[10], major=v[11] == YES,
        evidence=v[12] == YES, photos=tuple(p for p in v[13].split(";") if p), handover=v[14],
        deadline=parse_log_date(v[15], "deadline"), rectified=parse_log_date(v[16], "rectified"), reason=v[17],
        fields=tuple(f for f in v[18].split(";") if f), origin=v[19], by=v[20], recorded_at=v[21],
        source=source, line=line,
    )  # fmt: skip


def decode_line(line: bytes, source: str, number: int, encoding: str = "utf-8") -> Record:
    """One line of a log as a record; ValueError (with a Chinese reason) if it is not one.

    The CRC covers the line's text as UTF-8, so a log re-saved as GB18030 still checks.
    """
    if encoding != "utf-8":
        try:
            line = line.decode(encoding).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"第 {exc.start + 1} 字节处无法按 {encoding} 解码") from None
    body = _checked_body(line)
    if body is None:
        raise ValueError("不完整或已损坏（校验不符，可能因断电、磁盘满、同步中断或手工修改）")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"第 {exc.start + 1} 字节处无法按 UTF-8 解码") from None
    fields = next(csv.reader([text]))
    return _record_from_fields(fields, source, number)


# -- reading -----------------------------------------------------------------------------


class LogContents:
    """Every complete record of a set of logs, and a problem for each line that is not one."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.problems: list[Problem] = []


def log_files(logs_dir: Path) -> list[Path]:
    return sorted(p for p in logs_dir.glob("*.csv") if p.is_file()) if logs_dir.is_dir() else []


def read_logs(logs_dir: Path, label_root: Path | None = None) -> LogContents:
    """Read every log under logs_dir. The one reading function all commands use."""
    contents = LogContents()
    for path, raw in snapshot(logs_dir):
        label = path.relative_to(label_root).as_posix() if label_root else path.name
        read_log(path, label, contents, raw)
    return contents


def snapshot(logs_dir: Path) -> list[tuple[Path, bytes | OSError]]:
    """Every log's bytes, read while a shared lock is held on all of them at once, so a reader
    sees a multi-file import either whole or not at all. What an import that died left behind
    (its journal names each file's length before it) is not part of the logs and is cut off."""
    with _locked_logs(logs_dir) as opened:
        return [(path, fd if isinstance(fd, OSError) else _read(fd, length)) for path, fd, length in opened]


def _read(fd: int, length: int) -> bytes:
    """The first `length` bytes of the file (pread returns at most about 2 GB at a time)."""
    parts, done = [], 0
    while done < length:
        part = os.pread(fd, length - done, done)
        if not part:
            break
        parts.append(part)
        done += len(part)
    return b"".join(parts)


@contextlib.contextmanager
def mapped_snapshot(logs_dir: Path) -> Iterator[list[tuple[Path, bytes | mmap.mmap | OSError]]]:
    """snapshot as memory maps, valid (and the shared locks held) inside the `with`: a scan for
    a few lines need not copy a large store into memory first."""
    with _locked_logs(logs_dir) as opened, contextlib.ExitStack() as maps:
        yield [
            (path, fd if isinstance(fd, OSError) else _mapped(fd, length, maps))
            for path, fd, length in opened
        ]


def _mapped(fd: int, length: int, maps: contextlib.ExitStack) -> bytes | mmap.mmap:
    if not length:
        return b""
    try:
        return maps.enter_context(mmap.mmap(fd, length, access=mmap.ACCESS_READ))
    except (OSError, ValueError):  # a file system without mmap: read it
        return _read(fd, length)


@contextlib.contextmanager
def _locked_logs(logs_dir: Path) -> Iterator[list[tuple[Path, int | OSError, int]]]:
    """Every log open with a shared lock (taken on all at once), and the length of it that is
    part of the logs (the import journal honoured); files an unfinished import created are left
    out."""
    opened: list[tuple[Path, int | OSError]] = []
    try:
        for path in log_files(logs_dir):
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            except OSError as exc:
                opened.append((path, exc))
                continue
            opened.append((path, fd))
            _lock(fd, exclusive=False)
        journal = read_journal(logs_dir)
        result: list[tuple[Path, int | OSError, int]] = []
        for path, fd in opened:
            if isinstance(fd, OSError):
                result.append((path, fd, 0))
                continue
            limit = journal.get(path.name, -1) if journal else -1
            if limit is None:
                continue  # created by the unfinished import
            size = os.fstat(fd).st_size
            result.append((path, fd, size if limit < 0 else min(limit, size)))
        yield result
    finally:
        for _, fd in opened:
            if isinstance(fd, int):
                _unlock(fd)
                os.close(fd)


def _read_locked(path: Path) -> bytes:
    """Read under a shared lock, so an append in progress is never seen half-written."""
    fd = os.open(path, os.O_RDONLY)
    try:
        with _locked(fd, exclusive=False), os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def _encoding_of(raw: bytes) -> str:
    if raw[: len(BOM)] == BOM:  # raw may be a memory map (no startswith)
        return "utf-8"
    complete = raw[: raw.rfind(b"\n") + 1]
    try:
        complete.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        try:
            complete.decode("gb18030")
            return "gb18030"
        except UnicodeDecodeError:
            return "utf-8"


RESTORE_HINT = (
    "记录仍能读取，但 anfang 不会再向这个文件追加。恢复方法：同步的工作区运行 anfang sync --restore"
    "（或 git checkout -- 该文件，取回上次同步的版本）；未同步的工作区请用备份恢复。以后请不要用 Excel 保存记录文件"
)


def _resaved(raw: bytes, label: str, encoding: str) -> list[Problem]:
    """A log re-saved by another program (Excel, WPS, an editor): named, with how to restore it."""
    if not raw.strip():
        return []
    changes = []
    if encoding != "utf-8":
        changes.append(f"被另存为 {encoding.upper()} 编码")
    elif not raw.startswith(BOM):
        changes.append("开头的 UTF-8 BOM 不见了")
    if b"\r\n" in raw:
        changes.append("换行符被改成了 CRLF（Windows 格式）")
    if not changes:
        return []
    return [Problem(label, None, f"这个记录文件可能被其他程序另存过：{'，'.join(changes)}。{RESTORE_HINT}")]


def read_log(path: Path, label: str, contents: LogContents, raw: bytes | OSError | None = None) -> None:
    try:
        if raw is None:
            raw = _read_locked(path)
        if isinstance(raw, OSError):
            raise raw
    except OSError as exc:
        contents.problems.append(Problem(label, None, f"无法读取：{os_reason(exc)}", dropped=True))
        return
    if not raw:
        return  # just created, nothing written yet
    encoding = _encoding_of(raw)
    contents.problems.extend(_resaved(raw, label, encoding))
    lines = raw.removeprefix(BOM).split(b"\n")
    if lines and lines[0].removesuffix(b"\r") != HEADER.rstrip(b"\n"):
        contents.problems.append(Problem(label, 1, "表头不对：这不是 anfang 的记录文件，或已被其他程序改写"))
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        try:
            contents.records.append(decode_line(line, label, number, encoding))
        except ValueError as exc:
            if number == len(lines):
                # No newline and no valid CRC: cut short. (With a valid CRC only the newline is
                # missing: the record is whole, and the next append's newline completes it.)
                message = "最后一行不完整（可能因断电、磁盘满或同步中断），未作为记录读取"
            else:
                message = f"该行{exc}，未作为记录读取"
            contents.problems.append(Problem(label, number, message, dropped=True))


def _lines_with(raw: bytes, label: str, record_id: str, contents: LogContents) -> None:
    """The records of one log whose id or ref is `record_id`, found by a byte scan (ids are
    ASCII, the same bytes in every encoding a log can have): only those lines are decoded."""
    needle = record_id.encode("ascii")
    encoding = None
    start = raw.find(needle)
    while start >= 0:
        end = start + len(needle)
        before = raw[start - 1 : start]
        if before in (b"\n", b",") and raw[end : end + 1] == b",":
            line_start = raw.rfind(b"\n", 0, start) + 1
            line_end = raw.find(b"\n", end)
            line_end = len(raw) if line_end < 0 else line_end
            number = (
                raw.count(b"\n", 0, line_start) if isinstance(raw, bytes) else raw[:line_start].count(b"\n")
            ) + 1
            if number > 1:
                encoding = encoding or _encoding_of(raw)
                try:
                    record = decode_line(raw[line_start:line_end], label, number, encoding)
                except ValueError as exc:
                    contents.problems.append(
                        Problem(label, number, f"该行{exc}，未作为记录读取", dropped=True)
                    )
                else:
                    if record_id in (record.id, record.ref):
                        contents.records.append(record)
            start = raw.find(needle, line_end)
        else:
            start = raw.find(needle, end)


def records_about(files: list[tuple[str, bytes | OSError]], record_id: str) -> LogContents:
    """The record `record_id` and every record that refers to it (if `record_id` is a change's id:
    the record it refers to and all of that one's), without parsing the rest of the logs."""
    contents = LogContents()
    readable = []
    for label, raw in files:
        if isinstance(raw, OSError):
            contents.problems.append(Problem(label, None, f"无法读取：{os_reason(raw)}", dropped=True))
        else:
            readable.append((label, raw))
    for label, raw in readable:
        _lines_with(raw, label, record_id, contents)
    refs = {r.ref for r in contents.records if r.id == record_id and r.ref}
    if refs and not any(r.id == record_id and r.kind in OBSERVATIONS for r in contents.records):
        contents = LogContents()  # a change's id: the story of the finding it belongs to
        for label, raw in readable:
            for ref in sorted(refs):
                _lines_with(raw, label, ref, contents)
    contents.records.sort(key=lambda r: (r.source, r.line))
    return contents


def read_records_about(logs_dir: Path, record_id: str, label_root: Path | None = None) -> LogContents:
    """records_about over a snapshot of the logs (shared locks, the journal honoured)."""
    with mapped_snapshot(logs_dir) as mapped:
        files = [(path.relative_to(label_root).as_posix() if label_root else path.name, raw)
                 for path, raw in mapped]  # fmt: skip
        return records_about(files, record_id)


# -- the import journal: all-or-nothing appends across several logs -------------------------


def journal_path(logs_dir: Path) -> Path:
    """Local to the workspace, outside logs/ and never synced."""
    return logs_dir.parent / ".anfang" / "import-journal.json"


def read_journal(logs_dir: Path) -> dict[str, int | None] | None:
    """{log name: its length before the unfinished import (None: the import created it)}."""
    import json

    try:
        data = json.loads(journal_path(logs_dir).read_text(encoding="utf-8"))
        return {str(k): (int(v) if v is not None else None) for k, v in data["files"].items()}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # unreadable: written only partly, before any log was touched


class LogTransaction:
    """Exclusive locks on every log of the folder (and those about to be created), taken in name
    order; reading under them; appends that all land or none.

    Before the first append a journal records every file's length (fsynced); after the last one
    (all fsynced) it is removed. A failure rolls the files back to those lengths; a process killed
    part way leaves the journal, which readers honour (they ignore what follows those lengths)
    and the next writer uses to roll back."""

    def __init__(self, logs_dir: Path, targets: list[Path]):
        self.logs_dir = logs_dir
        self.targets = targets
        self.fds: dict[Path, int] = {}
        self.lengths: dict[Path, int | None] = {}
        self.journaled = False

    def __enter__(self) -> LogTransaction:
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        try:
            for path in sorted({*log_files(self.logs_dir), *self.targets}):
                existed = path.exists()
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
                self.fds[path] = fd
                _lock(fd, exclusive=True)
                self.lengths[path] = os.fstat(fd).st_size if existed else None
            self._roll_back_journal(read_journal(self.logs_dir))
        except OSError as exc:
            self._release()
            raise AnfangError(f"无法打开记录文件：{os_reason(exc)}") from None
        except BaseException:
            self._release()
            raise
        return self

    def read(self) -> LogContents:
        contents = LogContents()
        for path, fd in self.fds.items():
            size = os.fstat(fd).st_size
            read_log(path, path.name, contents, os.pread(fd, size, 0) if size else b"")
        return contents

    def records_about(self, record_id: str) -> LogContents:
        """store.records_about under the transaction's locks."""
        with contextlib.ExitStack() as maps:
            files = [(path.name, _mapped(fd, os.fstat(fd).st_size, maps)) for path, fd in self.fds.items()]
            return records_about(files, record_id)

    def append(self, path: Path, build: Callable[[int], list[Record]]) -> list[Record]:
        """Append `build(next_sequence)` to `path` (one of the targets), journaled."""
        fd = self.fds[path]
        if not self.journaled:
            self._write_journal()
        try:
            records = _append_locked(fd, path, build)
        except OSError as exc:
            raise AnfangError(f"写入 {path} 失败：{os_reason(exc)}") from None
        return records

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if self.journaled:
                if error is not None:
                    self._roll_back({p.name: n for p, n in self.lengths.items()})
                for fd in self.fds.values():
                    os.fsync(fd)
                journal_path(self.logs_dir).unlink(missing_ok=True)
                _fsync_dir(journal_path(self.logs_dir).parent)
            for path, fd in self.fds.items():
                if self.lengths[path] is None and os.fstat(fd).st_size == 0:
                    path.unlink(missing_ok=True)  # created for nothing
        finally:
            self._release()

    def _write_journal(self) -> None:
        import json

        journal = journal_path(self.logs_dir)
        journal.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"pid": os.getpid(), "files": {p.name: n for p, n in self.lengths.items()}})
        try:
            with open(journal, "w", encoding="utf-8") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            _fsync_dir(journal.parent)
        except OSError as exc:
            journal.unlink(missing_ok=True)
            raise AnfangError(f"无法写入导入日志 {journal}：{os_reason(exc)}；什么也没有写入") from None
        self.journaled = True

    def _roll_back(self, lengths: dict[str, int | None]) -> None:
        for path, fd in self.fds.items():
            if path.name in lengths:
                length = lengths[path.name]
                os.ftruncate(fd, length or 0)
                os.fsync(fd)

    def _roll_back_journal(self, journal: dict[str, int | None] | None) -> None:
        """What an import that died left behind is taken out again, before anything else."""
        if journal is None:
            return
        self._roll_back(journal)
        journal_path(self.logs_dir).unlink(missing_ok=True)
        _fsync_dir(journal_path(self.logs_dir).parent)
        for path, fd in self.fds.items():
            created = journal.get(path.name, 0) is None  # made by the dead import: goes again if left empty
            self.lengths[path] = None if created or self.lengths[path] is None else os.fstat(fd).st_size

    def _release(self) -> None:
        for fd in self.fds.values():
            with contextlib.suppress(OSError):
                _unlock(fd)
                os.close(fd)
        self.fds = {}


def roll_back_unfinished_import(logs_dir: Path) -> None:
    """Take out what an import that died left behind (called by writers before they append)."""
    with LogTransaction(logs_dir, []):
        pass


# -- appending ---------------------------------------------------------------------------


MAX_LINE = 4 << 20  # longer than any record can be (nine text columns of 32,767 characters, escaped)


def _tail_records(fd: int, size: int) -> Iterator[Record]:
    """Complete records from the end of the file backwards, reading only as far as needed.

    A stretch longer than any record (a large unreadable tail) is skipped, not carried along:
    reading back over it costs its length once, not its length squared."""
    pos, carry, skipping = size, b"", False
    while pos > 0:
        start = max(0, pos - TAIL_CHUNK)
        chunk = os.pread(fd, pos - start, start)
        pos = start
        if skipping:
            if b"\n" not in chunk:
                continue  # still inside the over-long line
            chunk, skipping = chunk[: chunk.rindex(b"\n")], False
        else:
            chunk += carry
        lines = chunk.split(b"\n")
        carry = lines.pop(0) if pos > 0 else b""  # may be cut: finish it with the next chunk
        if len(carry) > MAX_LINE:
            carry, skipping = b"", True
        for line in reversed(lines):
            if line:
                with contextlib.suppress(ValueError):
                    yield decode_line(line, "", 0)


def sequence_of(record_id: str) -> int:
    digits = re.search(r"(\d+)$", record_id)
    return int(digits.group(1)) if digits else 0


def tail_of(path: Path) -> Iterator[Record]:
    """The complete records of a log from its end backwards, under a shared lock (cheap at any
    size: only as much is read as the caller takes)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        with _locked(fd, exclusive=False):
            yield from _tail_records(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def last_record(path: Path) -> Record | None:
    """The newest complete record of a log."""
    return next(tail_of(path), None)


def latest_visit(path: Path, group: int, day: date, look_back: int = 2000) -> Record | None:
    """The newest visit or finding of `group` on `day` in a log, read from its end: skips the
    changes (an amend, a rectify) and records of other days written since (a back-dated entry)."""
    for seen, record in enumerate(tail_of(path)):
        if seen >= look_back:
            return None
        if record.kind in OBSERVATIONS and record.group == group and record.date == day:
            return record
    return None


def append(path: Path, build: Callable[[int], Record]) -> Record:
    """Append the record `build(next_sequence)` to the log at `path`, safely.

    Returns the record written. The sequence is one more than the newest record's in the file.
    """
    return append_batch(path, lambda sequence: [build(sequence)])[0]


def append_batch(path: Path, build: Callable[[int], list[Record]]) -> list[Record]:
    """Append the records `build(next_sequence)` under one lock, in one write and one fsync.

    `build` numbers its records from the sequence it is given, in order.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    for _ in range(3):
        if journal_path(path.parent).exists():
            roll_back_unfinished_import(path.parent)  # cheap check: one stat on the common path
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise AnfangError(f"无法打开记录文件 {path}：{os_reason(exc)}") from None
        try:
            with _locked(fd, exclusive=True):
                journal = read_journal(path.parent)
                if journal is not None and path.name in journal:
                    continue  # an import died while we waited for its lock: roll it back first
                records = _append_locked(fd, path, build)
                break
        except OSError as exc:
            raise AnfangError(f"写入 {path} 失败：{os_reason(exc)}；本条记录未保存") from None
        finally:
            os.close(fd)
    else:
        raise AnfangError(f"记录文件 {path} 正被一次未完成的导入占用，请稍后再试")
    if created:
        _fsync_dir(path.parent)
    return records


def _append_locked(fd: int, path: Path, build: Callable[[int], list[Record]]) -> list[Record]:
    """Append under the exclusive lock the caller holds: header for a new file, a newline to
    close a torn tail, the records numbered from the tail's sequence, one write, fsync."""
    size = os.fstat(fd).st_size
    if size == 0:
        prefix = BOM + HEADER
    else:
        if os.pread(fd, len(BOM + HEADER), 0) != BOM + HEADER:
            raise AnfangError(
                f"记录文件 {path} 的表头不对（可能被其他程序另存过或是旧版本的格式）；为免混写，本次未写入。"
                "请运行 anfang check 查看。"
            )
        prefix = b"" if os.pread(fd, 1, size - 1) == b"\n" else b"\n"
    newest = next(_tail_records(fd, size), None)
    records = build((sequence_of(newest.id) if newest else 0) + 1)
    os.lseek(fd, 0, os.SEEK_END)
    _write_all(fd, prefix + b"".join(encode_record(r) for r in records))
    os.fsync(fd)
    return records


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def restore_log(path: Path, synced: bytes, aside: Path) -> tuple[int, dict[str, str]]:
    """Put a log back to `synced` (the version last synced) plus every valid record of the
    current file that `synced` does not hold; the current file is copied to `aside` first.

    For a log edited outside anfang (rows deleted or changed in Excel): what was synced comes
    back, records made since are kept, edited or damaged lines stay only in the aside copy. A kept
    record whose id a synced record already has (made after rows were deleted, when the next id
    came from the shortened file) gets the next free id; changes made since that refer to it follow.
    Done in place under the exclusive lock, so a concurrent `anfang log` waits and then appends to
    the restored file. Returns (records kept beyond `synced`, {old id: new id})."""
    fd = os.open(path, os.O_RDWR)
    try:
        with _locked(fd, exclusive=True):
            current = os.pread(fd, os.fstat(fd).st_size, 0)
            aside.parent.mkdir(parents=True, exist_ok=True)
            with open(aside, "xb") as handle:
                handle.write(current)
                handle.flush()
                os.fsync(handle.fileno())
            known = set(synced.removeprefix(BOM).split(b"\n"))
            taken = {line.split(b",", 1)[0].decode("utf-8", "replace") for line in known}
            kept: list[Record] = []
            for number, line in enumerate(current.removeprefix(BOM).split(b"\n")[1:], start=2):
                if line and line not in known:
                    with contextlib.suppress(ValueError):
                        kept.append(decode_line(line, "", number))
            sequence = max((sequence_of(i) for i in taken | {r.id for r in kept}), default=0)
            renamed: dict[str, str] = {}
            for record in kept:
                if record.id in taken or record.id in renamed.values():
                    sequence += 1
                    renamed[record.id] = re.sub(r"\d+$", f"{sequence:03d}", record.id)
                taken.add(renamed.get(record.id, record.id))
            lines = [
                encode_record(r._replace(id=renamed.get(r.id, r.id), ref=renamed.get(r.ref, r.ref)))
                for r in kept
            ]
            data = (synced or BOM + HEADER) + b"".join(lines)
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            _write_all(fd, data)
            os.fsync(fd)
            return len(kept), renamed
    except OSError as exc:
        raise AnfangError(f"无法恢复 {path}：{os_reason(exc)}（改动前的文件已另存为 {aside}）") from None
    finally:
        os.close(fd)
