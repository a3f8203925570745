"""Records you can count on: imports all-or-nothing and exactly once, strict parsing, nothing
dropped in silence, no output over a record. Each test tries to break one guarantee."""

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from anfang.cli import cli
from anfang.dates import today
from anfang.model import Record
from anfang.store import append_batch, journal_path, read_logs
from anfang.workspace import init_workspace
from tests.conftest import tree_digest

HEADER = (
    "组别,日期,镇（街道）,行业领域,企业（场所）名称,问题隐患内容,是否为重大,交办情况,整改期限,整改完成日期\n"
)


LOG1 = ["log", "-g", "1", "--date", "3-27", "--town", "t", "--sector", "消防"]


def invoke(ws: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args])


def report(ws: Path, day: str = "3-27") -> dict:
    result = invoke(ws, "report", "--date", day, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def table(tmp_path: Path, rows: list[str], name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


# Three groups' files, findings with later events (a handover, a deadline moved, a rectification)
MANY = [
    f"{g},2020-03-27,镇{g},消防,场所{g}-{i},问题{g}-{i},否,部门{g},2020-04-0{1 + i % 5},{'2020-03-29' if i % 2 else ''}"
    for g in (1, 3, 5)
    for i in range(40)
]


@pytest.fixture
def many(tmp_path) -> Path:
    return table(tmp_path, MANY)


@pytest.fixture
def reference(tmp_path, many) -> dict:
    """What the import of MANY gives when nothing goes wrong."""
    ws = init_workspace(tmp_path / "reference").root
    assert invoke(ws, "import", str(many)).exit_code == 0
    return {day: report(ws, day) for day in ("3-27", "3-29")}


# -- one import is one transaction ------------------------------------------------------

KILLER = """
import os, signal, sys
import anfang.store as store
limit = int(sys.argv[3])
written = [0]
real = store._write_all
def write(fd, data):
    if limit >= 0 and written[0] + len(data) > limit:
        real(fd, data[: max(0, limit - written[0])])
        os.kill(os.getpid(), signal.SIGKILL)
    written[0] += len(data)
    real(fd, data)
store._write_all = write
if limit < 0:  # die after every append, before the journal goes
    real_exit = store.LogTransaction.__exit__
    def die(self, *a):
        os.kill(os.getpid(), signal.SIGKILL)
    store.LogTransaction.__exit__ = die
from anfang.cli import main
sys.argv = ["anfang", "--workspace", sys.argv[1], "import", sys.argv[2]]
main()
"""


def test_an_import_killed_anywhere_leaves_all_or_nothing(tmp_path, many, reference):
    ws = init_workspace(tmp_path / "ws").root
    total = sum(len(line.encode()) for line in MANY) * 3  # about: records are longer than rows
    for limit in (0, 1, 500, 5000, total // 3, total // 2, total, -1):
        proc = subprocess.run(
            [sys.executable, "-c", KILLER, str(ws), str(many), str(limit)], capture_output=True
        )
        assert proc.returncode in (-9, 0), proc.stderr
        # whoever reads now sees the logs as before the import (nothing) or the whole import
        state = report(ws)
        assert state["total"]["to_date"]["hazards"] in (0, 120), (limit, state["total"])
        if state["total"]["to_date"]["hazards"] == 120:
            assert report(ws, "3-29") == reference["3-29"]
        # the next import completes it, exactly once, with every event
        again = invoke(ws, "import", str(many))
        assert again.exit_code == 0, again.output
        assert report(ws) == reference["3-27"] and report(ws, "3-29") == reference["3-29"]
        assert not journal_path(ws / "logs").exists()
        assert invoke(ws, "check", "--date", "3-27").exit_code == 0
        shutil.rmtree(ws / "logs")
        (ws / "logs").mkdir()


def test_a_full_disk_mid_import_writes_nothing(tmp_path, many, monkeypatch):
    import errno

    import anfang.store as store

    ws = init_workspace(tmp_path / "ws").root
    invoke(
        ws, "log", "-g", "5", "--date", "3-26", "--town", "武原街道", "--sector", "消防", "--site", "早先的厂"
    )
    before = tree_digest(ws / "logs")
    real, calls = store._write_all, []

    def full(fd, data):
        calls.append(len(data))
        if len(calls) == 3:  # the third file
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, data)

    monkeypatch.setattr(store, "_write_all", full)
    result = invoke(ws, "import", str(many))
    assert result.exit_code == 1
    assert "磁盘已满" in result.stderr
    assert tree_digest(ws / "logs") == before
    assert not journal_path(ws / "logs").exists()


def test_a_reader_during_a_dead_import_sees_nothing_of_it(tmp_path, many):
    ws = init_workspace(tmp_path / "ws").root
    proc = subprocess.run([sys.executable, "-c", KILLER, str(ws), str(many), "-1"], capture_output=True)
    assert proc.returncode == -9
    assert journal_path(ws / "logs").exists()  # left behind
    assert sum(p.stat().st_size for p in (ws / "logs").glob("*.csv")) > 0  # the bytes are there ...
    assert read_logs(ws / "logs").records == []  # ... but are not records
    assert report(ws)["total"]["to_date"]["hazards"] == 0
    assert json.loads(invoke(ws, "list", "--format", "json").stdout) == []
    # a liaison logging now rolls the dead import back first, then appends
    made = invoke(ws, *LOG1, "--site", "新厂")
    assert made.exit_code == 0 and made.stdout.startswith("已记录 G1-20200327-001 ")
    assert not journal_path(ws / "logs").exists()
    assert [r.site for r in read_logs(ws / "logs").records] == ["新厂"]


# -- exactly once ------------------------------------------------------------------------

IMPORT = """
import sys
from anfang.cli import main
sys.argv = ["anfang", "--workspace", sys.argv[1], "import", sys.argv[2]]
main()
"""


def test_two_imports_of_one_file_at_once_import_it_once(tmp_path, many, reference):
    ws = init_workspace(tmp_path / "ws").root
    procs = [subprocess.Popen([sys.executable, "-c", IMPORT, str(ws), str(many)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]  # fmt: skip
    outputs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    added = sorted(int(out.split()[1]) for out, _ in outputs)
    assert added == [0, 0, 120]
    assert report(ws) == reference["3-27"] and report(ws, "3-29") == reference["3-29"]


RECTIFY = """
import sys
from anfang.cli import main
sys.argv = ["anfang", "--workspace", sys.argv[1], "rectify", sys.argv[2], "--date", "3-28"]
main()
"""


def test_two_follow_ups_of_one_finding_at_once_write_one(tmp_path):
    ws = init_workspace(tmp_path / "ws").root
    made = invoke(ws, "log", "-g", "2", "--date", "3-27", "--town", "t", "--sector", "消防", "--site", "厂",
                  "--hazard", "通道堵塞")  # fmt: skip
    finding = made.stdout.split()[1]
    for _ in range(3):
        procs = [subprocess.Popen([sys.executable, "-c", RECTIFY, str(ws), finding], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]  # fmt: skip
        [p.communicate() for p in procs]
        rectifies = [r for r in read_logs(ws / "logs").records if r.kind == "rectify"]
        assert len(rectifies) == 1
        assert sorted(p.returncode for p in procs) in ([0, 1, 1, 1], [1, 1, 1, 1])


def test_a_known_id_with_other_content_is_refused(tmp_path, ws):
    invoke(ws, "log", "-g", "1", "--date", "3-27", "--town", "新兴街道", "--sector", "消防", "--site", "甲厂",
           "--hazard", "灭火器过期")  # fmt: skip
    exported = tmp_path / "out.csv"
    assert invoke(ws, "export", "--output", str(exported)).exit_code == 0
    text = exported.read_text(encoding="utf-8-sig")
    exported.write_text(text.replace("灭火器过期", "灭火器缺失"), encoding="utf-8-sig")
    before = tree_digest(ws / "logs")
    result = invoke(ws, "import", str(exported))
    assert result.exit_code == 1
    assert "第 2 行：编号 G1-20200327-001 已有记录，但内容不同（问题隐患内容）" in result.stderr
    assert tree_digest(ws / "logs") == before


def test_an_id_repeated_in_one_file_is_refused(tmp_path, ws):
    src = init_workspace(tmp_path / "src").root
    invoke(
        src, "log", "-g", "1", "--date", "3-27", "--town", "新兴街道", "--sector", "消防", "--site", "甲厂"
    )
    exported = tmp_path / "out.csv"
    invoke(src, "export", "--output", str(exported))
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    exported.write_text("\n".join([*lines, lines[1].replace("甲厂", "乙厂")]) + "\n", encoding="utf-8-sig")
    result = invoke(ws, "import", str(exported))
    assert result.exit_code == 1
    assert "第 3 行：编号 G1-20200327-001 与第 2 行重复" in result.stderr
    assert list((ws / "logs").glob("*.csv")) == []


@pytest.mark.parametrize("record_id", ["G5-20200327-B004", "G3-20200327-W1-002"])
def test_every_id_shape_anfang_writes_is_recognised(tmp_path, ws, record_id):
    fields = dict(kind="finding", ref="", group=int(record_id[1]), date=date(2020, 3, 27), county="海盐县",
                  town="武原街道", sector="消防", site="某厂", address="", hazard="问题", major=False,
                  evidence=False, photos=(), handover="", deadline=None, rectified=None, reason="", fields=(),
                  origin="", by="某人", recorded_at="2020-03-27T20:00:00+08:00")  # fmt: skip
    append_batch(ws / "logs" / "office.csv", lambda seq: [Record(id=record_id, **fields)])
    exported = tmp_path / "out.csv"
    invoke(ws, "export", "--output", str(exported))
    again = invoke(ws, "import", str(exported))
    assert again.exit_code == 0, again.output
    assert again.stdout == "已导入 0 条，跳过已导入过的 1 条\n"


# -- strict parsing ------------------------------------------------------------------------


def test_an_unterminated_quote_is_refused_with_its_row(tmp_path, ws):
    path = table(tmp_path, ['1,3-27,镇,消防,甲厂,"没有收尾的引号,否,,,', "1,3-27,镇,消防,乙厂,,,,,"])
    result = invoke(ws, "import", str(path))
    assert result.exit_code == 1
    assert "in.csv 第 2 行引号不配对" in result.stderr
    assert list((ws / "logs").glob("*.csv")) == []


def test_an_overlong_csv_field_is_a_clear_error(tmp_path, ws):
    path = table(tmp_path, [f"1,3-27,镇,消防,甲厂,{'长' * 40000},否,,,"])
    result = invoke(ws, "import", str(path))
    assert result.exit_code == 1
    assert "过长" in result.stderr and "Traceback" not in result.output


def workbook(tmp_path: Path, rows: list[list], name: str = "in.xlsx") -> tuple[Path, openpyxl.Workbook]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    for row in rows:
        ws.append(row)
    return tmp_path / name, wb


def test_a_formula_without_a_saved_value_is_refused(tmp_path, ws):
    path, wb = workbook(tmp_path, [[1, "2020-03-27", "镇", "消防", "甲厂", '=CONCAT("通道","堵塞")', "否"]])
    wb.save(path)  # openpyxl saves formulas without a cached value
    result = invoke(ws, "import", str(path))
    assert result.exit_code == 1
    assert "有 1 个公式单元格没有保存计算结果（F2）" in result.stderr


def test_a_hidden_first_sheet_is_refused(tmp_path, ws):
    path, wb = workbook(tmp_path, [[1, "2020-03-27", "镇", "消防", "甲厂", "", "否"]])
    wb.active.sheet_state = "hidden"
    wb.create_sheet("可见的表")
    wb.active = 1
    wb.save(path)
    result = invoke(ws, "import", str(path))
    assert result.exit_code == 1
    assert "第一个工作表“Sheet”是隐藏的" in result.stderr


def test_merged_cells_in_data_rows_are_refused(tmp_path, ws):
    path, wb = workbook(tmp_path, [[1, "2020-03-27", "镇", "消防", "甲厂", "问题一", "否"],
                                   [None, "2020-03-27", "镇", "消防", "甲厂", "问题二", "否"]])  # fmt: skip
    wb.active.merge_cells("A2:A3")
    wb.save(path)
    result = invoke(ws, "import", str(path))
    assert result.exit_code == 1
    assert "数据行中有合并单元格（A2:A3）" in result.stderr


def test_a_stray_far_cell_and_a_million_empty_rows_cost_nothing(tmp_path, ws):
    path, wb = workbook(tmp_path, [[1, "2020-03-27", "镇", "消防", "甲厂", "", "否"]])
    wb.active["XFD1048576"] = "远处的一个格子"
    wb.save(path)
    started = time.monotonic()
    result = invoke(ws, "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "已导入 1 条（第一组 1 条）\n"
    assert time.monotonic() - started < 20  # streamed at the header's width, not 16,384 columns


# -- placeholder words -----------------------------------------------------------------------


@pytest.mark.parametrize("word", ["未交办", "无", "—", "/", "否", "-", "暂未交办"])
def test_placeholder_words_are_no_handover(tmp_path, ws, word):
    path = table(tmp_path, [f"1,3-27,镇,消防,甲厂,通道堵塞,否,{word},,", "1,3-27,镇,消防,乙厂,无,,,,"])
    result = invoke(ws, "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "已导入 2 条（第一组 2 条）\n"  # no 交办部门 line: none was named
    day = report(ws)["groups"][0]["day"]
    assert (day["sites"], day["hazards"], day["handed_over"]) == (2, 1, 0)


def test_the_reports_own_wording_imports_back(tmp_path, ws):
    path = table(tmp_path, ["1,3-27,镇,消防,甲厂,通道堵塞,否,已交办南湖区消防救援大队，已当场整改,,",
                            "1,3-27,镇,消防,乙厂,线路老化,否,已交办南湖区应急管理局，已于3月29日整改,,"])  # fmt: skip
    result = invoke(ws, "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "交办部门（2 个）：南湖区应急管理局、南湖区消防救援大队"
    assert report(ws)["groups"][0]["day"]["rectified"] == 1
    assert report(ws, "3-29")["groups"][0]["to_date"]["rectified"] == 2


# -- --output ---------------------------------------------------------------------------------


def test_output_to_a_device_writes_to_it_and_keeps_it(tmp_path, ws):
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null")
    result = invoke(ws, "report", "--date", "3-27", "--output", "/dev/null")
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_to_a_fifo_is_written_directly(tmp_path, ws):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    result = invoke(ws, "report", "--date", "3-27", "--format", "json", "--output", str(fifo))
    out = reader.communicate(timeout=30)[0]
    assert result.exit_code == 0
    assert json.loads(out)["date"] == "2020-03-27"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_through_a_symlink_replaces_its_target(tmp_path, ws):
    target = tmp_path / "real.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert invoke(ws, "report", "--format", "json", "--output", str(link)).exit_code == 0
    assert link.is_symlink() and json.loads(target.read_text(encoding="utf-8"))["groups"]


def test_output_never_lands_on_a_log(tmp_path, ws):
    invoke(ws, *LOG1, "--site", "厂")
    before = tree_digest(ws / "logs")
    refused = invoke(ws, "export", "--output", str(ws / "logs" / "group-1.csv"))
    assert refused.exit_code == 1 and "不能把输出写到记录目录" in refused.stderr
    copy = tmp_path / "backup.csv"
    shutil.copyfile(ws / "logs" / "group-1.csv", copy)
    over = invoke(ws, "report", "--output", str(copy))
    assert over.exit_code == 1 and "是 anfang 的记录文件，不能用输出覆盖它" in over.stderr
    assert tree_digest(ws / "logs") == before
    assert copy.read_bytes() == (ws / "logs" / "group-1.csv").read_bytes()


def test_output_creates_only_the_last_missing_folder(tmp_path, ws):
    assert invoke(ws, "report", "--output", str(tmp_path / "new") + "/").exit_code == 0
    assert [p.name for p in (tmp_path / "new").iterdir()] == [f"暗访检查日报表-{today().isoformat()}.md"]
    typo = invoke(ws, "report", "--output", str(tmp_path / "no" / "such" / "r.md"))
    assert typo.exit_code == 1 and "不存在（请检查路径）" in typo.stderr
    assert not (tmp_path / "no").exists()


# -- nothing dropped in silence ---------------------------------------------------------------


def damage(ws: Path) -> None:
    for site in ("甲厂", "乙厂"):
        invoke(ws, *LOG1, "--site", site, "--hazard", "问题")
    log = ws / "logs" / "group-1.csv"
    log.write_bytes(log.read_bytes().replace("乙厂".encode(), "丙厂".encode()))  # edited by hand


@pytest.mark.parametrize("command", [["report"], ["summary"], ["overdue"], ["list"], ["export"], ["notice"]])
def test_every_reader_warns_when_lines_are_left_out(ws, command):
    damage(ws)
    result = invoke(ws, *command)
    assert result.exit_code == 0, result.output
    assert (
        result.stderr.count(
            "警告：记录文件中有 1 处未能读取（logs/group-1.csv），这些行未计入；运行 anfang check 查看"
        )
        == 1
    )


@pytest.mark.parametrize("command", ["report", "summary", "overdue"])
def test_strict_makes_a_dropped_line_an_error(tmp_path, ws, command):
    damage(ws)
    out = tmp_path / "out.json"
    args = [command, "--strict", "--format", "json"] + (
        ["--output", str(out)] if command != "overdue" else []
    )
    result = invoke(ws, *args)
    assert result.exit_code == 1
    assert "因为用了 --strict，本次未生成输出" in result.stderr
    assert not out.exists() and result.stdout == ""


def test_check_names_a_log_resaved_by_excel(ws):
    invoke(ws, *LOG1, "--site", "厂", "--hazard", "x")
    log = ws / "logs" / "group-1.csv"
    text = log.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    log.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    result = invoke(ws, "check", "--date", "3-27")
    assert result.exit_code == 1
    assert (
        "logs/group-1.csv: 这个记录文件可能被其他程序另存过：被另存为 GB18030 编码，换行符被改成了 CRLF（Windows 格式）"
        in result.stdout
    )
    assert "git checkout -- 该文件" in result.stdout
    refused = invoke(ws, *LOG1, "--site", "厂2")
    assert refused.exit_code == 1 and "表头不对" in refused.stderr


# -- text rules on every way in ----------------------------------------------------------------


def test_config_text_breaking_the_rules_is_refused_with_its_line(ws):
    groups = ws / "data" / "groups.yaml"
    text = groups.read_text(encoding="utf-8")
    groups.write_text(text.replace("region: 南湖区", 'region: "南湖区\\e[31m"', 1), encoding="utf-8")
    result = invoke(ws, "report")
    assert result.exit_code == 1
    line = next(i for i, t in enumerate(groups.read_text(encoding="utf-8").splitlines(), 1) if "\\e[31m" in t)
    assert f"data/groups.yaml:{line}: 第 1 组 region 含有无法保存的控制字符（U+001B）" in result.stderr


def crafted(ws: Path, **change) -> None:
    """A line with a valid CRC that anfang would never write."""
    fields = dict(id="G1-20200327-001", kind="finding", ref="", group=1, date=date(2020, 3, 27), county="南湖区",
                  town="新兴街道", sector="消防", site="某厂", address="", hazard="问题", major=False,
                  evidence=False, photos=(), handover="", deadline=None, rectified=None, reason="", fields=(),
                  origin="", by="某人", recorded_at="2020-03-27T20:00:00+08:00")  # fmt: skip
    fields.update(change)
    append_batch(ws / "logs" / "group-1.csv", lambda seq: [Record(**fields)])


@pytest.mark.parametrize("change", [{"id": "<img src=x onerror=alert(1)>"}, {"hazard": "隐患\x1b[2J"},
                                    {"site": "长" * 40000}, {"ref": "../../etc"}])  # fmt: skip
def test_a_crc_valid_line_that_breaks_the_rules_is_a_damaged_line(ws, change):
    crafted(ws, id="G1-20200327-001", site="好厂")
    crafted(ws, **{"id": "G1-20200327-002", **change})
    check = invoke(ws, "check", "--date", "3-27")
    assert check.exit_code == 1 and "logs/group-1.csv:3: 该行" in check.stdout
    md = invoke(ws, "report", "--date", "3-27")
    assert md.exit_code == 0 and "<img" not in md.stdout and "\x1b" not in md.stdout
    assert report(ws)["total"]["day"]["sites"] == 1  # only the good line; the column reader agrees
    assert invoke(ws, "report", "--date", "3-27", "--format", "xlsx").exit_code == 0


def test_a_department_that_looks_like_a_list_item_stays_text(tmp_path, ws):
    from markdown_it import MarkdownIt

    invoke(ws, *LOG1, "--site", "厂",
           "--hazard", "问题", "--handover", "- 1. 南湖区应急管理局")  # fmt: skip
    text = invoke(ws, "notice", "--date", "3-27").stdout
    html = MarkdownIt("commonmark").render(text)
    assert "<li>" not in html and "- 1. 南湖区应急管理局" in html


# -- days on site, dates, names --------------------------------------------------------------------


def test_days_on_site_count_only_days_within_the_campaign(ws):
    for day in ("2020-03-20", "3-26", "3-27"):  # the campaign starts on 3-26 (campaign.yaml)
        assert (
            invoke(
                ws, "log", "-g", "1", "--date", day, "--town", "t", "--sector", "消防", "--site", "厂"
            ).exit_code
            == 0
        )
    assert report(ws)["groups"][0]["to_date"]["days_on_site"] == 2
    summary = json.loads(invoke(ws, "summary", "--until", "3-27", "--format", "json").stdout)
    assert summary["groups"][0]["days_on_site"] == 2
    notices = json.loads(invoke(ws, "check", "--date", "3-27", "--json").stdout)["notices"]
    assert any(n["file"] == "第一组" and "暗访 2 天" in n["message"] for n in notices)


def test_month_day_dates_fall_within_a_new_year_campaign():
    from anfang.dates import parse_date

    span = (date(2020, 12, 20), date(2021, 1, 20))
    assert parse_date("12-28", span) == date(2020, 12, 28)
    assert parse_date("1月5日", span) == date(2021, 1, 5)
    assert parse_date("2-3", span) == date(2021, 2, 3)  # a deadline after the campaign


def test_a_renamed_sector_is_named_by_check(ws):
    invoke(
        ws,
        "log",
        "-g",
        "1",
        "--date",
        "3-27",
        "--town",
        "t",
        "--sector",
        "燃气",
        "--site",
        "饭店",
        "--hazard",
        "x",
    )
    sectors = ws / "data" / "sectors.yaml"
    sectors.write_text(
        sectors.read_text(encoding="utf-8").replace("name: 城镇燃气", "name: 燃气安全"), encoding="utf-8"
    )
    result = invoke(ws, "check", "--date", "3-27")
    assert result.exit_code == 1
    assert "G1-20200327-001 的行业领域“城镇燃气”不在 sectors.yaml 中" in result.stdout


def test_an_overlong_file_name_is_a_clear_error(tmp_path, ws):
    long_name = "很" * 100 + ".csv"  # 300 bytes
    result = invoke(ws, "import", str(tmp_path / long_name))
    assert result.exit_code == 1
    assert "文件名太长" in result.stderr and "Traceback" not in result.output
    out = invoke(ws, "report", "--output", str(tmp_path / long_name))
    assert out.exit_code == 1 and "文件名太长" in out.stderr


def test_a_large_unreadable_tail_does_not_confuse_the_next_id(ws):
    invoke(ws, *LOG1, "--site", "甲厂")
    with (ws / "logs" / "group-1.csv").open("ab") as handle:
        handle.write(
            b"\n" + b"x" * (9 << 20) + b"\n" + b"y" * 100 + b"\n" + b"z" * (5 << 20)
        )  # no CRC anywhere
    made = invoke(ws, *LOG1, "--site", "乙厂")
    assert made.exit_code == 0 and made.stdout.startswith("已记录 G1-20200327-002 ")
    assert [r.site for r in read_logs(ws / "logs").records] == ["甲厂", "乙厂"]


def test_import_lists_every_error_of_a_row(tmp_path, ws):
    path = table(tmp_path, ["1,3-27,,餐饮,,问题,也许,,4月31日,"])
    result = invoke(ws, "import", str(path))
    assert result.exit_code == 1
    lines = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert lines == [
        "第 2 行：整改期限“4月31日”不是真实存在的日期",
        "第 2 行：是否为重大应填“是”或“否”，实际是“也许”",
        "第 2 行：行业领域“餐饮”无法识别：请写序号 1–14，或名称、别名（道路交通、危险化学品、消防、建筑施工、城镇燃气、特种设备、工贸、森林防火、自然灾害防治、水上交通、农业机械、供电供水、寄递物流、其他）",
        "第 2 行：企业（场所）名称不能为空",
        "第 2 行：镇（街道）不能为空",
    ]
