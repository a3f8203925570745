"""A cache of the validated configuration, so `anfang log` neither imports PyYAML nor parses and
checks the three YAML files on every run.

Kept in the workspace's .anfang/ (local, never synced), keyed by anfang's version and each YAML
file's path, length and CRC-32 of its bytes (reading three small files costs far less than parsing
them; a timestamp could miss an edit made within the same clock tick): an edited, replaced or
removed file misses the cache and is read and validated again. JSON of the config's own frozen classes only (no pickle: nothing
in the file can run code); anything unreadable is a miss, never an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from anfang import __version__
from anfang.config import Campaign, Config, Group, Member, Office, Sector

_CLASSES = {cls.__name__: cls for cls in (Campaign, Config, Group, Member, Office, Sector)}
# Writes wait until the command has succeeded (flush_pending): a refused command changes no file,
# caches included.
_PENDING: dict[Path, Callable[[Path], None]] = {}


def cache_path(root: Path) -> Path:
    return root / ".anfang" / "config-cache.json"


def stamp(sources: dict[str, Path]) -> list:
    """What the cache is valid for: the version and every file's bytes."""
    files = []
    for name, path in sorted(sources.items()):
        try:
            data = path.read_bytes()
            files.append([name, str(path), len(data), zlib.crc32(data)])
        except OSError:
            files.append([name, str(path), None, None])
    return [__version__, files]


def _plain(value):
    if type(value) in _CLASSES.values():  # before tuples: the configuration's classes are NamedTuples
        fields = {name: _plain(getattr(value, name)) for name in value._fields}
        return {"$": type(value).__name__, **fields}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Path):
        return {"$path": str(value)}
    if isinstance(value, tuple):
        return {"$tuple": [_plain(v) for v in value]}
    if isinstance(value, dict):
        return {"$dict": {k: _plain(v) for k, v in value.items()}}
    return value


def _rebuilt(value):
    if not isinstance(value, dict):
        return value
    if "$" in value:
        cls = _CLASSES[value["$"]]  # KeyError: not one of ours, a miss
        return cls(**{k: _rebuilt(v) for k, v in value.items() if k != "$"})
    ((kind, inner),) = value.items()
    if kind == "$datetime":
        return datetime.fromisoformat(inner)
    if kind == "$date":
        return date.fromisoformat(inner)
    if kind == "$path":
        return Path(inner)
    if kind == "$tuple":
        return tuple(_rebuilt(v) for v in inner)
    if kind == "$dict":
        return {k: _rebuilt(v) for k, v in inner.items()}
    raise KeyError(kind)


def read_cached(root: Path, sources: dict[str, Path]) -> Config | None:
    try:
        data = json.loads(cache_path(root).read_text(encoding="utf-8"))
        if data["stamp"] != stamp(sources):
            return None
        config = _rebuilt(data["config"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return config if isinstance(config, Config) else None


def write_cached(root: Path, sources: dict[str, Path], config: Config) -> None:
    _write(cache_path(root), {"stamp": stamp(sources), "config": _plain(config)})


def cached(root: Path, name: str, raw: bytes, build):
    """`build()` (plain JSON data parsed from `raw`), remembered in .anfang/ for these bytes."""
    path = root / ".anfang" / f"{name}-cache.json"
    key = [__version__, len(raw), zlib.crc32(raw)]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["stamp"] == key:
            return data["value"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    value = build()
    _write(path, {"stamp": key, "value": value})
    return value


def _write(path: Path, data) -> None:
    defer(path, lambda target: write_local_json(target, data))


def defer(path: Path, write) -> None:
    """Have `write(path)` run once the command has succeeded (the last one for a path wins)."""
    _PENDING[path] = write


def flush_pending() -> None:
    """Write the caches filled by a command that succeeded."""
    while _PENDING:
        path, write = _PENDING.popitem()
        write(path)


def discard_pending() -> None:
    _PENDING.clear()


def write_local_json(path: Path, data) -> None:
    """A JSON file of .anfang/ (local, never synced), best effort and atomic."""
    write_local(path, lambda temp: temp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8"))


def write_local(path: Path, write) -> None:
    """A file of .anfang/, written by `write(temp)`, flushed to disk, then moved into place: best
    effort (a read-only workspace, a full disk or a file where the folder should be just means no
    cache) and atomic (a reader sees the old file or the new one, never half of one, even after a
    power cut: the data is on disk before the new name is)."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(temp)
        with open(temp, "rb+") as handle:  # on disk before it is named: a power cut leaves no hollow file
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
