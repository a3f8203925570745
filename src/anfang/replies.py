"""The departments' replies to the 交办单: the workbook `anfang notice --format xlsx` printed, its
整改情况, 完成日期 and 责任人 columns filled in, read back as rectify events (`anfang import`).

A reply is recognised by what the notice workbook itself carries, not by how it looks: a hidden
sheet (kept by Excel, WPS and LibreOffice when the department saves the file) naming, for every
notice sheet, its department, its notice number and the ids it listed. A re-typed look-alike has
no such sheet and is not a reply. Every filled row is checked first; one bad row rejects the
file with its sheet and row number, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from anfang import dates
from anfang.config import Config
from anfang.errors import AnfangError
from anfang.textsafe import check_text
from anfang.workspace import Workspace

MARK_SHEET = "anfang"
MARK = "anfang 交办单 v1"
FIRST_ROW = 6  # the notice sheet's first data row (header on row 5)
ID_COLUMN, MEASURES_COLUMN, DONE_COLUMN, RESPONSIBLE_COLUMN = 2, 9, 10, 11
MAX_LISTED = 20


def mark_notices(wb, sheets: list[tuple[str, str, str, date, list[str]]]) -> None:
    """Add the hidden sheet: (sheet title, department, notice number, day, ids) for each notice."""
    ws = wb.create_sheet(MARK_SHEET)
    ws.append([MARK, "此工作表由 anfang 生成，用于读回各部门的整改回执，请勿删除或修改"])
    for title, department, number, day, ids in sheets:
        ws.append([title, department, number, day.isoformat(), *ids])
    ws.sheet_state = "hidden"


@dataclass(frozen=True)
class ReplyRow:
    sheet: str
    row: int
    finding_id: str
    department: str
    measures: str
    done: object  # the 完成日期 cell as read (a date, a datetime, text)
    responsible: str

    @property
    def where(self) -> str:
        return f"工作表“{self.sheet}”第 {self.row} 行"


def is_reply(path: Path) -> bool:
    """Does this .xlsx carry the notice workbook's mark?"""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # not a workbook openpyxl can read: the ordinary import names the problem
        return False
    try:
        if MARK_SHEET not in wb.sheetnames:
            return False
        first = next(wb[MARK_SHEET].iter_rows(max_row=1, values_only=True), ())
        return bool(first) and first[0] == MARK
    finally:
        wb.close()


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def read_reply(path: Path) -> list[ReplyRow]:
    """Every data row of every notice sheet named by the mark (blank ones included)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    formulas = load_workbook(path, read_only=True, data_only=False)  # to tell a formula from its result
    try:
        notices = [row for row in wb[MARK_SHEET].iter_rows(min_row=2, values_only=True) if row and row[0]]
        rows: list[ReplyRow] = []
        for title, department, _number, _day, *ids in notices:
            if title not in wb.sheetnames:
                raise AnfangError(f"{path.name} 中找不到交办单工作表“{title}”（工作表被删除或改名了）")
            listed = [i for i in ids if i]
            values = wb[title].iter_rows(min_row=FIRST_ROW, values_only=True)
            typed = formulas[title].iter_rows(min_row=FIRST_ROW, values_only=True)
            for number, (cells, written) in enumerate(zip(values, typed, strict=False), FIRST_ROW):
                cells = list(cells) + [None] * RESPONSIBLE_COLUMN
                _refuse_formulas(title, number, cells, list(written) + [None] * RESPONSIBLE_COLUMN)
                finding_id = _text(cells[ID_COLUMN - 1])
                if not finding_id:
                    continue  # the seal and receipt lines below the table, rows left empty
                if finding_id not in listed:
                    raise AnfangError(f"工作表“{title}”第 {number} 行：编号 {finding_id} 不在这张交办单上")
                rows.append(ReplyRow(title, number, finding_id, _text(department), _text(cells[MEASURES_COLUMN - 1]),
                                     cells[DONE_COLUMN - 1], _text(cells[RESPONSIBLE_COLUMN - 1])))  # fmt: skip
        return rows
    finally:
        wb.close()
        formulas.close()


def _refuse_formulas(title: str, number: int, cells: list, typed: list) -> None:
    """A formula in a reply column whose result was never computed (saved by a program that does
    not calculate) would be read as empty: refused, so no answer is lost in silence."""
    for column, label in (
        (MEASURES_COLUMN, "整改情况"),
        (DONE_COLUMN, "完成日期"),
        (RESPONSIBLE_COLUMN, "责任人"),
    ):
        formula = typed[column - 1]
        if isinstance(formula, str) and formula.startswith("=") and cells[column - 1] is None:
            raise AnfangError(
                f"工作表“{title}”第 {number} 行（{label}）是公式 {formula[:40]}，没有计算结果；请填成文字后再导入"
            )


def _done_date(row: ReplyRow, config: Config) -> date | None:
    value = row.done
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return dates.parse_date(str(value).strip(), config.campaign.span, "完成日期")
    except AnfangError:
        raise AnfangError(f"{row.where}：完成日期“{value}”看不懂（应写成 2020-04-01 或 4月1日）") from None


@dataclass(frozen=True)
class ReplyResult:
    added: int  # rectifications written
    blank: int  # rows without a 完成日期: still open
    already: int  # rows already rectified (the same reply imported again)
    departments: tuple[str, ...]


def import_reply(workspace: Workspace, config: Config, path: Path) -> ReplyResult:
    """Check every filled row against the findings, then write one rectify event for each."""
    from anfang.changes import find_target, rectify_change
    from anfang.store import read_records_about

    rows = read_reply(path)
    today = dates.today()
    errors: list[str] = []
    todo: list[tuple[ReplyRow, date]] = []
    blank = already = 0
    for row in rows:
        try:
            done = _done_date(row, config)
        except AnfangError as error:
            errors.append(str(error))
            continue
        if done is None:
            blank += 1
            continue
        try:
            target = find_target(
                read_records_about(workspace.logs_dir, row.finding_id).records, row.finding_id, config
            )
            state = target.state()
            if state is None or state.handover != row.department:
                raise AnfangError(f"{row.finding_id} 没有交办给“{row.department}”")
            if state.handover_date and done < state.handover_date:
                raise AnfangError(f"完成日期 {done} 早于交办日期 {state.handover_date}")
            if state.rectified:
                already += 1
                continue
            check_text("整改情况", row.measures, multiline=True)
            check_text("责任人", row.responsible)
            rectify_change(target, done, today, row.measures, row.responsible)
        except AnfangError as error:
            errors.append(f"{row.where}：{error}")
            continue
        if any(r.finding_id == row.finding_id for r, _ in todo):
            errors.append(f"{row.where}：{row.finding_id} 在回执中出现了两次")
            continue
        todo.append((row, done))
    if errors:
        shown = errors[:MAX_LISTED] + ([f"……共 {len(errors)} 处"] if len(errors) > MAX_LISTED else [])
        raise AnfangError(f"{path.name} 有 {len(errors)} 处不对，整个回执未导入：\n  " + "\n  ".join(shown))
    if todo:
        _write(workspace, config, todo, today)
    return ReplyResult(len(todo), blank, already, tuple(sorted({r.department for r, _ in todo})))


def _write(workspace: Workspace, config: Config, todo: list[tuple[ReplyRow, date]], today: date) -> None:
    """All rectifications in one transaction, each validated again under the locks."""
    from anfang.changes import change_record, find_target, rectify_change
    from anfang.model import RECORD_ID
    from anfang.recording import destination
    from anfang.store import LogTransaction

    by_log: dict[tuple[Path, str], list[tuple[ReplyRow, date]]] = {}
    for row, done in todo:
        group = int(RECORD_ID.match(row.finding_id).group("group"))
        by_log.setdefault(destination(workspace, group, force=True), []).append((row, done))
    by = config.campaign.office.contact or "市安委办"
    with LogTransaction(workspace.logs_dir, sorted({log for log, _ in by_log})) as tx:
        for (log, tag), items in sorted(by_log.items()):
            changes = []
            for row, done in items:
                target = find_target(tx.records_about(row.finding_id).records, row.finding_id, config)
                changes.append((target, rectify_change(target, done, today, row.measures, row.responsible)))
            tx.append(log, lambda seq, cs=changes, t=tag, rows=items: [
                change_record(target, change, seq + i, t, f"{by}（{row.department}回执）")
                for i, ((target, change), (row, _)) in enumerate(zip(cs, rows, strict=True))
            ])  # fmt: skip
