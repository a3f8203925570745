"""Every column of a log, declared once: its name, its 中文 label, whether it holds text a user
typed, whether `anfang amend` may correct it. The log header, the codec's escaping, the column
reader's Arrow schema, the amendable fields and their labels all derive from this list."""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    name: str
    label: str
    user_text: bool = False  # may need the formula guard, the newline escape or CSV quoting
    amendable: bool = False  # `anfang amend` may correct it (a correction for every past report)


LOG_COLUMNS = (
    Column("id", "编号"),
    Column("kind", "类型"),
    Column("ref", "所指编号"),
    Column("group", "组别"),
    Column("date", "日期"),
    Column("county", "县（市、区）", user_text=True, amendable=True),
    Column("town", "镇（街道）", user_text=True, amendable=True),
    Column("sector", "行业领域", user_text=True, amendable=True),
    Column("site", "企业（场所）名称", user_text=True, amendable=True),
    Column("address", "地址", user_text=True, amendable=True),
    Column("hazard", "问题隐患内容", user_text=True, amendable=True),
    Column("major", "是否为重大", amendable=True),
    Column("evidence", "是否留存影像资料", amendable=True),
    Column("photos", "照片"),
    Column("handover", "交办部门", user_text=True),  # of a rectify: 整改责任人
    Column("deadline", "整改期限"),
    Column("rectified", "整改完成日期"),
    Column("reason", "原因", user_text=True),  # void: 作废原因; rectify: 整改措施; verify: 复查意见
    Column("fields", "更正的字段"),  # of a verify: pass or fail
    Column("origin", "来源"),
    Column("by", "记录人", user_text=True),
    Column("recorded_at", "记录时间"),
    Column("crc", "校验码"),
)

NAMES = tuple(c.name for c in LOG_COLUMNS)
USER_TEXT = tuple(c.name for c in LOG_COLUMNS if c.user_text)
AMENDABLE = tuple(c.name for c in LOG_COLUMNS if c.amendable)
LABELS = {c.name: c.label for c in LOG_COLUMNS}
