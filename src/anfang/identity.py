"""Which writer this laptop is: a group's liaison, or the office.

Bound to the laptop's signing key: once the office has registered the key in data/writers.yaml,
the registration says who this laptop is, whatever a local file claims. Until then the claim made
at `init --group N` (kept inside .git, never synced) stands in; nothing written under it is
accepted by the other laptops before the key is registered for that writer."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from anfang.errors import AnfangError

IDENTITY_FILE = Path(".git") / "anfang-writer"
OFFICE = "office"


class Writer(NamedTuple):
    group: int | None  # None: the office

    @property
    def is_office(self) -> bool:
        return self.group is None

    def log_name(self) -> str:
        return "office.csv" if self.is_office else f"group-{self.group}.csv"


def read_writer(root: Path) -> Writer | None:
    """The writer this workspace's laptop is, or None for a workspace that is not synced."""
    claim = read_claim(root)
    if claim is None:
        return None
    from anfang.writers import registered_writer  # a synced laptop's only

    registered, writer = registered_writer(root)
    return Writer(writer) if registered else claim


def read_claim(root: Path) -> Writer | None:
    """What `init` recorded this laptop to be (before its key is registered, the only word)."""
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
