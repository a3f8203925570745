"""The `anfang` command line: parse options, call the library, print or save.

Heavy libraries (pandas, openpyxl, jinja2) are imported inside the commands that render,
so `anfang log` starts fast.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from functools import cached_property
from pathlib import Path

import click

from anfang import __version__, clickzh
from anfang.dates import parse_date, parse_group, today
from anfang.errors import AnfangError, UsageError
from anfang.options import format_option, output_option
from anfang.workspace import Workspace, find_workspace, init_workspace

clickzh.install()


class App:
    """What every command needs, found lazily: the workspace, its config, date/group parsing."""

    def __init__(self, workspace_option: str | None):
        self.workspace_option = workspace_option

    @cached_property
    def workspace(self) -> Workspace:
        return find_workspace(self.workspace_option)

    @property
    def config(self):
        return self.workspace.config

    def date(self, text: str | None, field: str = "日期", default: date | None = None) -> date:
        if text is None:
            return default if default is not None else today()
        return parse_date(text, self.config.campaign.year, field)

    def group(self, text: str) -> int:
        return parse_group(text, len(self.config.groups))


class _Failure(click.ClickException):
    """An AnfangError on its way out, with its exit status (1 data, 2 usage)."""

    def __init__(self, error: AnfangError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


class AnfangGroup(click.Group):
    """Turns the library's errors into messages and exit codes, in one place."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AnfangError as error:
            raise _Failure(error) from None
        except BrokenPipeError:
            sys.stderr.close()  # `anfang list | head`: stop quietly
            raise click.exceptions.Exit(0) from None


@click.group(cls=AnfangGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--workspace", "-w", "workspace", default=None, metavar="目录",
              help="工作区目录（默认：$ANFANG_WORKSPACE，或当前目录及其上级中含 data/groups.yaml 的目录）")  # fmt: skip
@click.version_option(__version__, prog_name="anfang")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None) -> None:
    """暗访：安全生产暗访暗查的现场记录、日报表、督办与汇总。"""
    ctx.obj = App(workspace)


pass_app = click.make_pass_decorator(App)


def emit(text: str, output: str | None, default_name: str, app: App | None = None) -> Path | None:
    """Print to stdout, or write atomically to a file (or a dated file in a folder)."""
    if output is None:
        click.echo(text, nl=False)
        return None
    return save(text.encode("utf-8"), output, default_name)


def save(data: bytes, output: str, default_name: str) -> Path:
    from anfang.output import write_atomic

    path = Path(output)
    if path.is_dir() or output.endswith(("/", "\\")):
        path = path / default_name
    write_atomic(path, data)
    return path


def dump_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# -- workspace and configuration ----------------------------------------------------------


@cli.command()
@click.argument("directory", default=".", metavar="[目录]")
@click.option("--example", is_flag=True, help="同时放入示例记录（虚构的几天暗访数据），便于试用")
def init(directory: str, example: bool) -> None:
    """用内置的攻坚行动配置创建工作区。"""
    workspace = init_workspace(Path(directory), example=example)
    click.echo(f"已创建工作区：{workspace.root}")
    click.echo("配置在 data/ 下（campaign.yaml、groups.yaml、sectors.yaml），可按实际修改。")


@cli.command()
@format_option("table", "md", "json", "xlsx")
@output_option()
@pass_app
def groups(app: App, fmt: str, output: str | None) -> None:
    """暗访检查人员分组安排（附件1）。"""
    from anfang.roster import groups_data

    data = groups_data(app.config)
    if fmt == "json":
        emit(dump_json(data), output, "groups.json")
    elif fmt == "xlsx":
        from anfang.render.roster_excel import roster_workbook

        path = save(roster_workbook(app.config), output or str(app.workspace.reports_dir), "暗访检查人员分组安排.xlsx")
        click.echo(f"已写入 {path}")
    else:
        from anfang.render.roster_text import groups_markdown, groups_table

        emit((groups_markdown if fmt == "md" else groups_table)(data), output, "groups.md")


@cli.command()
@format_option("table", "md", "json")
@output_option()
@pass_app
def sectors(app: App, fmt: str, output: str | None) -> None:
    """重点行业领域、牵头单位和检查重点。"""
    from anfang.roster import sectors_data

    data = sectors_data(app.config)
    if fmt == "json":
        emit(dump_json(data), output, "sectors.json")
    else:
        from anfang.render.roster_text import sectors_markdown, sectors_table

        emit((sectors_markdown if fmt == "md" else sectors_table)(data), output, "sectors.md")


def main() -> None:
    cli.main(prog_name="anfang")
