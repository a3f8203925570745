"""Rules for text from users: what Excel can hold, and how it stays data, never a formula."""

from __future__ import annotations

import re

from anfang.errors import AnfangError

EXCEL_CELL_LIMIT = 32767

# C0 controls except tab/newline/CR, DEL-adjacent C1 controls (terminal escapes), and the two
# XML non-characters: none of them can be stored in an xlsx cell or shown safely in a terminal.
# Every one of them is unprintable, so printable text (nearly all of it) is never searched and
# the pattern is compiled only when a text needs it (not at `anfang log`'s start).
_FORBIDDEN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]"


def _forbidden(value: str):
    """The first character of `value` no output can hold, as a match (None if there is none)."""
    return None if value.isprintable() else re.search(_FORBIDDEN, value)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_text(field: str, value: str, *, multiline: bool = False) -> str:
    """Return `value` if it can be stored as-is; raise a usage error that names the field."""
    bad = _forbidden(value)
    if bad:
        raise AnfangError(f"{field}含有无法保存的控制字符（U+{ord(bad.group()):04X}），请删除后重试")
    if not multiline and ("\n" in value or "\r" in value):
        raise AnfangError(f"{field}不能换行，请写成一行")
    if len(value) > EXCEL_CELL_LIMIT:
        raise AnfangError(f"{field}过长（{len(value)} 字），Excel 单元格最多 {EXCEL_CELL_LIMIT} 字")
    return value


def text_problem(value: str) -> str:
    """What makes `value` unfit for any output ("" if nothing): the rules every text must meet,
    whether typed, imported, configured or read back from a log."""
    bad = _forbidden(value)
    if bad:
        return f"含有无法保存的控制字符（U+{ord(bad.group()):04X}）"
    if len(value) > EXCEL_CELL_LIMIT:
        return f"过长（{len(value)} 字，Excel 单元格最多 {EXCEL_CELL_LIMIT} 字）"
    return ""


def neutralize(value: str) -> str:
    """Prefix `'` to text a spreadsheet would run as a formula; `restore` takes it off again.

    Text that already starts with `'` before such a character gets one more, so the round
    trip is exact for every string.
    """
    if value.startswith(FORMULA_START) or (value.startswith("'") and value[1:2] in (*FORMULA_START, "'")):
        return "'" + value
    return value


def restore(value: str) -> str:
    if value.startswith("'") and value[1:2] in (*FORMULA_START, "'"):
        return value[1:]
    return value
