"""Running git for sync: no global configuration needed, and git's real reason in Chinese.

Every command that writes gets the writer's name, address and signing key on its command line
(`-c`), so a laptop without `git config --global` works and every commit anfang makes is signed
(git's SSH signing). Git runs with the C locale so that its messages can be recognised.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from anfang.errors import AnfangError


class GitFailed(AnfangError):
    def __init__(self, command: str, output: str):
        self.command, self.output = command, output
        super().__init__(explain(command, output))


@dataclass(frozen=True)
class Signer:
    """Who commits: the name and address git records, and the key that signs."""

    name: str
    email: str
    key: Path

    def options(self) -> list[str]:
        return [
            "-c", f"user.name={self.name}", "-c", f"user.email={self.email}",
            "-c", "gpg.format=ssh", "-c", f"user.signingkey={self.key}", "-c", "commit.gpgsign=true",
        ]  # fmt: skip


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(LC_ALL="C", LANGUAGE="C", GIT_TERMINAL_PROMPT="0", GIT_EDITOR="true")
    # a stray global or system setting must not change what sync does (hooks, signing programs)
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def git(root: Path, *args: str, check: bool = True, input: bytes | None = None,
        signer: Signer | None = None) -> subprocess.CompletedProcess:  # fmt: skip
    """Run git in `root`; output as bytes decoded to text (UTF-8, invalid bytes replaced)."""
    result = git_bytes(root, *args, check=check, input=input, signer=signer)
    return subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8", "replace"),
        result.stderr.decode("utf-8", "replace"),
    )


def git_bytes(root: Path, *args: str, check: bool = True, input: bytes | None = None,
              signer: Signer | None = None) -> subprocess.CompletedProcess:  # fmt: skip
    if shutil.which("git") is None:
        raise AnfangError("同步需要 git，但这台电脑上没有找到 git 命令；请先安装 git")
    options = [
        "-c",
        "core.quotepath=false",
        "-c",
        "core.hooksPath=/dev/null/none",
        "-c",
        "core.autocrlf=false",
    ]
    if signer is not None:
        options += signer.options()
    result = subprocess.run(
        ["git", *options, *args],
        cwd=root,
        input=input,
        capture_output=True,
        env=_environment(),
        stdin=None if input is not None else subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        output = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
        raise GitFailed(args[0], output)
    return result


_OFFLINE = re.compile(
    r"Could not resolve host|unable to access|Connection (refused|timed out)|Could not read from remote"
    r"|does not appear to be a git repository|No such file or directory|Network is unreachable"
    r"|unable to connect|Operation timed out|Name or service not known|not found"
)


def is_offline(output: str) -> bool:
    return bool(_OFFLINE.search(output))


def explain(command: str, output: str) -> str:
    """git's failure as a Chinese sentence, with git's own words after it."""
    lines = [line for line in output.splitlines() if line.strip()]
    detail = next(
        (line for line in lines if line.startswith(("fatal:", "error:"))), lines[0] if lines else ""
    )
    if re.search(r"gpg failed to sign|Load key|signing failed|Couldn't load public key", output):
        reason = "签名失败（本机的签名密钥无法使用；请检查 .git/anfang/signing-key 是否还在）"
    elif re.search(r"would be overwritten|untracked working tree files", output):
        paths = [line.strip() for line in lines if line.startswith(("\t", "    "))]
        reason = "本机有未同步的文件挡住了别人发来的同名文件：" + "、".join(paths or ["（见 git 的说明）"])
    elif is_offline(output):
        reason = "无法连接同步服务器"
    elif re.search(r"rejected|non-fast-forward|fetch first", output):
        reason = "同步服务器拒绝了本机的提交（别人刚刚也在同步，或服务器禁止改写）"
    elif re.search(r"CONFLICT|could not apply|conflict", output):
        reason = "合并时遇到冲突"
    else:
        reason = f"git {command} 失败"
    return f"{reason}。\n（git：{detail}）" if detail else reason


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    return git(root, "merge-base", "--is-ancestor", older, newer, check=False).returncode == 0


def rev(root: Path, name: str) -> str | None:
    result = git(root, "rev-parse", "--verify", "-q", f"{name}^{{commit}}", check=False)
    return result.stdout.strip() or None


def blobs(root: Path, names: list[str]) -> dict[str, bytes | None]:
    """The contents of several objects ('commit:path' or a blob id) in one git call; None if missing."""
    if not names:
        return {}
    out = git_bytes(root, "cat-file", "--batch", input="".join(f"{n}\n" for n in names).encode()).stdout
    result: dict[str, bytes | None] = {}
    pos = 0
    for name in names:
        end = out.index(b"\n", pos)
        header = out[pos:end]
        pos = end + 1
        if header.endswith((b" missing", b" ambiguous")):
            result[name] = None
            continue
        size = int(header.rsplit(b" ", 1)[1])
        result[name] = out[pos : pos + size]
        pos += size + 1
    return result
