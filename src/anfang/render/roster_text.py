"""附件1 and the sector list as terminal tables and Markdown."""

from __future__ import annotations

from anfang.render.markdown import md_escape, md_table
from anfang.render.text import text_table
from anfang.roster import member_text

GROUP_HEADERS = ["组别", "督查区域", "组长", "成员", "专家", "联络员", "电话"]


def _group_rows(groups: list[dict]) -> list[list[str]]:
    return [
        [
            g["name"],
            g["region"],
            f"{g['leader']['name']}（{g['leader']['title']}）",
            "；".join(member_text(m["department"], m["name"]) for m in g["members"]),
            g["expert"]["name"] or "（待报）",
            g["liaison"]["name"],
            g["liaison"]["phone"],
        ]
        for g in groups
    ]


def groups_table(groups: list[dict]) -> str:
    """Compact for a terminal: who leads, whom to call, and whether the names are in."""
    rows = []
    for g in groups:
        named = sum(1 for m in g["members"] if m["name"])
        names = f"成员已报 {named}/{len(g['members'])}，专家{'已报' if g['expert']['name'] else '未报'}"
        rows.append(
            [
                g["name"],
                g["region"],
                g["leader"]["name"],
                g["liaison"]["name"],
                g["liaison"]["phone"],
                names,
            ]
        )
    return text_table(["组别", "督查区域", "组长", "联络员", "电话", "人员名单"], rows)


def groups_markdown(groups: list[dict]) -> str:
    rows = [[md_escape(c) for c in row] for row in _group_rows(groups)]
    return "# 暗访检查人员分组安排\n\n" + md_table(GROUP_HEADERS, rows)


SECTOR_HEADERS = ["序号", "行业领域", "重点", "牵头单位", "检查重点"]


def _sector_rows(sectors: list[dict]) -> list[list[str]]:
    return [
        [str(i), s["name"], "是" if s["key"] else "", s["lead"] or "—", "；".join(s["focus"])]
        for i, s in enumerate(sectors, 1)
    ]


def sectors_table(sectors: list[dict]) -> str:
    """One heading line per sector, its focus items below: readable in a narrow terminal."""
    lines = []
    for i, s in enumerate(sectors, 1):
        key = "【重点】" if s["key"] else ""
        lead = f"  牵头：{s['lead']}" if s["lead"] else ""
        aliases = f"  又称：{'、'.join(s['aliases'])}" if s["aliases"] else ""
        lines.append(f"{i:>2}. {s['name']}{key}{lead}{aliases}")
        lines += [f"      · {item}" for item in s["focus"]]
    return "\n".join(lines) + "\n"


def sectors_markdown(sectors: list[dict]) -> str:
    rows = [[md_escape(c) for c in row] for row in _sector_rows(sectors)]
    return "# 重点行业领域\n\n" + md_table(SECTOR_HEADERS, rows)
