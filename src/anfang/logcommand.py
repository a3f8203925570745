"""`anfang log` between the terminal and the library: flags, or questions when in a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from anfang import dates
from anfang.errors import UsageError
from anfang.identity import read_writer
from anfang.prompts import Cancelled, ask, ask_yes_no, enable_line_editing
from anfang.recording import (
    VisitEntry,
    check_deadline,
    check_visit_date,
    destination,
    record_entry,
    validate_entry,
)
from anfang.store import latest_visit
from anfang.textsafe import check_text

REQUIRED = (
    ("group", "--group"),
    ("date_text", "--date"),
    ("town", "--town"),
    ("sector", "--sector"),
    ("site", "--site"),
)


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def run_log(app, options: dict) -> None:
    writer = read_writer(app.workspace.root)
    if not options["group"] and writer is not None and not writer.is_office:
        options = {**options, "group": str(writer.group)}  # a group's laptop logs for its group
    missing = [flag for name, flag in REQUIRED if options[name] in (None, "")]
    if missing and not interactive():
        raise UsageError(f"缺少必填选项：{'、'.join(missing)}（在终端中运行时会逐项提问）")
    if missing:
        try:
            options = _ask_missing(app, options)
        except Cancelled:
            click.echo("\n已取消，什么也没有记录。", err=True)
            raise click.exceptions.Exit(130) from None
    entry = VisitEntry(
        group=app.group(options["group"]),
        date=app.date(options["date_text"], "暗访日期"),
        town=options["town"], sector=options["sector"], site=options["site"],
        county=options["county"], address=options["address"], hazard=options["hazard"] or "",
        major=options["major"], evidence=options["evidence"],
        photos=tuple(Path(p) for p in options["photos"]), handover=options["handover"],
        deadline=app.date(options["deadline_text"], "整改期限") if options["deadline_text"] else None,
        rectified=options["rectified"], by=options["by"],
    )  # fmt: skip
    entry, warnings = validate_entry(entry, app.config, dates.today())
    for warning in warnings:
        click.echo(warning, err=True)
    record = record_entry(app.workspace, entry, options.get("force", False))
    group = app.config.group(record.group)
    what = f"问题隐患：{_short(record.hazard)}" if record.hazard else "未发现问题"
    click.echo(f"已记录 {record.id}  {group.name} {dates.month_day(record.date)} {record.site}  {what}")
    if record.major:
        office = app.config.campaign.office
        click.echo(
            f"【重大隐患】请立即向{office.name}报告（{office.contact}，{office.channel} {office.phone}）。",
            err=True,
        )
    if record.hazard and not record.handover and not record.rectified:
        click.echo(
            f"提示：方案要求发现的问题隐患“当日交办”。交办后请记录：anfang handover {record.id} --to 部门 --deadline 整改期限",
            err=True,
        )
    _earlier_open(app, record)


def _earlier_open(app, record) -> None:
    """回头看: findings at this site from earlier dates still open (as of the last anfang check)."""
    from anfang.sites import open_at_site

    found = open_at_site(app.workspace.root, record.site, record.date)
    if not found or not found[0]:
        return
    items, count, refreshed = found
    when = refreshed.replace("T", " ")
    click.echo(f"回头看：该场所此前还有 {count} 条问题隐患未整改（状态截至 {when}）：", err=True)
    for finding_id, day, state in items[:10]:
        click.echo(f"  {finding_id}  {day}  {state}", err=True)
    if count > 10:
        click.echo(f"  ……共 {count} 条", err=True)
    click.echo(f"  整改情况请当场核实；anfang site {record.site} 查看该场所的全部记录", err=True)


def _short(text: str, limit: int = 30) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _line(label: str):
    """A one-line text answer, held to the text rules at once."""
    return lambda raw: check_text(label, raw)


def _ask_missing(app, options: dict) -> dict:
    """Ask for every required value not given, then the optional ones, defaulting to the
    latest record of the same group and day (the next finding at the same site is quick).
    Each answer is checked where it is given; a wrong one is asked again."""
    enable_line_editing()
    options = dict(options)
    config = app.config
    today = dates.today()
    if not options["group"]:
        options["group"] = str(ask(f"组别（1-{len(config.groups)}）", lambda raw: app.group(raw)))
    group = config.group(app.group(options["group"]))
    if not options["date_text"]:
        options["date_text"] = ask(
            "暗访日期", lambda raw: check_visit_date(app.date(raw, "暗访日期"), today).isoformat(),
            default=today.isoformat(),
        )  # fmt: skip
    day = app.date(options["date_text"], "暗访日期")
    same_day = latest_visit(destination(app.workspace, group.number, force=True)[0], group.number, day)
    if not options["county"]:
        options["county"] = ask(
            "县（市、区）", _line("县（市、区）"), default=same_day.county if same_day else group.region
        )
    if not options["town"]:
        options["town"] = ask("镇（街道）", _line("镇（街道）"), default=same_day.town if same_day else None)
    if not options["sector"]:
        for number, sector in enumerate(config.sectors, 1):
            click.echo(f"  {number:>2}. {sector.name}")
        options["sector"] = ask(f"行业领域（序号 1-{len(config.sectors)} 或名称）", lambda raw: config.sector(raw).name,
                                default=same_day.sector if same_day else None)  # fmt: skip
    if not options["site"]:
        options["site"] = ask(
            "企业（场所）名称", _line("企业（场所）名称"), default=same_day.site if same_day else None
        )
    if not options["address"]:
        same_site = same_day and same_day.site == options["site"]
        options["address"] = ask(
            "地址", _line("地址"), required=False, default=same_day.address if same_site else None
        )
    if options["hazard"] is None:
        options["hazard"] = ask("问题隐患内容（未发现问题直接回车）", _line("问题隐患内容"), required=False)
    if options["hazard"]:
        options["major"] = options["major"] or ask_yes_no("是否为重大隐患")
        options["evidence"] = options["evidence"] or bool(options["photos"]) or ask_yes_no("是否留存影像资料")
        options["rectified"] = options["rectified"] or ask_yes_no("是否已当场完成整改")
        if not options["handover"]:
            options["handover"] = ask("交办的属地部门（未交办直接回车）", _line("交办部门"), required=False)
        if not options["deadline_text"] and not options["rectified"]:
            options["deadline_text"] = ask(
                "整改期限（没有直接回车）",
                lambda raw: check_deadline(app.date(raw, "整改期限"), day).isoformat(),
                required=False,
            ) or None  # fmt: skip
    return options
