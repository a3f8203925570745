"""What the line checks already proved, kept so a read of the whole store does not parse and
check a million lines again.

Logs only grow: for each log, .anfang/frames/ (local, never synced) keeps the checked table of
its first N bytes as an Arrow IPC file, with the SHA-256 of those bytes. A read hashes the same
prefix of the file it just read under the lock; if it matches, the table is memory-mapped and only
the bytes after it are parsed and checked. An edited, shortened or replaced log, a cache written
by other code (the stamp covers anfang's version, pyarrow's and the bytes of the modules that
define the line rules), or an unreadable cache file is a miss: the whole log is read again,
never an error. SHA-256, not CRC-32: a CRC can be kept unchanged by a deliberate edit of an old
line, a SHA-256 cannot, so what the reports show is always what the files say.
Writes wait until the command has succeeded (configcache.defer), like every cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from anfang import __version__
from anfang.configcache import defer, write_local

FORMAT = 2
MAP_FILES = os.name != "nt"  # see _open
_KEY = b"anfang-frame"
# the modules whose code decides which lines are records and what they hold
_RULE_MODULES = ("columnar", "store", "model", "schema", "textsafe", "framecache")


def _code_stamp() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{FORMAT} {__version__} {pa.__version__}".encode())
    for name in _RULE_MODULES:
        try:
            digest.update((here / f"{name}.py").read_bytes())
        except OSError:  # installed without sources: the version alone must do
            digest.update(name.encode())
    return digest.hexdigest()


class FrameCache:
    """The checked tables of the logs of one workspace (`directory`: its .anfang/frames)."""

    def __init__(self, directory: Path, schema: pa.Schema | None = None) -> None:
        self.directory = directory
        self.stamp = _code_stamp()
        self.schema = schema  # the columns a cached table must have (else it is a miss)

    def _path(self, label: str) -> Path:
        return self.directory / (hashlib.sha256(label.encode()).hexdigest()[:24] + ".arrow")

    def load(self, label: str, raw: bytes) -> tuple[pa.Table, int] | None:
        """The cached table of the longest prefix of `raw` it covers, and that prefix's length;
        None when there is none or it no longer matches the bytes."""
        try:
            table = ipc.open_file(_open(self._path(label))).read_all()
            meta = json.loads(table.schema.metadata[_KEY])
            length = meta["length"]
            if (
                meta["stamp"] != self.stamp
                or meta["label"] != label
                or meta["rows"] != table.num_rows
                or not 0 < length <= len(raw)
                or raw[length - 1 : length] != b"\n"
                or hashlib.sha256(memoryview(raw)[:length]).hexdigest() != meta["sha256"]
            ):
                return None
            table.validate()
            table = table.replace_schema_metadata(None)
            if self.schema is not None and not table.schema.equals(self.schema):
                return None  # other columns than the reader makes: a forged or foreign file
        except (OSError, pa.ArrowException, KeyError, TypeError, ValueError):
            return None
        return table, length

    def store(self, label: str, raw: bytes, table: pa.Table) -> None:
        """Remember `table` as the checked contents of `raw` (which ends with a newline), once the
        command succeeds."""
        meta = {"stamp": self.stamp, "label": label, "length": len(raw), "rows": table.num_rows,
                "sha256": hashlib.sha256(raw).hexdigest()}  # fmt: skip
        table = table.replace_schema_metadata({_KEY: json.dumps(meta)})
        defer(self._path(label), lambda path: _write_table(path, table))  # best effort, atomic


def _open(path: Path):
    """The cache file memory-mapped (nothing is read that a command does not use). Windows cannot
    replace a file that is mapped, and this process replaces it when the log has grown: there it
    is read into memory instead."""
    if not MAP_FILES:
        with pa.OSFile(str(path)) as handle:
            return pa.BufferReader(handle.read_buffer())
    return pa.memory_map(str(path))


def _write_table(path: Path, table: pa.Table) -> None:
    def write(temp: Path) -> None:
        try:
            with pa.OSFile(str(temp), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        except pa.ArrowException as exc:
            raise OSError(str(exc)) from exc

    write_local(path, write)
