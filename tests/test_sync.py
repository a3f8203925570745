"""Nine laptops and the office, one bare repository: interleaved logging and syncing, some
offline; at the end every clone holds the same logs, nothing lost or doubled, no conflict."""

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from anfang.cli import cli
from anfang.store import read_logs

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def invoke(ws: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args])


def offline(ws: Path, on: bool, remote: str) -> None:
    subprocess.run(
        ["git", "remote", "set-url", "origin", "/nonexistent/campaign.git" if on else remote],
        cwd=ws,
        check=True,
    )


@pytest.fixture
def campaign(tmp_path):
    remote = str(tmp_path / "campaign.git")
    subprocess.run(["git", "init", "-q", "--bare", remote], check=True)
    office = tmp_path / "office"
    assert CliRunner().invoke(cli, ["init", str(office), "--remote", remote, "--office"]).exit_code == 0
    first = invoke(office, "sync")
    assert first.exit_code == 0 and first.stdout.startswith("已发布攻坚行动工作区。")
    laptops = {}
    for n in range(1, 10):
        laptops[n] = tmp_path / f"group{n}"
        result = CliRunner().invoke(cli, ["init", str(laptops[n]), "--remote", remote, "--group", str(n)])
        assert result.exit_code == 0, result.output
        register(office, laptops[n], n)
    assert invoke(office, "sync").exit_code == 0
    return remote, office, laptops


def register(office: Path, laptop: Path, n: int) -> None:
    """The README's step: the laptop prints its key, the office registers it."""
    key = invoke(laptop, "writers", "key").stdout.strip()
    assert key.startswith("ssh-ed25519 ")
    added = invoke(office, "writers", "add", str(n), key)
    assert (
        added.exit_code == 0
        and added.stdout == f"已登记第{'一二三四五六七八九'[n - 1]}组的签名密钥。运行 anfang sync 发布。\n"
    )


def log(ws: Path, group: int, day: str, site: str, hazard: str = "") -> None:
    args = ["log", "-g", str(group), "--date", day, "--town", "镇", "--sector", "消防", "--site", site]
    result = invoke(ws, *args, *(["--hazard", hazard] if hazard else []))
    assert result.exit_code == 0, result.output


def test_nine_laptops_and_the_office(campaign):
    remote, office, laptops = campaign
    rng = random.Random(3)
    expected: dict[int, dict[str, list[str]]] = {n: {} for n in laptops}
    offline_now: set[int] = set()
    for round_number in range(4):
        day = f"2020-03-{26 + round_number}"
        order = list(laptops)
        rng.shuffle(order)
        for n in order:
            for i in range(rng.randint(1, 4)):
                hazard = f"第{n}组第{round_number}轮问题{i}" if rng.random() < 0.7 else ""
                log(laptops[n], n, day, f"场所{n}-{round_number}-{i}", hazard)
                expected[n].setdefault(day, []).append(hazard)
            if rng.random() < 0.3 and n not in offline_now:
                offline(laptops[n], True, remote)
                offline_now.add(n)
            result = invoke(laptops[n], "sync")
            if n in offline_now:
                assert result.exit_code == 1 and "无法连接同步服务器" in result.stderr
                assert "本机的记录已保存并提交，下次同步时会一起发送" in result.stderr
                if rng.random() < 0.5:
                    offline(laptops[n], False, remote)
                    offline_now.discard(n)
            else:
                assert result.exit_code == 0, result.output
        # the office follows up on one finding each round (its own file)
        office_sync = invoke(office, "sync")
        assert office_sync.exit_code == 0, office_sync.output
        findings = json.loads(invoke(office, "list", "--format", "json", "--open").stdout)
        if findings:
            assert invoke(office, "rectify", findings[0]["id"], "--date", day).exit_code == 0
    for n in offline_now:
        offline(laptops[n], False, remote)
    for ws in [*laptops.values(), office, *laptops.values(), office]:  # two rounds: everything everywhere
        result = invoke(ws, "sync")
        assert result.exit_code == 0, result.output

    def logs(ws: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((ws / "logs").glob("*.csv"))}

    reference = logs(office)
    assert sorted(reference) == sorted(["office.csv", *[f"group-{n}.csv" for n in range(1, 10)]])
    for ws in laptops.values():
        assert logs(ws) == reference
    records = read_logs(office / "logs").records
    assert len({r.id for r in records}) == len(records)  # nothing doubled
    for n, days in expected.items():
        mine = [r for r in records if r.group == n and r.kind in ("visit", "finding")]
        assert sorted(r.hazard for r in mine) == sorted(h for hs in days.values() for h in hs)  # nothing lost
    # the office's report equals one computed from the records directly, on every laptop
    report = invoke(office, "report", "--date", "2020-03-29", "--format", "json").stdout
    data = json.loads(report)
    for group in data["groups"]:
        found = [h for hs in expected[group["group"]].values() for h in hs if h]
        assert group["to_date"]["hazards"] == len(found)
        assert group["to_date"]["sites"] == sum(len(hs) for hs in expected[group["group"]].values())
    assert data["total"]["to_date"]["rectified"] == 4
    for ws in laptops.values():
        assert invoke(ws, "report", "--date", "2020-03-29", "--format", "json").stdout == report
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=office, capture_output=True, text=True
    ).stdout
    assert status == ""


def test_a_group_laptop_refuses_another_groups_records(campaign):
    _, _, laptops = campaign
    result = invoke(
        laptops[1], "log", "-g", "3", "--date", "3-27", "--town", "t", "--sector", "消防", "--site", "s"
    )
    assert result.exit_code == 1
    assert "这台电脑登记为第一组的联络员电脑，不能记录或修改第三组的记录" in result.stderr
    assert not (laptops[1] / "logs" / "group-3.csv").exists()
    forced = invoke(
        laptops[1],
        "log",
        "-g",
        "3",
        "--date",
        "3-27",
        "--town",
        "t",
        "--sector",
        "消防",
        "--site",
        "s",
        "--force",
    )
    assert forced.exit_code == 0 and forced.stdout.startswith("已记录 G3-20200327-W1-001 ")
    assert [r.id for r in read_logs(laptops[1] / "logs").records] == ["G3-20200327-W1-001"]
    # the follow-up commands refuse another group's finding too, and take --force the same way
    refused = invoke(laptops[1], "void", "G3-20200327-W1-001", "--reason", "误录")
    assert refused.exit_code == 1 and "不能记录或修改第三组的记录" in refused.stderr
    done = invoke(laptops[1], "void", "G3-20200327-W1-001", "--reason", "误录", "--force")
    assert done.exit_code == 0, done.output


def test_check_shows_when_each_group_last_synced(campaign):
    _, office, laptops = campaign
    log(laptops[2], 2, "2020-03-27", "某厂", "问题")
    invoke(laptops[2], "sync")
    invoke(office, "sync")
    notices = json.loads(invoke(office, "check", "--date", "2020-03-27", "--json").stdout)["notices"]
    synced = {n["file"]: n["message"] for n in notices if "同步" in n["message"]}
    assert synced["第一组"] == "还没有同步过任何记录"
    assert "第二组" not in synced or "尚未同步" in synced["第二组"]


def test_sync_without_a_remote_is_a_clear_error(ws):
    result = invoke(ws, "sync")
    assert result.exit_code == 1
    assert "这个工作区没有设置同步" in result.stderr


def test_cloning_before_the_office_published(tmp_path):
    remote = str(tmp_path / "empty.git")
    subprocess.run(["git", "init", "-q", "--bare", remote], check=True)
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "g1"), "--remote", remote, "--group", "1"])
    assert result.exit_code == 1
    assert (
        "请市安委办先运行 anfang init --office 并 anfang sync" in result.stderr or "无法从" in result.stderr
    )
    assert not (tmp_path / "g1" / "data").exists()


def test_sync_of_thousands_of_records_takes_seconds(campaign):
    import time
    from datetime import date

    from anfang.model import Record
    from anfang.store import append_batch

    _, office, laptops = campaign
    fields = dict(kind="visit", ref="", group=5, date=date(2020, 3, 27), county="海盐县", town="镇", sector="消防",
                  address="", hazard="", major=False, evidence=False, photos=(), handover="", deadline=None,
                  rectified=None, reason="", fields=(), origin="", by="潘荣林", recorded_at="2020-03-27T20:00:00+08:00")  # fmt: skip
    append_batch(laptops[5] / "logs" / "group-5.csv",
                 lambda seq: [Record(id=f"G5-20200327-{seq + i:03d}", site=f"场所{i}", **fields) for i in range(2000)])  # fmt: skip
    started = time.monotonic()
    result = invoke(laptops[5], "sync")
    assert result.exit_code == 0 and "已发送 2000 条记录。" in result.stdout
    assert "收到第五组 2000 条记录" in invoke(office, "sync").stdout.splitlines()
    assert time.monotonic() - started < 20


def test_init_option_combinations_are_usage_errors(tmp_path):
    for args in (
        ["--office"],
        ["--group", "1"],
        ["--remote", "x"],
        ["--remote", "x", "--office", "--group", "1"],
    ):
        result = CliRunner().invoke(cli, ["init", str(tmp_path / "w"), *args])
        assert result.exit_code == 2, args
        assert "--remote" in result.stderr
    assert not (tmp_path / "w").exists()


def test_a_group_laptop_logs_for_its_group_without_being_told(campaign):
    _, _, laptops = campaign
    result = invoke(
        laptops[4], "log", "--date", "3-27", "--town", "当湖街道", "--sector", "消防", "--site", "某商场"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("已记录 G4-20200327-001  第四组 ")
