"""Exchange with spreadsheets: export, import, the blank form."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from anfang.cli.base import (
    App,
    announce,
    cli,
    pass_app,
    read_state_columns,
    save,
    warn_dropped,
)
from anfang.dates import today
from anfang.options import date_option, format_option, group_option, output_option

# -- exchange ------------------------------------------------------------------------------


@cli.command()
@format_option("csv", "xlsx")
@output_option("输出到文件或目录；csv 默认输出到屏幕，xlsx 默认写入工作区的 reports/")
@pass_app
def export(app: App, fmt: str, output: str | None) -> None:
    """导出全部检查记录（每条问题隐患一行，未发现问题的场所也一行），按当前状态。"""
    from anfang.exporting import export_csv_chunks, export_rows
    from anfang.flat import EXPORT_COLUMNS

    name = f"暗访记录-{today().isoformat()}.{fmt}"
    if fmt == "csv":
        from anfang.tables import csv_columns

        # The store is not held here: the export lets it go once the rows' texts are gathered.
        pieces = csv_columns(EXPORT_COLUMNS, export_csv_chunks(read_state_columns(app), app.config), bom=True)
        if output is None:
            for piece in pieces:
                click.echo(piece, nl=False)
        else:  # written as it is made: a million rows are never whole in memory
            announce(save(pieces, output, name))
    else:
        from anfang.render.export_excel import export_workbook

        rows = list(export_rows(read_state_columns(app), app.config))
        announce(save(export_workbook(rows), output or app.workspace.reports_dir, name))


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
    from anfang.replies import import_reply, is_reply

    path = Path(file)
    if is_reply(path):
        reply = import_reply(app.workspace, app.config, path)
        who = f"（{'、'.join(reply.departments)}）" if reply.departments else ""
        click.echo(f"已读回交办单回执{who}：记录整改完成 {reply.added} 条"
                   + (f"，已整改过的 {reply.already} 条未重复记录" if reply.already else "")
                   + (f"；{reply.blank} 条未填完成日期，仍为未整改" if reply.blank else ""))  # fmt: skip
        return
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
    from anfang.render.form_excel import blank_form

    number, day = app.group(group), app.date(date_text)
    name = f"暗访检查日报表-{app.config.group(number).name}-{day.isoformat()}-空白.xlsx"
    announce(save(blank_form(app.config, number, day), output or app.workspace.reports_dir, name))
