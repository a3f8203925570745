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
        return parse_date(text, self.config.campaign.span, field)

    def group(self, text: str) -> int:
        return parse_group(text, len(self.config.groups))


class _Failure(click.ClickException):
    """An AnfangError on its way out, with its exit status (1 data, 2 usage); the message carries
    a timestamp when it goes to a log file (cron) rather than a terminal."""

    def __init__(self, error: AnfangError):
        super().__init__(str(error))
        self.exit_code = error.exit_code

    def show(self, file=None) -> None:
        click.echo(f"{clickzh.stamp()}错误：{self.format_message()}", err=True)


def _workspace_after_command(ctx: click.Context, param, value) -> None:
    if value:
        ctx.find_object(App).workspace_option = value


WORKSPACE_AFTER = click.Option(
    ["--workspace", "-w", "workspace_after"], metavar="目录", expose_value=False, is_eager=True,
    callback=_workspace_after_command, help="工作区目录（也可写在命令名之前）",
)  # fmt: skip


class AnfangCommand(click.Command):
    """Every command's usage line in Chinese (用法： anfang log [选项]), its help ending in
    examples, and -w/--workspace accepted after the command name too."""

    def __init__(self, *args, **kwargs):
        from anfang.cli_help import epilog

        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
        self.epilog = self.epilog or epilog(self.name or "")
        self.params.append(WORKSPACE_AFTER)


class AnfangGroup(click.Group):
    """Turns the library's errors into messages and exit codes, in one place; lists the
    commands by the part of the work they serve."""

    command_class = AnfangCommand

    def list_commands(self, ctx: click.Context) -> list[str]:
        from anfang.cli_help import SECTIONS

        ordered = [name for _, names in SECTIONS for name in names if name in self.commands]
        return ordered + sorted(set(self.commands) - set(ordered))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from anfang.cli_help import SECTIONS

        listed = set()
        for title, names in SECTIONS:
            rows = [
                (n, self.commands[n].get_short_help_str(formatter.width - 16))
                for n in names
                if n in self.commands
            ]
            listed.update(names)
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
        rest = [
            (n, c.get_short_help_str(formatter.width - 16))
            for n, c in sorted(self.commands.items())
            if n not in listed
        ]
        if rest:
            with formatter.section("其他"):
                formatter.write_dl(rest)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AnfangError as error:
            raise _Failure(error) from None
        except BrokenPipeError:
            sys.stderr.close()  # `anfang list | head`: stop quietly
            raise click.exceptions.Exit(0) from None
        except OSError as error:  # the last net: a file problem the library did not expect
            from anfang.errors import os_reason

            where = f"{error.filename}：" if error.filename else ""
            raise _Failure(AnfangError(f"{where}{os_reason(error)}")) from None
        except Exception as error:
            jinja = sys.modules.get("jinja2")
            if jinja is not None and isinstance(error, jinja.TemplateError):
                from anfang.templating import template_error

                raise _Failure(template_error(error)) from None
            raise


@click.group(
    cls=AnfangGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    options_metavar="[选项]",
    subcommand_metavar="命令 [参数]...",
)
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
    from anfang.output import write_output

    path = Path(output)
    if isinstance(output, Path) or path.is_dir() or str(output).endswith(("/", "\\")):
        path = path / default_name
    app = click.get_current_context().find_object(App)
    return write_output(path, data, app.workspace.logs_dir if app else None)


def dump_json(data, compact: bool = False) -> str:
    """Compact for the outputs that can be large (the C encoder; indent would use the slow one)."""
    if compact:
        return json.dumps(data, ensure_ascii=False) + "\n"
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# -- workspace and configuration ----------------------------------------------------------


@cli.command()
@click.argument("directory", default=".", metavar="[目录]")
@click.option("--example", is_flag=True, help="同时放入示例记录（虚构的几天暗访数据），便于试用")
@click.option(
    "--remote",
    default=None,
    metavar="地址",
    help="同步用的 git 仓库地址（共享盘上的裸仓库，或内网 Gitea/GitLab）",
)
@click.option("--office", is_flag=True, help="与 --remote 一起：市安委办，在空仓库中创建攻坚行动工作区")
@click.option(
    "--group",
    "-g",
    "group",
    default=None,
    metavar="组别",
    help="与 --remote 一起：这台电脑是该组联络员的电脑",
)
def init(directory: str, example: bool, remote: str | None, office: bool, group: str | None) -> None:
    """用内置的攻坚行动配置创建工作区；或用 --remote 创建/获取需要同步的工作区。"""
    target = Path(directory)
    if remote is None:
        if office or group:
            raise UsageError("--office 和 --group 要与 --remote 一起使用")
        workspace = init_workspace(target, example=example)
        click.echo(f"已创建工作区：{workspace.root}")
        click.echo("配置在 data/ 下（campaign.yaml、groups.yaml、sectors.yaml），可按实际修改。")
        return
    from anfang import sync

    if office == bool(group) or example:
        raise UsageError("--remote 需要且只能与 --office 或 --group N 之一一起使用（不能加 --example）")
    if office:
        workspace = sync.init_office(target, remote)
        click.echo(f"已创建攻坚行动工作区：{workspace.root}（市安委办）。运行 anfang sync 发布到 {remote}。")
        click.echo("本机的签名密钥已创建并登记为市安委办的密钥（data/writers.yaml）。")
        return
    from anfang.config import load_config
    from anfang.workspace import bundled

    number = parse_group(group, len(load_config([bundled("data")]).groups))
    made = sync.init_group(target, remote, number)
    name = made.workspace.config.group(number).name
    click.echo(f"已获取攻坚行动工作区：{made.workspace.root}。这台电脑记录{name}的暗访情况。")
    if made.replaces:
        click.echo(
            f"注意：{name}已经登记过一台电脑的密钥。登记本机的密钥后，原来那台电脑就不能再同步了。", err=True
        )
    click.echo(
        "请把下面这一行本机的签名公钥发给市安委办登记（anfang writers add "
        f'{number} "公钥"）；登记前记录照常保存在本机，登记后的第一次同步时发送：'
    )
    click.echo(made.key)
    if made.refusal is not None:
        click.echo(
            "注意：同步服务器上有未通过验证的提交，只取了其之前的部分：" + made.refusal.message(), err=True
        )


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
@click.option("--force", is_flag=True, help="在登记为其他组的电脑上代录本组记录")
@pass_app
def log(app: App, **options) -> None:
    """记录一次现场暗访（及其中发现的一条问题隐患）。

    同一组、同一天、同一场所再次记录，会作为该场所的又一条问题隐患（场所只计一次）。
    在终端中运行且缺少必填项时会逐项提问。
    """
    from anfang.logcommand import run_log

    run_log(app, options)


def read_records(app: App, strict: bool = False):
    from anfang.store import read_logs

    contents = read_logs(app.workspace.logs_dir, app.workspace.root)
    warn_dropped(contents.problems, strict)
    # records of a group not in groups.yaml are left out, as the reports do (anfang check names them)
    known = {g.number for g in app.config.groups}
    return [r for r in contents.records if r.group in known]


def read_state_frame(app: App, strict: bool = False):
    """The logs column-wise (report, summary, overdue), with the warning for lines left out."""
    from anfang.columnar import read_frame

    frame, problems = read_frame(app.workspace.logs_dir, app.workspace.root)
    warn_dropped(problems, strict)
    return frame


def warn_dropped(problems, strict: bool = False) -> None:
    """Nothing is dropped in silence: one line on stderr when lines of the logs were left out;
    with --strict that is an error (exit 1) and nothing is written."""
    dropped = [p for p in problems if p.dropped]
    if not dropped:
        return
    files = sorted({p.file for p in dropped})
    message = (f"记录文件中有 {len(dropped)} 处未能读取（{'、'.join(files)}），这些行未计入；运行 anfang check 查看")  # fmt: skip
    if strict:
        raise AnfangError(f"{message}。因为用了 --strict，本次未生成输出")
    clickzh.warn(message)


def strict_option(command):
    return click.option(
        "--strict", is_flag=True, help="记录文件中有未能读取的行时报错退出（退出码 1），不生成输出；cron 用"
    )(command)


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
    from anfang.listing import LIST_FLEXIBLE, LIST_HEADERS, Filters, list_rows, select_findings

    filters = Filters(
        as_of=app.date(as_of_text, "--as-of"),
        group=app.group(group) if group else None,
        on=app.date(date_text) if date_text else None,
        since=app.date(since_text, "--since") if since_text else None,
        until=app.date(until_text, "--until") if until_text else None,
        sector=app.config.sector(sector).name if sector else None,
        major=major, open=open_only, overdue=overdue,
    )  # fmt: skip
    findings = select_findings(read_records(app), filters, visits=fmt != "json")
    if fmt == "json":
        from anfang.ledger import listed_finding_data

        click.echo(dump_json([listed_finding_data(f) for f in findings], compact=True), nl=False)
    elif fmt == "csv":
        from anfang.tables import csv_text

        click.echo(csv_text(LIST_HEADERS, list_rows(findings, app.config, filters.as_of)), nl=False)
    else:
        import shutil

        from anfang.render.text import text_table

        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        table = text_table(LIST_HEADERS, list_rows(findings, app.config, filters.as_of), width, LIST_FLEXIBLE)
        click.echo(table, nl=False)
        found = sum(1 for f in findings if f.is_finding)
        click.echo(f"共 {len(findings)} 条（问题隐患 {found} 条，未发现问题的场所 {len(findings) - found} 个）"
                   + ("；长文字已截断，anfang show 编号 看全文" if width and "…" in table else ""), err=True)  # fmt: skip


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


# -- follow-up -----------------------------------------------------------------------------


def by_option(command):
    """--by and --force, shared by the follow-up commands."""
    command = click.option("--force", is_flag=True, help="在登记为其他组的电脑上代录")(command)
    return click.option("--by", default="", metavar="姓名", help="记录人（默认：该组联络员）")(command)


def _apply(app: App, record_id: str, by: str, make_change, force: bool = False) -> None:
    """Find the finding, let `make_change(target, today)` validate and describe the change, append
    it; the validation is made again under the lock, against everything written by then."""
    from anfang.changes import apply_change

    problems: list = []
    try:
        apply_change(app.workspace, app.config, record_id.strip(), make_change, by.strip(), force, problems)
    finally:
        warn_dropped(problems)


@cli.command()
@click.argument("record_id", metavar="编号")
@date_option("整改完成日期（默认今天）")
@by_option
@pass_app
def rectify(app: App, record_id: str, date_text: str | None, by: str, force: bool) -> None:
    """记录一条问题隐患已完成整改。"""
    from anfang.changes import rectify_change

    when = app.date(date_text, "整改日期")
    _apply(app, record_id, by, lambda t, now: rectify_change(t, when, now), force)
    click.echo(f"已记录：{record_id} 于 {when} 完成整改")


@cli.command()
@click.argument("record_id", metavar="编号")
@click.option("--to", "department", required=True, metavar="部门", help="交办的属地相关部门")
@date_option("交办日期（默认今天）")
@click.option("--deadline", "deadline_text", default=None, metavar="日期", help="整改期限")
@by_option
@pass_app
def handover(
    app: App,
    record_id: str,
    department: str,
    date_text: str | None,
    deadline_text: str | None,
    by: str,
    force: bool,
) -> None:
    """记录一条问题隐患已交办属地相关部门（可同时给出整改期限）。"""
    from anfang.changes import handover_change

    when = app.date(date_text, "交办日期")
    due = app.date(deadline_text, "整改期限") if deadline_text else None
    _apply(app, record_id, by, lambda t, now: handover_change(t, department, when, due, now), force)
    click.echo(
        f"已记录：{record_id} 于 {when} 交办{department.strip()}" + (f"，整改期限 {due}" if due else "")
    )


@cli.command()
@click.argument("record_id", metavar="编号")
@click.argument("deadline_text", metavar="新整改期限")
@date_option("调整日期（默认今天）")
@by_option
@pass_app
def deadline(
    app: App, record_id: str, deadline_text: str, date_text: str | None, by: str, force: bool
) -> None:
    """调整一条问题隐患的整改期限（从调整之日起生效）。"""
    from anfang.changes import deadline_change

    due = app.date(deadline_text, "整改期限")
    when = app.date(date_text, "调整日期")
    _apply(app, record_id, by, lambda t, now: deadline_change(t, due, when, now), force)
    click.echo(f"已记录：{record_id} 的整改期限自 {when} 起调整为 {due}")


@cli.command()
@click.argument("record_id", metavar="编号")
@click.option("--reason", required=True, metavar="原因", help="作废原因（如：重复录入）")
@by_option
@pass_app
def void(app: App, record_id: str, reason: str, by: str, force: bool) -> None:
    """作废一条误录的记录（所有报表，包括以前日期的，都不再计入）。"""
    from anfang.changes import void_change

    _apply(app, record_id, by, lambda t, now: void_change(t, reason, now), force)
    click.echo(f"已作废：{record_id}")


@cli.command()
@click.argument("record_id", metavar="编号")
@click.option("--hazard", default=None, metavar="内容", help="问题隐患内容")
@click.option("--site", default=None, metavar="名称", help="企业（场所）名称")
@click.option("--address", default=None, metavar="地址", help="地址")
@click.option("--sector", default=None, metavar="行业领域", help="行业领域")
@click.option("--county", default=None, metavar="县市区", help="县（市、区）")
@click.option("--town", default=None, metavar="镇街", help="镇（街道）")
@click.option("--major/--no-major", default=None, help="是否为重大隐患")
@click.option("--evidence/--no-evidence", default=None, help="是否留存影像资料")
@click.option(
    "--same-site", is_flag=True, help="同一天同一场所的其他记录也一起更正（场所、地址、镇街、县市区）"
)
@by_option
@pass_app
def amend(app: App, record_id: str, by: str, force: bool, same_site: bool, **values) -> None:
    """更正一条记录（如错字、行业领域选错）；所有报表，包括以前日期的，都按更正后的内容计算。

    更正场所、地址、镇街时，同一天同一场所的其他记录会被列出（加 --same-site 一起更正），
    否则报表会把它当成两个场所。
    """
    from anfang.changes import SITE_FIELDS, amend_change, describe_amend, site_siblings

    given = {k: v for k, v in values.items() if v is not None}
    record_id = record_id.strip()
    records = read_records(app)
    siblings = site_siblings(records, record_id, given)
    _apply(app, record_id, by, lambda t, now: amend_change(t, given, app.config, now), force)
    click.echo(f"已更正：{record_id}  {describe_amend(records, record_id, given, app.config)}")
    if not siblings:
        return
    names = "、".join(siblings)
    if not same_site and sys.stdin.isatty() and sys.stdout.isatty():
        from anfang.prompts import Cancelled, ask_yes_no

        try:
            same_site = ask_yes_no(f"同一天该场所还有 {len(siblings)} 条记录（{names}），是否一起更正")
        except Cancelled:
            same_site = False
    if same_site:
        shared = {k: v for k, v in given.items() if k in SITE_FIELDS}
        for other in siblings:
            _apply(app, other, by, lambda t, now: amend_change(t, shared, app.config, now), force)
        click.echo(f"已一起更正同一天该场所的 {len(siblings)} 条记录：{names}")
    else:
        click.echo(
            f"注意：同一天该场所还有 {len(siblings)} 条记录（{names}）仍是原来的内容，报表会把它们算作另一个场所；"
            f"要一起更正请运行 anfang amend … --same-site，或逐条更正",
            err=True,
        )


@cli.command()
@date_option("截至该日（默认今天）")
@group_option(multiple=True, help="只看这些组（可多次给出）")
@format_option("table", "md", "json")
@strict_option
@pass_app
def overdue(app: App, date_text: str | None, group: tuple[str, ...], fmt: str, strict: bool) -> None:
    """逾期未整改的问题隐患（截至某日），整改期限最早的在前。"""
    from anfang.overdue import OVERDUE_HEADERS, overdue_rows, overdue_rows_frame
    from anfang.stateframe import as_findings, overdue_json, state_as_of

    day = app.date(date_text)
    numbers = sorted({app.group(g) for g in group}) or [g.number for g in app.config.groups]
    frame = read_state_frame(app, strict)
    late = overdue_rows_frame(frame, state_as_of(frame, day), day, numbers)
    if fmt == "json":
        click.echo(dump_json(overdue_json(late, day), compact=True), nl=False)
        return
    rows = overdue_rows(as_findings(late), {g.number: g.name for g in app.config.groups}, day)
    if fmt == "md":
        from anfang.render.markdown import md_escape, md_table

        body = md_table(OVERDUE_HEADERS, [[md_escape(c) for c in r] for r in rows]) if rows else "无。\n"
        click.echo(f"# 逾期未整改问题隐患（截至{day}）\n\n{body}", nl=False)
    else:
        from anfang.render.text import text_table

        click.echo(
            text_table(OVERDUE_HEADERS, rows) if rows else f"截至 {day} 没有逾期未整改的问题隐患。\n",
            nl=False,
        )


@cli.command()
@date_option("检查该日的记录情况（默认今天）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@pass_app
def check(app: App, date_text: str | None, as_json: bool) -> None:
    """检查配置和记录：残行、重号、引用不存在的编号、日期超出行动期；当日未报的组、暗访天数不足的组。"""
    from anfang.checks import CheckInput, run_checks
    from anfang.store import read_logs

    day = app.date(date_text)
    contents = read_logs(app.workspace.logs_dir, app.workspace.root)
    result = run_checks(CheckInput(app.config, contents.records, contents.problems, day, app.workspace.root))
    if as_json:
        as_dicts = lambda ps: [{"file": p.file, "line": p.line, "message": p.message} for p in ps]  # noqa: E731
        click.echo(
            dump_json(
                {
                    "date": day.isoformat(),
                    "errors": as_dicts(result.errors),
                    "notices": as_dicts(result.notices),
                }
            ),
            nl=False,
        )
    else:
        for problem in result.errors:
            click.echo(str(problem))
        if result.notices:
            click.echo(f"—— 需跟进（{day}）——")
            for problem in result.notices:
                click.echo(str(problem))
        click.echo(
            f"记录问题 {len(result.errors)} 处" if result.errors else "记录检查通过，未发现问题。", err=True
        )
    if result.errors:
        raise click.exceptions.Exit(1)


# -- exchange ------------------------------------------------------------------------------


@cli.command()
@format_option("csv", "xlsx")
@output_option("输出到文件或目录；csv 默认输出到屏幕，xlsx 默认写入工作区的 reports/")
@pass_app
def export(app: App, fmt: str, output: str | None) -> None:
    """导出全部检查记录（每条问题隐患一行，未发现问题的场所也一行），按当前状态。"""
    from anfang.flat import EXPORT_COLUMNS, export_rows

    rows = export_rows(read_records(app), app.config)
    name = f"暗访记录-{today().isoformat()}.{fmt}"
    if fmt == "csv":
        from anfang.tables import csv_text

        table = [[_csv_cell(row[c]) for c in EXPORT_COLUMNS] for row in rows]
        text = csv_text(EXPORT_COLUMNS, table, bom=True)
        if output is None:
            click.echo(text, nl=False)
        else:
            announce(save(text.encode("utf-8"), output, name))
    else:
        from anfang.render.export_excel import export_workbook

        announce(save(export_workbook(rows), output or app.workspace.reports_dir, name))


def _csv_cell(value) -> str:
    return value.isoformat() if isinstance(value, date) else (value or "")


@cli.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False), metavar="文件")
@click.option(
    "--encoding", default=None, metavar="编码", help="CSV 的编码（默认自动识别 UTF-8、UTF-8 BOM、GB18030）"
)
@group_option(help="这些记录属于哪个组：表格可以没有“组别”列；有的话必须一致")
@pass_app
def import_(app: App, file: str, encoding: str | None, group: str | None) -> None:
    """导入检查记录：导出的表格（.csv/.xlsx），或填好的 anfang form 日报表。先逐行检查，有一行不对就整个文件不导入。"""
    from anfang.importer import import_rows, validate_rows

    path = Path(file)
    number = app.group(group) if group else None
    if sys.stderr.isatty() and path.is_file() and path.stat().st_size > 1_000_000:
        with click.progressbar(length=0, label="检查中", file=sys.stderr, show_pos=True) as bar:
            rows = validate_rows(path, app.config, encoding, progress=lambda n: bar.update(1), group=number)
    else:
        rows = validate_rows(path, app.config, encoding, group=number)
    result = import_rows(app.workspace, rows)
    warn_dropped(result.problems)
    per_group = "，".join(f"{app.config.group(g).name} {n} 条" for g, n in result.groups.items())
    click.echo(f"已导入 {result.added} 条" + (f"（{per_group}）" if per_group else "")
               + (f"，跳过已导入过的 {result.skipped} 条" if result.skipped else ""))  # fmt: skip
    if result.departments:
        shown = "、".join(result.departments[:30]) + ("……" if len(result.departments) > 30 else "")
        click.echo(f"交办部门（{len(result.departments)} 个）：{shown}")


@cli.command()
@group_option(required=True)
@date_option("日报表的日期（默认今天）")
@output_option("输出到文件或目录（默认写入工作区的 reports/）")
@pass_app
def form(app: App, group: str, date_text: str | None, output: str | None) -> None:
    """空白的暗访检查日报表（附件2，.xlsx），供在 Excel 或纸上填写后用 anfang import 导入。"""
    from anfang.forms import blank_form

    number, day = app.group(group), app.date(date_text)
    name = f"暗访检查日报表-{app.config.group(number).name}-{day.isoformat()}-空白.xlsx"
    announce(save(blank_form(app.config, number, day), output or app.workspace.reports_dir, name))


# -- reports -----------------------------------------------------------------------------


def announce(path: Path) -> None:
    """Say where a file went, to a person; cron stays quiet on success."""
    if sys.stderr.isatty():
        click.echo(f"已写入 {path}", err=True)


def deliver(app: App, output: str | None, name: str, data: str | bytes) -> None:
    """Deliver a rendered document: text to stdout or --output; a workbook (bytes) to --output
    or the workspace's reports/."""
    if isinstance(data, bytes):
        announce(save(data, output or app.workspace.reports_dir, name))
    elif output is not None:
        announce(emit(data, output, name))
    else:
        click.echo(data, nl=False)


def as_json(data) -> str:
    return dump_json(data, compact=True)


@cli.command()
@date_option("报表日期（默认今天）：YYYY-MM-DD、3-27、3月27日、today、yesterday")
@group_option(multiple=True, help="只出这些组的日报表（可多次给出）；不给则出全部组并附全市汇总")
@format_option("md", "xlsx", "json", "chat")
@output_option("输出到文件或目录；md/json 默认输出到屏幕，xlsx 默认写入工作区的 reports/")
@strict_option
@pass_app
def report(
    app: App, date_text: str | None, group: tuple[str, ...], fmt: str, output: str | None, strict: bool
) -> None:
    """暗访检查日报表（附件2）：当日及截至当日的累计情况。"""
    from anfang.report import build_report

    day = app.date(date_text, "报表日期")
    if day > today():
        clickzh.warn(f"报表日期 {day} 晚于今天（{today()}）：这一天还没有到，报表中只有已经记下的内容")
    numbers = sorted({app.group(g) for g in group}) or None
    result = build_report(read_state_frame(app, strict), app.config, day, numbers)
    suffix = "" if numbers is None else "-" + "".join(app.config.group(n).name for n in numbers)
    name = f"暗访检查日报表-{day.isoformat()}{suffix}.{fmt}"
    if fmt == "json":
        from anfang.render.report_json import report_json

        deliver(app, output, name, as_json(report_json(result)))
    elif fmt == "chat":
        from anfang.render.chat import chat_text

        deliver(app, output, name.replace(".chat", ".txt"), chat_text(result, day_workbook(app, day, suffix)))
    elif fmt == "md":
        from anfang.render.report_markdown import report_markdown

        deliver(app, output, name, report_markdown(result, app.workspace.template_dirs))
    else:
        from anfang.render.report_excel import report_workbook

        deliver(app, output, name, report_workbook(result, app.workspace.template_dirs))


@cli.command()
@date_option("哪一天的日报（默认今天；cron 用 yesterday）")
@click.option(
    "--channel",
    "channel_names",
    multiple=True,
    metavar="名称",
    help="只发到这些频道（data/channels.yaml 中的 name，可多次给出）",
)
@click.option("--attach", is_flag=True, help="同时发送当天的日报工作簿（企业微信；没有就先生成）")
@click.option("--dry-run", is_flag=True, help="只显示将要发送的请求（地址中的密钥已隐去）和字节数，不发送")
@click.option("--again", is_flag=True, help="已经发送过的内容也再发一次")
@strict_option
@pass_app
def send(app: App, date_text, channel_names, attach: bool, dry_run: bool, again: bool, strict: bool) -> None:
    """把当天的日报（聊天消息）推送到钉钉、企业微信群机器人；发送过的内容不会重复发送。"""
    from anfang import robots
    from anfang.render.chat import chat_messages
    from anfang.report import build_report

    day = app.date(date_text, "日期")
    channels = robots.load_channels(app.workspace.root)
    unknown = [n for n in channel_names if n not in {c.name for c in channels}]
    if unknown:
        raise UsageError(
            f"没有这个频道：{'、'.join(unknown)}；data/channels.yaml 中有：{'、'.join(c.name for c in channels)}"
        )
    if channel_names:
        channels = [c for c in channels if c.name in channel_names]
    result = build_report(read_state_frame(app, strict), app.config, day)
    workbook = day_workbook(app, day)

    def messages_for(channel):
        overhead = 300  # the JSON around the text
        return chat_messages(result, robots.LIMITS[channel.kind] - overhead, workbook)

    def attachment():
        path = app.workspace.reports_dir / f"暗访检查日报表-{day.isoformat()}.xlsx"
        if not path.is_file():
            from anfang.render.report_excel import report_workbook

            save(report_workbook(result, app.workspace.template_dirs), app.workspace.reports_dir, path.name)
        return path

    outcome = robots.send_day(app.workspace.root, channels, messages_for, day.isoformat(), again, dry_run,
                              attachment if attach else None)  # fmt: skip
    for request in outcome.dry_run:
        click.echo(request)
    if outcome.sent:
        click.echo("已发送：" + "；".join(outcome.sent))
    if outcome.skipped:
        click.echo(
            "已发送过、内容没有变化，未重复发送：" + "；".join(outcome.skipped) + "（要再发一次请加 --again）"
        )
    for note in outcome.notes:
        click.echo(note)
    if outcome.failed:
        raise AnfangError(
            "发送失败："
            + "；".join(outcome.failed)
            + ("。已发出的：" + "；".join(outcome.sent) if outcome.sent else "。没有发出任何消息")
        )


def day_workbook(app: App, day, suffix: str = "") -> str | None:
    """Where the day's workbook is, relative to the workspace, if it has been written."""
    path = app.workspace.reports_dir / f"暗访检查日报表-{day.isoformat()}{suffix}.xlsx"
    return path.relative_to(app.workspace.root).as_posix() if path.is_file() else None


def _terminate(signum, frame) -> None:
    """SIGTERM (cron's timeout, a shutdown) unwinds like Ctrl-C, so temp files are removed."""
    raise SystemExit(128 + signum)


@cli.command(name="sync")
@click.option(
    "--repair",
    is_flag=True,
    help="市安委办：把同步服务器上未通过验证的提交移除（回到最后一个验证通过的提交）",
)
@click.option(
    "--restore",
    is_flag=True,
    help="本机的记录文件被改动过时：另存改动的文件，恢复为已同步的版本（保留其后新记的记录）",
)
@pass_app
def sync_(app: App, repair: bool, restore: bool) -> None:
    """同步：验证并接收其他电脑的记录，发送本机的新记录（git）。离线时保留本机记录，下次一起发送。"""
    from anfang import sync

    if restore:
        aside, kept, renamed = sync.restore(app.workspace)
        click.echo(f"已恢复为已同步的版本，保留其后新记的 {kept} 条记录" + (f"；改动过的文件另存为 {aside}" if aside else "")
                   + "。现在可以运行 anfang sync。")  # fmt: skip
        for old, new in renamed.items():
            click.echo(f"编号 {old} 与已同步的记录重复，改为 {new}")
        return
    result = sync.sync(app.workspace, repair=repair)
    for line in sync_summary(app, result):
        click.echo(line)
    if result.refusal is not None or result.unregistered:
        raise click.exceptions.Exit(1)


def sync_summary(app: App, result) -> list[str]:
    """What a sync did, exactly: sent, arrived per writer, set aside, refused."""
    from anfang.writers import machine_key

    names = {f"group-{g.number}.csv": g.name for g in app.config.groups} | {"office.csv": "市安委办"}
    lines = ["已发布攻坚行动工作区。"] if result.published else []
    if result.set_aside:
        lines.append(f"本机对以下不属于本机的文件的改动已另存到 {result.aside_dir}，并恢复为同步的版本："
                     + "、".join(result.set_aside))  # fmt: skip
    if result.unregistered:
        lines.append(
            "本机的签名密钥尚未由市安委办登记，本机的记录已提交保存，暂不发送；登记后的第一次同步时发送。"
        )
        lines.append(
            f"请把本机的公钥发给市安委办（anfang writers key 也能显示）：{machine_key(app.workspace.root)}"
        )
    else:
        lines.append(f"已发送 {result.sent} 条记录。" if result.sent else "本机没有新记录要发送。")
        if result.photos_sent:
            lines.append(f"已发送照片 {result.photos_sent} 张。")
        if result.config_sent and not result.published:
            lines.append("已发布配置的更改：" + "、".join(result.config_sent))
    for name, count in sorted(result.arrived.items()):
        if count:
            lines.append(f"收到{names.get(name, name)} {count} 条记录")
    if not any(result.arrived.values()):
        lines.append("没有收到新记录。")
    if result.repaired:
        lines.append(
            f"已修复同步服务器：移除了未通过验证的提交（原来的历史保存在本机 refs/anfang/rejected/，{result.repaired[:10]}）。"
        )
    if result.refusal is not None:
        r = result.refusal
        if r.held:
            lines.append("暂不接收：" + r.message())
            lines.append("若这是新登记的电脑，市安委办用 anfang writers add 组别 \"公钥\" 登记后即可接收；"
                         "若不是，市安委办运行 anfang sync --repair 移除。其后的记录在此之前都不会接收。")  # fmt: skip
        else:
            lines.append("同步已停止，未接收：" + r.message())
            lines.append("本机的记录都还在。请通知市安委办运行 anfang sync --repair（移除这个提交及其后的提交；"
                         "诚实的电脑从不在未通过验证的提交之上发送，它们的记录会在下次同步时重新发送）。")  # fmt: skip
    return lines


@cli.group(invoke_without_command=True)
@click.pass_context
def writers(ctx: click.Context) -> None:
    """登记的签名密钥：各组联络员电脑和市安委办电脑（同步时只接受这些密钥签名的记录）。"""
    if ctx.invoked_subcommand is not None:
        return
    from anfang.writers import fingerprint, load_registry, writer_label

    app = ctx.find_object(App)
    registry = load_registry(app.workspace.root)
    rows = [("市安委办", registry.office)] + [
        (writer_label(g.number), registry.groups.get(g.number)) for g in app.config.groups
    ]
    for label, key in rows:
        click.echo(f"{label}\t{fingerprint(key) if key else '未登记'}")


@writers.command(name="key")
@pass_app
def writers_key(app: App) -> None:
    """显示本机的签名公钥（发给市安委办登记）。"""
    from anfang.writers import machine_key

    key = machine_key(app.workspace.root)
    if key is None:
        raise AnfangError(
            "本机还没有签名密钥：同步的工作区用 anfang init 目录 --remote 地址 --group N 创建时生成"
        )
    click.echo(key)


@writers.command(name="add")
@click.argument("writer_text", metavar="组别")
@click.argument("key_line", metavar="公钥")
@pass_app
def writers_add(app: App, writer_text: str, key_line: str) -> None:
    """市安委办：登记一台电脑的签名公钥（组别 1..9，或 office）；下次 anfang sync 发布。"""
    from anfang import sync
    from anfang.writers import writer_label

    writer = None if writer_text.strip().lower() == "office" else app.group(writer_text)
    old, changed = sync.register(app.workspace, writer, key_line)
    label = writer_label(writer)
    if not changed:
        click.echo(f"{label}的这个公钥已经登记过了。")
    elif old:
        click.echo(f"已替换{label}原登记的密钥；原来那台电脑此后的提交不再接收。运行 anfang sync 发布。")
    else:
        click.echo(f"已登记{label}的签名密钥。运行 anfang sync 发布。")


# -- the office's documents ----------------------------------------------------------------


@cli.command()
@click.option("--dept", default=None, metavar="部门", help="只出交办给该部门的交办单")
@date_option("交办日期（默认今天）")
@format_option("md", "xlsx")
@output_option("输出到文件或目录；md 默认输出到屏幕，xlsx 默认写入工作区的 reports/")
@pass_app
def notice(app: App, dept: str | None, date_text: str | None, fmt: str, output: str | None) -> None:
    """问题隐患交办单：按接收部门，列出当日交办给它的问题隐患，留出整改情况、完成日期、责任人栏。"""
    from anfang.notices import NothingHanded, build_notices

    day = app.date(date_text, "交办日期")
    try:
        notices = build_notices(read_records(app), app.config, day, dept.strip() if dept else None)
    except NothingHanded as nothing:
        if nothing.exit_code:
            raise
        clickzh.warn(str(nothing))
        return
    name = f"交办单-{day.isoformat()}{'-' + dept.strip() if dept else ''}.{fmt}"
    if fmt == "md":
        from anfang.render.documents import notices_markdown

        deliver(app, output, name, notices_markdown(notices, app.config, app.workspace.template_dirs, day))
    else:
        from anfang.render.documents import notices_workbook

        deliver(app, output, name, notices_workbook(notices, app.config, app.workspace.template_dirs))


@cli.command()
@click.option("--until", "until_text", default=None, metavar="日期", help="统计到该日（默认今天）")
@format_option("md", "xlsx", "json")
@output_option("输出到文件或目录；md/json 默认输出到屏幕，xlsx 默认写入工作区的 reports/")
@strict_option
@pass_app
def summary(app: App, until_text: str | None, fmt: str, output: str | None, strict: bool) -> None:
    """攻坚行动汇总：各组、各行业领域的情况，暗访天数，重大隐患整改情况，重点行业领域覆盖情况。"""
    from anfang.summary import build_summary

    until = app.date(until_text, "--until")
    result = build_summary(read_state_frame(app, strict), app.config, until)
    name = f"攻坚行动汇总-{until.isoformat()}.{fmt}"
    if fmt == "json":
        from anfang.summary import summary_json_text

        deliver(app, output, name, summary_json_text(result))
    elif fmt == "md":
        from anfang.render.documents import summary_markdown

        deliver(app, output, name, summary_markdown(result, app.workspace.template_dirs))
    else:
        from anfang.render.documents import summary_workbook

        deliver(app, output, name, summary_workbook(result, app.workspace.template_dirs))


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    cli.main(prog_name="anfang")
