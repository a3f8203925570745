"""The library's exceptions. The CLI turns them into exit codes in one place (cli.main)."""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with a file, with where it is (file:line), for `anfang check` (a tuple:
    a campaign's check makes hundreds of thousands)."""

    file: str
    line: int | None
    message: str
    dropped: bool = False  # lines (or a whole file) left out of the records because of it

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class AnfangError(Exception):
    """A data or runtime error: the user is told why; exit status 1."""

    exit_code = 1


class UsageError(AnfangError):
    """A missing or malformed option: exit status 2."""

    exit_code = 2


class ConfigError(AnfangError):
    """Configuration files have problems; all of them are carried, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("配置文件有误：\n" + "\n".join(f"  {p}" for p in problems))


class NoWorkspace(AnfangError):
    """No workspace was given or found."""


class UnknownId(AnfangError):
    """A change refers to an id that no record has."""


_OS_REASONS = {
    "ENOSPC": "磁盘已满",
    "EDQUOT": "磁盘配额已满",
    "EACCES": "没有权限",
    "EPERM": "没有权限",
    "EROFS": "磁盘是只读的",
    "ENOENT": "路径不存在",
    "ENOTDIR": "路径中有一段不是目录",
    "EISDIR": "这是一个目录",
    "EIO": "磁盘读写出错",
    "ENAMETOOLONG": "文件名太长",
    "ELOOP": "符号链接循环",
}


def os_reason(exc: OSError) -> str:
    """An OS error in Chinese, for messages such as 无法写入 X：磁盘已满."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _OS_REASONS.get(name, exc.strerror or str(exc))
