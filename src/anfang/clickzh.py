"""Click's own messages (usage, missing option, …) in Simplified Chinese.

Click looks its messages up through gettext; we give its modules a lookup that answers from
this table and falls back to the English original for anything not listed.
"""

from __future__ import annotations

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

MESSAGES = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Error: {e.message}": "错误：{e.message}",
    "Error: The value you entered was invalid.": "错误：输入的值无效。",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Repeat for confirmation": "再输入一次确认",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Missing option": "缺少选项",
    "Missing argument": "缺少参数",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing {param_type}": "缺少{param_type}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受取值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Invalid value: {message}": "取值无效：{message}",
    "Aborted!": "已取消。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "integer": "整数",
}

PLURALS = {
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个取值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个取值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "{value!r} is not {choice}.": "{value!r} 不是可选值 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不在可选值 {choices} 之中。",
    "Did you mean {possibility}?": "您是否想用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（您是否想用其中之一：{possibilities}？）",
}

MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
)


def _gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    chosen = singular if n == 1 else plural
    return PLURALS.get(chosen, chosen)


def install() -> None:
    for module in MODULES:
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext


def stamp() -> str:
    """A timestamp before messages that go to a log file (cron), none for a person at a terminal."""
    import sys

    if sys.stderr.isatty():
        return ""
    from anfang.dates import now

    return now().strftime("[%Y-%m-%d %H:%M:%S] ")


def warn(message: str) -> None:
    click.echo(f"{stamp()}警告：{message}", err=True)
