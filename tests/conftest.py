from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from anfang.cli import cli
from anfang.workspace import init_workspace


@pytest.fixture(autouse=True)
def _no_env_workspace(monkeypatch):
    monkeypatch.delenv("ANFANG_WORKSPACE", raising=False)


REAL_STAMP = None


@pytest.fixture(autouse=True)
def _no_timestamps(monkeypatch):
    """Messages to a non-terminal carry a timestamp (for cron.log); tests compare the words.
    test_cli_roster.py checks the timestamp itself with the real function."""
    import anfang.clickzh

    global REAL_STAMP
    REAL_STAMP = REAL_STAMP or anfang.clickzh.stamp
    monkeypatch.setattr(anfang.clickzh, "stamp", lambda: "")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A fresh workspace with the bundled campaign and no records."""
    return init_workspace(tmp_path / "ws").root


@pytest.fixture
def run(ws: Path):
    """Run `anfang --workspace ws ARGS...`; returns the click Result."""

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, ["--workspace", str(ws), *args], input=input)

    return invoke


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root with its content hash: to prove that nothing was written."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
