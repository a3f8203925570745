"""The office's documents: roster names, same-day rules, 交办单, campaign summary, coverage.
Figures hand-computed from the example campaign (see tests/test_report.py's docstring)."""

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from anfang.cli import cli
from anfang.workspace import init_workspace


@pytest.fixture
def demo(tmp_path) -> Path:
    return init_workspace(tmp_path / "demo", example=True).root


def invoke(ws: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args])


def test_summary_json_hand_computed(demo):
    data = json.loads(invoke(demo, "summary", "--until", "4-4", "--format", "json").stdout)
    assert data["until"] == "2020-04-04"
    g1 = data["groups"][0]
    assert g1 == {"group": 1, "region": "南湖区", "sites": 6, "hazards": 6, "major": 1, "rectified": 4,
                  "rectification_rate": 0.667, "handed_over": 4, "overdue": 2, "days_on_site": 2, "days_required": 8,
                  "verified": 0, "awaiting_verification": 4}  # fmt: skip
    g2 = data["groups"][1]
    assert (g2["sites"], g2["hazards"], g2["rectified"], g2["rectification_rate"], g2["overdue"]) == (
        2,
        3,
        0,
        0.0,
        1,
    )
    assert data["groups"][3]["rectification_rate"] is None  # 第四组 found nothing
    assert data["total"] == {
        "sites": 14,
        "hazards": 14,
        "major": 2,
        "rectified": 6,
        "handed_over": 10,
        "overdue": 3,
        "verified": 0,
        "awaiting_verification": 6,
    }
    sectors = {s["sector"]: s for s in data["sectors"]}
    assert sectors["消防"] == {"sector": "消防", "sites": 4, "hazards": 3, "major": 0, "rectified": 2, "verified": 0,
                              "awaiting_verification": 2}  # fmt: skip
    assert sectors["寄递物流"]["hazards"] == 1 and sectors["特种设备"]["hazards"] == 1  # the amendment counts
    assert list(data["coverage"]) == [str(n) for n in range(1, 10)]
    assert data["coverage"]["1"] == {
        "道路交通": 0,
        "危险化学品": 0,
        "消防": 3,
        "建筑施工": 1,
        "城镇燃气": 1,
        "特种设备": 0,
        "工贸": 1,
    }
    assert data["coverage"]["4"] == dict.fromkeys(
        ["道路交通", "危险化学品", "消防", "建筑施工", "城镇燃气", "特种设备", "工贸"], 0
    )


def test_summary_is_as_of_its_date(demo):
    early = json.loads(invoke(demo, "summary", "--until", "3-27", "--format", "json").stdout)
    assert early["total"] == {
        "sites": 12,
        "hazards": 12,
        "major": 2,
        "rectified": 3,
        "handed_over": 8,
        "overdue": 0,
        "verified": 0,
        "awaiting_verification": 3,
    }


def test_summary_markdown_sections(demo):
    out = invoke(demo, "summary", "--until", "4-4").stdout
    assert out.startswith("# 嘉兴市护航复工复产安全生产攻坚行动暗访检查工作汇总（截至4月4日）\n")
    assert (
        "共检查企业（场所）14个（次），发现问题或隐患14个，其中重大隐患2个，已完成整改6个（整改率42.9%）"
        in out
    )
    assert "| 第一组 | 南湖区 | 6 | 6 | 1 | 4 | 66.7% | 0 | 4 | 4 | 2 | 2（少于8天） |" in out
    assert "| 第一组 | 未检查 | 未检查 | 3 | 1 | 1 | 未检查 | 1 |" in out
    assert (
        "| G1-20200327-006 | 第一组 | 3月27日 | 南湖新城综合体项目工地 | 深基坑临边防护缺失，<br>基坑边堆载超限 | 南湖区住房和城乡建设局 | 3月30日 | 已整改（3月29日），待复查 |"
        in out
    )
    assert (
        "| G3-20200327-004 | 第三组 | 3月27日 | 嘉善县金鑫木业有限公司 | 除尘系统未设置泄爆装置，粉尘清扫不及时 | 嘉善县应急管理局 | 4月10日 | 整改中 |"
        in out
    )


def test_summary_workbook_sheets_and_charts(demo, tmp_path):
    path = tmp_path / "s.xlsx"
    assert invoke(demo, "summary", "--until", "4-4", "--format", "xlsx", "--output", str(path)).exit_code == 0
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总", "分行业领域", "分行业领域图", "重点行业领域覆盖", "重大隐患"]
    summary = wb["汇总"]
    assert [summary.cell(5, c).value for c in range(1, 11)] == [
        "第一组",
        "南湖区",
        6,
        6,
        1,
        4,
        "66.7%",
        4,
        2,
        2,
    ]
    assert (
        len(summary._charts) == 1 and len(wb["分行业领域图"]._charts) == 1
    )  # the chart on a page of its own
    coverage = wb["重点行业领域覆盖"]
    assert [coverage.cell(3, c).value for c in range(1, 9)] == [
        "第一组",
        "未检查",
        "未检查",
        "3",
        "1",
        "1",
        "未检查",
        "1",
    ]
    assert coverage.cell(3, 2).fill.fgColor.rgb.endswith("FCE4D6")


def test_notice_per_department(demo):
    out = invoke(demo, "notice", "--date", "3-27").stdout
    assert out.count("# 安全生产暗访检查问题隐患交办单") == 6
    assert "\n南湖区住房和城乡建设局：\n" in out
    assert (
        "| 1 | G1-20200327-006 | 第一组 | 南湖新城综合体项目工地 | 新兴街道广益路与纺工路交叉口 | 深基坑临边防护缺失，<br>基坑边堆载超限 | 是 | 3月30日 |  |  |  |"
        in out
    )
    assert (
        "交办单编号：20200327-01　　交办单位：嘉兴市安全生产与应急管理委员会办公室　　联系人：陈达宇（钉钉 15868389858）　　交办日期：2020-03-27"
        in out
    )
    one = invoke(
        demo, "notice", "--date", "3-28", "--dept", "嘉善县应急管理局"
    ).stdout  # handed over a day later
    assert one.count("交办单\n") == 1 and "G3-20200327-004" in one
    assert invoke(demo, "notice", "--date", "3-25").stdout == "3月25日没有交办的问题隐患。\n"


def test_notice_workbook_one_sheet_per_department(demo, tmp_path):
    path = tmp_path / "n.xlsx"
    assert invoke(demo, "notice", "--date", "3-27", "--format", "xlsx", "--output", str(path)).exit_code == 0
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["南湖区住房和城乡建设局", "南湖区消防救援大队", "南湖区综合行政执法局", "海盐县综合行政执法局",
                             "秀洲区交通运输局", "秀洲区市场监督管理局", "anfang"]  # fmt: skip
    assert wb["anfang"].sheet_state == "hidden"  # the mark a reply is recognised by
    ws = wb["南湖区消防救援大队"]
    assert ws["A1"].value == "安全生产暗访检查问题隐患交办单" and ws["A2"].value == "南湖区消防救援大队："
    assert [c.value for c in ws[5]][-3:] == ["整改情况", "完成日期", "责任人"]
    assert [ws.cell(6, c).value for c in (2, 4, 8, 9)] == [
        "G1-20200327-004",
        "嘉兴市锦程服饰有限公司",
        "4月3日",
        None,
    ]
    assert ws["A4"].value.startswith("交办单编号：20200327-02　　交办单位：")
    assert ws.cell(8, 1).value == "交办单位（盖章）：嘉兴市安全生产与应急管理委员会办公室　　2020年3月27日"
    assert ws.cell(9, 1).value.startswith("接收单位（盖章）")
    assert ws.row_dimensions[6].height >= 45  # three handwritten lines in the reply columns


def test_notice_for_a_department_with_nothing_that_day(demo):
    other_day = invoke(demo, "notice", "--date", "3-27", "--dept", "嘉善县应急管理局")
    assert other_day.exit_code == 0 and other_day.stdout == ""
    assert "3月27日没有交办给“嘉善县应急管理局”的问题隐患（交办给它的日期：3月28日）" in other_day.stderr
    assert "3月27日接收交办的单位：南湖区住房和城乡建设局、南湖区消防救援大队" in other_day.stderr
    never = invoke(demo, "notice", "--date", "3-27", "--dept", "不存在的局")
    assert never.exit_code == 1 and "没有交办给“不存在的局”的问题隐患" in never.stderr


def test_check_roster_and_same_day_rules(demo):
    groups = demo / "data" / "groups.yaml"
    text = groups.read_text(encoding="utf-8")
    for dept in ("市商务局", "市应急管理局", "市总工会", "市消防救援支队"):
        text = text.replace(
            f'{{department: {dept}, name: ""}}', f"{{department: {dept}, name: 张{dept[1]}}}", 1
        )
    text = text.replace('expert: {name: ""}', "expert: {name: 李专家}", 1)
    groups.write_text(text, encoding="utf-8")
    notices = json.loads(invoke(demo, "check", "--date", "3-28", "--json").stdout)["notices"]
    roster = {n["file"]: n["message"] for n in notices if "检查人员名单" in n["message"]}
    assert "第一组" not in roster
    assert (
        roster["第二组"]
        == "检查人员名单未报齐：市委统战部（市民宗局）、市公安局、市应急管理局、市消防救援支队、专家（报送截止 3月26日10:00，已过）"
    )
    early = json.loads(invoke(demo, "check", "--date", "3-25", "--json").stdout)["notices"]
    assert any(n["message"].endswith("（报送截止 3月26日10:00）") for n in early)
    same_day = [(n["file"], n["line"], n["message"]) for n in notices if "当日" in n["message"]]
    assert same_day == [
        ("logs/group-3.csv", 5, "G3-20200327-004 未当日交办：2020-03-27 发现，于 2020-03-28 才交办")
    ]
    table = invoke(demo, "groups").stdout
    assert "第一组  南湖区" in table and "成员已报 4/4，专家已报" in table


def test_late_entry_is_flagged(tmp_path):
    ws = init_workspace(tmp_path / "ws").root
    invoke(
        ws,
        "log",
        "-g",
        "2",
        "--date",
        "2020-03-27",
        "--town",
        "t",
        "--sector",
        "消防",
        "--site",
        "s",
        "--hazard",
        "h",
        "--rectified",
    )
    notices = json.loads(invoke(ws, "check", "--date", "2020-03-28", "--json").stdout)["notices"]
    late = [n["message"] for n in notices if "未当日上报" in n["message"]]
    assert len(late) == 1 and late[0].startswith("G2-20200327-001 未当日上报：2020-03-27 的检查，")


@pytest.mark.parametrize(
    "args",
    [["report", "--date", "3-27"], ["summary", "--until", "3-28"], ["notice", "--date", "3-27"],
     ["groups", "--format", "md"], ["overdue", "--date", "4-10", "--format", "md"], ["sectors", "--format", "md"]],
)  # fmt: skip
def test_markdown_renders_as_intended_in_commonmark(demo, args):
    import re

    from markdown_it import MarkdownIt

    out = invoke(demo, *args).stdout
    html = MarkdownIt("commonmark").enable("table").render(out)
    text = re.sub(r"<[^>]+>", "", html)
    assert "**" not in text and "__" not in text  # every emphasis closed as bold
    assert html.count("<h1>") >= 1
    if "|---|" in out:
        assert html.count("<table>") == out.count("\n|---") + out.count("\n|:--")
