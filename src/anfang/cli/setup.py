"""Setting up: a workspace and its configuration, the groups and sectors, sync, the writers' keys."""

from __future__ import annotations

from pathlib import Path

import click

from anfang.cli.base import (
    App,
    cli,
    dump_json,
    emit,
    pass_app,
    save,
)
from anfang.dates import parse_group
from anfang.errors import AnfangError, UsageError
from anfang.options import format_option, output_option
from anfang.workspace import init_workspace

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
