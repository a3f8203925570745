"""A site's history (回头看, `anfang site`), and what `anfang log` says about a site's findings
still open from earlier dates.

`anfang log` may not import the engine (pandas), so it reads the open findings per site from small
files the engine writes (.anfang/open-sites/, local, never synced, split by a hash of the folded
site name so log reads one), refreshed by `anfang check` (the office runs it every evening) and
`anfang site`; log says when that was.
"""

from __future__ import annotations

import json
import zlib
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


SHARDS = 256  # the open findings by site are split so that `anfang log` reads one small file
SHOWN = 20  # the oldest open findings kept per site


def open_sites_dir(root: Path) -> Path:
    return root / ".anfang" / "open-sites"


def _shard(key: str) -> str:
    return f"{zlib.crc32(key.encode('utf-8')) % SHARDS:02x}.json"


def refresh_open_sites(root: Path, frame, config: Config, today: date, state=None) -> None:
    """The findings not rectified as of `today`, by site (the oldest SHOWN of each, and how many),
    for `anfang log` (best effort). Column-wise: a city's million findings take a few seconds.
    `state`: the engine's state as of `today`, when the caller has it already."""
    import numpy as np
    import pandas as pd

    from anfang import dates
    from anfang.configcache import write_local_json
    from anfang.engine import iso_dates, state_as_of

    state = state_as_of(frame, today) if state is None else state
    rows = state[
        state["is_finding"]
        & state["rectified"].isna()
        & state["group"].isin([g.number for g in config.groups])
    ]
    rows = rows.sort_values(["date", "id"], kind="stable")
    codes, names = pd.factorize(rows["site"])
    folded = [site_key(name) for name in names]  # each distinct name once
    keys = pd.Series(
        np.asarray(folded, dtype=object)[codes] if len(rows) else [], index=rows.index, dtype=object
    )
    counts = keys.value_counts(sort=False).to_dict()
    shown = rows[keys.groupby(keys, sort=False).cumcount().to_numpy() < SHOWN]  # the oldest of each site
    late = (pd.Timestamp(today) - shown["deadline"]).dt.days
    waiting = (shown["handover"] != "") | shown["deadline"].notna()
    states = [
        f"逾期 {int(d)} 天" if d == d and d > 0 else ("整改中" if w else "未整改")
        for d, w in zip(late.tolist(), waiting.tolist(), strict=True)
    ]
    shard_of = {key: _shard(key) for key in counts}
    shards: dict[str, dict[str, list]] = {f"{n:02x}.json": {} for n in range(SHARDS)}
    for key, finding_id, day, state_text in zip(keys[shown.index].tolist(), shown["id"].tolist(),
                                                iso_dates(shown["date"]), states, strict=True):  # fmt: skip
        entry = shards[shard_of[key]].setdefault(key, [counts[key], []])
        entry[1].append([finding_id, day, state_text])
    refreshed = dates.now().isoformat(timespec="minutes")
    folder = open_sites_dir(root)
    for name, sites in shards.items():
        write_local_json(folder / name, {"refreshed": refreshed, "sites": sites})


def open_at_site(root: Path, site: str, before: date) -> tuple[list[list[str]], int, str] | None:
    """([id, date, state] of the oldest findings at `site` found before `before` that were still open
    when the list was refreshed, how many there were in all, and when that was); None if never refreshed."""
    key = site_key(site)
    try:
        data = json.loads((open_sites_dir(root) / _shard(key)).read_text(encoding="utf-8"))
        count, items = data["sites"].get(key, [0, []])
        earlier = [item for item in items if item[1] < before.isoformat()]
        return earlier, count - (len(items) - len(earlier)), str(data["refreshed"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
