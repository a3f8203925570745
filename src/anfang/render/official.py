"""The 通报 and the 督办函 as a list of blocks (what a GB/T 9704 document is made of), from the
bulletin's plain data and the wording of templates/bulletin.j2. The Word and the Markdown renderers
both take these blocks, so the two formats say the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from anfang.bulletin import Bulletin, Letter
from anfang.dates import month_day
from anfang.listing import status_text
from anfang.model import evidence_file, split_photo
from anfang.templating import environment


@dataclass(frozen=True)
class Block:
    kind: str  # masthead docnum title addressee para h1 h2 table photos signature annex page_break colophon
    text: str = ""
    rows: tuple = ()  # table: (headers, *rows); photos: ((caption, name, path or None), …); colophon: (抄送, 印发)
    widths: tuple = field(default=())  # table column widths in mm


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _rate(rectified: int, hazards: int) -> str:
    return f"{rectified / hazards:.1%}" if hazards else "—"


def _campaign(config) -> dict:
    c, office = config.campaign, config.campaign.office
    return {"title": c.title, "document_number": c.document_number, "office": office.name,
            "office_full": office.full_name, "contact": office.contact, "phone": office.phone,
            "number_prefix": c.document_number.split("〔")[0] + "办"}  # fmt: skip


def _kinds(kinds) -> str:
    return "；".join(f"{text}（{n}个）" for text, n in kinds) or "—"


def bulletin_blocks(b: Bulletin, template_dirs: list[Path], evidence_dir: Path) -> list[Block]:
    words = environment(template_dirs).get_template("bulletin.j2").module
    c = _campaign(b.config)
    view = {
        "number": b.number,
        "year": b.until.year,
        "until_cn": _cn_date(b.until),
        "group_count": len(b.config.groups),
    }
    t = b.summary.total
    names = {g.number: g.name for g in b.config.groups}
    blocks = [
        Block("masthead", str(words.issuer(c))),
        Block("docnum", str(words.bulletin_number(c, view))),
        Block("title", str(words.bulletin_title(c, view))),
        Block("addressee", str(words.addressees())),
        Block("para", str(words.bulletin_opening(c, view))),
        Block("h1", "一、基本情况"),
        Block("para", f"截至{_cn_date(b.until)}，全市{len(b.config.groups)}个暗访组共开展暗访{b.days}天，检查企业（场所）"
                      f"{t.sites}个（次），发现问题隐患{t.hazards}个，其中重大隐患{t.major}个；已完成整改{t.rectified}个，"
                      f"整改率{_rate(t.rectified, t.hazards)}；已交办属地相关部门{t.handed_over}个；经复查销号{t.verified}个；"
                      f"逾期未整改{t.overdue}个。"),
    ]  # fmt: skip
    for county in b.counties:
        blocks.append(Block("para", f"{county.county}：检查企业（场所）{county.sites}个（次），发现问题隐患{county.hazards}个"
                                    f"（其中重大隐患{county.major}个），已整改{county.rectified}个，逾期未整改{county.overdue}个。"))  # fmt: skip
    blocks += [
        Block("h1", "二、发现的主要问题"),
        Block("h2", "（一）分县（市、区）情况"),
        Block("table", rows=(("县（市、区）", "检查企业（场所）", "问题隐患", "重大隐患", "主要问题"),
                             *((x.county, x.sites, x.hazards, x.major, _kinds(x.kinds)) for x in b.counties)),
              widths=(26, 20, 16, 16, 78)),
        Block("h2", "（二）重点行业领域情况"),
        Block("table", rows=(("行业领域", "检查企业（场所）", "问题隐患", "重大隐患", "已整改", "主要问题"),
                             *((s.sector, s.totals.sites, s.totals.hazards, s.totals.major, s.totals.rectified,
                                _kinds(s.kinds)) for s in b.key_sectors)),
              widths=(24, 20, 16, 16, 14, 66)),
        Block("h2", "（三）典型问题"),
    ]  # fmt: skip
    if not b.typical:
        blocks.append(Block("para", "截至目前未发现重大隐患。"))
    for index, f in enumerate(b.typical, start=1):
        place = f.address if f.address.startswith(f.town) else f"{f.town}{f.address}"
        where = f"（{f.county}{place}）"
        blocks.append(Block("para", f"{index}. {f.site}{where}：{' '.join(f.hazard.split())}。"
                                    f"{month_day(f.date)}由{names[f.group]}发现，{status_text(f, b.until)}。"))  # fmt: skip
        photos = [
            (f"{f.site}（{i}）", split_photo(p)[0], evidence_file(evidence_dir, split_photo(p)[0]))
            for i, p in enumerate(f.photos, start=1)
        ]
        if photos:
            blocks.append(Block("photos", rows=tuple(photos)))
    required = b.config.campaign.min_days_on_site
    blocks += [
        Block("h1", "三、整改督办情况"),
        Block("h2", "（一）整改情况"),
        Block("table", rows=(("县（市、区）", "问题隐患", "已整改", "整改率", "逾期未整改"),
                             *((x.county, x.hazards, x.rectified, _rate(x.rectified, x.hazards), x.overdue)
                               for x in b.counties)),
              widths=(40, 28, 28, 30, 30)),
        Block("h2", "（二）逾期未整改问题隐患"),
        Block("para", f"截至{_cn_date(b.until)}，逾期未整改的问题隐患{len(b.overdue)}个，清单见附件2。"
                      + ("请有关县（市、区）和部门立即督促整改。" if b.overdue else "")),
        Block("h2", "（三）暗访天数"),
        Block("para", f"方案要求各暗访组暗访不少于{required}天。截至{_cn_date(b.until)}："),
        Block("table", rows=(("暗访组", "督查区域", "暗访天数", f"是否达到{required}天"),
                             *((g.name, g.region, b.summary.days_on_site[g.number],
                                "是" if b.summary.days_on_site[g.number] >= required else "否") for g in b.config.groups)),
              widths=(30, 56, 30, 40)),
        Block("h1", "四、工作要求"),
    ]  # fmt: skip
    blocks += [
        Block("para", line.strip()) for line in str(words.requirements(c, view)).splitlines() if line.strip()
    ]
    blocks += [
        Block("para", "附件：1. 问题隐患清单"),
        Block("para", "　　　2. 逾期未整改问题隐患清单"),
        Block("signature", c["office_full"], rows=(_cn_date(b.until),)),
        Block("page_break"),
        Block("annex", "附件1", rows=("问题隐患清单",)),
        Block("table", rows=(("序号", "编号", "县（市、区）", "企业（场所）", "问题隐患", "重大", "状态"),
                             *((i, f.id, f.county, f.site, f.hazard, "是" if f.major else "否", status_text(f, b.until))
                               for i, f in enumerate(b.findings, start=1))),
              widths=(8, 30, 15, 26, 43, 8, 26)),
        Block("page_break"),
        Block("annex", "附件2", rows=("逾期未整改问题隐患清单",)),
        Block("table", rows=(("序号", "编号", "县（市、区）", "企业（场所）", "问题隐患", "交办部门", "整改期限", "逾期天数"),
                             *((i, f.id, f.county, f.site, f.hazard, f.handover or "—", month_day(f.deadline),
                                f.overdue_days(b.until)) for i, f in enumerate(b.overdue, start=1))),
              widths=(8, 30, 15, 23, 35, 21, 14, 10)),
        Block("colophon", rows=(b.config.campaign.copy_to, f"{c['office_full']}　{_cn_date(b.until)}印发")),
    ]  # fmt: skip
    return blocks


def letter_blocks(letter: Letter, template_dirs: list[Path]) -> list[Block]:
    words = environment(template_dirs).get_template("bulletin.j2").module
    c = _campaign(letter.config)
    view = {"county": letter.county, "year": letter.day.year, "number": letter.number, "day_cn": _cn_date(letter.day),
            "reply_by_cn": _cn_date(letter.reply_by), "count": len(letter.overdue),
            "major": sum(1 for f in letter.overdue if f.major)}  # fmt: skip
    return [
        Block("masthead", str(words.issuer(c))),
        Block("docnum", str(words.letter_number(c, view))),
        Block("title", str(words.letter_title(c, view))),
        Block("addressee", str(words.letter_addressee(view))),
        Block("para", str(words.letter_body(c, view))),
        Block("para", str(words.letter_contact(c))),
        Block("para", "附件：逾期未整改问题隐患清单"),
        Block("signature", c["office_full"], rows=(_cn_date(letter.day),)),
        Block("page_break"),
        Block("annex", "附件", rows=("逾期未整改问题隐患清单",)),
        Block("table", rows=(("序号", "编号", "企业（场所）", "问题隐患", "交办部门", "整改期限", "逾期天数", "重大"),
                             *((i, f.id, f.site, f.hazard, f.handover or "—", month_day(f.deadline),
                                f.overdue_days(letter.day), "是" if f.major else "否")
                               for i, f in enumerate(letter.overdue, start=1))),
              widths=(8, 30, 24, 38, 24, 14, 10, 8)),
        Block("colophon", rows=(letter.config.campaign.copy_to, f"{c['office_full']}　{_cn_date(letter.day)}印发")),
    ]  # fmt: skip


def blocks_markdown(blocks: list[Block]) -> str:
    """The same document as Markdown (to paste into chat or a wiki), every user text escaped."""
    from anfang.render.markdown import md_escape, md_table

    out: list[str] = []
    for block in blocks:
        if block.kind in ("masthead", "docnum"):
            out.append(f"**{md_escape(block.text)}**")
        elif block.kind == "title":
            out.append(f"# {md_escape(block.text)}")
        elif block.kind == "h1":
            out.append(f"## {md_escape(block.text)}")
        elif block.kind == "h2":
            out.append(f"### {md_escape(block.text)}")
        elif block.kind in ("para", "addressee"):
            out.append(md_escape(block.text))
        elif block.kind == "table":
            headers, *rows = block.rows
            out.append(
                md_table(
                    [md_escape(h) for h in headers], [[md_escape(str(c)) for c in r] for r in rows]
                ).rstrip()
            )
        elif block.kind == "photos":
            out.append("照片：" + "、".join(f"evidence/{md_escape(name)}" for _, name, _ in block.rows))
        elif block.kind == "signature":
            out.append(f"{md_escape(block.text)}  \n{md_escape(block.rows[0])}")
        elif block.kind == "annex":
            out.append(f"## {md_escape(block.text)}　{md_escape(block.rows[0])}")
        elif block.kind == "colophon":
            out.append(f"抄送：{md_escape(block.rows[0])}  \n{md_escape(block.rows[1])}")
    return "\n\n".join(out) + "\n"
