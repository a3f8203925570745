"""`anfang import`: the flat table from CSV or xlsx, or a filled-in `anfang form` workbook.

Every row is checked first; one bad row rejects the whole file (all bad rows are listed) and
nothing is written. Rows already imported (same content, or an exported 编号 already present)
are skipped, so importing the same file twice adds nothing.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
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
from anfang.model import (
    DEADLINE,
    FAIL,
    FIELD_LABELS,
    FINDING,
    HANDOVER,
    OBSERVATIONS,
    PASS,
    RECTIFY,
    VERIFY,
    VISIT,
    VOID,
    Record,
)
from anfang.recording import destination, make_id
from anfang.store import LogTransaction, sequence_of
from anfang.textsafe import restore
from anfang.workspace import Workspace

MAX_LISTED_ERRORS = 200


@dataclass(frozen=True)
class ImportResult:
    added: int
    skipped: int
    groups: dict[int, int]
    departments: list[str]  # the 交办 departments named by the rows imported
    problems: list  # lines of the logs that could not be read (see anfang check)


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


MAX_CSV_FIELD = 1_000_000  # far above what any cell may hold (32,767): the text rules say why


def csv_rows(path: Path, encoding: str | None) -> tuple[list[str], Iterator[tuple[int, list]]]:
    text = decode_csv(path.read_bytes(), path.name, encoding).removeprefix("\ufeff")
    csv.field_size_limit(MAX_CSV_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(_strict(reader, path.name), None)
    if header is None:
        raise AnfangError(f"{path.name} 是空文件")
    # exported CSV guards formula-like text with a leading ': take it off again
    rows = (
        (number, [restore(c) if c[:1] == "'" else c for c in row])
        for number, row in _numbered(reader, path.name)
    )
    return [h.strip().removeprefix("\ufeff") for h in header], rows


def _strict(reader, label: str) -> Iterator[list[str]]:
    for _, row in _numbered(reader, label):
        yield row


def _numbered(reader, label: str) -> Iterator[tuple[int, list[str]]]:
    """Rows with their line numbers; a malformed CSV is refused at the row where it goes wrong."""
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "end of data" in reason:
                why = "引号不配对：从这一行起到文件末尾都成了一个字段"
            elif "field larger" in reason:
                why = f"有一个字段超过 {MAX_CSV_FIELD} 个字符"
            else:
                why = f"不是有效的 CSV（{reason}）"
            raise AnfangError(f"{label} 第 {start} 行{why}，整个文件未导入") from None
        yield reader.line_num, row
        start = reader.line_num + 1


MAX_XLSX_ROWS = 500_000
MAX_XLSX_COLUMNS = 64  # where the header is looked for; data rows are read only as wide as the header
HEADER_SEARCH_ROWS = 30


def xlsx_sheet(path: Path):
    """The workbook (read-only, cached values) and its first sheet, which must be visible."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise AnfangError(f"{path.name} 不是有效的 Excel 工作簿（.xlsx）：{type(exc).__name__}") from None
    sheet = wb.worksheets[0]
    if sheet.sheet_state != "visible":
        wb.close()
        raise AnfangError(
            f"{path.name} 的第一个工作表“{sheet.title}”是隐藏的；请把要导入的表格放在第一个工作表并取消隐藏"
        )
    return wb, sheet


FORM_TITLE = "暗访检查日报表"


def xlsx_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list]], dict]:
    """The header and rows of the first sheet: a flat table, or a filled-in form (then the
    group and date come from the form's header; returned in the third value).

    Rows are streamed, only as wide as the header, so a stray cell far to the right or a
    million empty rows cost nothing; formula cells without a saved value and merged cells
    below the header are refused (see README)."""
    wb, sheet = xlsx_sheet(path)
    top = [
        _cells(r)
        for r in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=MAX_XLSX_COLUMNS, values_only=True)
    ]
    if not top or not any(any(c.strip() for c in r) for r in top):
        wb.close()
        raise AnfangError(f"{path.name} 的第一个工作表是空的")
    context: dict = {}
    header_at = 0
    if top[0] and top[0][0] == FORM_TITLE:
        from anfang.forms import FORM_COLUMNS, read_form_header

        header_at = next((i for i, r in enumerate(top) if r and r[0] == FORM_COLUMNS[0]), -1)
        if header_at < 0:
            wb.close()
            raise AnfangError(f"{path.name} 看起来是日报表，但找不到表头“{FORM_COLUMNS[0]}”所在的行")
        context = read_form_header(top[: header_at + 1], path.name)
    header = top[header_at]
    while header and not header[-1]:
        header.pop()
    _refuse_hidden_trouble(wb, sheet, path.name, header_at + 1, len(header))
    first = header_at + 2

    def rows() -> Iterator[tuple[int, list]]:
        filled = 0
        try:
            for number, cells in enumerate(
                sheet.iter_rows(min_row=first, max_col=max(len(header), 1), values_only=True), start=first
            ):
                if any(c is not None for c in cells):
                    filled += 1
                    if filled > MAX_XLSX_ROWS:
                        raise AnfangError(f"{path.name} 超过 {MAX_XLSX_ROWS} 行，请分成几个文件导入")
                    yield number, list(cells)
        finally:
            wb.close()

    return header, rows(), context


def _cells(row: tuple) -> list[str]:
    """Cell texts; a heading broken over lines in its cell (是否留存\n影像资料) reads as one word."""
    return ["".join(str(c).split()) if c is not None else "" for c in row]


def _refuse_hidden_trouble(wb, sheet, label: str, header_row: int, width: int) -> None:
    """Formula cells without a saved value (they would read as empty) and merged cells in the
    data rows (only their first row holds the value): refused with where they are."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.cell import range_boundaries

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    formulas, merged = [], []
    try:
        with wb._archive.open(sheet._worksheet_path) as source:  # the sheet's XML, streamed
            for _, element in iterparse(source):
                if element.tag == f"{ns}c":
                    if element.find(f"{ns}f") is not None and not (element.findtext(f"{ns}v") or "").strip():
                        formulas.append(element.get("r", ""))
                    element.clear()
                elif element.tag == f"{ns}row":
                    element.clear()
                elif element.tag == f"{ns}mergeCell":
                    ref = element.get("ref", "")
                    with contextlib.suppress(ValueError, TypeError):
                        min_col, _, _, max_row = range_boundaries(ref)
                        if max_row > header_row and min_col <= width:
                            merged.append(ref)
    except (KeyError, OSError, SyntaxError):
        return  # openpyxl read the sheet; nothing more to learn here
    if formulas:
        wb.close()
        shown = "、".join(formulas[:10]) + ("……" if len(formulas) > 10 else "")
        raise AnfangError(
            f"{label} 中有 {len(formulas)} 个公式单元格没有保存计算结果（{shown}），读出来会是空的；"
            "请在 Excel 或 WPS 中打开后保存一次（或把公式复制为数值）再导入"
        )
    if merged:
        wb.close()
        shown = "、".join(merged[:10]) + ("……" if len(merged) > 10 else "")
        raise AnfangError(
            f"{label} 的数据行中有合并单元格（{shown}）：只有第一行有值；请取消合并并把内容填到每一行再导入"
        )


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


COMPARED = ("county", "town", "sector", "site", "address", "hazard", "major", "evidence")


def import_rows(workspace: Workspace, rows: list[ImportRow]) -> ImportResult:
    """Write the rows not imported before, as one transaction across every log they go to.

    What is already there is decided under the exclusive locks, against everything written: a
    row whose 编号 is known is skipped if its content is the same and refused if it is not; a
    row whose content fingerprint is known is skipped; an 编号 repeated in the file is refused."""
    by_group: dict[int, list[ImportRow]] = {}
    for row in rows:
        by_group.setdefault(row.entry.group, []).append(row)
    # every destination first: a group laptop refuses another group's rows before writing any
    destinations = {group: destination(workspace, group) for group in by_group}
    with LogTransaction(workspace.logs_dir, sorted({log for log, _ in destinations.values()})) as tx:
        contents = tx.read()
        existing = contents.records
        fresh = _fresh_rows(rows, existing)
        fresh_ids = {id(r) for r in fresh}
        known_ids = {r.id for r in existing}
        recorded_at = dates.now().isoformat(timespec="seconds")
        written: dict[int, int] = {}
        for group, group_rows in sorted(by_group.items()):
            todo = [r for r in group_rows if id(r) in fresh_ids]
            if todo:
                log, tag = destinations[group]
                tx.append(log, lambda seq, rs=todo, t=tag: _records(rs, seq, known_ids, recorded_at, t))
                written[group] = len(todo)
    departments = sorted(
        {
            d
            for r in fresh
            for d in (r.entry.handover, *(e.department for e in r.later if e.kind == "handover"))
            if d
        }
    )
    return ImportResult(len(fresh), len(rows) - len(fresh), written, departments, contents.problems)


def _known_states(rows: list[ImportRow], existing: list[Record], observations: dict[str, Record]) -> dict:
    """The current state (by the engine) of every existing observation a row names by 编号."""
    named = {r.record_id for r in rows if r.record_id in observations}
    if not named:
        return {}
    from anfang.engine import findings_as_of, records_columns

    # a voided one is compared as it stood before the void (its re-import is still the same record)
    mine = [r for r in existing if (r.id in named or r.ref in named) and r.kind != VOID]
    return {f.id: f for f in findings_as_of(records_columns(mine), date.max)}


def _fresh_rows(rows: list[ImportRow], existing: list[Record]) -> list[ImportRow]:
    observations = {r.id: r for r in existing if r.kind in OBSERVATIONS}
    states = _known_states(rows, existing, observations)
    origins = {r.origin for r in existing if r.origin}
    other_ids = {r.id for r in existing} - set(observations)
    problems, fresh, first_row = [], [], {}
    for row in rows:
        record_id = row.record_id
        if record_id:
            if record_id in first_row:
                problems.append(f"第 {row.number} 行：编号 {record_id} 与第 {first_row[record_id]} 行重复")
                continue
            first_row[record_id] = row.number
            if record_id in observations:
                state = states[record_id]
                differ = [FIELD_LABELS[f] for f in COMPARED if getattr(state, f) != getattr(row.entry, f)]
                if differ:
                    problems.append(
                        f"第 {row.number} 行：编号 {record_id} 已有记录，但内容不同（{'、'.join(differ)}）；"
                        "要改已有的记录请用 anfang amend，这是另一条记录请删去编号"
                    )
                continue  # the same record: already imported
            if record_id in other_ids:
                problems.append(
                    f"第 {row.number} 行：编号 {record_id} 是一条整改、交办等变更的编号，不是检查记录"
                )
                continue
        if row.fingerprint in origins:
            continue
        fresh.append(row)
    if problems:
        shown = problems[:MAX_LISTED_ERRORS]
        raise AnfangError(f"有 {len(problems)} 行与已有的记录冲突，整个文件未导入：\n  " + "\n  ".join(shown))
    return fresh


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


EVENT_KINDS = {"handover": HANDOVER, "deadline": DEADLINE, "rectify": RECTIFY, "pass": VERIFY, "fail": VERIFY}


def _event(row: ImportRow, event: Event, ref: str, record_id: str, recorded_at: str) -> Record:
    return Record(
        id=record_id, kind=EVENT_KINDS[event.kind], ref=ref, group=row.entry.group, date=event.date,
        county="", town="", sector="", site="", address="", hazard="", major=False, evidence=False,
        photos=(), handover=event.department, deadline=event.deadline, rectified=None, reason=event.note,
        fields=(event.kind,) if event.kind in (PASS, FAIL) else (), origin=row.fingerprint, by=row.entry.by,
        recorded_at=recorded_at,
    )  # fmt: skip
