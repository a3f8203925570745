from datetime import date, timedelta

import pytest

from anfang.dates import chinese_number, group_name, month_day, parse_date, parse_group, today
from anfang.errors import UsageError


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2020-03-27", date(2020, 3, 27)),
        ("2020-4-1", date(2020, 4, 1)),
        ("3-27", date(2020, 3, 27)),
        ("3月27日", date(2020, 3, 27)),
        ("4月1", date(2020, 4, 1)),
        (" 04-15 ", date(2020, 4, 15)),
    ],
)
def test_parse_date_forms(text, expected):
    assert parse_date(text, 2020) == expected


def test_today_and_yesterday_are_shanghai_dates():
    assert parse_date("today", 2020) == today()
    assert parse_date("yesterday", 2020) == today() - timedelta(days=1)


@pytest.mark.parametrize(
    "text, message",
    [
        ("2020-02-30", "日期“2020-02-30”不是真实存在的日期"),
        ("3月32日", "日期“3月32日”不是真实存在的日期"),
        (
            "27/3/2020",
            "日期“27/3/2020”无法识别：请写成 2020-03-27、3-27、3月27日、today 或 yesterday",
        ),
        ("", "日期“”无法识别：请写成 2020-03-27、3-27、3月27日、today 或 yesterday"),
    ],
)
def test_parse_date_refuses(text, message):
    with pytest.raises(UsageError) as info:
        parse_date(text, 2020)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "text, expected", [("5", 5), ("第五组", 5), ("第5组", 5), ("五", 5), (" 9 ", 9), (1, 1)]
)
def test_parse_group(text, expected):
    assert parse_group(text, 9) == expected


@pytest.mark.parametrize("text", ["0", "10", "第十组", "G1", "", "五组组", "²", "٣"])
def test_parse_group_refuses(text):
    with pytest.raises(UsageError) as info:
        parse_group(text, 9)
    assert str(info.value) == f"组别“{str(text).strip()}”无效：应为 1 到 9，或写成“第一组”这样的组名"


def test_chinese_numbers_and_names():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 23)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十三",
    ]
    assert group_name(8) == "第八组"
    assert parse_group("第十一组", 12) == 11
    assert month_day(date(2020, 4, 3)) == "4月3日"
