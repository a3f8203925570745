"""Option bundles shared by the commands, so every command spells them the same way."""

from __future__ import annotations

import click


def group_option(required: bool = False, multiple: bool = False, help: str = "组别：1–9 或“第一组”"):
    return click.option(
        "--group", "-g", "group", required=required, multiple=multiple, metavar="组别", help=help
    )


def date_option(help: str = "日期：YYYY-MM-DD、3-27、3月27日、today、yesterday", name: str = "--date"):
    return click.option(name, "date_text", default=None, metavar="日期", help=help)


def format_option(*choices: str, default: str | None = None):
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default or choices[0],
        show_default=True,
        help="输出格式",
    )


def output_option(help: str = "输出到文件或目录（目录时自动按日期命名）"):
    return click.option("--output", "-o", "output", type=click.Path(dir_okay=True), default=None, help=help)
