"""`anfang import`: the flat table from CSV or xlsx, or a filled-in `anfang form` workbook.

Every row is checked first; one bad row rejects the whole file (all bad rows are listed) and
nothing is written. Rows already imported (same content, or an exported 编号 already present)
are skipped, so importing the same file twice adds nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from anfang import dates
from anfang.config import Config
from anfang.errors import AnfangError, UsageError
from anfang.flat import (
    IMPORT_COLUMNS,
    OPTIONAL,
    REQUIRED,
    Event,
    ImportRow,
    RowErrors,
    fingerprint_rows,
    parse_row,
)
from anfang.model import DEADLINE, FINDING, HANDOVER, RECTIFY, VISIT, Record
from anfang.recording import destination, make_id
from anfang.store import append_batch, read_logs, sequence_of
from anfang.textsafe import restore
from anfang.workspace import Workspace

MAX_LISTED_ERRORS = 200


@dataclass(frozen=True)
class ImportResult:
    added: int
    skipped: int
    groups: dict[int, int]


# -- reading files -------------------------------------------------------------------------


def decode_csv(raw: bytes, label: str, encoding: str | None) -> str:
    if encoding:
        try:
            return raw.decode(encoding)
        except LookupError:
            raise UsageError(f"不认识的编码 {encoding}（可用 utf-8、gb18030）") from None
        except UnicodeDecodeError as exc:
            raise AnfangError(f"{label} 无法按 {encoding} 解码（第 {exc.start + 1} 字节处）") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding or "utf-8")
    except UnicodeDecodeError as first:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise AnfangError(
                f"{label} 既不是 UTF-8 也不是 GB18030 编码（第 {first.start + 1} 字节处无法解码）；"
                "请用 --encoding 指定编码"
            ) from None


def csv_rows(path: Path, encoding: str | None) -> tuple[list[str], Iterator[tuple[int, list]]]:
    text = decode_csv(path.read_bytes(), path.name, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise AnfangError(f"{path.name} 是空文件")
    # exported CSV guards formula-like text with a leading ': take it off again
    rows = ((reader.line_num, [restore(c) if c[:1] == "'" else c for c in row]) for row in reader)
    return [h.strip() for h in header], rows


def xlsx_sheet(path: Path):
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise AnfangError(f"{path.name} 不是有效的 Excel 工作簿（.xlsx）：{type(exc).__name__}") from None
    return wb, wb.worksheets[0]


FORM_TITLE = "暗访检查日报表"


def xlsx_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list]], dict]:
    """The header and rows of the first sheet: a flat table, or a filled-in form (then the
    group and date come from the form's header; returned in the third value)."""
    wb, sheet = xlsx_sheet(path)
    all_rows = list(sheet.iter_rows(values_only=True))
    wb.close()
    if not all_rows:
        raise AnfangError(f"{path.name} 的第一个工作表是空的")
    first = [str(c).strip() if c is not None else "" for c in all_rows[0]]
    if first and first[0] == FORM_TITLE:
        return _form_rows(path, all_rows)
    return first, ((n, list(r)) for n, r in enumerate(all_rows[1:], start=2)), {}


def _form_rows(path: Path, all_rows: list) -> tuple[list[str], Iterator[tuple[int, list]], dict]:
    from anfang.forms import FORM_COLUMNS, read_form_header

    header_at = next((i for i, r in enumerate(all_rows) if r and r[0] == FORM_COLUMNS[0]), None)
    if header_at is None:
        raise AnfangError(f"{path.name} 看起来是日报表，但找不到表头“{FORM_COLUMNS[0]}”所在的行")
    context = read_form_header(all_rows[: header_at + 1], path.name)
    header = [str(c).strip() if c is not None else "" for c in all_rows[header_at]]
    rows = ((n, list(r)) for n, r in enumerate(all_rows[header_at + 1 :], start=header_at + 2))
    return header, rows, context


def read_table(path: Path, encoding: str | None) -> tuple[list[str], Iterator[tuple[int, list]], dict]:
    if not path.is_file():
        raise AnfangError(f"找不到文件 {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, rows = csv_rows(path, encoding)
        return header, rows, {}
    if suffix in (".xlsx", ".xlsm"):
        return xlsx_rows(path)
    raise UsageError(f"{path.name}：只能导入 .csv 或 .xlsx 文件")


def _check_header(header: list[str], context: dict, label: str) -> None:
    known = set(IMPORT_COLUMNS) | set(OPTIONAL) | set(context.get("columns", ()))
    unknown = [h for h in header if h and h not in known]
    required = [c for c in REQUIRED if c not in context.get("implied", ())]
    missing = [c for c in required if c not in header]
    problems = []
    if missing:
        problems.append(f"缺少列：{'、'.join(missing)}")
    if unknown:
        problems.append(f"不认识的列：{'、'.join(unknown)}")
    if len(set(h for h in header if h)) != len([h for h in header if h]):
        problems.append("有重复的列名")
    if problems:
        raise AnfangError(f"{label} 的表头不对：{'；'.join(problems)}。应有的列：{'、'.join(IMPORT_COLUMNS)}")


# -- validating and writing ------------------------------------------------------------------


def validate_rows(path: Path, config: Config, encoding: str | None = None,
                  progress: Callable[[int], None] | None = None, group: int | None = None) -> list[ImportRow]:  # fmt: skip
    from anfang.forms import resolve_form_context

    header, rows, context = read_table(path, encoding)
    if group is not None:  # --group: the rows are this group's; the 组别 column may be left out
        context = {**context, "implied": (*context.get("implied", ()), "组别")}
    _check_header(header, context, path.name)
    context = resolve_form_context(context, config)
    if group is not None:
        if context.get("group") not in (None, group):
            raise AnfangError(
                f"{path.name} 的表头写的是{config.group(context['group']).name}，与 --group 指定的{config.group(group).name}不符"
            )
        context["group"] = group
    today = dates.today()
    valid: list[ImportRow] = []
    errors: list[str] = []
    for number, cells in rows:
        if progress:
            progress(number)
        if all(c is None or str(c).strip() == "" for c in cells):
            continue  # blank lines and the form's empty rows
        raw = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header) if h}
        raw = context.get("map_row", lambda r: r)(raw)
        try:
            row = parse_row(
                number,
                raw,
                config,
                today,
                default_group=context.get("group"),
                default_date=context.get("date"),
            )
            if group is not None and row.entry.group != group:
                raise RowErrors(
                    [
                        f"第 {number} 行：组别是{config.group(row.entry.group).name}，与 --group 指定的{config.group(group).name}不符"
                    ]
                )
            valid.append(row)
        except RowErrors as bad:
            errors.extend(bad.messages)
    if errors:
        shown = errors[:MAX_LISTED_ERRORS]
        more = f"\n  ……另有 {len(errors) - len(shown)} 处" if len(errors) > len(shown) else ""
        raise AnfangError(
            f"{path.name} 有 {len(errors)} 处错误，整个文件未导入：\n  " + "\n  ".join(shown) + more
        )
    if not valid:
        raise AnfangError(f"{path.name} 中没有数据行")
    fingerprint_rows(valid)
    return valid


def import_rows(workspace: Workspace, rows: list[ImportRow]) -> ImportResult:
    existing = read_logs(workspace.logs_dir).records
    known_ids = {r.id for r in existing}
    known_origins = {r.origin for r in existing if r.origin}
    fresh = [
        r
        for r in rows
        if r.fingerprint not in known_origins and not (r.record_id and r.record_id in known_ids)
    ]
    by_group: dict[int, list[ImportRow]] = {}
    for row in fresh:
        by_group.setdefault(row.entry.group, []).append(row)
    recorded_at = dates.now().isoformat(timespec="seconds")
    # every destination first: a group laptop refuses another group's rows before writing any
    destinations = {group: destination(workspace, group) for group in by_group}
    for group, group_rows in sorted(by_group.items()):
        log, tag = destinations[group]
        append_batch(log, lambda seq, rs=group_rows, t=tag: _records(rs, seq, known_ids, recorded_at, t))
    return ImportResult(
        len(fresh), len(rows) - len(fresh), {g: len(rs) for g, rs in sorted(by_group.items())}
    )


def _records(
    rows: list[ImportRow], sequence: int, known_ids: set[str], recorded_at: str, tag: str
) -> list[Record]:
    """The records for one group's rows. An exported 编号 is kept when it is free and above the
    file's newest sequence (so the next id read from the tail stays unique); kept ids go first,
    in order, then new ids follow."""
    wanted = {
        id(r): sequence_of(r.record_id)
        for r in rows
        if r.record_id and not tag and r.record_id not in known_ids
    }
    keep = sorted((r for r in rows if wanted.get(id(r), -1) >= sequence), key=lambda r: wanted[id(r)])
    kept = {id(r) for r in keep}
    ordered = keep + [r for r in rows if id(r) not in kept]
    counter = max([sequence - 1, *(wanted[id(r)] for r in keep)])
    records: list[Record] = []
    events: list[tuple[ImportRow, Event, str]] = []
    for row in ordered:
        if id(row) in kept:
            record_id = row.record_id
        else:
            counter += 1
            record_id = make_id(row.entry.group, row.entry.date, counter, tag)
        records.append(_observation(row, record_id, recorded_at))
        events += [(row, event, record_id) for event in row.later]
    for row, event, ref in events:
        counter += 1
        records.append(
            _event(row, event, ref, make_id(row.entry.group, event.date, counter, tag), recorded_at)
        )
    return records


def _observation(row: ImportRow, record_id: str, recorded_at: str) -> Record:
    e = row.entry
    return Record(
        id=record_id, kind=FINDING if e.hazard else VISIT, ref="", group=e.group, date=e.date,
        county=e.county, town=e.town, sector=e.sector, site=e.site, address=e.address, hazard=e.hazard,
        major=e.major, evidence=e.evidence, photos=(), handover=e.handover, deadline=e.deadline,
        rectified=e.date if e.rectified else None, reason="", fields=(), origin=row.fingerprint,
        by=e.by, recorded_at=recorded_at,
    )  # fmt: skip


EVENT_KINDS = {"handover": HANDOVER, "deadline": DEADLINE, "rectify": RECTIFY}


def _event(row: ImportRow, event: Event, ref: str, record_id: str, recorded_at: str) -> Record:
    return Record(
        id=record_id, kind=EVENT_KINDS[event.kind], ref=ref, group=row.entry.group, date=event.date,
        county="", town="", sector="", site="", address="", hazard="", major=False, evidence=False,
        photos=(), handover=event.department, deadline=event.deadline, rectified=None, reason="",
        fields=(), origin=row.fingerprint, by=row.entry.by, recorded_at=recorded_at,
    )  # fmt: skip
