"""Crashes: killed writers, power cuts at every byte, a full disk, reports killed mid-write."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from anfang.cli import cli
from anfang.store import read_logs
from anfang.workspace import init_workspace

LOG = ["log", "--group", "2", "--date", "3-27", "--town", "王江泾镇", "--sector", "消防", "--site", "某厂"]

WRITER = """
import sys
from click.testing import CliRunner
from anfang.cli import cli
runner = CliRunner()
i = 0
while True:
    runner.invoke(cli, ["--workspace", sys.argv[1], *sys.argv[2:], "--hazard", "x" * 20000 + str(i)])
    i += 1
"""


def cells(path: Path) -> list:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return [[c.value for c in row] for sheet in wb for row in sheet.iter_rows()]


def invoke(ws: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args])


@pytest.fixture
def ws(tmp_path) -> Path:
    return init_workspace(tmp_path / "ws").root


def test_writer_killed_at_random_moments(ws):
    """Whatever moment the kill lands, earlier records are intact and the next append is clean."""
    log = ws / "logs" / "group-2.csv"
    for delay in (0.3, 0.45, 0.6, 0.8, 1.1):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(ws), *LOG])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = read_logs(ws / "logs")
        assert all(r.hazard.startswith(("x" * 20000, "after-")) for r in before.records)
        assert len(before.problems) <= 1  # at most the last line, cut short
        result = invoke(ws, *LOG, "--hazard", f"after-{delay}")
        assert result.exit_code == 0
        after = read_logs(ws / "logs")
        assert after.records[: len(before.records)] == before.records
        assert after.records[-1].hazard == f"after-{delay}"
    assert log.read_bytes().endswith(b"\n")


def test_power_cut_at_every_byte_is_named_by_check(ws):
    invoke(ws, *LOG, "--hazard", "第一条")
    invoke(ws, *LOG, "--hazard", "第二条")
    log = ws / "logs" / "group-2.csv"
    full = log.read_bytes()
    start = full.rindex(b"\n", 0, len(full) - 1) + 1
    for cut in range(start + 1, len(full) - 1, 7):
        log.write_bytes(full[:cut])
        result = invoke(ws, "check", "--date", "3-27")
        assert result.exit_code == 1
        assert (
            result.stdout.splitlines()[0]
            == "logs/group-2.csv:3: 最后一行不完整（可能因断电、磁盘满或同步中断），未作为记录读取"
        )
        report = invoke(ws, "report", "--date", "3-27", "--group", "2", "--format", "json")
        assert json.loads(report.stdout)["groups"][0]["to_date"]["hazards"] == 1  # the torn line not counted


def test_full_disk_part_way_through_a_write(ws, monkeypatch):
    invoke(ws, *LOG, "--hazard", "已保存")
    real_write = os.write

    def half_then_full(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("anfang.store.os.write", half_then_full)
    result = invoke(ws, *LOG, "--hazard", "写到一半")
    assert result.exit_code == 1
    assert result.stderr == f"错误：写入 {ws / 'logs' / 'group-2.csv'} 失败：磁盘已满；本条记录未保存\n"
    monkeypatch.undo()
    assert [r.hazard for r in read_logs(ws / "logs").records] == ["已保存"]
    assert invoke(ws, "check", "--date", "3-27").stdout.startswith("logs/group-2.csv:3: 最后一行不完整")
    assert invoke(ws, *LOG, "--hazard", "磁盘清理后").exit_code == 0
    contents = read_logs(ws / "logs")
    assert [r.hazard for r in contents.records] == ["已保存", "磁盘清理后"]
    assert [p.line for p in contents.problems] == [3]  # the fragment stays a closed, unread line


def test_report_interrupted_mid_write_keeps_old_file_and_no_temp(ws, monkeypatch, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    invoke(ws, *LOG, "--hazard", "一")
    assert invoke(ws, "report", "--date", "3-27", "--output", str(out / "r.md")).exit_code == 0
    old = (out / "r.md").read_bytes()
    invoke(ws, *LOG, "--hazard", "二")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr("anfang.output.os.replace", interrupted)
    result = invoke(ws, "report", "--date", "3-27", "--output", str(out / "r.md"))
    assert result.exit_code != 0
    assert (out / "r.md").read_bytes() == old
    assert sorted(p.name for p in out.iterdir()) == ["r.md"]


def test_report_killed_outright_leaves_old_or_new_and_next_run_cleans_up(ws, tmp_path):
    for i in range(300):
        invoke(ws, *LOG, "--hazard", f"问题{i}" * 50)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "r.xlsx"
    assert invoke(ws, "report", "--date", "3-27", "--format", "xlsx", "--output", str(target)).exit_code == 0
    good = cells(target)
    for delay in (0.2, 0.5, 0.9, 1.4):
        proc = subprocess.Popen([sys.executable, "-m", "anfang", "--workspace", str(ws), "report", "--date", "3-27",
                                 "--format", "xlsx", "--output", str(target)])  # fmt: skip
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert cells(target) == good  # the old workbook or a complete new one, never a broken file
    leftovers = [p.name for p in out.iterdir() if p.name != "r.xlsx"]
    assert invoke(ws, "report", "--date", "3-27", "--format", "xlsx", "--output", str(target)).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["r.xlsx"], leftovers


def test_sigterm_removes_the_temp_file(ws, tmp_path):
    for i in range(300):
        invoke(ws, *LOG, "--hazard", f"问题{i}" * 50)
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "anfang", "--workspace", str(ws), "report", "--date", "3-27",
                             "--format", "xlsx", "--output", str(out / "r.xlsx")])  # fmt: skip
    time.sleep(0.8)
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []


def test_unwritable_output_path(ws, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        result = invoke(ws, "report", "--date", "3-27", "--output", str(ro / "r.md"))
        assert (result.exit_code, result.stderr) == (1, f"错误：无法写入 {ro / 'r.md'}：没有权限\n")
    finally:
        ro.chmod(0o700)
