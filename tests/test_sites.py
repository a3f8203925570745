"""The open findings by site that `anfang log` reads (sites.open_site_shards, made in arrow's
kernels) against the row-by-row builder they replaced, the oracle."""

import json
import random
import zlib
from datetime import date, timedelta

import pandas as pd

from anfang.model import site_key
from anfang.sites import SHARDS, SHOWN, open_site_shards

TODAY = date(2020, 4, 10)
NAMES = ["甲厂", "甲厂 ", "ＡＢ店", "ab店", '乙"号', "a\\b", "tab\there", "丙\x01厂", "𠮷祥饭店", '{"x": 1}']


def oracle(rows: pd.DataFrame, today: date) -> dict[str, dict]:
    shards: dict[str, dict] = {f"{n:02x}.json": {} for n in range(SHARDS)}
    counts: dict[str, int] = {}
    for site in rows["site"]:
        counts[site_key(site)] = counts.get(site_key(site), 0) + 1
    for site, rid, day, deadline, handover in zip(
        rows["site"], rows["id"], rows["date"], rows["deadline"], rows["handover"], strict=True
    ):
        key = site_key(site)
        entry = shards[f"{zlib.crc32(key.encode()) % SHARDS:02x}.json"].setdefault(key, [counts[key], []])
        if len(entry[1]) == SHOWN:
            continue
        late = (pd.Timestamp(today) - deadline).days if not pd.isna(deadline) else 0
        waiting = handover != "" or not pd.isna(deadline)
        entry[1].append(
            [
                rid,
                day.date().isoformat(),
                f"逾期 {late} 天" if late > 0 else "整改中" if waiting else "未整改",
            ]
        )
    return shards


def random_rows(seed: int, size: int) -> pd.DataFrame:
    rng = random.Random(seed)
    days = [pd.Timestamp(TODAY - timedelta(days=rng.randrange(20))) for _ in range(size)]
    rows = pd.DataFrame({
        "id": [f"G{rng.randint(1, 9)}-{d:%Y%m%d}-{n:03d}" for n, d in enumerate(days)],
        "site": [rng.choice(NAMES) if rng.random() < 0.7 else f"企业{rng.randrange(40)}号" for _ in days],
        "date": days,
        "deadline": [d + pd.Timedelta(days=rng.randrange(-3, 15)) if rng.random() < 0.6 else pd.NaT for d in days],
        "handover": [rng.choice(["", "", "某局"]) for _ in days],
    })  # fmt: skip
    rows["date"], rows["deadline"] = (
        pd.to_datetime(rows[c]).astype("datetime64[us]") for c in ("date", "deadline")
    )
    rows["site_key"] = pd.factorize(rows["site"].map(site_key))[0] * 7 + 3  # the engine's: any numbering
    return rows.sort_values(["date", "id"], kind="stable")


def columns(rows: pd.DataFrame) -> dict:
    """The rows as the engine's columns, as open_site_shards takes them: texts as arrow, the rest numpy."""
    import pyarrow as pa

    texts = ("id", "site", "handover")
    return {n: pa.array(rows[n].tolist(), pa.string()) if n in texts else rows[n].to_numpy() for n in rows}


def test_the_shards_hold_what_the_row_by_row_builder_made():
    for seed in range(5):
        rows = random_rows(seed, size=400)
        made = {
            name: json.loads(data)["sites"] for name, data in open_site_shards(columns(rows), TODAY).items()
        }
        assert made == oracle(rows, TODAY)
    sites = {key: entry for shard in made.values() for key, entry in shard.items()}
    assert sites[site_key('乙"号')][0] > SHOWN and len(sites[site_key('乙"号')][1]) == SHOWN
    assert {state for _, entries in sites.values() for _, _, state in entries} >= {
        "整改中",
        "未整改",
        "逾期 1 天",
    }


def test_no_open_findings_leave_every_shard_empty():
    made = open_site_shards(columns(random_rows(0, 0)), TODAY)
    assert len(made) == SHARDS and set(made.values()) == {b'{"sites": {}}'}


def test_check_rewrites_only_the_shards_that_changed_and_dates_them_last(tmp_path):
    from click.testing import CliRunner

    from anfang.cli import cli
    from anfang.sites import REFRESHED, open_sites_dir
    from anfang.workspace import init_workspace

    ws = init_workspace(tmp_path / "demo", example=True).root

    def run(*args):
        return CliRunner().invoke(cli, ["--workspace", str(ws), *args])

    def inodes():
        return {p.name: p.stat().st_ino for p in open_sites_dir(ws).iterdir()}

    assert run("check", "--date", "3-27").exit_code in (0, 1)
    first = inodes()
    assert len(first) == SHARDS + 1 and REFRESHED in first
    assert run("check", "--date", "3-27").exit_code in (0, 1)
    again = inodes()
    assert {n for n in first if first[n] != again[n]} == {REFRESHED}  # nothing changed: only the date
    site = "回头看测试饭店"
    assert run("log", "--group", "1", "--date", "3-27", "--town", "新兴街道", "--sector", "消防", "--site", site,
               "--hazard", "灭火器过期").exit_code == 0  # fmt: skip
    assert run("check", "--date", "3-27").exit_code in (0, 1)
    changed = {n for n, i in inodes().items() if again[n] != i}
    assert changed == {REFRESHED, f"{zlib.crc32(site_key(site).encode()) % SHARDS:02x}.json"}


def test_a_damaged_stamp_means_no_list_not_a_wrong_one(tmp_path):
    from anfang.sites import REFRESHED, open_at_site, open_sites_dir
    from anfang.workspace import init_workspace

    ws = init_workspace(tmp_path / "demo", example=True).root
    rows = random_rows(1, 60)
    folder = open_sites_dir(ws)
    folder.mkdir(parents=True)
    for name, data in open_site_shards(columns(rows), TODAY).items():
        (folder / name).write_bytes(data)
    site = rows["site"].iloc[0]
    assert open_at_site(ws, site, TODAY) is None  # never stamped: never shown
    (folder / REFRESHED).write_text("2020-04-10T21:30+08:00", encoding="utf-8")
    items, count, when = open_at_site(ws, site, TODAY + timedelta(days=1))
    assert when == "2020-04-10T21:30+08:00" and count >= len(items) > 0
    (folder / REFRESHED).write_text("\x1b[31m假的时间", encoding="utf-8")
    assert open_at_site(ws, site, TODAY) is None
