"""Writing output files atomically: a reader or a crash sees the old file or the new one.

The temporary file sits beside the target and carries the writer's PID, so one left behind
by a process that was killed outright is recognised and removed by the next write.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
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


def write_atomic(path: Path, data: bytes) -> None:
    tmp = _temp_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(path)
        with open(tmp, "xb") as handle:
            handle.write(data)
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
