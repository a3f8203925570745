"""Follow-up: rectify, handover, deadline, void, amend; overdue; the history of a finding."""

import json

import pytest

from tests.conftest import tree_digest

FIND = [
    "log",
    "--group",
    "1",
    "--date",
    "3-27",
    "--town",
    "新兴街道",
    "--sector",
    "消防",
    "--site",
    "锦程服饰",
]


@pytest.fixture
def finding(run) -> str:
    """G1-20200327-001: a finding with deadline 3-30; G1-20200327-002: a visit with nothing found."""
    assert run(*FIND, "--hazard", "安全出口锁闭", "--deadline", "3-30").exit_code == 0
    assert run(*FIND[:-1], "超市").exit_code == 0
    return "G1-20200327-001"


def state(run, record_id: str, as_of: str) -> dict:
    rows = json.loads(run("list", "--format", "json", "--as-of", as_of).stdout)
    return next(r for r in rows if r["id"] == record_id)


def test_rectify_counts_from_its_date(run, finding):
    result = run("rectify", finding, "--date", "3-29")
    assert (result.exit_code, result.stdout) == (0, f"已记录：{finding} 于 2020-03-29 完成整改，待复查\n")
    assert state(run, finding, "3-28")["rectified"] is False
    assert state(run, finding, "3-29")["rectified_date"] == "2020-03-29"


def test_handover_sets_department_and_deadline_from_its_date(run, finding):
    assert (
        run(
            "handover", finding, "--to", "南湖区消防救援大队", "--date", "3-28", "--deadline", "4-5"
        ).exit_code
        == 0
    )
    assert (state(run, finding, "3-27")["handover"], state(run, finding, "3-27")["deadline"]) == (
        "",
        "2020-03-30",
    )
    assert (state(run, finding, "3-28")["handover"], state(run, finding, "3-28")["deadline"]) == (
        "南湖区消防救援大队",
        "2020-04-05",
    )


def test_deadline_move_and_overdue_boundary(run, finding):
    def hazards(day):
        return [o["id"] for o in json.loads(run("overdue", "--date", day, "--format", "json").stdout)]

    assert hazards("3-30") == []  # on the deadline day itself: not yet overdue
    assert hazards("3-31") == [finding]
    assert run("deadline", finding, "4-2", "--date", "3-31").exit_code == 0
    assert hazards("3-31") == []  # moved the same day
    assert hazards("4-3") == [finding]
    assert json.loads(run("overdue", "--date", "4-3", "--format", "json").stdout)[0]["days_overdue"] == 1
    run("rectify", finding, "--date", "4-3")
    assert hazards("4-3") == [] and hazards("4-2") == []


def test_void_removes_from_every_report_including_past(run, finding):
    report = lambda: json.loads(run("report", "--date", "3-27", "--group", "1", "--format", "json").stdout)  # noqa: E731
    assert report()["groups"][0]["day"]["hazards"] == 1
    assert run("void", finding, "--reason", "重复录入").stdout == f"已作废：{finding}\n"
    day = report()["groups"][0]["day"]
    assert (day["hazards"], day["sites"]) == (0, 1)  # 超市 still counts as a site
    assert "状态：已作废" in run("show", finding).stdout


def test_amend_applies_to_past_reports(run, finding):
    assert (
        run("amend", finding, "--sector", "燃气", "--major", "--hazard", "瓶装液化气无证经营").exit_code == 0
    )
    data = json.loads(run("report", "--date", "3-27", "--group", "1", "--format", "json").stdout)
    f = data["groups"][0]["findings"][0]
    assert (f["sector"], f["major"], f["hazard"]) == ("城镇燃气", True, "瓶装液化气无证经营")
    assert data["groups"][0]["day"]["major"] == 1


def test_history_in_order(run, finding):
    run("handover", finding, "--to", "南湖区消防救援大队", "--date", "3-28", "--by", "王五")
    run("rectify", finding, "--date", "3-29")
    run("deadline", finding, "4-1", "--date", "3-28")
    run("amend", finding, "--address", "由拳路1号")
    out = run("show", finding).stdout
    history = out.split("历史：\n")[1].splitlines()
    assert [line.split("  （")[0].strip() for line in history] == [
        "2020-03-27  发现问题隐患",
        "2020-03-28  交办 南湖区消防救援大队",
        "2020-03-28  整改期限调整为 2020-04-01",
        "2020-03-29  已完成整改",
        f"{history[4].split()[0]}  更正：地址：（空） → 由拳路1号",
    ]
    assert "王五，记录于" in history[1]
    assert "状态：已整改（3月29日）" in out and "地址：由拳路1号" in out
    # a change's id shows the finding it belongs to
    change_id = "G1-20200328-003"
    assert run("show", change_id).stdout == out


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["rectify", "G1-20200327-999"], 1, "没有编号为 G1-20200327-999 的记录"),
        (
            ["rectify", "G1-20200327-001", "--date", "3-26"],
            1,
            "整改日期 2020-03-26 早于发现该问题的日期 2020-03-27",
        ),
        (["rectify", "G1-20200327-001", "--date", "2099-1-1"], 1, "整改日期 2099-01-01 晚于今天"),
        (["rectify", "G1-20200327-002"], 1, "G1-20200327-002 是未发现问题的检查记录，没有可整改的问题隐患"),
        (["handover", "G1-20200327-001", "--to", " "], 2, "交办部门（--to）不能为空"),
        (["handover", "G1-20200327-001"], 2, "缺少选项 '--to'"),
        (
            ["handover", "G1-20200327-001", "--to", "x", "--date", "3-28", "--deadline", "3-27"],
            1,
            "整改期限 2020-03-27 早于交办日期 2020-03-28",
        ),
        (["deadline", "G1-20200327-001", "3-20"], 1, "整改期限 2020-03-20 早于发现该问题的日期 2020-03-27"),
        (["void", "G1-20200327-001"], 2, "缺少选项 '--reason'"),
        (["amend", "G1-20200327-001"], 2, "请至少给出一项要更正的内容"),
        (["amend", "G1-20200327-001", "--sector", "餐饮"], 2, "行业领域“餐饮”无法识别：请写序号 1–14"),
        (["amend", "G1-20200327-001", "--site", ""], 2, "企业（场所）名称不能更正为空"),
        (["amend", "G1-20200327-002", "--hazard", "x"], 1, "是未发现问题的检查记录，不能更正问题隐患内容"),
    ],
)
def test_refusals_write_nothing(run, ws, finding, args, code, message):
    before = tree_digest(ws)
    result = run(*args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert tree_digest(ws) == before


def test_voided_refuses_further_changes_and_second_void(run, ws, finding):
    run("void", finding, "--reason", "误录")
    before = tree_digest(ws)
    for args, message in [
        (["void", finding, "--reason", "again"], "已经作废过了"),
        (["amend", finding, "--site", "x"], "已作废，不能再更正"),
        (["rectify", finding], "已作废，不能再整改"),
        (["handover", finding, "--to", "x"], "已作废，不能再交办"),
    ]:
        result = run(*args)
        assert result.exit_code == 1 and message in result.stderr
    assert tree_digest(ws) == before


def test_rectify_twice_is_refused(run, finding):
    run("rectify", finding, "--date", "3-28")
    result = run("rectify", finding, "--date", "3-29")
    assert (result.exit_code, result.stderr) == (
        1,
        f"错误：{finding} 已于 2020-03-28 完成整改，无需重复记录\n",
    )


def test_overdue_table_and_markdown(run, finding):
    run("handover", finding, "--to", "南湖区消防救援大队", "--date", "3-27")
    table = run("overdue", "--date", "4-1").stdout.splitlines()
    assert table[0].split() == [
        "编号",
        "组别",
        "发现日期",
        "企业（场所）",
        "问题隐患",
        "交办部门",
        "整改期限",
        "逾期天数",
    ]
    assert table[2].split() == [
        finding,
        "第一组",
        "2020-03-27",
        "锦程服饰",
        "安全出口锁闭",
        "南湖区消防救援大队",
        "2020-03-30",
        "2",
    ]
    md = run("overdue", "--date", "4-1", "--format", "md").stdout
    assert md.startswith("# 逾期未整改问题隐患（截至2020-04-01）\n\n| 编号 |")
    assert run("overdue", "--date", "3-30").stdout == "截至 2020-03-30 没有逾期未整改的问题隐患。\n"
    # the report's overdue list is the same
    report = json.loads(run("report", "--date", "4-1", "--format", "json").stdout)
    assert report["overdue"] == json.loads(run("overdue", "--date", "4-1", "--format", "json").stdout)


def test_amending_the_site_of_one_finding_names_the_others_at_that_site(run):
    for hazard in ("疏散通道堵塞", "灭火器过期", "线路老化"):
        assert run(*FIND[:-1], "锦程服饰有限公司", "--hazard", hazard).exit_code == 0

    def sites() -> int:
        return json.loads(run("report", "--date", "3-27", "--format", "json").stdout)["groups"][0]["day"][
            "sites"
        ]

    assert sites() == 1
    alone = run("amend", "G1-20200327-001", "--site", "锦程服饰（嘉兴）有限公司")
    assert alone.exit_code == 0
    assert (
        alone.stdout
        == "已更正：G1-20200327-001  企业（场所）名称：锦程服饰有限公司 → 锦程服饰（嘉兴）有限公司\n"
    )
    assert "同一天该场所还有 2 条记录（G1-20200327-002、G1-20200327-003）仍是原来的内容" in alone.stderr
    assert sites() == 2  # what the note warns about
    together = run("amend", "G1-20200327-002", "--site", "锦程服饰（嘉兴）有限公司", "--same-site")
    assert together.stdout.splitlines()[-1] == "已一起更正同一天该场所的 1 条记录：G1-20200327-003"
    assert sites() == 1
    history = run("show", "G1-20200327-003").stdout
    assert "更正：企业（场所）名称：锦程服饰有限公司 → 锦程服饰（嘉兴）有限公司" in history


def test_list_shows_visits_and_fits_the_terminal(run, finding):
    from anfang.listing import LIST_FLEXIBLE, LIST_HEADERS
    from anfang.render.text import display_width, text_table

    result = run("list", "--date", "3-27")
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[2:]] == ["G1-20200327-001", "G1-20200327-002"]
    assert "（未发现问题）" in lines[3] and lines[3].rstrip().endswith("未发现问题")
    assert result.stderr == "共 2 条（问题隐患 1 条，未发现问题的场所 1 个）\n"
    # at 120 columns the long texts are cut with …, every line fits
    rows = [["G1-20200327-001", "第一组", "2020-03-27", "消防", "嘉兴市某某某某服饰有限公司第二分厂", "一楼疏散通道堆放纺织原料，堵塞安全出口，" * 3,
             "否", "南湖区消防救援大队新兴中队", "2020-03-30", "整改中"]]  # fmt: skip
    table = text_table(LIST_HEADERS, rows, 120, LIST_FLEXIBLE)
    assert max(display_width(line) for line in table.splitlines()) <= 120
    assert "…" in table and table.splitlines()[2].startswith("G1-20200327-001  第一组  2020-03-27  消防")
