"""Asking the liaison, in Chinese, for what `anfang log` was not given (terminal only).

Every answer is checked at its own question and asked again when it is wrong, so an entry that
was filled in is never thrown away at the end. Line editing (← →, ↑ for earlier answers) comes
from readline where Python has it; without it, input() still works.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import click

from anfang.errors import AnfangError

YES_WORDS = {"是", "y", "yes", "1", "有", "对"}
NO_WORDS = {"否", "n", "no", "0", "无", "没有", "不"}


class Cancelled(Exception):
    """Ctrl-C or Ctrl-D at a question: nothing is recorded."""


def enable_line_editing() -> None:
    # importing readline gives input() line editing and history; Windows without it: plain input
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401


def ask(
    text: str, parse: Callable[[str], Any] = str, default: str | None = None, required: bool = True,
    shown_default: str | None = None,
) -> Any:  # fmt: skip
    """Ask until the answer parses; a library error is shown and the question asked again.

    Enter takes `default` (shown as `shown_default` if given); a required question with no
    default says why it asks again."""
    shown = shown_default if shown_default is not None else default
    suffix = f" [{shown}]" if shown else ""
    while True:
        try:
            # input() (readline's when loaded); click's test runner swaps in one that echoes
            raw = click.termui.visible_prompt_func(f"{text}{suffix}：").strip()
        except (KeyboardInterrupt, EOFError):
            raise Cancelled() from None
        if not raw and default is not None:
            raw = default
        if not raw:
            if required:
                click.echo("  此项必填，请输入。", err=True)
                continue
            return ""
        try:
            return parse(raw)
        except AnfangError as error:
            click.echo(f"  {error}", err=True)


def ask_yes_no(text: str, default: bool = False) -> bool:
    def parse(raw: str) -> bool:
        word = raw.strip().lower()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise AnfangError("请回答 是 或 否")

    return ask(f"{text}（是/否）", parse, default="是" if default else "否")
