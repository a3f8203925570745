"""Workspaces: where a campaign's data, templates, logs and evidence live.

Found from --workspace, else $ANFANG_WORKSPACE, else the current folder or the nearest parent
holding data/groups.yaml. A workspace's data/ and templates/ files override the bundled ones.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from anfang.config import FILES, Config, config_sources, load_config
from anfang.errors import AnfangError, NoWorkspace, os_reason

MARKER = Path("data") / "groups.yaml"


def bundled(name: str) -> Path:
    """A folder shipped with the package (data, templates, examples).

    An installed wheel has it inside the package; a source checkout has it at the top level.
    """
    inside = Path(__file__).resolve().parent / name
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parents[2] / name


class Workspace:
    """A workspace folder; two are the same when their roots are (a plain class, not a dataclass:
    `anfang log` would pay for generating its methods at every start)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __eq__(self, other) -> bool:
        return isinstance(other, Workspace) and self.root == other.root

    def __hash__(self) -> int:
        return hash(self.root)

    def __repr__(self) -> str:
        return f"Workspace(root={self.root!r})"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def evidence_dir(self) -> Path:
        return self.root / "evidence"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def template_dirs(self) -> list[Path]:
        return [self.root / "templates", bundled("templates")]

    @cached_property
    def config(self) -> Config:
        """The validated configuration, from the local cache while the YAML files are unchanged."""
        from anfang.configcache import read_cached, write_cached

        dirs = [self.data_dir, bundled("data")]
        sources = config_sources(dirs)
        config = read_cached(self.root, sources)
        if config is None:
            config = load_config(dirs)
            write_cached(self.root, sources, config)
        return config


def find_workspace(option: str | None, cwd: Path | None = None) -> Workspace:
    if option:
        return _explicit(Path(option), "--workspace")
    env = os.environ.get("ANFANG_WORKSPACE")
    if env:
        return _explicit(Path(env), "环境变量 ANFANG_WORKSPACE")
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / MARKER).is_file():
            return Workspace(folder)
    raise NoWorkspace(
        "找不到工作区：当前目录及其上级目录中都没有 data/groups.yaml。"
        "请用 anfang init 目录 创建工作区，或用 --workspace 目录 指定。"
    )


def _explicit(path: Path, source: str) -> Workspace:
    if not (path / MARKER).is_file():
        raise NoWorkspace(f"{source} 指定的 {path} 不是工作区（缺少 {MARKER.as_posix()}）")
    return Workspace(path.resolve())


def init_workspace(target: Path, example: bool = False) -> Workspace:
    """Create a workspace from the bundled campaign; with `example`, add the sample logs."""
    import shutil  # with bz2 and lzma: not on anfang log's path

    if (target / MARKER).exists():
        raise AnfangError(f"{target} 已经是工作区，未做任何改动")
    if target.exists() and not target.is_dir():
        raise AnfangError(f"{target} 已存在且不是目录")
    if target.is_dir() and any(p.name != ".git" for p in target.iterdir()):
        raise AnfangError(f"{target} 不是空目录；请指定一个新目录或空目录")
    staging = target.parent / f".{target.name}.init-{os.getpid()}"
    try:
        # Build beside the target, then move into place: a failure leaves nothing half-made.
        (staging / "data").mkdir(parents=True)
        for name in FILES:
            shutil.copyfile(bundled("data") / name, staging / "data" / name)
        for sub in ("logs", "evidence", "templates", "reports"):  # reports/: the cron line works on day one
            (staging / sub).mkdir()
        if example:
            for log in sorted((bundled("examples") / "logs").glob("*.csv")):
                shutil.copyfile(log, staging / "logs" / log.name)
        if target.is_dir():
            for item in staging.iterdir():
                item.rename(target / item.name)
            staging.rmdir()
        else:
            staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise AnfangError(f"无法创建工作区 {target}：{os_reason(exc)}") from None
    return Workspace(target.resolve())
