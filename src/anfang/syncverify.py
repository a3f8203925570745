"""Verifying commits before sync applies them: signed by a registered key, and changing only
what that key's writer owns.

- group N may append whole, CRC-valid records to logs/group-N.csv (the old file a byte prefix of
  the new one) and add files under evidence/;
- the office may append to logs/office.csv, change data/, templates/, .gitattributes and
  .gitignore, and add files under evidence/.
Anything else is a refusal naming the commit, its author, the file and the fault. A commit
signed by a key that is not registered (yet) is held: it is accepted once a later commit of the
office registers the key. Only the verified prefix of a history is ever applied.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from anfang.errors import AnfangError
from anfang.gitrepo import blobs, git, git_bytes
from anfang.store import BOM, HEADER, decode_line
from anfang.writers import WRITERS_FILE, Registry, parse_registry, writer_label

REGULAR_MODES = ("100644", "100755")
OFFICE_OWNS = ("data/", "templates/")
OFFICE_FILES = (".gitattributes", ".gitignore", "logs/.gitkeep", "evidence/.gitkeep", "templates/.gitkeep")
NEWLINE = b"\n"
_GROUP_ID = re.compile(r"^G(\d{1,2})-\d{8}-(?:W(\d{1,2})-)?\d+$")


@dataclass(frozen=True)
class Change:
    path: str
    status: str  # A M D T …
    old_mode: str
    new_mode: str
    old_blob: str
    new_blob: str


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    changes: tuple[Change, ...]
    author: str = ""
    signature: str = ""  # git's %G?: G good, U good but key not allowed, B bad, N none …
    key: str = ""  # the signing key's fingerprint


@dataclass(frozen=True)
class Refusal:
    """Why a commit is not applied. `held`: its key is not registered (yet)."""

    commit: str
    author: str
    path: str
    reason: str
    held: bool = False
    key: str = ""

    def message(self) -> str:
        where = f"，{self.path}" if self.path else ""
        return f"提交 {self.commit[:10]}（作者：{self.author}）{where}：{self.reason}"

    def as_dict(self) -> dict:
        return {"commit": self.commit, "author": self.author, "path": self.path, "reason": self.reason,
                "held": self.held, "key": self.key}  # fmt: skip


@dataclass
class Verdict:
    """The verified prefix of base..tip: apply up to `accepted` (None: nothing new is good)."""

    accepted: str | None = None
    refusal: Refusal | None = None
    arrived: dict[str, int] = field(default_factory=dict)  # log file name -> records
    ids: dict[str, list[str]] = field(default_factory=dict)  # log file name -> ids appended


def commits_between(root: Path, base: str | None, tip: str) -> list[Commit]:
    """The commits of base..tip, oldest first, with the files each changes."""
    span = f"{base}..{tip}" if base else tip
    out = git_bytes(root, "log", "--reverse", "--topo-order", "--no-renames", "--no-abbrev", "-z",
                    "--raw", "--format=%x01%H %P", span).stdout  # fmt: skip
    commits = []
    for chunk in out.split(b"\x01")[1:]:
        header, _, rest = chunk.partition(b"\0")
        sha, *parents = header.decode().split()
        fields = rest.lstrip(b"\n").split(b"\0")
        changes = []
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            if not meta.startswith(b":"):
                continue
            old_mode, new_mode, old_blob, new_blob, status = meta[1:].decode().split()
            changes.append(
                Change(path.decode("utf-8", "replace"), status[0], old_mode, new_mode, old_blob, new_blob)
            )
        commits.append(Commit(sha, tuple(parents), tuple(changes)))
    return commits


def _signatures(root: Path, commits: list[Commit], keys: list[str]) -> list[Commit]:
    """Each commit with its signature status under an allowed-signers file of `keys`."""
    if not commits:
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".allowed", delete=False, encoding="utf-8") as handle:
        for key in keys:
            handle.write(f'anfang namespaces="git" {key}\n')
        allowed = handle.name
    try:
        out = git(root, "-c", f"gpg.ssh.allowedSignersFile={allowed}", "log", "--no-walk=unsorted",
                  "--format=%H%x1f%G?%x1f%GK%x1f%an <%ae>", *[c.sha for c in commits]).stdout  # fmt: skip
    finally:
        Path(allowed).unlink(missing_ok=True)
    info = {}
    for line in out.splitlines():
        sha, status, key, author = [*line.split("\x1f"), "", "", ""][:4]
        info[sha] = (status, key, author)
    result = []
    for c in commits:
        status, key, author = info.get(c.sha, ("N", "", ""))
        result.append(Commit(c.sha, c.parents, c.changes, author, status, key))
    return result


def registry_at(root: Path, commit: str | None) -> Registry:
    if commit is None:
        return Registry()
    return parse_registry(
        blobs(root, [f"{commit}:{WRITERS_FILE.as_posix()}"])[f"{commit}:{WRITERS_FILE.as_posix()}"]
    )


def verify(
    root: Path, base: str | None, tip: str, registry: Registry, future: Registry | None = None
) -> Verdict:
    """Verify base..tip, starting from the registry in force at base (for base None: the
    founding registry the first commit is checked against). `future`: registrations that will
    follow (the office's own, not yet published), which accept a key as a later commit would."""
    commits = commits_between(root, base, tip)
    if not commits:
        return Verdict(accepted=None)
    versions = _registry_versions(root, commits)
    keys = sorted({k for r in [registry, *versions.values(), future or Registry()] for k in r.all_keys()})
    commits = _signatures(root, commits, keys)
    verdict = Verdict()
    appended: dict[str, list[str]] = {}  # new log blob -> ids its commit appends
    # pass 1: in order, each commit against the registry of its parent; office commits may
    # change the registry. Commits whose key only a later office commit registers wait (pending).
    states: list[
        tuple[Commit, Registry, Refusal | None, int | None]
    ] = []  # commit, registry after, refusal, writer
    pending: list[int] = []
    current = registry
    first_bad = len(commits)
    for index, commit in enumerate(commits):
        refusal, writer, found = _signed(commit, current)
        if refusal is None and not found:
            pending.append(index)
            states.append((commit, current, None, None))
            continue
        if refusal is None:
            refusal = _owned(root, commit, writer, appended)
        if refusal is not None:
            states.append((commit, current, refusal, writer))
            first_bad = index
            break
        if writer is None and commit.sha in versions:
            current = versions[commit.sha]
        states.append((commit, current, None, writer))
    # pass 2: a pending commit is good if an accepted office commit after it registers its key
    resolved: dict[int, int | None] = {}
    for index in pending:
        commit = commits[index]
        later = next(
            (j for j in range(index + 1, min(first_bad, len(states))) if states[j][3] is None
             and states[j][2] is None and j not in pending and states[j][1].writer_of(commit.key)[0]),
            None,
        )  # fmt: skip
        if later is None and future is not None and future.writer_of(commit.key)[0]:
            later = len(commits)  # registered by what the office is about to publish
            writer = future.writer_of(commit.key)[1]
        elif later is None:
            first_bad = min(first_bad, index)
            continue
        else:
            writer = states[later][1].writer_of(commit.key)[1]
        refusal = _owned(root, commit, writer, appended)
        if refusal is not None:
            states[index] = (commit, states[index][1], refusal, writer)
            first_bad = min(first_bad, index)
        else:
            resolved[index] = later
    # a pending commit resolved only by a commit past the first bad one is held after all
    changed = True
    while changed:
        changed = False
        for index, later in resolved.items():
            if index < first_bad <= later < len(commits):
                first_bad, changed = index, True
    if first_bad < len(commits):
        commit = commits[first_bad]
        refusal = states[first_bad][2] if first_bad < len(states) else None
        verdict.refusal = refusal or _held(commit)
    good = commits[:first_bad]
    verdict.accepted = good[-1].sha if good else None
    for commit in good:
        for change in commit.changes:
            name = change.path.removeprefix("logs/")
            if change.new_blob in appended:
                ids = appended[change.new_blob]
                verdict.arrived[name] = verdict.arrived.get(name, 0) + len(ids)
                verdict.ids.setdefault(name, []).extend(ids)
    return verdict


def _registry_versions(root: Path, commits: list[Commit]) -> dict[str, Registry]:
    """writers.yaml as each commit that changes it leaves it (unparseable: an empty registry)."""
    touching = [c.sha for c in commits if any(ch.path == WRITERS_FILE.as_posix() for ch in c.changes)]
    names = [f"{sha}:{WRITERS_FILE.as_posix()}" for sha in touching]
    contents = blobs(root, names)
    versions = {}
    for sha, name in zip(touching, names, strict=True):
        try:
            versions[sha] = parse_registry(contents[name])
        except AnfangError:  # a broken registry file registers nobody
            versions[sha] = Registry()
    return versions


def _held(commit: Commit) -> Refusal:
    return Refusal(commit.sha, commit.author, "", f"签名密钥 {commit.key} 尚未登记，暂不接收（登记后的同步会接收）",
                   held=True, key=commit.key)  # fmt: skip


def _signed(commit: Commit, registry: Registry) -> tuple[Refusal | None, int | None, bool]:
    """(refusal, writer, registered) for the commit's signature under `registry`."""

    def refuse(reason: str) -> Refusal:
        return Refusal(commit.sha, commit.author, "", reason)

    if len(commit.parents) > 1:
        return refuse("是合并提交；anfang 的同步只接受一条直线的历史"), None, True
    if commit.signature == "N":
        return refuse("没有签名（不是用 anfang 同步发出的提交）"), None, True
    if commit.signature not in ("G", "U"):
        return refuse("签名无效：提交内容与签名不符（被改动过，或签名是伪造的）"), None, True
    found, writer = registry.writer_of(commit.key)
    return None, writer, found


def _owned(root: Path, commit: Commit, writer: int | None, appended: dict[str, list[str]]) -> Refusal | None:
    """The first change in `commit` that `writer` (None: the office) may not make."""
    who = writer_label(writer)

    def refuse(path: str, reason: str) -> Refusal:
        return Refusal(commit.sha, commit.author, path, reason)

    own_log = "logs/office.csv" if writer is None else f"logs/group-{writer}.csv"
    for change in commit.changes:
        path = change.path
        if change.new_mode not in (*REGULAR_MODES, "000000"):
            return refuse(path, "不是普通文件（符号链接或子模块），一律不接收")
        if path == own_log:
            if change.status not in "AM":
                return refuse(path, f"{who}的记录文件被删除")
            problem = _append_problem(root, change, writer, appended)
            if problem:
                return refuse(path, problem)
        elif path.startswith("evidence/"):
            if change.status != "A":
                return refuse(path, "照片只能新增，不能修改或删除")
        elif writer is None and (path.startswith(OFFICE_OWNS) or path in OFFICE_FILES):
            continue
        else:
            return refuse(path, f"不属于{who}的文件（{who}只能写 {own_log}" + ("、data/、templates/" if writer is None else "")
                          + " 和新增 evidence/ 下的照片）")  # fmt: skip
    return None


def _append_problem(
    root: Path, change: Change, writer: int | None, appended: dict[str, list[str]]
) -> str | None:
    names = [b for b in (change.old_blob, change.new_blob) if set(b) != {"0"}]
    contents = blobs(root, names)
    ids: list[str] = []
    problem = append_problem(contents.get(change.old_blob) or b"", contents.get(change.new_blob) or b"",
                             change.path, writer, ids)  # fmt: skip
    appended[change.new_blob] = ids
    return problem


def append_problem(
    old: bytes, new: bytes, path: str, writer: int | None, ids: list[str] | None = None
) -> str | None:
    """Why `new` is not `old` plus whole, valid records of this writer (None: it is).

    The ids of the appended records go to `ids`."""
    if not new.startswith(old):
        return _first_difference(old, new)
    if not old and not new.startswith(BOM + HEADER):
        return "新的记录文件缺少 anfang 的表头"
    added = new[len(old) :]
    start = old.count(b"\n") + 1
    if old and not old.endswith(b"\n"):
        if added and not added.startswith(b"\n"):
            return f"第 {start} 行：在残行后面接写了内容"
        added, start = added[1:], start + 1
    if added and not added.endswith(b"\n"):
        return f"第 {start + added.count(NEWLINE)} 行不完整（可能因断电或磁盘满），未发送"
    seen = _ids(old)
    if not old:
        added, start = added[len(BOM + HEADER) :], start + 1
    for number, line in enumerate(added.split(b"\n")[:-1], start=start):
        try:
            record = decode_line(line, path, number)
        except ValueError as exc:
            return f"第 {number} 行{exc}"
        if record.id in seen:
            return f"第 {number} 行：编号 {record.id} 重复"
        seen.add(record.id)
        if writer is not None:
            match = _GROUP_ID.match(record.id)
            owner = match and int(match.group(2) or match.group(1))
            if owner != writer:
                return f"第 {number} 行：编号 {record.id} 不是{writer_label(writer)}能写的编号"
        if ids is not None:
            ids.append(record.id)
    return None


def _first_difference(old: bytes, new: bytes) -> str:
    old_lines, new_lines = old.split(b"\n"), new.split(b"\n")
    for number, (a, b) in enumerate(zip(old_lines, new_lines, strict=False), start=1):
        if a != b:
            if a.split(b",", 1)[0] == b.split(b",", 1)[0]:
                return f"第 {number} 行被改动（已同步的记录只能追加，不能修改）"
            return f"第 {number} 行起的记录被删除或改动（已同步的记录只能追加）"
    return f"第 {len(new_lines)} 行起的记录被删除（已同步的记录只能追加，不能删除）"


def _ids(log: bytes) -> set[str]:
    return {
        line.split(b",", 1)[0].decode("utf-8", "replace")
        for line in log.removeprefix(BOM).split(b"\n")[1:]
        if line
    }
