"""The liaison's commands: record a visit, find and show findings, the follow-up after the visit."""

from __future__ import annotations

import sys

import click

from anfang.cli.base import (
    App,
    cli,
    dump_json,
    pass_app,
    read_state_columns,
    warn_dropped,
)
from anfang.dates import today
from anfang.errors import AnfangError
from anfang.options import date_option, format_option, group_option

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


@cli.command(name="list")
@group_option()
@date_option("只列出该日发现的")
@click.option("--since", "since_text", default=None, metavar="日期", help="从该日起发现的")
@click.option("--until", "until_text", default=None, metavar="日期", help="到该日止发现的")
@click.option("--sector", default=None, metavar="行业领域", help="只列出该行业领域")
@click.option("--major", is_flag=True, help="只列出重大隐患")
@click.option("--open", "open_only", is_flag=True, help="只列出尚未整改的")
@click.option("--overdue", is_flag=True, help="只列出逾期未整改的")
@click.option("--status", type=click.Choice(("open", "rectified", "closed", "overdue")), default=None,
              help="按状态：open 未整改，rectified 已整改待复查，closed 已复查销号，overdue 逾期未整改")  # fmt: skip
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
    status,
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
        major=major, open=open_only, overdue=overdue, status=status,
    )  # fmt: skip
    findings = select_findings(read_state_columns(app), app.config, filters, visits=fmt != "json")
    if fmt == "json":
        from anfang.render.report_json import listed_finding_data

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
    from anfang.store import read_records_about

    record_id = record_id.strip()
    contents = read_records_about(app.workspace.logs_dir, record_id, app.workspace.root)
    warn_dropped(contents.problems)
    click.echo(
        show_finding(contents.records, record_id, app.config, app.date(as_of_text, "--as-of")), nl=False
    )


@cli.command()
@click.argument("name", metavar="企业（场所）名称")
@click.option("--as-of", "as_of_text", default=None, metavar="日期", help="按该日结束时的状态（默认今天）")
@format_option("table", "md", "json")
@pass_app
def site(app: App, name: str, as_of_text: str | None, fmt: str) -> None:
    """回头看：一个企业（场所）的全部检查记录（各组、各日期）及每条问题隐患的现状。"""
    from anfang.render.site import site_json, site_markdown, site_text
    from anfang.sites import refresh_open_sites, site_history

    store = read_state_columns(app)
    history = site_history(store, app.config, name, app.date(as_of_text, "--as-of"))
    refresh_open_sites(app.workspace.root, store, app.config, today())
    if not history.findings:
        hint = f"；名称相近的：{'、'.join(history.similar)}" if history.similar else ""
        raise AnfangError(f"没有“{name}”的检查记录（名称按全角半角、空格、大小写归并后比较）{hint}")
    names = {g.number: g.name for g in app.config.groups}
    if fmt == "json":
        click.echo(dump_json(site_json(history)), nl=False)
    elif fmt == "md":
        click.echo(site_markdown(history, names), nl=False)
    else:
        click.echo(site_text(history, names), nl=False)


# -- follow-up -----------------------------------------------------------------------------


def by_option(command=None, *, who: str = "记录人"):
    """--by and --force, shared by the follow-up commands (for verify, --by is the 复查人)."""

    def add(command):
        command = click.option("--force", is_flag=True, help="在登记为其他组的电脑上代录")(command)
        return click.option("--by", default="", metavar="姓名", help=f"{who}（默认：该组联络员）")(command)

    return add(command) if command is not None else add


def _apply(app: App, record_id: str, by: str, make_change, force: bool = False, photos=()) -> None:
    """Find the finding, let `make_change(target, today)` validate and describe the change, append
    it; the validation is made again under the lock, against everything written by then."""
    from pathlib import Path

    from anfang.changes import apply_change
    from anfang.recording import check_photo

    files = [check_photo(Path(p)) for p in photos]
    problems: list = []
    try:
        apply_change(
            app.workspace, app.config, record_id.strip(), make_change, by.strip(), force, problems, files
        )
    finally:
        warn_dropped(problems)


def photo_option(help: str):
    return click.option("--photo", "photos", multiple=True, type=click.Path(dir_okay=False), metavar="文件",
                        help=help)  # fmt: skip


@cli.command()
@click.argument("record_id", metavar="编号")
@date_option("整改完成日期（默认今天）")
@click.option("--measures", default="", metavar="内容", help="整改措施")
@click.option("--responsible", default="", metavar="姓名", help="整改责任人")
@photo_option("整改后的照片（可多次给出）")
@by_option
@pass_app
def rectify(app: App, record_id: str, date_text: str | None, measures: str, responsible: str, photos,
            by: str, force: bool) -> None:  # fmt: skip
    """记录一条问题隐患已完成整改（可写明整改措施、整改责任人，附整改后照片）；之后由复查（anfang verify）销号。"""
    from anfang.changes import rectify_change

    when = app.date(date_text, "整改日期")
    _apply(
        app, record_id, by, lambda t, now: rectify_change(t, when, now, measures, responsible), force, photos
    )
    click.echo(f"已记录：{record_id} 于 {when} 完成整改，待复查")


@cli.command()
@click.argument("record_id", metavar="编号")
@date_option("复查日期（默认今天）")
@click.option("--pass", "passed", flag_value=True, default=None, help="复查通过：销号")
@click.option("--fail", "passed", flag_value=False, help="复查不通过：重新列为未整改（用 --note 写明原因）")
@click.option("--note", default="", metavar="内容", help="复查意见")
@photo_option("复查时的照片（可多次给出）")
@by_option(who="复查人")
@pass_app
def verify(app: App, record_id: str, date_text: str | None, passed: bool | None, note: str, photos, by: str,
           force: bool) -> None:  # fmt: skip
    """复查一条已整改的问题隐患：--pass 通过并销号，--fail 不通过、重新列为未整改。"""
    from anfang.changes import verify_change
    from anfang.errors import UsageError

    if passed is None:
        raise UsageError("请给出复查结论：--pass（通过，销号）或 --fail（不通过）")
    when = app.date(date_text, "复查日期")
    _apply(app, record_id, by, lambda t, now: verify_change(t, when, now, passed, note), force, photos)
    click.echo(
        f"已记录：{record_id} 于 {when} " + ("复查通过，已销号" if passed else "复查不通过，重新列为未整改")
    )


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
    from anfang.changes import SITE_FIELDS, amend_change, describe_amend, load_target, site_siblings

    given = {k: v for k, v in values.items() if v is not None}
    record_id = record_id.strip()
    target = load_target(app.workspace, app.config, record_id)
    siblings = site_siblings(read_state_columns(app), target, given) if set(given) & set(SITE_FIELDS) else []
    _apply(app, record_id, by, lambda t, now: amend_change(t, given, app.config, now), force)
    click.echo(f"已更正：{record_id}  {describe_amend(target, given, app.config)}")
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
