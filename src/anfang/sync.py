"""Several laptops, one campaign: the workspace is a git working copy of a shared repository.

Each laptop writes only its own files (a group's log, or the office's log and the config), and
logs are only ever appended to, so rebasing one laptop's commits onto another's never touches
the same lines: sync does not conflict. `.gitattributes` marks the logs `merge=union` as a
second line of defence. If git ever stops on a conflict, the rebase is undone and nothing is lost.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from anfang.errors import AnfangError
from anfang.identity import Writer, read_writer, write_writer
from anfang.workspace import Workspace, init_workspace

GITATTRIBUTES = """# anfang: logs are append-only, one writer per file. Never convert line ends; if two
# versions of a log ever meet, keep the lines of both (each line is one CRC-checked record).
logs/*.csv merge=union -text
"""
GITIGNORE = "reports/\n*.tmp\n"
PUSH_ATTEMPTS = 4


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    if shutil.which("git") is None:
        raise AnfangError("同步需要 git，但这台电脑上没有找到 git 命令；请先安装 git")
    result = subprocess.run(
        ["git", "-c", "core.quotepath=false", *args],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if check and result.returncode != 0:
        raise GitFailed(args[0], result.stderr.strip() or result.stdout.strip())
    return result


class GitFailed(AnfangError):
    def __init__(self, command: str, output: str):
        self.command, self.output = command, output
        super().__init__(f"git {command} 失败：{output}")


def _author(workspace: Workspace, writer: Writer) -> list[str]:
    if writer.is_office:
        name = workspace.config.campaign.office.name
    else:
        name = f"{workspace.config.group(writer.group).name} {workspace.config.group(writer.group).liaison}"
    return ["-c", f"user.name={name}", "-c", "user.email=anfang@localhost"]


def init_office(target: Path, remote: str) -> Workspace:
    """A new campaign repository from the bundled defaults; published at the first sync."""
    workspace = init_workspace(target)
    root = workspace.root
    (root / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    for folder in ("logs", "evidence", "templates"):
        (root / folder / ".gitkeep").touch()
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", remote)
    write_writer(root, Writer(None))
    git(root, "add", "-A")
    git(root, *_author(workspace, Writer(None))[0:4], "commit", "-q", "-m", "创建攻坚行动工作区")
    return workspace


def init_group(target: Path, remote: str, group: int) -> Workspace:
    """A laptop's copy of the campaign repository, writing for `group`."""
    if target.exists() and any(target.iterdir()):
        raise AnfangError(f"{target} 不是空目录；请指定一个新目录")
    result = subprocess.run(
        ["git", "clone", "-q", "-b", "main", remote, str(target)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if result.returncode != 0:
        raise AnfangError(f"无法从 {remote} 获取攻坚行动工作区：{result.stderr.strip()}")
    if not (target / "data" / "groups.yaml").is_file():
        shutil.rmtree(target, ignore_errors=True)
        raise AnfangError(
            f"{remote} 里还没有攻坚行动工作区：请市安委办先运行 anfang init --office 并 anfang sync"
        )
    workspace = Workspace(target.resolve())
    workspace.config.group(group)  # a group the campaign has
    write_writer(target, Writer(group))
    return workspace


@dataclass(frozen=True)
class SyncResult:
    sent: int  # records this laptop sent
    arrived: dict[str, int]  # log file -> records that arrived
    published: bool  # the first push of a new repository


def _own_paths(writer: Writer) -> list[str]:
    paths = [f"logs/{writer.log_name()}", "evidence"]
    if writer.is_office:
        paths += ["data", "templates", ".gitattributes", ".gitignore"]
    return paths


def _records_added(root: Path, old: str | None, new: str, only: str | None = None) -> dict[str, int]:
    """Records (not header lines) added to each log between two commits (old None: all)."""
    base = old or git(root, "hash-object", "-t", "tree", "/dev/null").stdout.strip()
    paths = [f"logs/{only}"] if only else ["logs"]
    out = git(root, "diff", "--unified=0", "--no-color", base, new, "--", *paths).stdout
    counts: dict[str, int] = {}
    current = None
    for line in out.splitlines():
        if line.startswith("+++ "):
            current = Path(line[4:]).name if line[4:].endswith(".csv") else None
        elif line.startswith("+") and current and not line.lstrip("+\ufeff").startswith("id,kind,"):
            counts[current] = counts.get(current, 0) + 1
    return counts


def sync(workspace: Workspace) -> SyncResult:
    root = workspace.root
    writer = read_writer(root)
    if writer is None or not (root / ".git").is_dir():
        raise AnfangError(
            "这个工作区没有设置同步：请用 anfang init 目录 --remote 地址 --group N（或 --office）创建"
        )
    if git(root, "status", "--porcelain", "--", "logs").stdout and _rebase_in_progress(root):
        raise AnfangError("上次同步停在了一半（git rebase 未完成）；请联系管理员，不要删除任何文件")
    _commit_own(workspace, writer)
    remote_has_main = _fetch(root)
    mine = writer.log_name()
    sent = _records_added(root, "origin/main" if remote_has_main else None, "HEAD", mine).get(mine, 0)
    before = git(root, "rev-parse", "HEAD").stdout.strip()
    if remote_has_main:
        _rebase(root)
    for attempt in range(PUSH_ATTEMPTS):
        push = git(root, "push", "-q", "-u", "origin", "HEAD:main", check=False)
        if push.returncode == 0:
            break
        if attempt == PUSH_ATTEMPTS - 1 or not _is_race(push.stderr):
            raise _offline_or(push, "发送")
        _fetch(root)
        _rebase(root)
    after = git(root, "rev-parse", "HEAD").stdout.strip()
    arrived = {name: n for name, n in _records_added(root, before, after).items() if name != mine}
    return SyncResult(sent, arrived, published=not remote_has_main)


def _commit_own(workspace: Workspace, writer: Writer) -> None:
    root = workspace.root
    paths = [p for p in _own_paths(writer) if (root / p).exists()]
    git(root, "add", "--", *paths)
    if git(root, "diff", "--cached", "--quiet", check=False).returncode != 0:
        added = _staged_records(root, writer.log_name())
        who = "市安委办" if writer.is_office else workspace.config.group(writer.group).name
        git(root, *_author(workspace, writer), "commit", "-q", "-m", f"{who} 新增 {added} 条记录")


def _staged_records(root: Path, log_name: str) -> int:
    out = git(root, "diff", "--cached", "--unified=0", "--no-color", "--", f"logs/{log_name}").stdout
    return sum(1 for line in out.splitlines()
               if line.startswith("+") and not line.startswith("+++") and not line.lstrip("+\ufeff").startswith("id,kind,"))  # fmt: skip


def _fetch(root: Path) -> bool:
    """Fetch; True if the remote has a main branch yet."""
    fetch = git(root, "fetch", "-q", "origin", check=False)
    if fetch.returncode != 0:
        raise _offline_or(fetch, "获取")
    return git(root, "rev-parse", "--verify", "-q", "refs/remotes/origin/main", check=False).returncode == 0


def _rebase(root: Path) -> None:
    result = git(root, "-c", "core.editor=true", "rebase", "-q", "origin/main", check=False)
    if result.returncode != 0:
        git(root, "rebase", "--abort", check=False)
        raise AnfangError(
            "同步时遇到冲突，已撤销本次合并，本机的记录都还在、也已提交。"
            "正常使用（每台电脑只写自己的文件）不会出现这种情况，可能有人手工改动了别人的记录文件。"
            f"请把以下信息发给管理员：\n{result.stderr.strip() or result.stdout.strip()}"
        )


def _rebase_in_progress(root: Path) -> bool:
    return (root / ".git" / "rebase-merge").exists() or (root / ".git" / "rebase-apply").exists()


def _is_race(stderr: str) -> bool:
    return bool(re.search(r"rejected|fetch first|non-fast-forward", stderr))


def _offline_or(result: subprocess.CompletedProcess, action: str) -> AnfangError:
    lines = (result.stderr or result.stdout).strip().splitlines()
    detail = next(
        (line for line in lines if line.startswith(("fatal:", "error:"))), lines[0] if lines else ""
    )
    return AnfangError(
        f"无法连接同步服务器，{action}失败；本机的记录已保存并提交，下次同步时会一起发送。\n（git：{detail}）"
    )


def last_synced(root: Path, log_name: str) -> str | None:
    """When the last commit that touched a log was made (ISO), or None."""
    if not (root / ".git").is_dir():
        return None
    out = git(root, "log", "-1", "--format=%cI", "--", f"logs/{log_name}", check=False).stdout.strip()
    return out or None
