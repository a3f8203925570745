"""The daily report as Markdown, from templates/report.md.j2."""

from __future__ import annotations

from pathlib import Path

from anfang.render.markdown import md_escape
from anfang.render.view import report_view
from anfang.report import Report
from anfang.templating import environment


def report_markdown(report: Report, template_dirs: list[Path]) -> str:
    text = environment(template_dirs).get_template("report.md.j2").render(r=report_view(report, md_escape))
    return text.lstrip("\n")
