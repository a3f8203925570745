"""The day as a chat message for the DingTalk and WeCom group robots: no tables, no HTML, only
what both render (headings, bold, list lines, line breaks).

Text from the logs is made inert for that subset: the characters that start markup, links,
mentions or HTML are replaced by their full-width forms (＊＿＃［］（）＜＞｀～｜＠), which read the
same to a person and are markup to neither robot; "://" loses its slashes' meaning the same way.
A long day is split at group boundaries into numbered parts that each fit a robot's limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from anfang.dates import month_day
from anfang.render.view import report_view
from anfang.report import Report

_INERT = str.maketrans({
    "*": "＊", "_": "＿", "#": "＃", "[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞",
    "`": "｀", "~": "～", "|": "｜", "@": "＠", "!": "！", "\\": "＼", "\n": " ", "\r": " ", "\t": " ",
})  # fmt: skip
OLDEST_OVERDUE = 5  # the overdue findings named in the message; the workbook has them all


def chat_escape(text: str) -> str:
    """User text as plain words in both robots' Markdown: no markup, link, mention or HTML."""
    value = str(text).translate(_INERT).replace("://", "：//")
    # a line that starts like a list item or quote stays text
    return value.replace("- ", "－ ", 1) if value.startswith("- ") else value


@dataclass(frozen=True)
class ChatMessage:
    title: str  # DingTalk's title (the notification line)
    text: str


def _figures(f) -> str:
    return f"检查 {f.sites} 家，问题隐患 {f.hazards} 个（重大 {f.major}），已整改 {f.rectified}，已交办 {f.handed_over}"


def chat_blocks(report: Report, workbook: str | None = None) -> tuple[str, list[str]]:
    """(title, blocks): the blocks are what a message may be split between (one per group line,
    one per major hazard); each is a few lines of Markdown."""
    view = report_view(report, chat_escape)
    day = month_day(report.date)
    title = f"暗访检查日报 {day}"
    reported = sum(1 for g in view["groups"] if g["visited"])
    blocks = [
        f"### {title}\n\n"
        f"**当日：{reported}/{len(view['groups'])} 个组报送，{_figures(view['total_day'])}**\n\n"
        f"截至目前：{_figures(view['total_to_date'])}"
    ]
    blocks.append("#### 各组")
    for g in view["groups"]:
        if g["visited"]:
            blocks.append(
                f"- {g['name']}（{g['region']}）：{_figures(g['day'])}；累计问题隐患 {g['to_date'].hazards} 个"
            )
        else:
            blocks.append(f"- {g['name']}（{g['region']}）：**当日无记录**")
    if view["major"]:
        blocks.append(f"#### 当日重大隐患（{len(view['major'])} 个）")
        for index, f in enumerate(view["major"], start=1):
            handed = f"已交办{f['handover']}" if f["handover"] else "未交办"
            due = f"，期限 {f['deadline']}" if f["deadline"] else ""
            blocks.append(f"{index}. {f['group_name']} {f['site']}：{f['hazard']}（{handed}{due}）")
    overdue = view["overdue"]
    if overdue:
        oldest = sorted(overdue, key=lambda f: -f["days_overdue"])[:OLDEST_OVERDUE]
        lines = [f"#### 逾期未整改：{len(overdue)} 个"]
        lines += [
            f"- {f['group_name']} {f['site']}：逾期 {f['days_overdue']} 天（{f['id']}）" for f in oldest
        ]
        if len(overdue) > len(oldest):
            lines.append(f"- 其余 {len(overdue) - len(oldest)} 个见工作簿")
        blocks.append("\n\n".join(lines))
    else:
        blocks.append(f"#### 逾期未整改：无（截至{day}）")
    if workbook:
        blocks.append(f"工作簿：{chat_escape(workbook)}")
    return title, blocks


def chat_messages(report: Report, limit: int, workbook: str | None = None) -> list[ChatMessage]:
    """The day's message, split into numbered parts of at most `limit` bytes (UTF-8) each,
    between blocks (groups, hazards), never inside one unless a single block is too long."""
    title, blocks = chat_blocks(report, workbook)
    reserve = len(f"（99/99）{title}\n\n".encode())
    parts: list[list[str]] = [[]]
    for block in blocks:
        for piece in _fit(block, limit - reserve):
            size = sum(len(b.encode()) + 2 for b in parts[-1]) + len(piece.encode())
            if parts[-1] and size > limit - reserve:
                parts.append([])
            parts[-1].append(piece)
    if len(parts) == 1:
        return [ChatMessage(title, "\n\n".join(parts[0]) + "\n")]
    messages = []
    for number, part in enumerate(parts, start=1):
        head = f"（{number}/{len(parts)}）"
        body = "\n\n".join(part)
        if number > 1:
            body = f"**{title}{head}**\n\n{body}"
        else:
            body = body.replace(f"### {title}", f"### {title}{head}", 1)
        messages.append(ChatMessage(f"{title}{head}", body + "\n"))
    return messages


def _fit(block: str, limit: int) -> list[str]:
    """A block longer than a message can hold, cut at characters (rare: one huge hazard)."""
    data = block.encode()
    if len(data) <= limit:
        return [block]
    pieces, current = [], ""
    for char in block:
        if len((current + char).encode()) > limit:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def chat_text(report: Report, workbook: str | None = None) -> str:
    """`report --format chat`: the whole message (as one, however long) for a person to read."""
    _, blocks = chat_blocks(report, workbook)
    return "\n\n".join(blocks) + "\n"
