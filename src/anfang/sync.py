"""Several laptops, one campaign: the workspace is a git working copy of a shared repository.

Each laptop writes only its own files (a group's log, or the office's log and the config), and
logs are only ever appended to, so rebasing one laptop's commits onto another's never touches
the same lines. Trust does not rest on that habit: every commit is signed with the laptop's key,
and every sync verifies every incoming commit (syncverify) before anything is applied; only the
verified prefix of the remote's history is ever built on. A laptop also checks its own commits
the same way before it publishes them.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from anfang import dates
from anfang.errors import AnfangError
from anfang.gitrepo import GitFailed, Signer, blobs, explain, git, is_ancestor, is_offline, rev
from anfang.identity import Writer, read_claim, write_writer
from anfang.store import restore_log
from anfang.syncverify import Refusal, append_problem, commits_between, registry_at, verify
from anfang.workspace import Workspace, init_workspace
from anfang.writers import (
    Registry,
    create_key,
    fingerprint,
    key_path,
    load_registry,
    machine_key,
    save_registry,
    writer_label,
)

GITATTRIBUTES = """# anfang: logs are append-only, one writer per file. Never convert line ends; if two
# versions of a log ever meet, keep the lines of both (each line is one CRC-checked record).
logs/*.csv merge=union -text
"""
GITIGNORE = "reports/\n*.tmp\n.anfang/\n"
PUSH_ATTEMPTS = 4
VERIFIED_REF = "refs/anfang/verified"
STATUS_FILE = Path(".git") / "anfang" / "sync-status.json"
ASIDE_DIR = Path(".anfang") / "aside"


def signer_for(workspace: Workspace, writer: Writer) -> Signer:
    if writer.is_office:
        name, email = workspace.config.campaign.office.name, "office@anfang.invalid"
    else:
        group = workspace.config.group(writer.group)
        name, email = f"{group.name} {group.liaison}", f"group-{writer.group}@anfang.invalid"
    return Signer(name, email, key_path(workspace.root))


def _exclude_local(root: Path) -> None:
    """.anfang/ (set-aside copies, secrets) is never committed, whatever .gitignore says."""
    exclude = root / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    text = exclude.read_text(encoding="utf-8") if exclude.exists() else ""
    if ".anfang/" not in text.splitlines():
        exclude.write_text(
            text + ("" if text.endswith("\n") or not text else "\n") + ".anfang/\n", encoding="utf-8"
        )


def init_office(target: Path, remote: str) -> Workspace:
    """A new campaign repository from the bundled defaults, its key registered as the office's;
    published at the first sync."""
    workspace = init_workspace(target)
    root = workspace.root
    (root / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    for folder in ("logs", "evidence", "templates"):
        (root / folder / ".gitkeep").touch()
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", remote)
    _exclude_local(root)
    key = create_key(root, f"anfang {workspace.config.campaign.office.name}")
    save_registry(root, Registry(office=key))
    write_writer(root, Writer(None))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "创建攻坚行动工作区", signer=signer_for(workspace, Writer(None)))
    git(root, "update-ref", VERIFIED_REF, "HEAD")
    return workspace


@dataclass(frozen=True)
class GroupInit:
    workspace: Workspace
    key: str
    replaces: bool  # the group already has a registered key: this laptop takes over once registered
    refusal: Refusal | None  # the remote's history has a commit that was not accepted


def init_group(target: Path, remote: str, group: int) -> GroupInit:
    """A laptop's copy of the campaign repository, writing for `group`: every commit of the
    remote is verified from the office's first commit on; only the verified part is kept."""
    if target.exists() and any(target.iterdir()):
        raise AnfangError(f"{target} 不是空目录；请指定一个新目录")
    try:
        git(Path.cwd(), "clone", "-q", "-b", "main", remote, str(target))
    except GitFailed as exc:
        raise AnfangError(f"无法从 {remote} 获取攻坚行动工作区：{exc}") from None
    root = target.resolve()
    try:
        if not (root / "data" / "groups.yaml").is_file():
            raise AnfangError(
                f"{remote} 里还没有攻坚行动工作区：请市安委办先运行 anfang init --office 并 anfang sync"
            )
        founding = founding_registry(root)
        if founding.office is None:
            raise AnfangError(
                f"{remote} 的第一个提交没有登记市安委办的签名密钥，不是 anfang 创建的攻坚行动工作区"
            )
        verdict = verify(root, None, "HEAD", founding)
        if verdict.accepted is None:
            raise AnfangError(
                f"{remote} 的第一个提交未通过验证：{verdict.refusal.message() if verdict.refusal else ''}"
            )
        git(root, "reset", "-q", "--hard", verdict.accepted)
        git(root, "update-ref", VERIFIED_REF, verdict.accepted)
        workspace = Workspace(root)
        workspace.config.group(group)  # a group the campaign has
        _exclude_local(root)
        key = create_key(root, f"anfang {workspace.config.group(group).name}")
        write_writer(root, Writer(group))
        _save_status(root, verdict.refusal, [])
    except BaseException:
        import shutil

        shutil.rmtree(target, ignore_errors=True)
        raise
    return GroupInit(workspace, key, group in load_registry(root).groups, verdict.refusal)


@dataclass
class SyncResult:
    sent: int = 0  # records this laptop sent
    arrived: dict[str, int] = field(default_factory=dict)  # log file -> records that arrived
    published: bool = False  # the first push of a new repository
    set_aside: list[str] = field(default_factory=list)  # local edits of files this laptop does not own
    aside_dir: str = ""
    refusal: Refusal | None = None  # an incoming commit not accepted (nothing from it on applied)
    unregistered: bool = False  # this laptop's key is not registered yet: nothing sent
    repaired: str = ""  # with --repair: the remote's old tip, kept as a local ref
    config_sent: list[str] = field(default_factory=list)  # the office's changed data/ and templates/ files
    photos_sent: int = 0


def _me(workspace: Workspace) -> tuple[Writer, bool, str]:
    """(writer, registered, public key) of this laptop."""
    root = workspace.root
    claim = read_claim(root)
    if claim is None or not (root / ".git").is_dir():
        raise AnfangError(
            "这个工作区没有设置同步：请用 anfang init 目录 --remote 地址 --group N（或 --office）创建"
        )
    label = (
        workspace.config.campaign.office.name if claim.is_office else workspace.config.group(claim.group).name
    )
    key = machine_key(root) or create_key(root, f"anfang {label}")
    found, writer = registry_at(root, rev(root, "HEAD")).writer_of(
        fingerprint(key)
    )  # as synced, not as edited
    return (Writer(writer) if found else claim), found, key


def sync(workspace: Workspace, repair: bool = False) -> SyncResult:
    root = workspace.root
    me, _, key = _me(workspace)
    if repair and not me.is_office:
        raise AnfangError("只有市安委办的电脑能用 --repair 修复同步服务器上的历史")
    signer = signer_for(workspace, me)
    _exclude_local(root)
    _recover_interrupted(root)
    result = SyncResult()
    stamp = dates.now().strftime("%Y%m%d-%H%M%S")
    result.set_aside, result.aside_dir = _set_aside_foreign(root, me, stamp)
    _check_own_log(root, me)
    _commit_own(workspace, me, signer)
    for attempt in range(PUSH_ATTEMPTS):
        upstream = _fetch(root)
        if upstream is None:  # an empty remote: publish what this laptop has
            result.published = True
            target = None
        else:
            future = load_registry(root) if me.is_office else None  # the office's own registrations
            target, incoming = _accept(root, upstream, signer, future)
            result.refusal = incoming.refusal
            for name, count in incoming.arrived.items():
                result.arrived[name] = result.arrived.get(name, 0) + count
        _save_status(root, result.refusal, result.set_aside)
        base_registry = registry_at(root, target) if target else founding_registry(root)
        outgoing = verify(root, target, "HEAD", base_registry)
        if outgoing.refusal is not None:
            if outgoing.refusal.held and outgoing.refusal.key == fingerprint(key):
                result.unregistered = True
                return result
            raise AnfangError("本机的提交未通过验证，未发送：" + outgoing.refusal.message())
        to_send = outgoing.arrived.get(me.log_name(), 0)
        changed = {c.path for commit in commits_between(root, target, "HEAD") for c in commit.changes}
        _refuse_known_ids(root, outgoing.ids)
        if target == rev(root, "HEAD") and upstream is not None and not (repair and result.refusal):
            break  # nothing to send
        if result.refusal is not None and not repair:
            return result  # the remote is ahead with commits we do not accept: do not build on them
        lease = [f"--force-with-lease=main:{upstream}"] if repair and result.refusal else []
        push = git(root, "push", "-q", "-u", *lease, "origin", "HEAD:main", check=False)
        if push.returncode == 0:
            result.sent = to_send
            result.config_sent = sorted(p for p in changed if not p.startswith(("logs/", "evidence/")))
            result.photos_sent = sum(
                1 for p in changed if p.startswith("evidence/") and not p.endswith(".gitkeep")
            )
            if lease:
                git(root, "update-ref", f"refs/anfang/rejected/{stamp}", upstream)
                result.repaired, result.refusal = upstream, None
                _save_status(root, None, result.set_aside)
            break
        output = push.stderr.strip() or push.stdout.strip()
        if is_offline(output):
            raise _offline(output, "发送")
        if attempt == PUSH_ATTEMPTS - 1 or not _is_race(output):
            raise AnfangError("发送失败：" + explain("push", output))
        time.sleep(0.2 * (attempt + 1))
    git(root, "update-ref", VERIFIED_REF, "HEAD")
    result.arrived.pop(me.log_name(), None)
    return result


def _fetch(root: Path) -> str | None:
    """Fetch; the remote main's commit, or None if the remote has none yet."""
    fetch = git(root, "fetch", "-q", "origin", "+refs/heads/main:refs/remotes/origin/main", check=False)
    if fetch.returncode != 0:
        output = fetch.stderr.strip() or fetch.stdout.strip()
        if "couldn't find remote ref" in output:
            return None
        raise (
            _offline(output, "获取")
            if is_offline(output)
            else AnfangError("获取失败：" + explain("fetch", output))
        )
    return rev(root, "refs/remotes/origin/main")


def founding_registry(root: Path) -> Registry:
    """The office key of the repository's first commit: what every clone trusts from the start."""
    first = git(root, "rev-list", "--max-parents=0", "HEAD").stdout.split()
    if len(first) != 1:
        raise AnfangError("工作区的 git 历史有不止一个起点，不是 anfang 创建的攻坚行动工作区")
    return Registry(office=registry_at(root, first[0]).office)


def _accept(root: Path, upstream: str, signer: Signer, future: Registry | None):
    """Verify what arrived and rebase this laptop's own commits onto its verified part.

    Returns (the commit now built on, the verdict)."""
    verified = rev(root, VERIFIED_REF)
    if verified and not is_ancestor(root, verified, upstream) and not is_ancestor(root, upstream, verified):
        refusal = Refusal(
            upstream, "同步服务器", "", f"远程仓库的历史被改写过：已验证的提交 {verified[:10]} 不在其中"
        )
        from anfang.syncverify import Verdict

        return verified, Verdict(accepted=None, refusal=refusal)
    base = git(root, "merge-base", "HEAD", upstream).stdout.strip()
    verdict = verify(root, base, upstream, registry_at(root, base), future)
    target = verdict.accepted or base
    if target != base:
        rebase = git(root, "rebase", "-q", "--onto", target, base, check=False, signer=signer)
        if rebase.returncode != 0:
            git(root, "rebase", "--abort", check=False)
            raise AnfangError(
                "同步时无法把本机的提交接在收到的记录后面，已撤销，本机的记录都还在、也已提交。"
                + explain("rebase", rebase.stderr.strip() or rebase.stdout.strip())
            )
        git(root, "update-ref", VERIFIED_REF, target)
    return target, verdict


def _recover_interrupted(root: Path) -> None:
    """A sync killed mid-rebase: undo the rebase (the commits are all still in git)."""
    if (root / ".git" / "rebase-merge").exists() or (root / ".git" / "rebase-apply").exists():
        git(root, "rebase", "--abort", check=False)


def _owns(writer: Writer, path: str, status: str) -> bool:
    if path == f"logs/{writer.log_name()}":
        return True
    if path.startswith("evidence/"):
        return status == "??"  # new photos only
    return writer.is_office and (
        path.startswith(("data/", "templates/")) or path in (".gitattributes", ".gitignore")
    )


def _set_aside_foreign(root: Path, writer: Writer, stamp: str) -> tuple[list[str], str]:
    """Local edits of files this laptop does not own: copied to .anfang/aside/<time>/ and put back
    as synced, so they never block a sync and are never published."""
    out = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all").stdout
    entries = [e for e in out.split("\0") if e]
    foreign = []
    for entry in entries:
        status, path = entry[:2], entry[3:]
        if not _owns(writer, path, status) and (
            status != "??" or path.startswith(("logs/", "data/", "templates/"))
        ):
            foreign.append((status, path))
    if not foreign:
        return [], ""
    aside = root / ASIDE_DIR / stamp
    for status, path in foreign:
        source = root / path
        if source.is_file():
            copy = aside / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(source.read_bytes())
        if status == "??":
            source.unlink(missing_ok=True)
        else:
            git(root, "checkout", "-q", "HEAD", "--", path)
    return [p for _, p in foreign], (ASIDE_DIR / stamp).as_posix()


def _check_own_log(root: Path, writer: Writer) -> None:
    """This laptop never publishes a non-append change of its own log."""
    name = f"logs/{writer.log_name()}"
    path = root / name
    if not path.exists():
        if git(root, "cat-file", "-e", f"HEAD:{name}", check=False).returncode == 0:
            raise AnfangError(f"{name} 被删除了；本机不会发送删除。恢复方法：运行 anfang sync --restore")
        return
    committed = blobs(root, [f"HEAD:{name}"])[f"HEAD:{name}"] or b""
    problem = append_problem(committed, path.read_bytes(), name, writer.group)
    if problem:
        raise AnfangError(
            f"{name} 不再是上次同步内容的延续：{problem}。本机不会发送改动过的记录。\n"
            "恢复方法：运行 anfang sync --restore（现在的文件另存到 .anfang/aside/，恢复为已同步的版本，"
            "其后新记的有效记录保留），然后再运行 anfang sync。"
        )


def restore(workspace: Workspace) -> tuple[str, int, dict[str, str]]:
    """Put this laptop's own log back to what it last committed, keeping later valid records."""
    root = workspace.root
    me, _, _ = _me(workspace)
    name = f"logs/{me.log_name()}"
    committed = blobs(root, [f"HEAD:{name}"])[f"HEAD:{name}"] or b""
    path = root / name
    aside = root / ASIDE_DIR / dates.now().strftime("%Y%m%d-%H%M%S") / me.log_name()
    if not path.exists():
        path.write_bytes(committed)
        return "", 0, {}
    kept, renamed = restore_log(path, committed, aside)
    return aside.relative_to(root).as_posix(), kept, renamed


def _commit_own(workspace: Workspace, writer: Writer, signer: Signer) -> None:
    root = workspace.root
    owned = [f"logs/{writer.log_name()}", "evidence"]
    if writer.is_office:
        owned += ["data", "templates", ".gitattributes", ".gitignore"]
    paths = [p for p in owned if (root / p).exists()]
    if paths:
        git(root, "add", "--", *paths)
    if git(root, "diff", "--cached", "--quiet", check=False).returncode != 0:
        try:
            git(root, "commit", "-q", "-m", f"{writer_label(writer.group)} 的新记录", signer=signer)
        except GitFailed as exc:
            git(root, "reset", "-q", check=False)
            raise AnfangError(f"无法提交本机的记录：{exc}") from None


def _refuse_known_ids(root: Path, outgoing: dict[str, list[str]]) -> None:
    """No record goes out with an id another log already has."""
    if not any(outgoing.values()):
        return
    mine = {i for ids in outgoing.values() for i in ids}
    for path in sorted((root / "logs").glob("*.csv")):
        if path.name in outgoing:
            continue  # within its own file, verify checked it
        for line in path.read_bytes().split(b"\n")[1:]:
            record_id = line.split(b",", 1)[0].decode("utf-8", "replace")
            if record_id in mine:
                raise AnfangError(
                    f"本机要发送的记录编号 {record_id} 在 logs/{path.name} 中已经有了；未发送。请联系市安委办"
                )


def _is_race(output: str) -> bool:
    return any(word in output for word in ("rejected", "fetch first", "non-fast-forward", "stale info"))


def _offline(output: str, action: str) -> AnfangError:
    lines = output.splitlines()
    detail = next(
        (line for line in lines if line.startswith(("fatal:", "error:"))), lines[0] if lines else ""
    )
    return AnfangError(
        f"无法连接同步服务器，{action}失败；本机的记录已保存并提交，下次同步时会一起发送。\n（git：{detail}）"
    )


def _save_status(root: Path, refusal: Refusal | None, set_aside: list[str]) -> None:
    """What the last sync refused, for `anfang check` (local, never synced)."""
    path = root / STATUS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"time": dates.now().isoformat(timespec="seconds"), "refusal": refusal.as_dict() if refusal else None,
            "set_aside": set_aside}  # fmt: skip
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def sync_status(root: Path) -> dict | None:
    with contextlib.suppress(OSError, ValueError):
        return json.loads((root / STATUS_FILE).read_text(encoding="utf-8"))
    return None


def last_synced(root: Path, log_name: str) -> str | None:
    """When the last commit that touched a log was made (ISO), or None."""
    if not (root / ".git").is_dir():
        return None
    out = git(root, "log", "-1", "--format=%cI", "--", f"logs/{log_name}", check=False).stdout.strip()
    return out or None


def register(workspace: Workspace, writer: int | None, key_line: str) -> tuple[str | None, bool]:
    """The office registers a laptop's key (data/writers.yaml); returns (the key it replaces, new)."""
    from anfang.writers import parse_key

    root = workspace.root
    me, registered, _ = _me(workspace) if (root / ".git").is_dir() else (Writer(None), True, "")
    if not (me.is_office and registered):
        raise AnfangError("只有市安委办的电脑能登记签名密钥")
    key = parse_key(key_line)
    registry = load_registry(root)
    found, holder = registry.writer_of(fingerprint(key))
    if found and holder != writer:
        raise AnfangError(f"这个公钥已登记为{writer_label(holder)}的密钥；一台电脑只能为一个写入者记录")
    if writer is None:
        old, registry = registry.office, Registry(key, dict(registry.groups))
    else:
        workspace.config.group(writer)
        old = registry.groups.get(writer)
        registry = Registry(registry.office, {**registry.groups, writer: key})
    if old == key:
        return old, False
    save_registry(root, registry)
    return old, True


__all__ = ["SyncResult", "init_group", "init_office", "register", "restore", "sync"]
