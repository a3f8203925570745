"""The office's printed documents: 交办单 and the campaign summary."""

from __future__ import annotations

import click

from anfang import clickzh
from anfang.cli.base import (
    App,
    cli,
    deliver,
    pass_app,
    read_state_columns,
    strict_option,
)
from anfang.options import date_option, format_option, output_option

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
        notices = build_notices(read_state_columns(app), app.config, day, dept.strip() if dept else None)
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
    result = build_summary(read_state_columns(app, strict), app.config, until)
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


@cli.command()
@click.option("--until", "until_text", default=None, metavar="日期", help="统计到该日（默认今天）")
@click.option(
    "--number", type=click.IntRange(1, 999), default=1, show_default=True, metavar="期数", help="第几期通报"
)
@format_option("docx", "md")
@output_option("输出到文件或目录；docx 默认写入工作区的 reports/，md 默认输出到屏幕")
@strict_option
@pass_app
def bulletin(
    app: App, until_text: str | None, number: int, fmt: str, output: str | None, strict: bool
) -> None:
    """通报：关于全市安全生产暗访暗查情况的通报（第N期），Word 公文格式（GB/T 9704），含问题隐患清单和逾期清单。"""
    from anfang.bulletin import build_bulletin
    from anfang.render.official import blocks_markdown, bulletin_blocks

    until = app.date(until_text, "--until")
    result = build_bulletin(read_state_columns(app, strict), app.config, until, number)
    blocks = bulletin_blocks(result, app.workspace.template_dirs, app.workspace.evidence_dir)
    name = f"暗访暗查情况通报-第{number}期-{until.isoformat()}.{fmt}"
    if fmt == "md":
        deliver(app, output, name, blocks_markdown(blocks))
    else:
        from anfang.render.gbt9704 import document_bytes

        deliver(app, output, name, document_bytes(blocks))


@cli.command()
@click.option(
    "--county",
    default=None,
    metavar="县市区",
    help="只给这个县（市、区）的督办函（默认：每个有逾期的县市区一份）",
)
@date_option("截至该日的逾期（默认今天）")
@format_option("docx", "md")
@output_option("输出到文件或目录；docx 默认写入工作区的 reports/，md 默认输出到屏幕")
@strict_option
@pass_app
def duban(
    app: App, county: str | None, date_text: str | None, fmt: str, output: str | None, strict: bool
) -> None:
    """督办函：给有逾期未整改问题隐患的县（市、区），列出逾期清单、整改期限和逾期天数，限期回复。"""
    from anfang.bulletin import build_letters
    from anfang.render.official import blocks_markdown, letter_blocks

    day = app.date(date_text)
    letters = build_letters(read_state_columns(app, strict), app.config, day, county)
    if not letters:
        click.echo(f"截至 {day} 没有逾期未整改的问题隐患，无需督办。", err=True)
        return
    blocks = []
    for index, letter in enumerate(letters):
        if index:
            from anfang.render.official import Block

            blocks.append(Block("page_break"))
        blocks += letter_blocks(letter, app.workspace.template_dirs)
    who = letters[0].county if len(letters) == 1 else f"{len(letters)}个县市区"
    name = f"督办函-{who}-{day.isoformat()}.{fmt}"
    if fmt == "md":
        deliver(app, output, name, blocks_markdown(blocks))
    else:
        from anfang.render.gbt9704 import document_bytes

        deliver(app, output, name, document_bytes(blocks))
