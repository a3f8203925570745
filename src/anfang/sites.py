"""A site's history (回头看, `anfang site`), and what `anfang log` says about a site's findings
still open from earlier dates.

`anfang log` may not import the engine (pandas), so it reads the open findings per site from small
files the engine writes (.anfang/open-sites/, local, never synced, split by a hash of the folded
site name so log reads one), refreshed by `anfang check` (the office runs it every evening) and
`anfang site`; log says when that was.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from anfang.config import Config
from anfang.errors import AnfangError
from anfang.model import site_key


class SiteHistory(NamedTuple):
    name: str  # as asked
    as_of: date
    findings: tuple  # engine.Finding values (visits and findings), by date, group and id
    similar: tuple[str, ...] = ()  # other site names that contain what was asked (when nothing matched)


def site_history(store, config: Config, name: str, as_of: date) -> SiteHistory:
    """Every visit and finding at the site `name` (folded as the report folds it), in every group.
    `store`: the logs' columns (columnar.read_columns)."""
    import numpy as np

    from anfang.engine import as_list, findings, known_groups, ordered, rows_at, state_columns

    state = known_groups(state_columns(store, as_of), [g.number for g in config.groups])
    wanted = site_key(name)
    if not wanted:
        raise AnfangError("企业（场所）名称不能为空")
    sites = as_list(state["site"])
    folded = {site: site_key(site) for site in set(sites)}  # each distinct name folded once
    here = np.array([folded[site] == wanted for site in sites], dtype=bool)
    similar: tuple[str, ...] = ()
    if not here.any():
        similar = tuple(sorted(site for site, key in folded.items() if wanted in key)[:10])
    rows = ordered(rows_at(state, here), ["date", "group", "id"])
    return SiteHistory(name, as_of, tuple(findings(store, rows)), similar)


SHARDS = 256  # the open findings by site are split so that `anfang log` reads one small file
SHOWN = 20  # the oldest open findings kept per site
REFRESHED = "refreshed"  # when the shards were last made (a shard is rewritten only when it changes)


def open_sites_dir(root: Path) -> Path:
    return root / ".anfang" / "open-sites"


def _shard_number(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % SHARDS


def _shard_name(number: int) -> str:
    return f"{number:02x}.json"


def refresh_open_sites(root: Path, store, config: Config, today: date, state=None) -> None:
    """The findings not rectified as of `today`, by site (the oldest SHOWN of each, and how many),
    for `anfang log` (best effort). `store`: the logs' columns; `state`: the engine's state as of
    `today`, when the caller has it already."""
    import numpy as np

    from anfang import dates
    from anfang.configcache import write_local
    from anfang.engine import known_groups, ordered, pick, state_columns

    state = known_groups(
        state_columns(store, today) if state is None else state, [g.number for g in config.groups]
    )
    shards = open_site_shards(
        ordered(
            pick(state, state["is_finding"] & np.isnat(state["rectified"]), SHARD_COLUMNS), ["date", "id"]
        ),
        today,
    )  # the open rows held once, in order
    folder = open_sites_dir(root)
    for name, data in shards.items():  # a day changes a few shards: only those are written
        with contextlib.suppress(OSError):
            if (folder / name).read_bytes() == data:
                continue
        write_local(folder / name, lambda temp, d=data: temp.write_bytes(d))
    refreshed = dates.now().isoformat(timespec="minutes")  # last: never newer than the shards it dates
    write_local(folder / REFRESHED, lambda temp: temp.write_text(refreshed, encoding="utf-8"))


SHARD_COLUMNS = ("id", "site", "site_key", "date", "deadline", "handover")  # of the state rows


def open_site_shards(rows, today: date) -> dict[str, bytes]:
    """Each shard's file, a JSON object {"sites": {...}} as UTF-8 bytes: for every folded site name of
    the open findings `rows` (state rows with SHARD_COLUMNS, by date, then id), [how many,
    [[id, date, state] of the oldest SHOWN]]. Made in arrow's kernels (a campaign has hundreds of
    thousands of open findings); the sites are told apart by the engine's site_key numbers, and
    only one name of each is folded and hashed in Python."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from anfang.arrowtext import concat, joined_per, large_text, utf8_of
    from anfang.engine import as_list, distinct, filled, iso_days, occurrence, pick, take

    shard_names = [_shard_name(n) for n in range(SHARDS)]
    if not len(rows["site_key"]):
        return dict.fromkeys(shard_names, b'{"sites": {}}')
    # sites numbered by first appearance (the oldest finding's site first); each folded once, from its first row
    site_keys = distinct(rows["site_key"])
    by_key = np.searchsorted(site_keys, rows["site_key"])
    firsts = occurrence(by_key, len(site_keys))[:-1]
    appearance = np.argsort(firsts, kind="stable")
    number = np.empty(len(site_keys), dtype=np.int64)
    number[appearance] = np.arange(len(site_keys))
    key_of = number[by_key]
    keys = [site_key(name) for name in as_list(take(rows["site"], firsts[appearance]))]
    counts = np.bincount(key_of, minlength=len(keys))
    order = np.argsort(key_of, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - np.concatenate([[0], np.cumsum(counts)])[key_of[order]]
    shown = pick(rows, rank < SHOWN, ["id", "date", "deadline", "handover"])
    del rows  # the caller's only reference: each step's inputs are let go once used
    deadline = shown["deadline"]
    due = ~np.isnat(deadline)
    late = np.zeros(len(deadline), dtype=np.int64)
    late[due] = (np.datetime64(today, "us") - deadline[due]) // np.timedelta64(1, "D")
    overdue = late > 0
    waiting = filled(shown["handover"]) | ~np.isnat(deadline)
    state = pc.if_else(
        overdue,
        concat("逾期 ", pc.cast(pa.array(late.astype(np.int64)), pa.large_string()), " 天"),
        large_text(np.where(waiting, "整改中", "未整改")),
    )
    entries = concat(
        '["',
        large_text(shown["id"]),  # an id is letters, digits and "-" (the reader holds it to the grammar)
        '", "',
        large_text(iso_days(shown["date"])),
        '", "',
        state,
        '"]',
    )
    del shown, state
    per_key = joined_per(entries, key_of[rank < SHOWN], len(keys), ",")
    del entries
    members = concat(_json_escaped(large_text(list(keys))), ": [", pc.cast(pa.array(counts), pa.large_string()), ", [",
                   per_key, "]]")  # fmt: skip
    del per_key
    shard_of = np.array([_shard_number(key) for key in keys], dtype=np.int64)
    files = concat('{"sites": {', joined_per(members, shard_of, SHARDS, ","), "}}")
    data, offsets = utf8_of(files)  # as bytes, never as Python text (a CJK str takes 2-4 bytes a character)
    return {name: data[offsets[n] : offsets[n + 1]].tobytes() for n, name in enumerate(shard_names)}


def _json_escaped(values):
    """JSON string literals of arrow texts, as json.dumps(ensure_ascii=False) writes them; texts
    with a control character other than tab, CR, LF (never stored) go through json.dumps itself."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from anfang.arrowtext import concat, large_text

    escaped = values
    for raw, written in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        escaped = pc.replace_substring(escaped, raw, written)
    escaped = concat('"', escaped, '"')
    odd = pc.match_substring_regex(values, r"[\x00-\x08\x0b\x0c\x0e-\x1f]").to_numpy(zero_copy_only=False)
    if odd.any():
        exact = [json.dumps(v, ensure_ascii=False) for v in values.filter(pa.array(odd)).to_pylist()]
        escaped = pc.replace_with_mask(escaped, pa.array(odd), large_text(exact))
    return escaped


def open_at_site(root: Path, site: str, before: date) -> tuple[list[list[str]], int, str] | None:
    """([id, date, state] of the oldest findings at `site` found before `before` that were still open
    when the list was refreshed, how many there were in all, and when that was); None if never refreshed."""
    key = site_key(site)
    folder = open_sites_dir(root)
    try:
        refreshed = (folder / REFRESHED).read_text(encoding="utf-8").strip()
        datetime.fromisoformat(refreshed)  # a time, nothing else, is printed: else ValueError, no list
        data = json.loads((folder / _shard_name(_shard_number(key))).read_text(encoding="utf-8"))
        count, items = data["sites"].get(key, [0, []])
        earlier = [item for item in items if item[1] < before.isoformat()]
        return earlier, count - (len(items) - len(earlier)), refreshed
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
