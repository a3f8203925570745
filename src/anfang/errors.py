"""The library's exceptions. The CLI turns them into exit codes in one place (cli.main)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, with where it is (file:line), for `anfang check`."""

    file: str
    line: int | None
    message: str

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
