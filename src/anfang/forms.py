"""`anfang form` read back: the blank 附件2 workbook (written by render/form_excel.py) filled in on
paper or in Excel, imported by `anfang import`.

The form's table gets a 镇（街道） column, so every row's town is known; the group and date are
printed in its header (组别：第一组　时间：3月27日) and `anfang import` reads them from there.
"""

from __future__ import annotations

import re

from anfang.config import Config
from anfang.dates import parse_date, parse_group
from anfang.errors import AnfangError

FORM_TITLE = "暗访检查日报表"
FORM_COLUMNS = [
    "行业领域",
    "镇（街道）",
    "企业（场所）名称",
    "地址",
    "问题隐患内容",
    "是否为重大",
    "是否留存影像资料",
    "交办情况",
    "整改期限",
]


_GROUP = re.compile(r"组别[:：]\s*(\S+)")
_DATE = re.compile(r"时间[:：]\s*([^（(\s]+)(?:[（(](\d{4}-\d{2}-\d{2})[）)])?")


def read_form_header(rows: list, label: str, config: Config | None = None) -> dict:
    """The group and date printed in a filled-in form's header, and how to map its columns."""
    text = " ".join(str(c) for row in rows for c in row if c is not None)
    group_match, date_match = _GROUP.search(text), _DATE.search(text)
    if not group_match or not date_match:
        raise AnfangError(f"{label} 的表头中找不到“组别：”和“时间：”，无法确定组别和日期")
    return {
        "group_text": group_match.group(1),
        "date_text": date_match.group(2) or date_match.group(1),
        "columns": FORM_COLUMNS,
        "implied": ("组别", "日期"),
        "map_row": _map_form_row,
    }


def _map_form_row(raw: dict) -> dict:
    """Form columns -> flat-table columns: 交办情况 is in the report's words here."""
    mapped = dict(raw)
    mapped["_handover_text"] = mapped.pop("交办情况", None) or ""
    return mapped


def resolve_form_context(context: dict, config: Config) -> dict:
    """Turn the header's text into a group number and a date (needs the campaign's year)."""
    if "group_text" not in context:
        return context
    resolved = dict(context)
    resolved["group"] = parse_group(context["group_text"], len(config.groups))
    resolved["date"] = parse_date(context["date_text"], config.campaign.span, "表头中的时间")
    return resolved
