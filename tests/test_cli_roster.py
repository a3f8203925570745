"""`anfang groups` and `anfang sectors` reproduce 附件1 and the sectors of the document."""

import json

from click.testing import CliRunner

from anfang.cli import cli

ROSTER = [
    (1, "南湖区", "曹雪怡", "市消防救援支队副支队长", ["市商务局", "市应急管理局", "市总工会", "市消防救援支队"], "程显洪", "13738267422"),
    (2, "秀洲区", "单志荣", "市公安局副局长", ["市委统战部（市民宗局）", "市公安局", "市应急管理局", "市消防救援支队"], "关智聪", "13957341228"),
    (3, "嘉善县", "张荣根", "市农业农村局副局长", ["市农业农村局", "市文化广电旅游局", "市应急管理局", "市消防救援支队"], "卢伟勇", "13758063590"),
    (4, "平湖市", "李能祥", "市综合执法局副局长", ["市自然资源和规划局", "市应急管理局", "市综合执法局", "市消防救援支队"], "刘继武", "13957388191"),
    (5, "海盐县", "喻伟", "市发展改革委副主任", ["市发展改革委", "市水利局", "市应急管理局", "市消防救援支队"], "潘荣林", "13757340858"),
    (6, "海宁市", "卢爱驰", "市交通运输局副局长", ["市交通运输局", "市卫生健康委", "市应急管理局", "市消防救援支队"], "盛杰", "13736804111"),
    (7, "桐乡市", "陈松加", "市建设局副局长", ["市民政局", "市建设局", "市应急管理局", "市消防救援支队"], "孙扣红", "13819332379"),
    (8, "嘉兴经济技术开发区（国际商务区）", "曹国荣", "市应急管理局副局长", ["市生态环境局", "市建设局", "市应急管理局", "市消防救援支队"], "杨伟", "13967382705"),
    (9, "嘉兴港区", "宋国昌", "市市场监管局党委委员、副调研员", ["市经信局", "市应急管理局", "市市场监管局", "市消防救援支队"], "钱钧", "13615739900"),
]  # fmt: skip


def test_groups_json_reproduces_attachment_1(run):
    result = run("groups", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    got = [
        (g["number"], g["region"], g["leader"]["name"], g["leader"]["title"],
         [m["department"] for m in g["members"]], g["liaison"]["name"], g["liaison"]["phone"])
        for g in data
    ]  # fmt: skip
    assert got == [tuple(r) for r in ROSTER]
    assert [g["name"] for g in data][:3] == ["第一组", "第二组", "第三组"]
    assert all(g["expert"] == {"name": ""} for g in data)
    assert "\\u" not in result.output


EXPECTED_SECTORS = {
    "道路交通": (True, "市公安局", ["“两客一危一货”车辆", "“三超一疲劳”", "农用车"]),
    "危险化学品": (True, "市应急管理局", ["9个化工园区（集聚区）安全风险排查管控"]),
    "消防": (True, "市消防救援支队", ["居住出租房", "“生命通道”：室外消防车道、室内疏散通道"]),
    "建筑施工": (True, "市建设局", ["起重机械", "脚手架", "深基坑"]),
    "城镇燃气": (True, "市建设局", ["瓶装液化气", "无证经营燃气"]),
    "特种设备": (True, "市市场监管局", ["“三无电梯”", "压力容器", "游乐设施"]),
    "工贸": (True, "市应急管理局", ["“三个三”（三类园区、三类企业、三类设施）", "外协作业管理"]),
    "森林防火": (False, "", ["火源管控"]),
    "自然灾害防治": (False, "", ["地质灾害隐患排查"]),
    "水上交通": (False, "", []),
    "农业机械": (False, "", []),
    "供电供水": (False, "", []),
    "寄递物流": (False, "", []),
    "其他": (False, "", ["高空液体储存装置摸排治理"]),
}


def test_sectors_json_has_every_sector_lead_and_focus_item(run):
    result = run("sectors", "--format", "json")
    assert result.exit_code == 0
    data = {s["name"]: s for s in json.loads(result.output)}
    assert list(data) == list(EXPECTED_SECTORS)
    for name, (key, lead, items) in EXPECTED_SECTORS.items():
        assert (data[name]["key"], data[name]["lead"]) == (key, lead), name
        assert set(items) <= set(data[name]["focus"]), name
        assert data[name]["focus"], name


def test_groups_table_is_aligned_by_display_width(run):
    lines = run("groups").output.splitlines()
    assert lines[0] == "组别    督查区域                          组长    联络员  电话         人员名单"
    assert (
        lines[2]
        == "第一组  南湖区                            曹雪怡  程显洪  13738267422  成员已报 0/4，专家未报"
    )
    assert len(lines) == 11


def test_groups_markdown(run):
    out = run("groups", "--format", "md").output
    assert out.startswith(
        "# 暗访检查人员分组安排\n\n| 组别 | 督查区域 | 组长 | 成员 | 专家 | 联络员 | 电话 |\n|---|"
    )
    assert "| 第九组 | 嘉兴港区 | 宋国昌（市市场监管局党委委员、副调研员） | 市经信局：（待报）；" in out


def test_sectors_table_lists_focus_items(run):
    out = run("sectors").output
    assert out.splitlines()[0] == " 1. 道路交通【重点】  牵头：市公安局  又称：交通"
    assert "      · 瓶装液化气\n" in out


def test_output_to_file_is_written(run, ws, tmp_path):
    target = tmp_path / "out" / "g.json"
    result = run("groups", "--format", "json", "--output", str(target))
    assert result.exit_code == 0 and result.output == ""
    assert json.loads(target.read_text(encoding="utf-8"))[0]["liaison"]["phone"] == "13738267422"


def test_usage_errors_exit_2_in_chinese(run):
    result = run("groups", "--format", "pdf")
    assert result.exit_code == 2
    assert "错误：'--format' 的取值无效：'pdf' 不在可选值" in result.output


def test_each_command_is_found_in_the_module_that_declares_it():
    from anfang.cli.base import COMMAND_MODULES

    cli.load_all()
    declared = sorted(name for names in COMMAND_MODULES.values() for name in names)
    assert sorted(cli.commands) == declared
    for module, names in COMMAND_MODULES.items():
        for name in names:
            assert cli.commands[name].callback.__module__ == f"anfang.cli.{module}", name


def test_every_command_has_chinese_help():
    cli.load_all()
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert result.output.startswith("用法："), name
        assert command.help and any("\u4e00" <= ch <= "\u9fff" for ch in command.help), name


def test_help_lists_commands_by_the_work_and_ends_in_examples():
    from anfang.cli_help import EXAMPLES, SECTIONS

    top = CliRunner().invoke(cli, ["--help"]).stdout
    titles = [title for title, _ in SECTIONS]
    assert [line.rstrip(":") for line in top.splitlines() if line.rstrip(":") in titles] == titles
    assert top.index("  log ") < top.index("  handover ") < top.index("  report ") < top.index("  sync ")
    for name in cli.commands:
        if name == "writers":
            continue
        text = CliRunner().invoke(cli, [name, "--help"]).stdout
        tail = text.rstrip().split("示例：")[-1]
        assert tail.split() and tail.strip().splitlines()[0].strip() == EXAMPLES[name][0], name
        assert "[required]" not in text and "required" not in text


def test_workspace_after_the_command_name(ws):
    result = CliRunner().invoke(cli, ["groups", "--format", "json", "-w", str(ws)])
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["name"] == "第一组"


def test_messages_to_a_log_file_carry_a_timestamp(tmp_path, monkeypatch):
    import re

    import anfang.clickzh
    from tests import conftest

    monkeypatch.setattr(anfang.clickzh, "stamp", conftest.REAL_STAMP)
    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path / "none"), "report"])
    assert result.exit_code == 1
    assert re.match(r"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] 错误：--workspace 指定的", result.stderr)
