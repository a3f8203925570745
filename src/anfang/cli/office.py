"""The office's questions: the daily report, what is overdue, what is wrong, the chat robots."""

from __future__ import annotations

import click

from anfang import clickzh
from anfang.cli.base import (
    App,
    as_json,
    cli,
    deliver,
    dump_json,
    pass_app,
    read_logs,
    read_state_columns,
    save,
    strict_option,
)
from anfang.dates import today
from anfang.errors import AnfangError, UsageError
from anfang.options import date_option, format_option, group_option, output_option

OUTPUT_BLOCK = 50_000  # lines of check's output written at a time


@cli.command()
@date_option("截至该日（默认今天）")
@group_option(multiple=True, help="只看这些组（可多次给出）")
@format_option("table", "md", "json")
@strict_option
@pass_app
def overdue(app: App, date_text: str | None, group: tuple[str, ...], fmt: str, strict: bool) -> None:
    """逾期未整改的问题隐患（截至某日），整改期限最早的在前。"""
    from anfang.engine import amendment_columns, state_columns
    from anfang.overdue import (
        OVERDUE_HEADERS,
        VERIFICATION_HEADERS,
        awaiting_verification,
        overdue_findings,
        overdue_rows,
        verification_rows,
    )

    day = app.date(date_text)
    numbers = sorted({app.group(g) for g in group}) or [g.number for g in app.config.groups]
    store = read_state_columns(app, strict)
    amends = amendment_columns(store)
    state = state_columns(store, day, amends)
    late = overdue_findings(store, state, day, numbers, amends)
    if fmt == "json":
        from anfang.render.report_json import overdue_data

        click.echo(dump_json(overdue_data(late, day), compact=True), nl=False)
        return
    names = {g.number: g.name for g in app.config.groups}
    rows = overdue_rows(late, names, day)
    within = app.config.campaign.verify_within_days
    waiting = verification_rows(awaiting_verification(store, state, day, numbers, within, amends), names, day)
    title = f"已整改超过 {within} 天尚未复查"
    if fmt == "md":
        from anfang.render.markdown import md_escape, md_table

        body = md_table(OVERDUE_HEADERS, [[md_escape(c) for c in r] for r in rows]) if rows else "无。\n"
        text = f"# 逾期未整改问题隐患（截至{day}）\n\n{body}"
        if waiting:
            text += f"\n## {title}\n\n" + md_table(
                VERIFICATION_HEADERS, [[md_escape(c) for c in r] for r in waiting]
            )
        click.echo(text, nl=False)
    else:
        from anfang.render.text import text_table

        text = text_table(OVERDUE_HEADERS, rows) if rows else f"截至 {day} 没有逾期未整改的问题隐患。\n"
        if waiting:
            text += f"\n{title}（{len(waiting)} 条）：\n" + text_table(VERIFICATION_HEADERS, waiting)
        click.echo(text, nl=False)


@cli.command()
@date_option("检查该日的记录情况（默认今天）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@pass_app
def check(app: App, date_text: str | None, as_json: bool) -> None:
    """检查配置和记录：残行、重号、引用不存在的编号、日期超出行动期；当日未报的组、暗访天数不足的组。"""
    from anfang.checks import CheckInput, run_checks
    from anfang.sites import refresh_open_sites

    day = app.date(date_text)
    store, problems = read_logs(app)
    data = CheckInput(app.config, store, problems, day, app.workspace.root)
    now = today()  # for anfang log's 回头看, from the checks' own states; before the problems are
    refresh_open_sites(app.workspace.root, store, app.config, now, data.state(now))  # held: less memory
    result = run_checks(data)
    del data, store  # the store and its state are let go before the output is made
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
        lines = (
            [*result.errors, f"—— 需跟进（{day}）——", *result.notices] if result.notices else result.errors
        )
        # in blocks: a line at a time costs seconds for a large campaign, all at once its memory
        for start in range(0, len(lines), OUTPUT_BLOCK):
            click.echo("\n".join(map(str, lines[start : start + OUTPUT_BLOCK])))
        click.echo(
            f"记录问题 {len(result.errors)} 处" if result.errors else "记录检查通过，未发现问题。", err=True
        )
    if result.errors:
        raise click.exceptions.Exit(1)


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
    result = build_report(read_state_columns(app, strict), app.config, day, numbers)
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
    result = build_report(read_state_columns(app, strict), app.config, day)
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
