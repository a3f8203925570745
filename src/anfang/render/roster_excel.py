"""附件1 暗访检查人员分组安排 as a printable workbook."""

from __future__ import annotations

from openpyxl import Workbook

from anfang.config import Config
from anfang.render.excel import (
    CENTER,
    HEADER_FILL,
    LEFT_TOP,
    TITLE_FONT,
    a4_landscape,
    fit_row,
    merged,
    put,
    set_widths,
    workbook_bytes,
)  # fmt: skip
from anfang.roster import member_text

HEADERS = ["组别", "督查区域", "组长", "成员", "专家", "联络员", "联系电话"]
WIDTHS = [8, 22, 30, 52, 10, 10, 14]


def roster_workbook(config: Config) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "分组安排"
    set_widths(ws, WIDTHS)
    campaign = config.campaign
    merged(ws, 1, 1, len(HEADERS), "暗访检查人员分组安排", bold=True, size=18, align=CENTER, font=TITLE_FONT)
    ws.row_dimensions[1].height = 34
    merged(ws, 2, 1, len(HEADERS), f"{campaign.title}（{campaign.document_number} 附件1）", align=CENTER)
    for column, title in enumerate(HEADERS, start=1):
        put(ws, 3, column, title, bold=True, align=CENTER, border=True, fill=HEADER_FILL)
    for row, g in enumerate(config.groups, start=4):
        members = "\n".join(member_text(m.department, m.name) for m in g.members)
        values = [g.name, g.region, f"{g.leader}\n（{g.leader_title}）", members, g.expert or "（待报）",
                  g.liaison, g.liaison_phone]  # fmt: skip
        for column, value in enumerate(values, start=1):
            put(ws, row, column, value, border=True, align=LEFT_TOP if column == 4 else CENTER)
        fit_row(ws, row, list(zip(values, WIDTHS, strict=True)))
    a4_landscape(ws, title_rows="3:3")
    return workbook_bytes(wb)
