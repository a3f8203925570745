"""Markdown helpers: user text goes in as data, never as markup."""

from __future__ import annotations

import re

# Characters that start inline markup, HTML or entities, or split a table cell.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")


def md_escape(text: str) -> str:
    """Escape user text for a Markdown paragraph or table cell; newlines become <br>."""
    escaped = _SPECIAL.sub(r"\\\1", str(text))
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def md_table(headers: list[str], rows: list[list[str]]) -> str:
    """A table of already-escaped cells."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
