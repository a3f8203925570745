"""The `anfang` command line: a small package by kind of user. Each command parses its options,
makes one library call and delivers the result; heavy libraries (pandas, openpyxl, jinja2) are
imported inside the commands that need them, so `anfang log` starts fast."""

from __future__ import annotations

from anfang.cli import documents, exchange, liaison, office, setup  # noqa: F401  (registers the commands)
from anfang.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, setup.terminate)
    cli.main(prog_name="anfang")
