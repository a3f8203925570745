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
from anfang.errors import AnfangError
from anfang.options import date_option, format_option, group_option, output_option
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


def emit(text: str, output: str | None, default_name: str) -> Path | None:
    """Print to stdout, or write atomically to a file (or a dated file in a folder)."""
    if output is None:
        click.echo(text, nl=False)
        return None
    return save(text.encode("utf-8"), output, default_name)


def save(data: bytes, output: str | Path, default_name: str) -> Path:
    """Write atomically to `output`: a file, or a folder (existing, or written with a trailing
    slash, or a Path given as the default folder) that gets `default_name`."""
    from anfang.output import write_atomic

    path = Path(output)
    if isinstance(output, Path) or path.is_dir() or str(output).endswith(("/", "\\")):
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

        path = save(
            roster_workbook(app.config),
            output or app.workspace.reports_dir,
            "暗访检查人员分组安排.xlsx",
        )
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


# -- recording ---------------------------------------------------------------------------


@cli.command()
@group_option()
@date_option("暗访日期：YYYY-MM-DD、3-27、3月27日、today、yesterday")
@click.option("--county", default="", metavar="县市区", help="县（市、区），默认为本组督查区域")
@click.option("--town", default=None, metavar="镇街", help="镇（街道）")
@click.option(
    "--sector",
    default=None,
    metavar="行业领域",
    help="行业领域（名称、别名或序号，见 anfang sectors）",
)
@click.option("--site", default=None, metavar="名称", help="企业（场所）名称")
@click.option("--address", default="", metavar="地址", help="地址")
@click.option("--hazard", default=None, metavar="内容", help="问题隐患内容；不写表示该场所未发现问题")
@click.option("--major", is_flag=True, help="是重大隐患")
@click.option("--evidence", is_flag=True, help="已留存影像资料")
@click.option(
    "--photo",
    "photos",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="文件",
    help="照片文件（可多次给出），复制到 evidence/ 并视为已留存影像资料",
)
@click.option("--handover", default="", metavar="部门", help="已交办的属地相关部门")
@click.option("--deadline", "deadline_text", default=None, metavar="日期", help="整改期限")
@click.option("--rectified", is_flag=True, help="已当场完成整改")
@click.option("--by", default="", metavar="姓名", help="记录人（默认：本组联络员）")
@pass_app
def log(app: App, **options) -> None:
    """记录一次现场暗访（及其中发现的一条问题隐患）。

    同一组、同一天、同一场所再次记录，会作为该场所的又一条问题隐患（场所只计一次）。
    在终端中运行且缺少必填项时会逐项提问。
    """
    from anfang.logcommand import run_log

    run_log(app, options)


def read_records(app: App):
    from anfang.store import read_logs

    return read_logs(app.workspace.logs_dir, app.workspace.root).records


@cli.command(name="list")
@group_option()
@date_option("只列出该日发现的")
@click.option("--since", "since_text", default=None, metavar="日期", help="从该日起发现的")
@click.option("--until", "until_text", default=None, metavar="日期", help="到该日止发现的")
@click.option("--sector", default=None, metavar="行业领域", help="只列出该行业领域")
@click.option("--major", is_flag=True, help="只列出重大隐患")
@click.option("--open", "open_only", is_flag=True, help="只列出尚未整改的")
@click.option("--overdue", is_flag=True, help="只列出逾期未整改的")
@click.option("--as-of", "as_of_text", default=None, metavar="日期", help="按该日结束时的状态（默认今天）")
@format_option("table", "csv", "json")
@pass_app
def list_(
    app: App,
    group,
    date_text,
    since_text,
    until_text,
    sector,
    major,
    open_only,
    overdue,
    as_of_text,
    fmt,
) -> None:
    """查找问题隐患（按截至某日的状态）。"""
    from anfang.listing import LIST_HEADERS, Filters, list_rows, select_findings

    filters = Filters(
        as_of=app.date(as_of_text, "--as-of"),
        group=app.group(group) if group else None,
        on=app.date(date_text) if date_text else None,
        since=app.date(since_text, "--since") if since_text else None,
        until=app.date(until_text, "--until") if until_text else None,
        sector=app.config.sector(sector).name if sector else None,
        major=major, open=open_only, overdue=overdue,
    )  # fmt: skip
    findings = select_findings(read_records(app), filters)
    if fmt == "json":
        from anfang.ledger import listed_finding_data

        click.echo(dump_json([listed_finding_data(f) for f in findings]), nl=False)
    elif fmt == "csv":
        from anfang.tables import csv_text

        click.echo(csv_text(LIST_HEADERS, list_rows(findings, app.config, filters.as_of)), nl=False)
    else:
        from anfang.render.text import text_table

        click.echo(text_table(LIST_HEADERS, list_rows(findings, app.config, filters.as_of)), nl=False)
        click.echo(f"共 {len(findings)} 条", err=True)


@cli.command()
@click.argument("record_id", metavar="编号")
@click.option("--as-of", "as_of_text", default=None, metavar="日期", help="按该日结束时的状态（默认今天）")
@pass_app
def show(app: App, record_id: str, as_of_text: str | None) -> None:
    """显示一条记录的现状和全部历史。"""
    from anfang.listing import show_finding

    click.echo(
        show_finding(read_records(app), record_id.strip(), app.config, app.date(as_of_text, "--as-of")),
        nl=False,
    )


# -- reports -----------------------------------------------------------------------------


def announce(path: Path) -> None:
    """Say where a file went, to a person; cron stays quiet on success."""
    if sys.stderr.isatty():
        click.echo(f"已写入 {path}", err=True)


@cli.command()
@date_option("报表日期（默认今天）：YYYY-MM-DD、3-27、3月27日、today、yesterday")
@group_option(multiple=True, help="只出这些组的日报表（可多次给出）；不给则出全部组并附全市汇总")
@format_option("md", "xlsx", "json")
@output_option("输出到文件或目录；md/json 默认输出到屏幕，xlsx 默认写入工作区的 reports/")
@pass_app
def report(app: App, date_text: str | None, group: tuple[str, ...], fmt: str, output: str | None) -> None:
    """暗访检查日报表（附件2）：当日及截至当日的累计情况。"""
    from anfang.report import build_report

    day = app.date(date_text, "报表日期")
    numbers = sorted({app.group(g) for g in group}) or None
    result = build_report(read_records(app), app.config, day, numbers)
    suffix = "" if numbers is None else "-" + "".join(app.config.group(n).name for n in numbers)
    name = f"暗访检查日报表-{day.isoformat()}{suffix}.{fmt}"
    if fmt == "json":
        from anfang.render.report_json import report_json

        written = emit(dump_json(report_json(result)), output, name)
    elif fmt == "md":
        from anfang.render.report_markdown import report_markdown

        written = emit(report_markdown(result, app.workspace.template_dirs), output, name)
    else:
        from anfang.render.report_excel import report_workbook

        written = save(report_workbook(result, app.workspace.template_dirs), output or app.workspace.reports_dir, name)
    if written:
        announce(written)


def main() -> None:
    cli.main(prog_name="anfang")
