"""Parsing of the dates and group numbers users type, shared by every command.

Dates: YYYY-MM-DD, today, yesterday (Asia/Shanghai), M-D and M月D日 within the campaign.
Groups: 5, 第五组, 第5组, 五.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta, timezone

from anfang.errors import UsageError

# China has kept UTC+8 without daylight saving since 1991: a fixed offset needs no tzdata.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

CHINESE_DIGITS = "〇一二三四五六七八九"


def now() -> datetime:
    return datetime.now(SHANGHAI)


def today() -> date:
    return now().date()


# Patterns, not compiled at import: `re` compiles one the first time a value needs it (most dates
# and groups take the fast paths below), which keeps them off `anfang log`'s start.
_ISO = r"^(\d{4})(?:-|/|\.|年)(\d{1,2})(?:-|/|\.|月)(\d{1,2})日?$"
_MONTH_DAY = r"^(\d{1,2})(?:-|月)(\d{1,2})日?$"


def parse_date(text: str, year: int | tuple[date, date], field: str = "日期") -> date:
    """Parse a user's date. M-D forms take the year of `year`, or, given the campaign's
    (start, end), the year that puts the date within it (12-30 and 1-5 in a New Year campaign)."""
    value = str(text).strip()
    if value in ("today", "今天", "yesterday", "昨天"):
        return _relative(value)
    return _parse_fixed_date(value, year, field)


def _relative(value: str) -> date:
    return today() if value in ("today", "今天") else today() - timedelta(days=1)


def _year_within(month: int, day: int, start: date, end: date) -> int:
    for y in range(start.year, end.year + 1):
        try:
            if start <= date(y, month, day) <= end:
                return y
        except ValueError:
            continue
    return start.year if (month, day) >= (start.month, start.day) or start.year == end.year else end.year


@functools.lru_cache(maxsize=1024)  # an import parses the same few dates many times
def _parse_fixed_date(value: str, year: int | tuple[date, date], field: str) -> date:
    if len(value) == 10 and value[4] == "-" and value[7] == "-":  # the common case, fast
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    match = re.match(_ISO, value)
    if match:
        y, m, d = (int(g) for g in match.groups())
    else:
        match = re.match(_MONTH_DAY, value)
        if not match:
            raise UsageError(
                f"{field}“{value}”无法识别：请写成 2020-03-27、3-27、3月27日、today 或 yesterday"
            )
        m, d = (int(g) for g in match.groups())
        y = year if isinstance(year, int) else _year_within(m, d, *year)
    try:
        return date(y, m, d)
    except ValueError:
        raise UsageError(f"{field}“{value}”不是真实存在的日期") from None


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals, as in 第十一组."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十" + ("" if ones == 0 else CHINESE_DIGITS[ones])


_FROM_CHINESE = {chinese_number(n): n for n in range(1, 100)}


def _from_chinese(text: str) -> int | None:
    return _FROM_CHINESE.get(text)


_GROUP = r"^(?:第)?\s*([0-9]+|[一二三四五六七八九十]+)\s*(?:组)?$"


@functools.lru_cache(maxsize=256)  # an import repeats the same few spellings many times
def parse_group(text: str | int, group_count: int) -> int:
    """Parse `5`, `第五组`, `第5组` or `五` into a group number within 1..group_count."""
    value = str(text).strip()
    number = None
    if value.isascii() and value.isdigit():  # the common case, without the pattern
        number = int(value)
    elif match := re.match(_GROUP, value):
        token = match.group(1)
        number = int(token) if token.isdigit() else _from_chinese(token)
    if number is None or not 1 <= number <= group_count:
        raise UsageError(f"组别“{value}”无效：应为 1 到 {group_count}，或写成“第一组”这样的组名")
    return number


def group_name(number: int) -> str:
    return f"第{chinese_number(number)}组"


def month_day(value: date) -> str:
    """The form's way of writing a date: 3月27日."""
    return f"{value.month}月{value.day}日"
