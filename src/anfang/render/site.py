"""A site's history (anfang site) as text, Markdown and JSON: pure functions of sites.SiteHistory."""

from __future__ import annotations

from anfang.listing import status_text
from anfang.render.markdown import md_escape, md_table
from anfang.render.report_json import listed_finding_data
from anfang.render.text import text_table
from anfang.sites import SiteHistory

HEADERS = ["编号", "组别", "日期", "行业领域", "问题隐患", "状态"]


def _rows(h: SiteHistory, names: dict[int, str]) -> list[list[str]]:
    return [
        [f.id, names[f.group], f.date.isoformat(), f.sector, f.hazard or "（未发现问题）",
         status_text(f, h.as_of) if f.is_finding else "未发现问题"]
        for f in h.findings
    ]  # fmt: skip


def _heading(h: SiteHistory) -> tuple[str, str]:
    spellings = sorted({f.site for f in h.findings})
    places = sorted({f"{f.county} {f.town} {f.address}".strip() for f in h.findings})
    visits = len({(f.group, f.date) for f in h.findings})
    found = sum(1 for f in h.findings if f.is_finding)
    still_open = sum(1 for f in h.findings if f.is_finding and not f.rectified)
    title = "、".join(spellings)
    line = (f"检查 {visits} 次，发现问题隐患 {found} 条，截至 {h.as_of} 未整改 {still_open} 条；"
            f"地址：{'；'.join(places) or '—'}")  # fmt: skip
    return title, line


def site_text(h: SiteHistory, names: dict[int, str]) -> str:
    title, line = _heading(h)
    return f"{title}\n{line}\n" + text_table(HEADERS, _rows(h, names))


def site_markdown(h: SiteHistory, names: dict[int, str]) -> str:
    title, line = _heading(h)
    table = md_table(HEADERS, [[md_escape(c) for c in row] for row in _rows(h, names)])
    return f"# 回头看：{md_escape(title)}\n\n{md_escape(line)}\n\n{table}"


def site_json(h: SiteHistory) -> dict:
    return {
        "site": h.name,
        "as_of": h.as_of.isoformat(),
        "records": [
            {**listed_finding_data(f), "kind": f.kind, "verified": f.verified.isoformat() if f.verified else None,
             "status": status_text(f, h.as_of) if f.is_finding else "未发现问题"}
            for f in h.findings
        ],
    }  # fmt: skip
