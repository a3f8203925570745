"""The `anfang` command line: a small package by kind of user. Each command parses its options,
makes one library call and delivers the result. A command's module is imported only when that
command runs (or help lists them all), and heavy libraries (pandas, openpyxl, jinja2) only inside
the commands that need them, so `anfang log` starts fast."""

from __future__ import annotations

from anfang.cli.base import cli, terminate

__all__ = ["cli", "main"]


# Python collects cycles every 700 new objects by default; the whole-store commands make hundreds
# of thousands of plain values (Finding, Problem) and no long-lived cycles, and every collection
# walks them again: 1 s of check's 12 s of CPU at a million findings. Cycles are still collected.
GC_THRESHOLD = 100_000  # new objects between collections of the youngest generation


def main() -> None:
    import gc
    import signal

    from anfang.arrowonly import refusing_allowed

    refusing_allowed()  # the reports may keep pandas out of this process (arrowonly)
    gc.set_threshold(GC_THRESHOLD)  # the older generations keep their defaults
    signal.signal(signal.SIGTERM, terminate)
    cli.main(prog_name="anfang")
