"""Asking the liaison, in Chinese, for what `anfang log` was not given (terminal only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from anfang.errors import AnfangError

YES_WORDS = {"是", "y", "yes", "1", "有", "对"}
NO_WORDS = {"否", "n", "no", "0", "无", "没有", "不"}


def ask(
    text: str, parse: Callable[[str], Any] = str, default: str | None = None, required: bool = True
) -> Any:
    """Prompt until the answer parses; a library error is shown and the question asked again."""

    def value_proc(raw: str) -> Any:
        raw = raw.strip()
        if not raw and required:
            raise click.UsageError("此项必填")
        try:
            return parse(raw) if raw else raw
        except AnfangError as error:
            raise click.UsageError(str(error)) from None

    return click.prompt(
        text, default=default if default is not None else ("" if not required else None),
        value_proc=value_proc, show_default=bool(default), prompt_suffix="：",
    )  # fmt: skip


def ask_yes_no(text: str, default: bool = False) -> bool:
    def parse(raw: str) -> bool:
        word = raw.strip().lower()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise AnfangError("请回答 是 或 否")

    return ask(f"{text}（是/否）", parse, default="是" if default else "否")
