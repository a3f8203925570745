"""Jinja2 templates: the workspace's templates/ first, then the bundled ones."""

from __future__ import annotations

from pathlib import Path

import jinja2


def environment(template_dirs: list[Path]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=False,  # Markdown, not HTML: values are escaped by the view before rendering
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def form_wording(env: jinja2.Environment):
    """The macros of form.j2 (title, sentences, 交办情况), callable from Python."""
    return env.get_template("form.j2").module
