"""`anfang log`: records what the liaison saw, refuses nonsense with nothing written."""

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from anfang.store import read_logs
from tests.conftest import tree_digest

VISIT = [
    "log",
    "--group",
    "1",
    "--date",
    "2020-03-27",
    "--town",
    "新兴街道",
    "--sector",
    "消防",
    "--site",
    "嘉兴某服装厂",
]


def records(ws: Path):
    return read_logs(ws / "logs").records


def test_visit_without_hazard(run, ws):
    result = run(*VISIT, "--address", "东栅路1号")
    assert result.exit_code == 0
    assert result.stdout == "已记录 G1-20200327-001  第一组 3月27日 嘉兴某服装厂  未发现问题\n"
    [r] = records(ws)
    assert (r.kind, r.county, r.town, r.sector, r.site, r.address, r.hazard, r.by) == (
        "visit", "南湖区", "新兴街道", "消防", "嘉兴某服装厂", "东栅路1号", "", "程显洪",
    )  # fmt: skip


def test_finding_with_everything(run, ws, tmp_path):
    photo = tmp_path / "p.JPG"
    photo.write_bytes(b"jpeg-bytes")
    result = run(*VISIT, "--hazard", "安全出口锁闭", "--major", "--photo", str(photo),
                 "--handover", "南湖区消防救援大队", "--deadline", "4月3日", "--by", "张三", "--county", "秀洲区")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == "已记录 G1-20200327-001  第一组 3月27日 嘉兴某服装厂  问题隐患：安全出口锁闭\n"
    assert result.stderr == "【重大隐患】请立即向市安委办报告（陈达宇，钉钉 15868389858）。\n"
    [r] = records(ws)
    assert (r.kind, r.major, r.evidence, r.handover, str(r.deadline), r.by, r.county) == (
        "finding", True, True, "南湖区消防救援大队", "2020-04-03", "张三", "秀洲区",
    )  # fmt: skip
    [entry] = r.photos
    stored, original = entry.split("/")
    assert stored.endswith(".jpg") and (ws / "evidence" / stored).read_bytes() == b"jpeg-bytes"
    assert original == "p.JPG"  # the record keeps the photo's own name
    shown = run("show", r.id).stdout
    assert f"照片：\n  evidence/{stored}（原文件名 p.JPG）\n" in shown
    # the same photo again is kept once
    run(*VISIT, "--hazard", "另一处", "--photo", str(photo))
    assert len(list((ws / "evidence").iterdir())) == 1


def test_same_site_again_adds_a_finding_and_ids_increase(run, ws):
    run(*VISIT, "--hazard", "一")
    out = run(*VISIT, "--hazard", "二", "--rectified").stdout
    assert out.startswith("已记录 G1-20200327-002 ")
    rs = records(ws)
    assert [r.hazard for r in rs] == ["一", "二"]
    assert str(rs[1].rectified) == "2020-03-27"


def test_group_by_name_and_sector_alias(run, ws):
    assert (
        run(
            "log",
            "--group",
            "第九组",
            "--date",
            "3-28",
            "--town",
            "乍浦镇",
            "--sector",
            "危化品",
            "--site",
            "某化工",
        ).exit_code
        == 0
    )
    [r] = records(ws)
    assert (r.id, r.group, r.county, r.sector) == ("G9-20200328-001", 9, "嘉兴港区", "危险化学品")


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--group", "10"], 2, "组别“10”无效：应为 1 到 9，或写成“第一组”这样的组名"),
        (["--sector", "餐饮"], 2, "行业领域“餐饮”无法识别：请写序号 1–14"),
        (["--date", "2020-02-30"], 2, "暗访日期“2020-02-30”不是真实存在的日期"),
        (["--date", "2099-01-01"], 1, "暗访日期 2099-01-01 晚于今天"),
        (["--site", "  "], 2, "企业（场所）名称不能为空"),
        (["--hazard", "x", "--deadline", "3-26"], 1, "整改期限 2020-03-26 早于暗访日期 2020-03-27"),
        (["--major"], 2, "没有问题隐患内容，却填了是否为重大（--major）"),
        (["--hazard", "含\x1b[31m颜色"], 1, "问题隐患内容含有无法保存的控制字符（U+001B）"),
        (["--hazard", "x" * 32768], 1, "问题隐患内容过长（32768 字），Excel 单元格最多 32767 字"),
        (["--site", "两行\n名称"], 1, "企业（场所）名称不能换行"),
        (
            ["--hazard", "x", "--photo", "/nonexistent.jpg"],
            1,
            "照片文件 /nonexistent.jpg 不存在或不是文件",
        ),
        (["--deadline", "x"], 2, "整改期限“x”无法识别"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(run, ws, args, code, message):
    run(*VISIT)  # an existing record: the file must stay byte-for-byte the same
    before = tree_digest(ws)
    options = dict(zip(VISIT[1::2], VISIT[2::2], strict=True))
    extra = []
    for i, arg in enumerate(args):
        if arg in options and i + 1 < len(args) and args[i + 1] is not None:
            options[arg] = args[i + 1]
        elif i == 0 or args[i - 1] not in options:
            extra.append(arg)
    argv = ["log", *[x for k, v in options.items() for x in (k, v)], *extra]
    result = run(*argv)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert tree_digest(ws) == before


def test_missing_options_without_a_terminal_are_listed(run, ws):
    result = run("log", "--group", "1", "--town", "x")
    assert result.exit_code == 2
    assert result.stderr == "错误：缺少必填选项：--date、--sector、--site（在终端中运行时会逐项提问）\n"
    assert not (ws / "logs" / "group-1.csv").exists()


def test_date_outside_campaign_warns_but_records(run, ws):
    result = run(
        "log",
        "--group",
        "1",
        "--date",
        "2020-05-01",
        "--town",
        "t",
        "--sector",
        "消防",
        "--site",
        "s",
    )
    assert result.exit_code == 0
    assert (
        result.stderr
        == "注意：暗访日期 2020-05-01 不在攻坚行动期间（2020-03-25 至 2020-04-15），已照常记录\n"
    )
    assert len(records(ws)) == 1


def _log_many(args):
    ws, worker, count = args
    from click.testing import CliRunner

    from anfang.cli import cli

    for i in range(count):
        result = CliRunner().invoke(cli, ["--workspace", ws, *VISIT, "--hazard", f"w{worker}-{i}"])
        assert result.exit_code == 0, result.output


def test_concurrent_writers_lose_nothing_and_get_unique_ids(ws):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_log_many, [(str(ws), w, 25) for w in range(4)])
    rs = records(ws)
    assert sorted(r.hazard for r in rs) == sorted(f"w{w}-{i}" for w in range(4) for i in range(25))
    assert len({r.id for r in rs}) == 100
    assert sorted(int(r.id.rsplit("-", 1)[1]) for r in rs) == list(range(1, 101))


def test_list_filters_and_json(run, ws):
    run(*VISIT, "--hazard", "甲", "--major", "--deadline", "3-30")
    run(*VISIT, "--hazard", "乙", "--rectified")
    run(
        "log",
        "--group",
        "2",
        "--date",
        "3-28",
        "--town",
        "王江泾镇",
        "--sector",
        "燃气",
        "--site",
        "饭店",
        "--hazard",
        "丙",
    )
    run(*VISIT)  # a visit with nothing found is not a finding
    data = json.loads(run("list", "--format", "json").stdout)
    assert [f["hazard"] for f in data] == ["甲", "乙", "丙"]
    assert set(data[0]) == {"id", "sector", "site", "address", "hazard", "major", "evidence", "handover",
                            "deadline", "rectified", "group", "date", "county", "town", "rectified_date"}  # fmt: skip
    assert data[2]["group"] == 2 and data[2]["county"] == "秀洲区" and data[2]["date"] == "2020-03-28"

    def hazards(*a):
        return [f["hazard"] for f in json.loads(run("list", "--format", "json", *a).stdout)]

    assert hazards("--group", "2") == ["丙"]
    assert hazards("--major") == ["甲"]
    assert hazards("--open") == ["甲", "丙"]
    assert hazards("--overdue", "--as-of", "2020-03-31") == ["甲"]
    assert hazards("--overdue", "--as-of", "2020-03-30") == []
    assert hazards("--sector", "燃气") == ["丙"]
    assert hazards("--since", "3-28") == ["丙"]
    assert hazards("--date", "3-27", "--until", "3-27") == ["甲", "乙"]
    assert hazards("--as-of", "3-27") == ["甲", "乙"]


def test_list_csv_is_formula_safe(run):
    run(*VISIT, "--hazard", "=cmd|' /C calc'!A0")
    out = run("list", "--format", "csv").stdout
    assert out.splitlines()[1].split(",")[5] == "'=cmd|' /C calc'!A0"


LOADED = ("pandas", "pyarrow", "duckdb", "openpyxl", "jinja2", "yaml", "anfang.cli.office", "anfang.cli.setup",
          "anfang.cli.exchange", "anfang.cli.documents", "anfang.engine")  # fmt: skip


def loaded_by(ws, *args: str, watched: tuple[str, ...] = LOADED) -> tuple[int, list[str]]:
    """`anfang ARGS` in a fresh process: its exit status, and which of `watched` it imported."""
    import subprocess
    import sys

    code = (
        f"import sys; from anfang.cli import main; sys.argv=['anfang','--workspace',{str(ws)!r},*{list(args)!r}]\n"
        "try: main(); status = 0\nexcept SystemExit as exit: status = exit.code or 0\n"
        f"print(status, sorted(m for m in {watched!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    status, loaded = out.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(status), eval(loaded)


def loaded_by_log(ws) -> list[str]:
    status, loaded = loaded_by(ws, *VISIT)
    assert status == 0
    return loaded


def test_log_does_not_import_heavy_modules(ws):
    """No data library, no other command's module; PyYAML only when the configuration changed."""
    assert loaded_by_log(ws) == ["yaml"]  # the first run reads and validates the YAML files
    assert loaded_by_log(ws) == []  # then the validated configuration comes from .anfang/
    groups = ws / "data" / "groups.yaml"
    groups.write_text(groups.read_text(encoding="utf-8").replace("曹雪怡", "曹雪", 1), encoding="utf-8")
    assert loaded_by_log(ws) == ["yaml"]  # edited: read again


def test_log_makes_no_dataclass(ws):
    """Generating a dataclass's methods costs a millisecond or more per class at every start: the
    classes on log's path are NamedTuples or plain classes."""
    assert loaded_by(ws, *VISIT) == (0, ["yaml"])  # fills the configuration cache
    assert loaded_by(ws, *VISIT, watched=("dataclasses", "yaml", "anfang.yamlstrict")) == (0, [])


def test_one_finding_commands_import_no_data_library(ws, run):
    """show and the follow-up commands find one finding's lines by a byte scan and compute its
    state by the engine on numpy alone: no pandas, no pyarrow (whose conversions import pandas)."""
    assert run(*VISIT, "--hazard", "安全出口锁闭").exit_code == 0
    finding = records(ws)[-1].id
    engine = ["anfang.engine"]
    for args, modules in ((["show", finding], engine), (["handover", finding, "--to", "某局"], []),
                          (["rectify", finding, "--date", "2020-03-28"], engine),
                          (["verify", finding, "--date", "2020-03-29", "--pass"], engine), (["show", finding], engine)):  # fmt: skip
        assert loaded_by(ws, *args) == (0, modules), args
    state = run("show", finding).output
    assert "状态：已销号（3月29日复查通过）" in state and "交办：某局" in state, state


def test_the_configuration_cache_answers_only_for_the_same_bytes(ws, run):
    from anfang.config import config_sources
    from anfang.configcache import cache_path, flush_pending, read_cached
    from anfang.workspace import Workspace, bundled

    first = Workspace(ws).config
    assert not cache_path(ws).exists()  # written only once the command has succeeded
    flush_pending()
    sources = config_sources([ws / "data", bundled("data")])
    assert read_cached(ws, sources) == first
    campaign = ws / "data" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(text.replace("min_days_on_site: 8", "min_days_on_site: 9"), encoding="utf-8")
    assert read_cached(ws, sources) is None  # same size, other bytes: a miss
    assert Workspace(ws).config.campaign.min_days_on_site == 9
    cache_path(ws).write_text('{"stamp": 1, "config": {"$": "os.system"}}', encoding="utf-8")
    assert read_cached(ws, sources) is None  # never anything but the config's own classes
    campaign.write_text(text.replace("min_days_on_site: 8", "min_days_on_site: x"), encoding="utf-8")
    result = run("report", "--date", "3-27")
    assert result.exit_code == 1 and "min_days_on_site" in result.output
    assert read_cached(ws, sources) is None


def test_a_refused_command_writes_no_cache(ws, run):
    from tests.conftest import tree_digest

    before = tree_digest(ws)
    assert (
        run(
            "log", "--group", "1", "--date", "3-27", "--town", "镇", "--sector", "没有这个", "--site", "x"
        ).exit_code
        == 2
    )
    assert tree_digest(ws) == before


def test_prompts_in_a_terminal_ask_for_what_is_missing(run, ws, monkeypatch):
    monkeypatch.setattr("anfang.logcommand.interactive", lambda: True)
    answers = (
        "\n".join(
            [
                "3-27",
                "",
                "新兴街道",
                "九十",
                "3",
                "锦程服饰",
                "由拳路1号",
                "电动车违规充电",
                "否",
                "是",
                "是",
                "",
            ]
        )
        + "\n"
    )
    result = run("log", "--group", "1", input=answers)
    assert result.exit_code == 0, result.output
    assert "  行业领域“九十”无法识别：请写序号 1–14" in result.stderr  # asked again, not aborted
    assert (
        result.stdout.splitlines()[-1]
        == "已记录 G1-20200327-001  第一组 3月27日 锦程服饰  问题隐患：电动车违规充电"
    )
    [r] = records(ws)
    assert (r.county, r.town, r.sector, r.address, r.major, r.evidence, str(r.rectified)) == (
        "南湖区", "新兴街道", "消防", "由拳路1号", False, True, "2020-03-27",
    )  # fmt: skip
    # the next finding at the same site: town, sector, site come from the previous record
    again = run(
        "log",
        "--group",
        "1",
        "--date",
        "3-27",
        input="\n\n\n\n\n另一处问题\n是\n否\n否\n南湖区应急管理局\n4-3\n",
    )
    assert again.exit_code == 0, again.output
    second = records(ws)[1]
    assert (second.town, second.sector, second.site, second.address, second.major, str(second.deadline)) == (
        "新兴街道", "消防", "锦程服饰", "由拳路1号", True, "2020-04-03",
    )  # fmt: skip


def test_a_wrong_answer_is_asked_again_and_ctrl_c_cancels(run, ws, monkeypatch):
    monkeypatch.setattr("anfang.logcommand.interactive", lambda: True)
    answers = "2099-01-01\n3-27\n\n\n新兴街道\n3\n某厂\n\n\n"  # a future date first, Enter on a required town
    result = run("log", "--group", "1", input=answers)
    assert result.exit_code == 0, result.output
    assert "  暗访日期 2099-01-01 晚于今天" in result.stderr
    assert "  此项必填，请输入。" in result.stderr
    assert [(r.date.isoformat(), r.town, r.site) for r in records(ws)] == [("2020-03-27", "新兴街道", "某厂")]
    # the input ends (Ctrl-D) or Ctrl-C at a question: nothing recorded, exit 130
    cancelled = run("log", "--group", "1", input="3-27\n\n新兴街道\n")
    assert cancelled.exit_code == 130
    assert "已取消，什么也没有记录。" in cancelled.stderr
    assert len(records(ws)) == 1
