"""Logs in UTF-8, UTF-8 with BOM and GB18030 read identically; config attacks are refused."""

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from anfang.cli import cli
from anfang.store import BOM, read_logs
from anfang.workspace import init_workspace


def invoke(ws, *args):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args])


@pytest.fixture
def ws(tmp_path) -> Path:
    root = init_workspace(tmp_path / "ws").root
    for hazard in ("𠮷字（GBK 以外）", "普通的隐患，含“引号”", "第二行\n换行"):
        assert invoke(root, "log", "-g", "3", "--date", "3-27", "--town", "魏塘街道", "--sector", "消防",
                      "--site", "嘉善某厂", "--hazard", hazard).exit_code == 0  # fmt: skip
    return root


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_log_encodings_read_identically(ws, encoding):
    log = ws / "logs" / "group-3.csv"
    original = read_logs(ws / "logs").records
    text = log.read_bytes().removeprefix(BOM).decode("utf-8")
    log.write_bytes(text.encode(encoding))
    again = read_logs(ws / "logs")
    assert again.records == original  # every record still reads ...
    change = {"utf-8": "开头的 UTF-8 BOM 不见了", "utf-8-sig": None, "gb18030": "被另存为 GB18030 编码"}[
        encoding
    ]
    assert [(p.file, p.dropped, p.message.split("。")[0]) for p in again.problems] == (
        [("group-3.csv", False, f"这个记录文件可能被其他程序另存过：{change}")] if change else []
    )  # ... but a log re-saved by another program is named, since anfang will not append to it


def test_undecodable_bytes_name_file_line_and_offset(ws):
    log = ws / "logs" / "group-3.csv"
    lines = log.read_bytes().split(b"\n")
    lines[2] = lines[2][:10] + b"\xff\xfe" + lines[2][10:]
    log.write_bytes(b"\n".join(lines))
    result = invoke(ws, "check", "--date", "3-27")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("logs/group-3.csv:3: 该行")


CONFIG_ATTACKS = {
    "python tag": (
        "sectors: !!python/object/apply:os.system ['touch /tmp/anfang-pwned']\n",
        "不允许使用标签",
    ),
    "billion laughs": (
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nsectors: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
        "不允许使用锚点或别名",
    ),
    "utf-16": ("sectors: []\n".encode("utf-16"), "不是 UTF-8 编码"),
    "gbk": ("sectors:\n  - name: 消防\n".encode("gbk"), "不是 UTF-8 编码"),
}


@pytest.mark.parametrize("name", list(CONFIG_ATTACKS))
def test_config_attacks_are_refused(ws, name):
    text, message = CONFIG_ATTACKS[name]
    (ws / "data" / "sectors.yaml").write_bytes(text if isinstance(text, bytes) else text.encode())
    started = time.monotonic()
    result = invoke(ws, "sectors")
    assert time.monotonic() - started < 5
    assert result.exit_code == 1 and message in result.stderr
    assert not Path("/tmp/anfang-pwned").exists()


def test_fifty_megabyte_config_is_refused_without_reading_it(ws):
    big = ws / "data" / "groups.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = invoke(ws, "groups")
    assert result.exit_code == 1
    assert "data/groups.yaml: 文件过大（52428800 字节，上限 1048576 字节）" in result.stderr
