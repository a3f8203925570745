"""Hostile text in every field: stored and shown verbatim as data, or refused with a reason."""

import json
import re
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from anfang.cli import cli
from anfang.workspace import init_workspace

STORED = [
    "=1+1", "+1", "-1", "@SUM(A1:A2)", "\t=1", "＝全角等号", "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil","点我")', "DDE(\"cmd\";\"/C calc\";\"!A0\")",
    "**粗体** _斜体_ `代码` [链接](http://x) ![图](http://x.png)", "# 标题", "> 引用", "- 列表",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&lt;已转义&gt;", "a|b|c",
    "\u202e从右到左\u202c", "\u200f右到左标记", "emoji 🚒🔥🧯", "𠮷 GBK 以外", "反斜杠 \\ 与 \\n",
]  # fmt: skip
REFUSED = {
    "\x1b[31m红字\x1b[0m": "控制字符（U+001B）",
    "响铃\x07": "控制字符（U+0007）",
    "空字符\x00": "控制字符（U+0000）",
    "C1\x9b控制": "控制字符（U+009B）",
    "长" * 40000: "过长（40000 字）",
}
FIELDS = ["--town", "--site", "--address", "--handover", "--hazard"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    ws = init_workspace(tmp_path_factory.mktemp("h") / "ws").root
    runner = CliRunner()
    for i, text in enumerate(STORED):
        args = [
            "--workspace",
            str(ws),
            "log",
            "--group",
            "1",
            "--date",
            "3-27",
            "--sector",
            "消防",
            "--deadline",
            "4-1",
        ]
        for field in FIELDS:
            value = text if field == "--hazard" else text.replace("\n", " ")
            args += [field, f"{value}" if field != "--site" else f"{value}#{i}"]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (text, result.output)
    return ws


def invoke(ws, *args):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args])


def test_stored_verbatim_in_json(hostile):
    findings = json.loads(invoke(hostile, "report", "--date", "3-27", "--format", "json").stdout)["groups"][
        0
    ]["findings"]
    trimmed = [t.strip() for t in STORED]  # surrounding whitespace is trimmed on input, nothing else
    assert [f["hazard"] for f in findings] == trimmed
    assert [f["site"] for f in findings] == [f"{t}#{i}".strip() for i, t in enumerate(STORED)]
    assert [f["handover"] for f in findings] == trimmed
    listed = json.loads(invoke(hostile, "list", "--format", "json").stdout)
    assert [f["town"] for f in listed] == trimmed


def test_markdown_table_stays_intact_and_has_no_raw_html(hostile):
    out = invoke(hostile, "report", "--date", "3-27", "--group", "1").stdout
    rows = [line for line in out.splitlines() if line.startswith("| 消防 |")]
    assert len(rows) == len(STORED)
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 9, row
    assert re.findall(r"(?<!\\)<(?!br>)", out) == []  # every < is escaped; the only tag is our own <br>
    assert "\\<script\\>" in out


def test_xlsx_has_no_formula_and_keeps_text(hostile, tmp_path):
    path = tmp_path / "r.xlsx"
    assert (
        invoke(hostile, "report", "--date", "3-27", "--format", "xlsx", "--output", str(path)).exit_code == 0
    )
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml
    sheet = openpyxl.load_workbook(path)["第一组"]
    hazards = [sheet.cell(row, 4).value for row in range(7, 7 + len(STORED))]
    assert hazards == [t.strip() for t in STORED]
    assert all(sheet.cell(row, 4).data_type == "s" for row in range(7, 7 + len(STORED)))


def test_csv_list_is_formula_safe(hostile):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(invoke(hostile, "list", "--format", "csv").stdout)))[1:]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize("text, reason", list(REFUSED.items()), ids=["ansi", "bell", "nul", "c1", "40000"])
@pytest.mark.parametrize("field", FIELDS)
def test_refused_with_reason_and_nothing_written(tmp_path, text, reason, field):
    ws = init_workspace(tmp_path / "ws").root
    args = {"--town": "t", "--site": "s", "--address": "", "--handover": "", "--hazard": "h"}
    args[field] = text
    argv = [
        "log",
        "--group",
        "1",
        "--date",
        "3-27",
        "--sector",
        "消防",
        *[x for kv in args.items() for x in kv],
    ]
    result = invoke(ws, *argv)
    assert result.exit_code == 1
    assert reason in result.stderr
    assert not (ws / "logs" / "group-1.csv").exists()


def test_every_forbidden_character_is_found_past_the_printable_fast_path():
    """check_text skips the search for printable text: that is only right if every character the
    rule forbids is unprintable, and every other character is left alone."""
    from anfang.textsafe import _FORBIDDEN, text_problem

    pattern = re.compile(_FORBIDDEN)
    forbidden = [c for c in map(chr, range(0x110000)) if pattern.fullmatch(c)]
    assert len(forbidden) == 29 + 33 + 2 + 2048  # C0 but tab/LF/CR, DEL and C1, U+FFFE/FFFF, surrogates
    for c in forbidden:
        assert text_problem(f"正常{c}文字") == f"含有无法保存的控制字符（U+{ord(c):04X}）"
    for text in ("制度\t未落实\n第二行", "零宽\u200b空格", "私用区\ue000", "表情😀", "全角　空格"):
        assert text_problem(text) == ""
