"""`anfang report`: figures hand-computed from the example campaign (examples/make_example.py).

第一组 3月26日: 禾晟五金 (2 findings: one rectified on the spot, one handed over, rectified 3-31),
新嘉农贸市场 (nothing found). 3月27日: 锦程服饰 twice (2 findings: handed over; rectified on the
spot), 综合体工地 (major, handed over, rectified 3-29), 禾兴大酒店 (handed over), 百佳汇超市 (nothing).
第二组: 3-26 恒泰化工 (deadline 3-27, never rectified); 3-27 顺达物流园 twice (one amended 特种设备→寄递物流).
第三组 3-27: 阳光公寓 (rectified on the spot; a duplicate voided), 金鑫木业 (major, handed over 3-28).
第五组 3-27: 小吃城 (deadline 3-28 moved on 3-28 to 4-5); 3-28 菜场. 第九组: 3-26 visit; 3-28 渡口.
"""

import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from anfang.cli import cli
from anfang.workspace import init_workspace


@pytest.fixture
def demo(tmp_path) -> Path:
    return init_workspace(tmp_path / "demo", example=True).root


def report(demo: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(demo), "report", *args])


def figures(block: dict) -> tuple:
    return tuple(block[k] for k in ("sites", "hazards", "major", "rectified", "handed_over"))


def test_city_report_figures_for_3_27(demo):
    result = report(demo, "--date", "2020-03-27", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["date"] == "2020-03-27"
    groups = {g["group"]: g for g in data["groups"]}
    assert list(groups) == list(range(1, 10))
    g1 = groups[1]
    assert (g1["name"], g1["region"]) == ("第一组", "南湖区")
    assert g1["day"]["counties"] == ["南湖区"] and g1["day"]["towns"] == ["新兴街道", "建设街道"]
    assert figures(g1["day"]) == (4, 4, 1, 1, 3)
    assert figures(g1["to_date"]) == (6, 6, 1, 2, 4) and g1["to_date"]["days_on_site"] == 2
    assert figures(groups[2]["day"]) == (1, 2, 0, 0, 2)
    assert figures(groups[2]["to_date"]) == (2, 3, 0, 0, 3)
    assert figures(groups[3]["day"]) == (2, 2, 1, 1, 0)  # voided duplicate and next-day handover excluded
    assert figures(groups[9]["day"]) == (0, 0, 0, 0, 0)
    assert figures(groups[9]["to_date"]) == (1, 0, 0, 0, 0) and groups[9]["to_date"]["days_on_site"] == 1
    assert figures(data["total"]["day"]) == (8, 9, 2, 2, 6)
    assert figures(data["total"]["to_date"]) == (12, 12, 2, 3, 8)
    assert data["missing"] == [4, 6, 7, 8, 9]
    assert data["overdue"] == []
    assert [f["sector"] for f in groups[2]["findings"]] == ["寄递物流", "道路交通"]  # the amendment shows
    assert g1["findings"][2] == {
        "id": "G1-20200327-006", "sector": "建筑施工", "site": "南湖新城综合体项目工地",
        "address": "新兴街道广益路与纺工路交叉口", "hazard": "深基坑临边防护缺失，\n基坑边堆载超限",
        "major": True, "evidence": True, "handover": "南湖区住房和城乡建设局", "deadline": "2020-03-30",
        "rectified": False,
    }  # fmt: skip


def test_later_events_count_only_from_their_date(demo):
    data = json.loads(report(demo, "--date", "3-28", "--format", "json").stdout)
    groups = {g["group"]: g for g in data["groups"]}
    assert figures(groups[3]["to_date"]) == (2, 2, 1, 1, 1)  # handed over on 3-28
    assert figures(groups[1]["to_date"]) == (6, 6, 1, 2, 4)  # 3-29 and 3-31 rectifications not yet
    assert groups[1]["day"]["sites"] == 0 and 1 in data["missing"]
    assert [(o["id"], o["days_overdue"]) for o in data["overdue"]] == [("G2-20200326-001", 1)]  # G5's moved
    late = json.loads(report(demo, "--date", "4-4", "--format", "json").stdout)
    assert [(o["id"], o["deadline"], o["days_overdue"]) for o in late["overdue"]] == [
        ("G2-20200326-001", "2020-03-27", 8),
        ("G1-20200327-004", "2020-04-03", 1),
        ("G1-20200327-007", "2020-04-03", 1),
    ]
    g1 = {g["group"]: g for g in late["groups"]}[1]
    assert figures(g1["to_date"]) == (6, 6, 1, 4, 4)


def test_past_report_is_reproducible(demo):
    before = report(demo, "--date", "3-27", "--format", "json").stdout
    CliRunner().invoke(cli, ["--workspace", str(demo), "log", "--group", "1", "--date", "3-29", "--town", "t",
                             "--sector", "消防", "--site", "新场所", "--hazard", "新问题"])  # fmt: skip
    assert report(demo, "--date", "3-27", "--format", "json").stdout == before


def test_group_pages_only_with_group_option(demo):
    out = report(demo, "--date", "3-27", "--group", "3", "--group", "第一组").stdout
    assert not out.startswith("# 嘉兴市") and out.count("# 暗访检查日报表") == 2
    assert out.index("组别：第一组") < out.index("组别：第三组")


def test_markdown_group_page_exact(demo):
    out = report(demo, "--date", "3-27", "--group", "3").stdout
    assert out == (
        "# 暗访检查日报表\n\n"
        "组别：第三组　　时间：3月27日\n\n"
        "**总体情况**\n\n"
        "对嘉善县魏塘街道、姚庄镇进行了暗访，共检查企业（场所）2个，共发现问题或隐患2个，其中重大隐患1个，"
        "已完成整改1个，0个已交办属地相关部门跟进督办。\n\n"
        "截至目前，暗访组共检查企业（场所）2个，共发现问题或隐患2个，其中重大隐患1个，已完成整改1个，"
        "0个已交办属地相关部门跟进督办。\n\n"
        "| 行业领域 | 企业（场所）名称 | 地址 | 问题隐患内容 | 是否为重大 | 是否留存影像资料 | 交办情况 | 整改期限 |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| 消防 | 嘉善县阳光出租公寓 | 魏塘街道谈公路99号 | 出租房内电动车停放在楼梯间，占用疏散通道 | 否 | 否 | 已当场整改 |  |\n"
        "| 工贸 | 嘉善县金鑫木业有限公司 | 姚庄镇宝群东路12号 | 除尘系统未设置泄爆装置，粉尘清扫不及时 | 是 | 是 | 未交办 |  |\n"
    )


def test_markdown_city_summary(demo):
    out = report(demo, "--date", "3-27").stdout
    lines = out.splitlines()
    assert lines[0] == "# 嘉兴市护航复工复产安全生产攻坚行动暗访检查日报汇总（3月27日）"
    assert "| 第一组 | 南湖区 | 4 | 4 | 1 | 1 | 3 | 6 | 6 | 1 | 2 | 4 | 2 |" in lines
    assert "| 第四组（当日无记录） | 平湖市 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in lines
    assert "| 合计 | | 8 | 9 | 2 | 2 | 6 | 12 | 12 | 2 | 3 | 8 | |" in lines
    assert "**当日无记录**：第四组、第六组、第七组、第八组、第九组" in lines
    assert (
        "| 第一组 | 南湖新城综合体项目工地 | 深基坑临边防护缺失，<br>基坑边堆载超限 | 已交办南湖区住房和城乡建设局 | 3月30日 |"
        in lines
    )
    assert out.count("# 暗访检查日报表") == 9


def test_hostile_text_cannot_break_markdown(run, ws):
    run("log", "--group", "1", "--date", "3-27", "--town", "<b>镇</b>", "--sector", "消防",
        "--site", "a|b", "--hazard", "**粗**\n| x | y |\n<script>alert(1)</script> [链接](http://x) `code`")  # fmt: skip
    out = run("report", "--date", "3-27", "--group", "1").stdout
    row = next(line for line in out.splitlines() if line.startswith("| 消防"))
    assert row == (
        "| 消防 | a\\|b |  | \\*\\*粗\\*\\*<br>\\| x \\| y \\|<br>\\<script\\>alert(1)\\</script\\> "
        "\\[链接\\](http://x) \\`code\\` | 否 | 否 | 未交办 |  |"
    )
    assert len(re.findall(r"(?<!\\)\|", row)) == 9  # exactly the form's eight columns
    assert "对南湖区\\<b\\>镇\\</b\\>进行了暗访" in out


def test_xlsx_workbook_layout_and_text_only(demo, tmp_path):
    result = report(demo, "--date", "3-27", "--format", "xlsx", "--output", str(tmp_path))
    assert result.exit_code == 0 and result.output == ""
    path = tmp_path / "暗访检查日报表-2020-03-27.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "汇总",
        "当日重大隐患",
        "逾期未整改",
        "第一组",
        "第二组",
        "第三组",
        "第四组",
        "第五组",
        "第六组",
        "第七组",
        "第八组",
        "第九组",
    ]
    summary = wb["汇总"]
    assert summary["A1"].value == "嘉兴市护航复工复产安全生产攻坚行动暗访检查日报汇总（3月27日）"
    assert [summary.cell(4, c).value for c in range(1, 15)] == [
        "第一组",
        "南湖区",
        4,
        4,
        1,
        1,
        3,
        6,
        6,
        1,
        2,
        4,
        2,
        None,
    ]
    assert summary.cell(7, 14).value == "当日无记录"
    assert [summary.cell(13, c).value for c in range(3, 13)] == [8, 9, 2, 2, 6, 12, 12, 2, 3, 8]
    form = wb["第一组"]
    assert form["A1"].value == "暗访检查日报表" and "A1:H1" in {str(r) for r in form.merged_cells.ranges}
    assert (form["A2"].value, form["E2"].value) == ("组别：第一组", "时间：3月27日")
    assert form["A4"].value.startswith("　　对南湖区新兴街道、建设街道进行了暗访，共检查企业（场所）4个")
    assert [form.cell(6, c).value for c in range(1, 9)] == [
        "行业领域",
        "企业（场所）名称",
        "地址",
        "问题隐患内容",
        "是否\n为重大",
        "是否留存\n影像资料",
        "交办情况",
        "整改期限",
    ]  # fmt: skip  (headings break between words, never inside one)
    major = wb["当日重大隐患"]
    assert [c.value for c in major[2]] == [
        "组别",
        "企业（场所）名称",
        "地址",
        "问题隐患内容",
        "交办情况",
        "整改期限",
    ]
    assert [major.cell(3, c).value for c in (1, 2)] == ["第一组", "南湖新城综合体项目工地"]
    assert major.print_title_rows == "$2:$2" and wb["逾期未整改"]["A3"].value == "无"
    # page numbers per sheet, and whose page it is on every page
    assert form.oddFooter.center.text == "第 &P 页" and form.page_setup.useFirstPageNumber
    assert form.oddHeader.right.text == "第一组 暗访检查日报表（3月27日）"
    assert form.page_margins.bottom - form.page_margins.footer >= 0.4  # the footer is not cut off
    # the sector chart: only sectors with findings, each one labelled
    chart = summary._charts[1]
    assert chart.x_axis.tickLblSkip == 1
    assert [summary.cell(r, 16).value for r in range(2, 9)] == [
        "道路交通",
        "危险化学品",
        "消防",
        "建筑施工",
        "城镇燃气",
        "工贸",
        "寄递物流",
    ]
    assert summary.cell(9, 16).value is None
    assert [form.cell(9, c).value for c in (1, 5, 7, 8)] == [
        "建筑施工",
        "是",
        "已交办南湖区住房和城乡建设局",
        "3月30日",
    ]
    assert form.page_setup.orientation == "landscape" and int(form.page_setup.paperSize) == 9  # A4
    assert form.print_title_rows == "$6:$6"
    assert form["D9"].alignment.wrap_text and form["D9"].border.left.style == "thin"


def test_xlsx_never_contains_a_formula(run, ws, tmp_path):
    for payload in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "=cmd|' /C calc'!A0"]:
        run("log", "--group", "1", "--date", "3-27", "--town", payload, "--sector", "消防", "--site", payload,
            "--address", payload, "--hazard", payload, "--handover", payload)  # fmt: skip
    out = tmp_path / "r.xlsx"
    assert run("report", "--date", "3-27", "--format", "xlsx", "--output", str(out)).exit_code == 0
    wb = openpyxl.load_workbook(out)
    cells = [c for sheet in wb for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert "=cmd|' /C calc'!A0" in [c.value for c in cells]


def test_output_folder_gets_dated_name_and_no_temp_files(demo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert report(demo, "--date", "3-27", "--output", str(out)).exit_code == 0
    assert (
        report(demo, "--date", "3-27", "--group", "1", "--format", "json", "--output", str(out)).exit_code
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "暗访检查日报表-2020-03-27-第一组.json",
        "暗访检查日报表-2020-03-27.md",
    ]


def test_xlsx_defaults_to_workspace_reports(demo):
    assert report(demo, "--date", "yesterday", "--format", "xlsx").exit_code == 0
    assert len(list((demo / "reports").glob("暗访检查日报表-*.xlsx"))) == 1


def test_unwritable_output_is_a_clear_error(demo, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = report(demo, "--date", "3-27", "--output", str(blocker / "sub" / "r.md"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"错误：无法写入 {blocker / 'sub' / 'r.md'}")


def test_workspace_template_overrides_wording(demo):
    (demo / "templates" / "form.j2").write_text(
        (Path(__file__).parents[1] / "templates" / "form.j2")
        .read_text(encoding="utf-8")
        .replace("进行了暗访", "开展了暗访"),
        encoding="utf-8",
    )
    assert "对嘉善县魏塘街道、姚庄镇开展了暗访" in report(demo, "--date", "3-27", "--group", "3").stdout


READ_COMMANDS = [  # every command that reads the store column-wise, in each of its formats
    ["report", "--date", "2020-03-27", "--format", "json"], ["report", "--date", "2020-03-27", "--format", "md"],
    ["report", "--date", "2020-03-27", "--format", "xlsx", "-o", "{out}/r.xlsx"],
    ["report", "--date", "2020-03-27", "--format", "chat"], ["report", "--date", "2020-03-27", "--group", "2"],
    ["summary", "--until", "2020-03-28", "--format", "json"], ["summary", "--until", "2020-03-28", "--format", "md"],
    ["summary", "--until", "2020-03-28", "--format", "xlsx", "-o", "{out}/s.xlsx"],
    ["overdue", "--date", "2020-04-20"], ["overdue", "--date", "2020-04-20", "--format", "md"],
    ["overdue", "--date", "2020-04-20", "--format", "json"],
    ["list", "--as-of", "2020-04-20"], ["list", "--format", "csv"], ["list", "--status", "closed", "--format", "json"],
    ["notice", "--date", "2020-03-27"], ["notice", "--date", "2020-03-27", "--format", "xlsx", "-o", "{out}/n.xlsx"],
    ["bulletin", "--until", "2020-03-28", "--format", "md"], ["bulletin", "--until", "2020-03-28", "-o", "{out}/b.docx"],
    ["duban", "--date", "2020-04-20", "--format", "md"], ["duban", "--date", "2020-04-20", "-o", "{out}/d.docx"],
    ["export"], ["export", "-o", "{out}/e.csv"], ["export", "--format", "xlsx", "-o", "{out}/e.xlsx"],
    ["check", "--date", "2020-03-28"], ["check", "--date", "2020-03-28", "--json"],
    ["site", "嘉兴市禾晟五金制品有限公司"], ["site", "禾晟五金", "--format", "json"],  # the second: a near name, exit 1
    ["amend", "G1-20200326-001", "--site", "嘉兴市禾晟五金制品有限公司（南厂区）", "--by", "测试"],
]  # fmt: skip


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: "-".join(a[:1] + a[2:5]))
def test_column_commands_never_import_pandas(demo, tmp_path, args):
    """The reports read the store as the engine's columns and never use pandas, which pyarrow
    would otherwise import by itself (half a second of every run): kept out of the process
    (arrowonly), and every format of every such command still works without it."""
    from tests.test_log import loaded_by

    args = [a.replace("{out}", str(tmp_path)) for a in args]
    refused = args[:2] == ["site", "禾晟五金"]  # no such site: the similar names, and exit 1
    assert loaded_by(demo, *args, watched=("pandas", "pyarrow")) == (int(refused), ["pyarrow"])


def test_pandas_is_kept_out_only_of_the_anfang_program(demo):
    """A script or test that runs a report in its own process (CliRunner) can still import pandas
    afterwards; the program itself refuses it, and pyarrow then converts without it."""
    import subprocess
    import sys

    assert report(demo, "--date", "2020-03-27", "--format", "json").exit_code == 0
    code = (
        "import sys\nfrom anfang import arrowonly\n"
        "arrowonly.keep_pandas_out(); import pandas; print('script', 'ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout == "script ok\n"
    code = (
        "import sys\nfrom anfang import arrowonly\narrowonly.refusing_allowed(); arrowonly.keep_pandas_out()\n"
        "import numpy as np, pyarrow as pa, pyarrow.compute as pc\n"
        "print(pc.is_in(pa.array(['a', 'b']), value_set=pa.array(['b'])).to_numpy(zero_copy_only=False).tolist())\n"
        "try:\n    import pandas\nexcept ModuleNotFoundError as e:\n    print('refused', e.name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout == "[False, True]\nrefused pandas\n"
