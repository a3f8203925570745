"""Who may write what: every writer's SSH signing key, registered by the office.

Each laptop (a group's, or the office's) holds a private ed25519 key inside its own `.git/`
(never synced). The office registers each laptop's public key in the synced `data/writers.yaml`;
sync accepts a commit only if it is signed by a registered key and changes only what that key's
writer owns. Who this laptop writes for follows from its key, not from an editable file.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from anfang.dates import chinese_number
from anfang.errors import AnfangError

if TYPE_CHECKING:
    from anfang.yamlstrict import StrictYaml

WRITERS_FILE = Path("data") / "writers.yaml"
KEY_DIR = Path(".git") / "anfang"
KEY_NAME = "signing-key"
OFFICE = "office"
_KEY_LINE = re.compile(
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)) ([A-Za-z0-9+/]+={0,3})(?: .*)?$"
)


def writer_label(writer: int | None) -> str:
    """第三组, or 市安委办 for the office (None)."""
    return "市安委办" if writer is None else f"第{chinese_number(writer)}组"


def parse_key(line: str) -> str:
    """A public key line ('ssh-ed25519 AAAA… comment') reduced to 'type base64'; raises if not one."""
    match = _KEY_LINE.match(" ".join(line.split()))
    if not match:
        raise AnfangError("公钥格式不对：应为一行 “ssh-ed25519 AAAA…”（anfang writers key 打印的那一行）")
    try:
        blob = base64.b64decode(match.group(2), validate=True)
    except ValueError:
        raise AnfangError("公钥格式不对：AAAA… 部分不是有效的 base64") from None
    if not blob.startswith(len(match.group(1)).to_bytes(4, "big") + match.group(1).encode()):
        raise AnfangError("公钥格式不对：密钥内容与类型不符")
    return f"{match.group(1)} {match.group(2)}"


def fingerprint(key: str) -> str:
    """SHA256:… as ssh-keygen and git print it."""
    import hashlib  # not on anfang log's path

    blob = base64.b64decode(key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@dataclass(frozen=True)
class Registry:
    """data/writers.yaml: the office's key and each group's key."""

    office: str | None = None
    groups: dict[int, str] = field(default_factory=dict)

    def writer_of(self, fp: str) -> tuple[bool, int | None]:
        """(found, writer) for a key fingerprint; writer None is the office."""
        if self.office and fingerprint(self.office) == fp:
            return True, None
        for group, key in self.groups.items():
            if fingerprint(key) == fp:
                return True, group
        return False, None

    def all_keys(self) -> list[str]:
        return [k for k in (self.office, *self.groups.values()) if k]


def parse_registry(raw: bytes | None, label: str = "data/writers.yaml") -> Registry:
    """The registry from the file's bytes (None or empty: nobody registered)."""
    if not raw:
        return Registry()
    from anfang.yamlstrict import StrictYaml

    doc = StrictYaml(None, label, raw)
    office, groups = None, {}
    if doc.root is not None:
        top = doc.mapping(doc.root, "writers.yaml", (), ("office", "groups")) or {}
        if top.get("office") is not None and top["office"].tag != "tag:yaml.org,2002:null":
            office = _key(doc, top["office"], "office")
        for node in doc.sequence(top.get("groups"), "groups"):
            m = doc.mapping(node, "groups", ("group", "key"))
            if m:
                number, key = doc.integer(m.get("group"), "group"), _key(doc, m.get("key"), "key")
                if number in groups:
                    doc.problem(node, f"第 {number} 组登记了两次")
                if key:
                    groups[number] = key
    if doc.problems:
        raise AnfangError("签名密钥登记文件有误：\n" + "\n".join(f"  {p}" for p in doc.problems))
    return Registry(office, groups)


def _key(doc: StrictYaml, node, name: str) -> str | None:
    text = doc.text(node, name)
    try:
        return parse_key(text) if text else None
    except AnfangError as exc:
        doc.problem(node, str(exc))
        return None


def registry_text(registry: Registry) -> str:
    lines = [
        "# 各写入者的签名公钥，由市安委办用 anfang writers add 维护；同步时只接受这些密钥签名的提交。",
        f'office: "{registry.office}"' if registry.office else "office:",
        "groups:" if registry.groups else "groups: []",
    ]
    for number in sorted(registry.groups):
        lines.append(f'  - {{group: {number}, key: "{registry.groups[number]}"}}')
    return "\n".join(lines) + "\n"


def load_registry(root: Path) -> Registry:
    path = root / WRITERS_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Registry()
    except OSError as exc:
        raise AnfangError(f"无法读取 {WRITERS_FILE.as_posix()}：{exc.strerror}") from None
    from anfang.configcache import cached

    found = cached(root, "writers", raw, lambda: _plain_registry(parse_registry(raw)))
    return Registry(found["office"], {int(n): key for n, key in found["groups"].items()})


def _plain_registry(registry: Registry) -> dict:
    return {"office": registry.office, "groups": {str(n): key for n, key in registry.groups.items()}}


def save_registry(root: Path, registry: Registry) -> None:
    from anfang.output import write_atomic

    write_atomic(root / WRITERS_FILE, registry_text(registry).encode("utf-8"))


# -- this machine's key --------------------------------------------------------------------


def key_path(root: Path) -> Path:
    return root / KEY_DIR / KEY_NAME


def machine_key(root: Path) -> str | None:
    """This machine's public key ('type base64'), or None if it has none."""
    try:
        return parse_key((root / KEY_DIR / f"{KEY_NAME}.pub").read_text(encoding="utf-8"))
    except (FileNotFoundError, AnfangError):
        return None


def create_key(root: Path, comment: str) -> str:
    """Make this machine's ed25519 signing key (once); returns the public key."""
    existing = machine_key(root)
    if existing:
        return existing
    import shutil  # here: `anfang log` never makes a key, and these imports cost it time
    import subprocess

    if shutil.which("ssh-keygen") is None:
        raise AnfangError(
            "创建签名密钥需要 ssh-keygen（OpenSSH 客户端），这台电脑上没有找到；请先安装 OpenSSH"
        )
    (root / KEY_DIR).mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key_path(root))],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise AnfangError(f"创建签名密钥失败：{result.stderr.strip()}")
    return machine_key(root) or ""


def registered_writer(root: Path) -> tuple[bool, int | None]:
    """(registered, writer) of this machine's key in the workspace's registry."""
    key = machine_key(root)
    if key is None:
        return False, None
    return load_registry(root).writer_of(fingerprint(key))
