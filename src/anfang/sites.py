"""A site's history (回头看, `anfang site`), and what `anfang log` says about a site's findings
still open from earlier dates.

`anfang log` may not import the engine (pandas), so it reads the open findings per site from a
small file the engine writes (.anfang/open-sites.json, local, never synced), refreshed by
`anfang check` (the office runs it every evening) and `anfang site`; log says when that was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from anfang.config import Config
from anfang.errors import AnfangError
from anfang.model import site_key


@dataclass(frozen=True)
class SiteHistory:
    name: str  # as asked
    as_of: date
    findings: tuple  # engine.Finding values (visits and findings), by date, group and id
    similar: tuple[str, ...] = ()  # other site names that contain what was asked (when nothing matched)


def site_history(frame, config: Config, name: str, as_of: date) -> SiteHistory:
    """Every visit and finding at the site `name` (folded as the report folds it), in every group."""
    from anfang.engine import findings_of, state_as_of

    state = state_as_of(frame, as_of)
    state = state[state["group"].isin([g.number for g in config.groups])]
    wanted = site_key(name)
    if not wanted:
        raise AnfangError("企业（场所）名称不能为空")
    folded = state["site"].map(site_key)
    rows = state[folded == wanted].sort_values(["date", "group", "id"], kind="stable")
    similar: tuple[str, ...] = ()
    if rows.empty:
        near = state.loc[folded.str.contains(wanted, regex=False), "site"]
        similar = tuple(sorted(set(near))[:10])
    return SiteHistory(name, as_of, tuple(findings_of(frame, rows)), similar)


def open_sites_path(root: Path) -> Path:
    return root / ".anfang" / "open-sites.json"


def refresh_open_sites(root: Path, frame, config: Config, today: date) -> None:
    """The findings not rectified as of `today`, by site, for `anfang log` (best effort)."""
    from anfang.engine import findings_of, state_as_of
    from anfang.listing import status_text

    state = state_as_of(frame, today)
    open_rows = state[
        state["is_finding"]
        & state["rectified"].isna()
        & state["group"].isin([g.number for g in config.groups])
    ]
    by_site: dict[str, list] = {}
    for f in findings_of(frame, open_rows.sort_values(["date", "id"], kind="stable")):
        by_site.setdefault(site_key(f.site), []).append([f.id, f.date.isoformat(), status_text(f, today)])
    from anfang import dates
    from anfang.configcache import write_local_json

    write_local_json(
        open_sites_path(root), {"refreshed": dates.now().isoformat(timespec="minutes"), "sites": by_site}
    )


def open_at_site(root: Path, site: str, before: date) -> tuple[list[list[str]], str] | None:
    """([id, date, state] of findings at `site` found before `before`, still open when the file was
    refreshed), and when that was; None when there is no such file."""
    try:
        data = json.loads(open_sites_path(root).read_text(encoding="utf-8"))
        found = [item for item in data["sites"].get(site_key(site), []) if item[1] < before.isoformat()]
        return found, str(data["refreshed"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
