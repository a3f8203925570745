"""render/excel.put: a cell given the look of an earlier cell (its style indices copied) is styled
exactly as a cell styled afresh, and different looks are never confused."""

from openpyxl import Workbook

from anfang.render.excel import ALERT_FILL, CENTER, HEADER_FILL, LEFT_TOP, put

LOOKS = [
    dict(),
    dict(bold=True),
    dict(size=16, align=CENTER),
    dict(align=LEFT_TOP, border=True),
    dict(border=True, fill=HEADER_FILL),
    dict(border=True, fill=ALERT_FILL, bold=True),
    dict(font="黑体", size=16, bold=True, align=CENTER),
]
STYLE = ("font", "alignment", "border", "fill", "protection", "number_format", "quotePrefix", "data_type")


def look_of(cell) -> tuple:
    return tuple(repr(getattr(cell, name)) for name in STYLE)


def test_a_repeated_look_equals_a_fresh_one_and_looks_stay_apart():
    for value in ("=1+1", 3):  # text (quote prefix) and a number (none)
        fresh = []
        for look in LOOKS:  # each look alone in its own workbook: styled afresh
            ws = Workbook().active
            fresh.append(look_of(put(ws, 1, 1, value, **look)))
        ws = Workbook().active  # all looks, twice, in one workbook: the second time from the cache
        for round_ in (1, 2):
            for column, look in enumerate(LOOKS, start=1):
                assert look_of(put(ws, round_, column, value, **look)) == fresh[column - 1], (value, look)
        assert len(set(fresh)) == len(LOOKS)  # every look differs from the others
    ws = Workbook().active
    text, number = put(ws, 1, 1, "x"), put(ws, 1, 2, 5)
    assert (text.quotePrefix, text.data_type, number.quotePrefix, number.data_type) == (True, "s", False, "n")
