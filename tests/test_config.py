"""Configuration: the bundled campaign is exact; every kind of mistake is named with file:line."""

from pathlib import Path

import pytest

from anfang.config import load_config
from anfang.errors import ConfigError
from anfang.workspace import Workspace, bundled

GOOD_SECTORS = "sectors:\n  - name: 消防\n    key: true\n    lead: 市消防救援支队\n    focus: [生命通道]\n"


def test_bundled_campaign_matches_the_document():
    config = load_config([bundled("data")])
    c = config.campaign
    assert (c.document_number, str(c.issued), str(c.start), str(c.end)) == (
        "嘉安委〔2020〕8号", "2020-03-25", "2020-03-25", "2020-04-15",
    )  # fmt: skip
    assert (c.min_days_on_site, c.group_count, c.office.name, c.office.contact, c.office.phone) == (
        8, 9, "市安委办", "陈达宇", "15868389858",
    )  # fmt: skip
    assert str(c.roster_due) == "2020-03-26 10:00:00"
    assert [s.name for s in config.key_sectors] == [
        "道路交通",
        "危险化学品",
        "消防",
        "建筑施工",
        "城镇燃气",
        "特种设备",
        "工贸",
    ]
    assert config.sector("危化品").name == "危险化学品"
    assert config.sector("３").name == "消防"  # full-width digit, as a Chinese IME types it


def _problems(ws: Path, name: str, text: str | bytes) -> list[str]:
    path = ws / "data" / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(ConfigError) as info:
        _ = Workspace(ws).config
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    "text, expected",
    [
        (GOOD_SECTORS + "    colour: red\n", "data/sectors.yaml:6: 行业领域 有未知的键 colour"),
        (
            "sectors:\n  - name: 消防\n    key: true\n    focus: []\n",
            "data/sectors.yaml:2: 行业领域 缺少键 lead",
        ),
        (GOOD_SECTORS + "    lead: 市应急管理局\n", "data/sectors.yaml:6: 行业领域 的键 lead 重复"),
        (
            GOOD_SECTORS.replace("key: true", "key: no"),
            "data/sectors.yaml:3: 消防 key 应为true/false，实际是文本",
        ),
        (
            GOOD_SECTORS.replace("key: true", "key: yes"),
            "data/sectors.yaml:3: 消防 key 应为true/false，实际是文本",
        ),
        (GOOD_SECTORS.replace("lead: 市消防救援支队", "lead: 0123"), None),
        (
            GOOD_SECTORS.replace("lead: 市消防救援支队", "lead: 123"),
            "data/sectors.yaml:4: 消防 lead 应为文本，实际是整数（请用引号括起来）",
        ),
        (
            GOOD_SECTORS.replace("[生命通道]", "生命通道"),
            "data/sectors.yaml:5: 消防 focus 应为列表",
        ),
        ("sectors: &a [x]\nother: *a\n", "data/sectors.yaml:1: 不允许使用锚点或别名（& 或 *）"),
        (
            "sectors: !!python/object/apply:os.system [echo hi]\n",
            "data/sectors.yaml:1: 不允许使用标签 tag:yaml.org,2002:python/object/apply:os.system",
        ),
        (
            "sectors: [\n",
            "data/sectors.yaml:2: YAML 语法错误：",  # the reason is in libyaml's or PyYAML's words
        ),
        ("", "data/sectors.yaml: 文件是空的"),
        ("sectors: []\n", "data/sectors.yaml:1: 至少需要一个行业领域"),
    ],
)
def test_sector_file_problems(ws, text, expected):
    if expected is None:  # 0123 stays the text "0123": no octal surprise
        (ws / "data" / "sectors.yaml").write_text(text.replace("0123", '"0123"'), encoding="utf-8")
        assert Workspace(ws).config.sectors[0].lead == "0123"
        (ws / "data" / "sectors.yaml").write_text(text, encoding="utf-8")
        assert Workspace(ws).config.sectors[0].lead == "0123"
        return
    assert any(p.startswith(expected) for p in _problems(ws, "sectors.yaml", text))


def test_encoding_and_size_problems(ws):
    assert _problems(ws, "sectors.yaml", "sectors:\n  - name: 消防\n".encode("gb18030")) == [
        "data/sectors.yaml: 不是 UTF-8 编码（第 19 字节处无法解码），请另存为 UTF-8"
    ]
    big = b"# " + b"x" * (1024 * 1024) + b"\n"
    assert _problems(ws, "sectors.yaml", big) == [
        "data/sectors.yaml: 文件过大（1048579 字节，上限 1048576 字节）"
    ]


def test_all_problems_across_files_at_once(ws):
    groups = (ws / "data" / "groups.yaml").read_text(encoding="utf-8")
    groups = groups.replace('phone: "13738267422"', "phone: 13738267422", 1).replace(
        "name: 第二组", "name: 第三组", 1
    )
    (ws / "data" / "groups.yaml").write_text(groups, encoding="utf-8")
    campaign = (
        (ws / "data" / "campaign.yaml")
        .read_text(encoding="utf-8")
        .replace("end: 2020-04-15", "end: 2020-04-31")
    )
    problems = _problems(ws, "campaign.yaml", campaign)
    assert problems == [
        "data/campaign.yaml:8: end 应为日期 YYYY-MM-DD，实际是“2020-04-31”",
        "data/groups.yaml:15: 第 1 组 liaison.phone 应为文本，实际是整数（请用引号括起来）",
        "data/groups.yaml:17: 组名“第三组”与编号 2 不符，应为“第二组”",
    ]


def test_group_count_must_match(ws):
    text = (ws / "data" / "groups.yaml").read_text(encoding="utf-8")
    cut = text.index("  - number: 9")
    assert _problems(ws, "groups.yaml", text[:cut]) == [
        "data/groups.yaml:5: 应有 9 个组（campaign.yaml group_count），实际 8 个"
    ]


def test_cli_reports_config_problems_with_exit_1(ws, run):
    (ws / "data" / "sectors.yaml").write_text(GOOD_SECTORS.replace("key: true", "key: NO"), encoding="utf-8")
    result = run("sectors")
    assert result.exit_code == 1
    assert (
        result.output == "错误：配置文件有误：\n  data/sectors.yaml:3: 消防 key 应为true/false，实际是文本\n"
    )


def test_yaml_slips_are_explained_in_chinese(tmp_path):
    from anfang.errors import ConfigError
    from anfang.workspace import init_workspace

    ws = init_workspace(tmp_path / "w")
    groups = ws.data_dir / "groups.yaml"
    groups.write_text(groups.read_text(encoding="utf-8").replace("region:", "regoin:", 1), encoding="utf-8")
    (ws.data_dir / "sectors.yaml").write_text("sectors:\n\t- name: x\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config([ws.data_dir])
    messages = [p.message for p in caught.value.problems]
    assert "第 1 组 有未知的键 regoin（是不是 region？）" in messages
    assert "YAML 语法错误：有不能出现在这里的字符（常见的是制表符 Tab：请用空格缩进）" in messages


def test_a_campaign_set_up_before_verify_within_days_still_loads(tmp_path):
    """verify_within_days came with 复查: an older campaign.yaml without it gets the default."""
    from anfang.workspace import Workspace, init_workspace

    ws = init_workspace(tmp_path / "ws").root
    campaign = ws / "data" / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if "verify_within_days" not in line]
    campaign.write_text("".join(lines), encoding="utf-8")
    assert Workspace(ws).config.campaign.verify_within_days == 3
    campaign.write_text(text.replace("verify_within_days: 3", "verify_within_days: 400"), encoding="utf-8")
    from anfang.errors import ConfigError

    with pytest.raises(ConfigError, match="verify_within_days 应在 0 到 365 之间"):
        _ = Workspace(ws).config
