"""Which writer this laptop is: a group's liaison, or the office. Kept inside .git (local to
the laptop, never synced), so that each laptop writes only its own log file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from anfang.errors import AnfangError

IDENTITY_FILE = Path(".git") / "anfang-writer"
OFFICE = "office"


@dataclass(frozen=True)
class Writer:
    group: int | None  # None: the office

    @property
    def is_office(self) -> bool:
        return self.group is None

    def log_name(self) -> str:
        return "office.csv" if self.is_office else f"group-{self.group}.csv"


def read_writer(root: Path) -> Writer | None:
    """The writer this workspace's laptop is, or None for a workspace that is not synced."""
    try:
        text = (root / IDENTITY_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if text == OFFICE:
        return Writer(None)
    if text.startswith("group ") and text[6:].isdigit():
        return Writer(int(text[6:]))
    raise AnfangError(f"{root / IDENTITY_FILE} 内容无法识别（应为 “group N” 或 “office”）")


def write_writer(root: Path, writer: Writer) -> None:
    (root / IDENTITY_FILE).write_text(
        OFFICE if writer.is_office else f"group {writer.group}", encoding="utf-8"
    )
