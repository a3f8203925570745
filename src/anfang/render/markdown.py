"""Markdown helpers: user text goes in as data, never as markup."""

from __future__ import annotations

import re

# Characters that start inline markup, HTML or entities, or split a table cell.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")


# A list item or thematic break where the text starts a line: "- x", "+ x", "1. x", "2) x".
_BLOCK_START = re.compile(r"^(\s*(?:\d{1,9})?)([-+.)])")


def md_escape(text: str) -> str:
    """Escape user text for a Markdown paragraph or table cell; newlines become <br>."""
    escaped = _SPECIAL.sub(r"\\\1", str(text))
    escaped = _BLOCK_START.sub(r"\1\\\2", escaped)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def md_table(headers: list[str], rows: list[list[str]]) -> str:
    """A table of already-escaped cells."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
