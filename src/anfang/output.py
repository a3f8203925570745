"""Writing output files atomically: a reader or a crash sees the old file or the new one.

The temporary file sits beside the target and carries the writer's PID, so one left behind
by a process that was killed outright is recognised and removed by the next write.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from anfang.errors import AnfangError, os_reason


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _remove_stale_temps(path: Path) -> None:
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[0-9a-f]{{8}}\.tmp$")
    with contextlib.suppress(OSError):
        for sibling in path.parent.iterdir():
            match = pattern.match(sibling.name)
            if match and not _alive(int(match.group(1))):
                with contextlib.suppress(OSError):
                    sibling.unlink()


def _write_all(handle, data: bytes | Iterable[bytes]) -> None:
    for chunk in (data,) if isinstance(data, bytes) else data:
        handle.write(chunk)


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """`data`: the bytes, or pieces of them made one at a time (a large export never has to be
    whole in memory); a failure while making them leaves the old file."""
    tmp = _temp_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(path)
        with open(tmp, "xb") as handle:
            _write_all(handle, data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise AnfangError(f"无法写入 {path}：{os_reason(exc)}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_output(target: Path, data: bytes | Iterable[bytes], protected: Path | None = None) -> Path:
    """Write a command's output to `target` as a careful user expects:

    - a regular file (or a new name) is replaced atomically; a symlink is followed, so the file
      it points to is replaced and the link stays;
    - an existing device, FIFO or socket (/dev/null, /dev/stdout, a named pipe) is written to
      directly, never replaced;
    - nothing is written inside `protected` (the workspace's logs/), nor over a file that starts
      with the log header (a log copied elsewhere);
    - a missing folder is created only if its parent exists (a mistyped path is an error).
    Returns the path written."""
    import stat

    try:
        info = os.stat(target)  # follows symlinks
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise AnfangError(f"无法写入 {target}：{os_reason(exc)}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise AnfangError(f"{target} 是一个目录")
        try:
            with open(target, "wb") as handle:
                _write_all(handle, data)
        except OSError as exc:
            raise AnfangError(f"无法写入 {target}：{os_reason(exc)}") from None
        return target
    real = Path(os.path.realpath(target))
    if protected is not None:
        guarded = Path(os.path.realpath(protected))
        if real == guarded or guarded in real.parents:
            raise AnfangError(f"不能把输出写到记录目录 {protected} 里（{target}）：那里只放记录文件")
    if info is not None:
        with contextlib.suppress(OSError), open(real, "rb") as handle:
            head = handle.read(64)
            if head.lstrip(b"\xef\xbb\xbf").startswith(b"id,kind,ref,group,"):
                raise AnfangError(f"{target} 是 anfang 的记录文件，不能用输出覆盖它")
    if len(real.name.encode("utf-8", "surrogateescape")) > 255:
        raise AnfangError(f"文件名太长（超过 255 字节）：{real.name[:40]}…")
    folder = real.parent
    if not folder.is_dir():
        if folder.exists():
            raise AnfangError(f"无法写入 {target}：{folder} 不是目录")
        if not folder.parent.is_dir():
            raise AnfangError(f"无法写入 {target}：目录 {folder.parent} 不存在（请检查路径）")
        try:
            folder.mkdir()
        except OSError as exc:
            raise AnfangError(f"无法创建目录 {folder}：{os_reason(exc)}") from None
    write_atomic(real, data)
    return target
