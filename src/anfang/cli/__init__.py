"""The `anfang` command line: a small package by kind of user. Each command parses its options,
makes one library call and delivers the result. A command's module is imported only when that
command runs (or help lists them all), and heavy libraries (pandas, openpyxl, jinja2) only inside
the commands that need them, so `anfang log` starts fast."""

from __future__ import annotations

from anfang.cli.base import cli, terminate

__all__ = ["cli", "main"]


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, terminate)
    cli.main(prog_name="anfang")
