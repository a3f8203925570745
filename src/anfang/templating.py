"""Jinja2 templates: the workspace's templates/ first, then the bundled ones.

Templates arrive through sync, so they are rendered in Jinja2's sandbox: a template can format
the values it is given, but cannot reach Python internals (attributes such as __class__, or
unsafe methods); one that tries fails with a clear message and no effect."""

from __future__ import annotations

from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from anfang.errors import AnfangError


class TemplateRefused(AnfangError):
    """A template tried what the sandbox forbids, or is broken."""


def environment(template_dirs: list[Path]) -> jinja2.Environment:
    return SandboxedEnvironment(
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


def template_error(error: jinja2.TemplateError) -> AnfangError:
    """A template's failure as a Chinese message (the CLI calls this for any Jinja2 error)."""
    from jinja2.sandbox import SecurityError

    if isinstance(error, SecurityError):
        return TemplateRefused(
            f"模板试图访问不允许的内容，已拒绝渲染（模板来自工作区的 templates/）：{error}"
        )
    if isinstance(error, jinja2.TemplateSyntaxError):
        return TemplateRefused(
            f"模板 {error.filename or error.name} 第 {error.lineno} 行有语法错误：{error.message}"
        )
    if isinstance(error, jinja2.TemplateNotFound):
        return TemplateRefused(f"找不到模板 {error.name}")
    return TemplateRefused(f"模板渲染出错：{error}")
