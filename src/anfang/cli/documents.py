"""The office's printed documents: 交办单 and the campaign summary."""

from __future__ import annotations

import click

from anfang import clickzh
from anfang.cli.base import (
    App,
    cli,
    deliver,
    pass_app,
    read_state_frame,
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
        notices = build_notices(read_state_frame(app), app.config, day, dept.strip() if dept else None)
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
