"""The click group, the App every command gets, and how commands deliver what they made.

Heavy libraries (pandas, openpyxl, jinja2) are imported inside the commands that render,
so `anfang log` starts fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import date
from functools import cached_property
from pathlib import Path

import click

from anfang import __version__, clickzh
from anfang.dates import parse_date, parse_group, today
from anfang.errors import AnfangError
from anfang.workspace import Workspace, find_workspace

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


# Where each command lives, by the kind of user it serves (imported when the command runs).
COMMAND_MODULES = {
    "liaison": ("log", "list", "show", "site", "rectify", "verify", "handover", "deadline", "void", "amend"),
    "office": ("report", "overdue", "check", "send"),
    "documents": ("notice", "summary", "bulletin", "duban"),
    "exchange": ("export", "import", "form"),
    "setup": ("init", "groups", "sectors", "sync", "writers"),
}
_MODULE_OF = {name: module for module, names in COMMAND_MODULES.items() for name in names}


class AnfangGroup(click.Group):
    """Turns the library's errors into messages and exit codes, in one place; lists the
    commands by the part of the work they serve; loads a command's module when it is asked for."""

    command_class = AnfangCommand

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in _MODULE_OF:
            import importlib

            importlib.import_module(f"anfang.cli.{_MODULE_OF[name]}")
        return super().get_command(ctx, name)

    def load_all(self) -> None:
        import importlib

        for module in COMMAND_MODULES:
            importlib.import_module(f"anfang.cli.{module}")

    def list_commands(self, ctx: click.Context) -> list[str]:
        from anfang.cli_help import SECTIONS

        self.load_all()
        ordered = [name for _, names in SECTIONS for name in names if name in self.commands]
        return ordered + sorted(set(self.commands) - set(ordered))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from anfang.cli_help import SECTIONS

        self.load_all()
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
        from anfang import configcache

        try:
            result = super().invoke(ctx)
            configcache.flush_pending()
            return result
        except click.exceptions.Exit as done:
            if done.exit_code == 0:
                configcache.flush_pending()
            raise
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
        finally:
            configcache.discard_pending()  # a refused command leaves no cache behind


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


def save(data: bytes | Iterable[bytes], output: str | Path, default_name: str) -> Path:
    """Write atomically to `output`: a file, or a folder (existing, or written with a trailing
    slash, or a Path given as the default folder) that gets `default_name`."""
    from anfang.output import write_output

    path = Path(output)
    if isinstance(output, Path) or path.is_dir() or str(output).endswith(("/", "\\")):
        path = path / default_name
    app = click.get_current_context().find_object(App)
    return write_output(path, data, app.workspace.logs_dir if app else None)


def dump_json(data, compact: bool = False) -> str:
    """JSON text of an output, UTF-8 without \\u escapes: compact for the outputs that can be large,
    else indented by two. orjson: a report of a million findings writes 28 MB of JSON, 0.9 s with
    the json module, 0.1 s with it."""
    import orjson

    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE | (0 if compact else orjson.OPT_INDENT_2)
    return orjson.dumps(data, default=_json_list, option=option).decode("utf-8")


def _json_list(value):
    """A named tuple as the json module writes it (a list); anything else is not JSON data."""
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON data: {type(value).__name__}")


def read_state_columns(app: App, strict: bool = False):
    """The logs as the engine's columns, with the warning for lines left out."""
    columns, problems = read_logs(app)
    warn_dropped(problems, strict)
    return columns


def read_logs(app: App):
    """Every record as the engine's columns and the problems of the lines that are not records;
    what was checked is remembered in .anfang/frames (framecache). No command that reads the
    store uses pandas: it is kept out of the process (arrowonly)."""
    from anfang.arrowonly import keep_pandas_out

    keep_pandas_out()
    from anfang.columnar import read_columns

    root = app.workspace.root
    return read_columns(app.workspace.logs_dir, root, root / ".anfang" / "frames")


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


def terminate(signum, frame) -> None:
    """SIGTERM (cron's timeout, a shutdown) unwinds like Ctrl-C, so temp files are removed."""
    raise SystemExit(128 + signum)
