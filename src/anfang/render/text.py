"""Plain-text tables for a terminal, aligned by display width (a Chinese character is two)."""

from __future__ import annotations

import functools
import unicodedata


@functools.lru_cache(maxsize=1 << 16)  # a table repeats its groups, dates and departments
def display_width(text: str) -> int:
    if text.isascii() and text.isprintable():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def one_line(text: str) -> str:
    """Newlines and tabs would break a row; show them as visible marks."""
    return text.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎").replace("\t", " ")


def cut(text: str, width: int) -> str:
    """`text` cut to `width` display columns, ending in … when shortened."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = display_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def text_table(headers: list[str], rows: list[list[str]], max_width: int | None = None,
               flexible: tuple[str, ...] = ()) -> str:  # fmt: skip
    """Aligned columns; with `max_width`, the `flexible` columns are cut (…) until the table fits."""
    cells = [[one_line(str(c)) for c in row] for row in [headers, *rows]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    if max_width:
        widths = _fit(widths, [headers.index(h) for h in flexible if h in headers], max_width,
                      [display_width(h) for h in headers])  # fmt: skip
        cells = [[cut(c, w) for c, w in zip(row, widths, strict=True)] for row in cells]
    lines = ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def _fit(widths: list[int], flexible: list[int], max_width: int, minimum: list[int]) -> list[int]:
    """Narrow the widest flexible column, a column at a time, until the row fits."""
    widths = list(widths)
    total = lambda: sum(widths) + 2 * (len(widths) - 1)  # noqa: E731
    while total() > max_width and flexible:
        widest = max(flexible, key=lambda i: widths[i])
        floor = max(minimum[widest], 8)
        if widths[widest] <= floor:
            break
        widths[widest] = max(floor, widths[widest] - (total() - max_width))
    return widths
