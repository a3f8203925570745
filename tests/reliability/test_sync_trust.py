"""Sync you can trust: laptops that try to edit, delete, forge or run code through the shared
repository, set up as the README says (a bare repository, the office and group laptops).

Every attack is made with plain git, as a dishonest laptop would, and pushed to the remote; the
office's sync must refuse it with nothing applied, its report must not change, and nothing of the
honest writers may be lost.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from anfang.cli import cli

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or shutil.which("ssh-keygen") is None, reason="git and ssh-keygen are needed"
)


@pytest.fixture(autouse=True)
def no_global_git_identity(tmp_path, monkeypatch):
    """Laptops without `git config --global`: anfang must pass everything itself."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)


def invoke(ws: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args])


def run_git(ws: Path, *args: str, key: Path | None = None) -> subprocess.CompletedProcess:
    """Plain git, as a laptop's owner could run it by hand (signed with `key` if given)."""
    sign = (
        ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "-c", "commit.gpgsign=true"] if key else []
    )
    return subprocess.run(
        ["git", "-c", "user.name=某人", "-c", "user.email=x@y", *sign, *args],
        cwd=ws, capture_output=True, text=True, check=True,
    )  # fmt: skip


def own_key(ws: Path) -> Path:
    return ws / ".git" / "anfang" / "signing-key"


def log(ws: Path, group: int, site: str, hazard: str = "", day: str = "2020-03-27") -> str:
    args = ["log", "-g", str(group), "--date", day, "--town", "镇", "--sector", "消防", "--site", site]
    result = invoke(ws, *args, *(["--hazard", hazard] if hazard else []))
    assert result.exit_code == 0, result.output
    return result.stdout.split()[1]


def report(ws: Path) -> dict:
    result = invoke(ws, "report", "--date", "2020-03-27", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def register(office: Path, laptop: Path, n: int) -> None:
    key = invoke(laptop, "writers", "key").stdout.strip()
    assert invoke(office, "writers", "add", str(n), key).exit_code == 0


@pytest.fixture
def campaign(tmp_path):
    """The office and three group laptops, registered, each with records synced everywhere."""
    remote = str(tmp_path / "campaign.git")
    subprocess.run(["git", "init", "-q", "--bare", remote], check=True)
    office = tmp_path / "office"
    assert CliRunner().invoke(cli, ["init", str(office), "--remote", remote, "--office"]).exit_code == 0
    assert invoke(office, "sync").exit_code == 0
    laptops = {}
    for n in (1, 2, 3):
        laptops[n] = tmp_path / f"group{n}"
        made = CliRunner().invoke(cli, ["init", str(laptops[n]), "--remote", remote, "--group", str(n)])
        assert made.exit_code == 0, made.output
        register(office, laptops[n], n)
    assert invoke(office, "sync").exit_code == 0
    for n, ws in laptops.items():
        log(ws, n, f"场所{n}A", f"问题{n}A")
        log(ws, n, f"场所{n}B")
        assert invoke(ws, "sync").exit_code == 0
    assert invoke(office, "sync").exit_code == 0
    return remote, office, laptops


def push_attack(ws: Path, message: str = "改动", key: Path | None = None, sign: bool = True) -> str:
    """Commit everything in the working copy with plain git and push it to the remote."""
    run_git(ws, "pull", "-q", "--rebase", "--autostash", "origin", "main")
    run_git(ws, "add", "-A")
    run_git(ws, "commit", "-q", "-m", message, key=(key or own_key(ws)) if sign else None)
    run_git(ws, "push", "-q", "origin", "HEAD:main")
    return run_git(ws, "rev-parse", "HEAD").stdout.strip()


def assert_refused(office: Path, before: dict, *words: str) -> str:
    """The office's sync stops with exit 1 naming the fault; its report is unchanged; check names it."""
    result = invoke(office, "sync")
    assert result.exit_code == 1, result.output
    for word in words:
        assert word in result.stdout, result.stdout
    assert report(office) == before
    checked = invoke(office, "check", "--date", "2020-03-27", "--json")
    assert checked.exit_code == 1
    errors = json.loads(checked.stdout)["errors"]
    assert any(e["file"] == "同步" and words[0] in e["message"] for e in errors), errors
    return result.stdout


def test_an_edit_of_another_groups_line_is_refused_and_repaired(campaign):
    _, office, laptops = campaign
    before = report(office)
    target = laptops[2] / "logs" / "group-1.csv"
    lines = target.read_bytes().split(b"\n")
    lines[1] = lines[1].replace("问题1A".encode(), "问题1A已改".encode())
    target.write_bytes(b"\n".join(lines))
    bad = push_attack(laptops[2])
    out = assert_refused(
        office, before, f"提交 {bad[:10]}", "logs/group-1.csv", "不属于第二组的文件", "作者：某人"
    )
    assert "anfang sync --repair" in out
    # honest laptops are not lost: group 3 records more, cannot publish on top of the bad commit
    log(laptops[3], 3, "场所3C", "问题3C")
    blocked = invoke(laptops[3], "sync")
    assert blocked.exit_code == 1 and "同步已停止，未接收" in blocked.stdout
    # the office repairs with one command; then everyone goes on, nothing honest lost
    repaired = invoke(office, "sync", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "已修复同步服务器" in repaired.stdout
    assert invoke(laptops[3], "sync").stdout.splitlines()[0] == "已发送 1 条记录。"
    assert invoke(office, "sync").exit_code == 0
    after = report(office)
    assert after["groups"][0] == before["groups"][0]
    assert after["groups"][2]["day"]["hazards"] == before["groups"][2]["day"]["hazards"] + 1
    assert invoke(office, "check", "--date", "2020-03-27").exit_code == 0


def test_editing_ones_own_synced_line_is_refused(campaign):
    _, office, laptops = campaign
    before = report(office)
    own = laptops[1] / "logs" / "group-1.csv"
    own.write_bytes(own.read_bytes().replace("问题1A".encode(), "问题1X".encode()))
    # anfang's own sync will not publish it ...
    refused = invoke(laptops[1], "sync")
    assert refused.exit_code == 1
    assert "logs/group-1.csv 不再是上次同步内容的延续：第 2 行被改动" in refused.stderr
    assert "anfang sync --restore" in refused.stderr
    # ... and plain git that does is refused by every other machine
    bad = push_attack(laptops[1])
    assert_refused(office, before, f"提交 {bad[:10]}", "第 2 行", "logs/group-1.csv")


def test_deleting_synced_lines_is_refused(campaign):
    _, office, laptops = campaign
    before = report(office)
    own = laptops[2] / "logs" / "group-2.csv"
    lines = own.read_bytes().split(b"\n")
    own.write_bytes(b"\n".join(lines[:2] + lines[3:]))
    push_attack(laptops[2])
    assert_refused(office, before, "提交", "第 3 行起的记录被删除")


def test_a_truncated_own_log_is_restored_with_later_records_kept(campaign):
    _, office, laptops = campaign
    own = laptops[1] / "logs" / "group-1.csv"
    synced = own.read_bytes()
    own.write_bytes(synced.split(b"\n")[0] + b"\n")  # rows deleted in Excel
    new_id = log(laptops[1], 1, "场所1C", "问题1C")
    refused = invoke(laptops[1], "sync")
    assert refused.exit_code == 1
    # the new record took the first free id of the emptied file: the id of a synced record
    assert "第 2 行被改动" in refused.stderr
    restored = invoke(laptops[1], "sync", "--restore")
    assert restored.exit_code == 0, restored.output
    assert "保留其后新记的 1 条记录" in restored.stdout
    assert f"编号 {new_id} 与已同步的记录重复，改为 G1-20200327-003" in restored.stdout
    new_id = "G1-20200327-003"
    assert own.read_bytes().startswith(synced)
    assert own.read_bytes().count(b"\n") == synced.count(b"\n") + 1
    aside = list((laptops[1] / ".anfang" / "aside").rglob("group-1.csv"))
    assert len(aside) == 1
    assert invoke(laptops[1], "sync").stdout.splitlines()[0] == "已发送 1 条记录。"
    office_sync = invoke(office, "sync")
    assert "收到第一组 1 条记录" in office_sync.stdout
    assert invoke(office, "show", new_id).exit_code == 0


def test_appending_to_another_groups_file_is_refused(campaign):
    _, office, laptops = campaign
    before = report(office)
    # a valid-looking record made with anfang itself, then moved into group 1's file
    log(laptops[3], 3, "伪造场所", "伪造问题")
    own = laptops[3] / "logs" / "group-3.csv"
    forged = own.read_bytes().split(b"\n")[-2] + b"\n"
    run_git(laptops[3], "checkout", "--", "logs/group-3.csv")
    other = laptops[3] / "logs" / "group-1.csv"
    other.write_bytes(other.read_bytes() + forged)
    push_attack(laptops[3])
    assert_refused(office, before, "提交", "logs/group-1.csv", "不属于第三组的文件")


def test_a_changed_local_identity_can_neither_write_nor_publish(campaign):
    _, _office, laptops = campaign
    (laptops[3] / ".git" / "anfang-writer").write_text("group 1", encoding="utf-8")
    refused = invoke(
        laptops[3],
        "log",
        "-g",
        "1",
        "--date",
        "3-27",
        "--town",
        "t",
        "--sector",
        "消防",
        "--site",
        "冒名场所",
    )
    assert refused.exit_code == 1
    assert "这台电脑登记为第三组的联络员电脑，不能记录或修改第一组的记录" in refused.stderr
    assert "冒名场所".encode() not in (laptops[3] / "logs" / "group-1.csv").read_bytes()
    # without --group it still logs for the group its key is registered for
    made = invoke(laptops[3], "log", "--date", "3-27", "--town", "t", "--sector", "消防", "--site", "某厂")
    assert made.exit_code == 0 and made.stdout.startswith("已记录 G3-")
    assert invoke(laptops[3], "sync").stdout.splitlines()[0] == "已发送 1 条记录。"


def test_a_template_that_runs_code(campaign, tmp_path):
    _, office, laptops = campaign
    before = report(office)
    evil = "{{ ''.__class__.__mro__[1].__subclasses__() }}\n"
    # pushed by a group laptop: refused, it is not the group's file
    (laptops[2] / "templates" / "report.md.j2").write_text(evil, encoding="utf-8")
    push_attack(laptops[2])
    assert_refused(office, before, "提交", "templates/report.md.j2", "不属于第二组的文件")
    # even where a template is in the workspace, the sandbox refuses and nothing is written
    (office / "templates" / "report.md.j2").write_text(evil, encoding="utf-8")
    out = tmp_path / "out.md"
    result = invoke(office, "report", "--date", "2020-03-27", "--output", str(out))
    assert result.exit_code == 1
    assert "模板试图访问不允许的内容，已拒绝渲染" in result.stderr
    assert "Traceback" not in result.output and not out.exists()


def test_an_unsigned_commit_is_refused(campaign):
    _, office, laptops = campaign
    before = report(office)
    own = laptops[1] / "logs" / "group-1.csv"
    log(laptops[1], 1, "场所1Z", "问题1Z")
    push_attack(laptops[1], sign=False)
    assert_refused(office, before, "提交", "没有签名")
    assert own.exists()


def test_a_forged_signature_is_refused(campaign):
    _, office, laptops = campaign
    before = report(office)
    run_git(laptops[1], "pull", "-q", "--rebase", "origin", "main")
    log(laptops[1], 1, "场所1F", "问题1F")
    run_git(laptops[1], "add", "-A")
    run_git(laptops[1], "commit", "-q", "-m", "真", key=own_key(laptops[1]))
    raw = run_git(laptops[1], "cat-file", "commit", "HEAD").stdout.replace("\n\n真\n", "\n\n假\n")
    forged = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], input=raw, cwd=laptops[1],
                            capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    run_git(laptops[1], "push", "-q", "origin", f"{forged}:refs/heads/main")
    assert_refused(office, before, "提交", "签名无效")


def test_a_commit_of_an_unregistered_key_is_held_until_registered(campaign, tmp_path):
    _remote, office, laptops = campaign
    before = report(office)
    stranger = tmp_path / "stranger-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    log(laptops[2], 2, "场所2N", "问题2N")
    push_attack(laptops[2], key=stranger)
    held = invoke(office, "sync")
    assert held.exit_code == 1
    assert "暂不接收" in held.stdout and "尚未登记" in held.stdout
    assert report(office) == before
    notices = json.loads(invoke(office, "check", "--date", "2020-03-27", "--json").stdout)["notices"]
    assert any(n["file"] == "同步" and "暂不接收" in n["message"] for n in notices)
    # the office registers that key for group 2 (a replacement laptop): accepted at the next sync
    key = stranger.with_suffix(".pub").read_text().strip()
    replaced = invoke(office, "writers", "add", "2", key)
    assert "已替换第二组原登记的密钥" in replaced.stdout
    accepted = invoke(office, "sync")
    assert accepted.exit_code == 0, accepted.output
    assert "收到第二组 1 条记录" in accepted.stdout
    assert report(office)["groups"][1]["day"]["hazards"] == before["groups"][1]["day"]["hazards"] + 1
    # every other laptop accepts it too (the registration comes after it, in the same sync)
    assert invoke(laptops[1], "sync").exit_code == 0
    assert report(laptops[1]) == report(office)


def test_an_unregistered_laptop_keeps_its_records_until_registered(campaign, tmp_path):
    remote, office, _laptops = campaign
    new = tmp_path / "group4"
    made = CliRunner().invoke(cli, ["init", str(new), "--remote", remote, "--group", "4"])
    assert made.exit_code == 0
    assert "请把下面这一行本机的签名公钥发给市安委办登记" in made.stdout
    log(new, 4, "场所4A", "问题4A")
    waiting = invoke(new, "sync")
    assert waiting.exit_code == 1
    assert "本机的签名密钥尚未由市安委办登记" in waiting.stdout
    assert (
        run_git(new, "ls-remote", remote, "main").stdout.split()[0]
        == run_git(office, "rev-parse", "HEAD").stdout.strip()
    )
    register(office, new, 4)
    published = invoke(office, "sync")
    assert published.exit_code == 0 and "已发布配置的更改：data/writers.yaml" in published.stdout
    sent = invoke(new, "sync")
    assert sent.exit_code == 0 and sent.stdout.splitlines()[0] == "已发送 1 条记录。"


def test_a_second_laptop_for_a_group_is_warned_and_replaces_the_first(campaign, tmp_path):
    remote, office, laptops = campaign
    second = tmp_path / "group1-new"
    made = CliRunner().invoke(cli, ["init", str(second), "--remote", remote, "--group", "1"])
    assert made.exit_code == 0
    assert "第一组已经登记过一台电脑的密钥" in made.stderr
    register(office, second, 1)
    assert invoke(office, "sync").exit_code == 0
    # the old laptop's key is no longer registered: what it records now is not published
    log(laptops[1], 1, "旧电脑场所", "旧电脑问题")
    old = invoke(laptops[1], "sync")
    assert old.exit_code == 1 and "本机的签名密钥尚未由市安委办登记" in old.stdout
    # the new laptop goes on from the file's end: no id is written twice
    new_id = log(second, 1, "新电脑场所", "新电脑问题")
    assert invoke(second, "sync").exit_code == 0
    ids = [
        line.split(",")[0]
        for line in (second / "logs" / "group-1.csv").read_text("utf-8-sig").splitlines()[1:]
    ]
    assert len(ids) == len(set(ids)) and new_id in ids


def test_a_local_edit_of_a_file_the_laptop_does_not_own_is_set_aside(campaign):
    _, office, laptops = campaign
    groups = laptops[1] / "data" / "groups.yaml"
    original = groups.read_bytes()
    groups.write_bytes(original + b"# local note\n")
    log(laptops[1], 1, "场所1D")
    result = invoke(laptops[1], "sync")
    assert result.exit_code == 0, result.output
    assert "data/groups.yaml" in result.stdout and "已另存到 .anfang/aside/" in result.stdout
    assert groups.read_bytes() == original
    assert (
        next(iter((laptops[1] / ".anfang" / "aside").rglob("groups.yaml")))
        .read_bytes()
        .endswith(b"# local note\n")
    )
    # the office's own changes to data/ are published and accepted everywhere
    office_groups = office / "data" / "groups.yaml"
    office_groups.write_bytes(office_groups.read_bytes() + b"# office note\n")
    assert invoke(office, "sync").exit_code == 0
    assert invoke(laptops[1], "sync").exit_code == 0
    assert groups.read_bytes().endswith(b"# office note\n")


def test_a_rewritten_remote_history_is_refused(campaign):
    _remote, office, laptops = campaign
    before = report(office)
    # someone with access to the remote rewrites it: group 1's records gone from history
    run_git(laptops[2], "checkout", "-q", "--orphan", "rewritten")
    run_git(laptops[2], "rm", "-q", "--cached", "logs/group-1.csv")
    (laptops[2] / "logs" / "group-1.csv").unlink()
    run_git(laptops[2], "commit", "-q", "-m", "重写", key=own_key(laptops[2]))
    run_git(laptops[2], "push", "-q", "-f", "origin", "rewritten:main")
    result = invoke(office, "sync")
    assert result.exit_code == 1
    assert "远程仓库的历史被改写过" in result.stdout
    assert report(office) == before
    repaired = invoke(office, "sync", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert invoke(laptops[1], "sync").exit_code == 0
    assert report(laptops[1]) == before


def test_only_the_office_registers_keys(campaign):
    _, office, laptops = campaign
    key = invoke(laptops[2], "writers", "key").stdout.strip()
    refused = invoke(laptops[1], "writers", "add", "2", key)
    assert refused.exit_code == 1 and "只有市安委办的电脑能登记签名密钥" in refused.stderr
    listing = invoke(office, "writers").stdout.splitlines()
    assert listing[0].startswith("市安委办\tSHA256:")
    assert listing[4] == "第四组\t未登记"
    bad = invoke(office, "writers", "add", "2", "ssh-ed25519 not-a-key")
    assert bad.exit_code == 1 and "公钥格式不对" in bad.stderr


def test_every_commit_anfang_makes_is_signed(campaign):
    _, office, _laptops = campaign
    out = subprocess.run(["git", "-c", "gpg.ssh.allowedSignersFile=/dev/null", "log", "--format=%G?", "main"], cwd=office, capture_output=True, text=True,
                         env={**os.environ, "LC_ALL": "C"}, check=True).stdout.split()  # fmt: skip
    assert out and set(out) <= {"U", "G"}


def test_a_record_whose_id_exists_upstream_is_not_published(campaign):
    _, office, _ = campaign
    from anfang.store import append, read_logs

    taken = read_logs(office / "logs").records[0]
    assert taken.source == "group-1.csv"
    append(
        office / "logs" / "office.csv", lambda seq: taken._replace(recorded_at="2020-03-28T09:00:00+08:00")
    )
    result = invoke(office, "sync")
    assert result.exit_code == 1
    assert f"本机要发送的记录编号 {taken.id} 在 logs/group-1.csv 中已经有了；未发送" in result.stderr
    assert (
        run_git(office, "ls-remote", "origin", "main").stdout.split()[0]
        != run_git(office, "rev-parse", "HEAD").stdout.strip()
    )
