from pathlib import Path

import pytest

from anfang.errors import AnfangError, NoWorkspace
from anfang.workspace import find_workspace, init_workspace


def test_init_creates_the_layout(tmp_path):
    ws = init_workspace(tmp_path / "new")
    assert sorted(p.name for p in ws.root.iterdir()) == [
        "data",
        "evidence",
        "logs",
        "reports",
        "templates",
    ]  # reports/: cron works on day one
    assert sorted(p.name for p in (ws.root / "data").iterdir()) == [
        "campaign.yaml",
        "groups.yaml",
        "sectors.yaml",
    ]
    assert list((ws.root / "logs").iterdir()) == []


def test_init_with_example_adds_logs(tmp_path):
    ws = init_workspace(tmp_path / "demo", example=True)
    assert len(list((ws.root / "logs").glob("*.csv"))) >= 3


def test_init_refuses_existing_workspace_and_nonempty_folder(tmp_path):
    init_workspace(tmp_path / "a")
    with pytest.raises(AnfangError, match="已经是工作区"):
        init_workspace(tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.txt").write_text("x")
    with pytest.raises(AnfangError, match="不是空目录"):
        init_workspace(tmp_path / "b")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["x.txt"]


def test_discovery_order(tmp_path, monkeypatch):
    a = init_workspace(tmp_path / "a").root
    b = init_workspace(tmp_path / "b").root
    deep = a / "logs" / "sub"
    deep.mkdir()
    assert find_workspace(None, cwd=deep).root == a
    monkeypatch.setenv("ANFANG_WORKSPACE", str(b))
    assert find_workspace(None, cwd=deep).root == b
    assert find_workspace(str(a), cwd=deep).root == a


def test_no_workspace_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(NoWorkspace) as info:
        find_workspace(None, cwd=tmp_path)
    assert "找不到工作区" in str(info.value)
    with pytest.raises(NoWorkspace, match=r"不是工作区（缺少 data/groups\.yaml）"):
        find_workspace(str(tmp_path))
    monkeypatch.setenv("ANFANG_WORKSPACE", str(tmp_path / "nope"))
    with pytest.raises(NoWorkspace, match="环境变量 ANFANG_WORKSPACE 指定的"):
        find_workspace(None, cwd=tmp_path)


def test_workspace_file_overrides_bundled_default(ws: Path):
    from anfang.workspace import Workspace

    (ws / "data" / "sectors.yaml").write_text(
        "sectors:\n  - {name: 消防, key: true, lead: 市消防救援支队, focus: [生命通道]}\n",
        encoding="utf-8",
    )
    (ws / "data" / "campaign.yaml").unlink()  # falls back to the bundled one
    config = Workspace(ws).config
    assert [s.name for s in config.sectors] == ["消防"]
    assert config.campaign.document_number == "嘉安委〔2020〕8号"
