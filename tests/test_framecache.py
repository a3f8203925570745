"""The checked-lines cache (framecache): a read with it is the same as a read without it, whatever
happened to the logs or to the cache since; a refused command leaves no cache."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from click.testing import CliRunner

from anfang import columnar, configcache, framecache
from anfang.cli import cli
from anfang.columnar import read_columns
from anfang.store import BOM, HEADER, encode_record, read_logs
from anfang.workspace import init_workspace
from tests.test_columnar import add, random_history


@pytest.fixture
def ws(tmp_path):
    root = init_workspace(tmp_path / "ws").root
    random_history(root, 7)
    return root


def read_frame(*args):
    """read_columns as a pandas frame (every value as Python's), to compare and select rows."""
    store, problems = read_columns(*args)
    values = {
        name: column.tolist() if hasattr(column, "dtype") else column.to_pylist()
        for name, column in store.items()
    }
    return pd.DataFrame(values), problems


def cached_read(ws):
    frame, problems = read_frame(ws / "logs", ws, ws / ".anfang" / "frames")
    configcache.flush_pending()
    return frame, problems


def plain_read(ws):
    return read_frame(ws / "logs", ws)


def assert_same(ws):
    """A read through the cache equals a read without one, frame and problems."""
    frame, problems = cached_read(ws)
    fresh, fresh_problems = plain_read(ws)
    pd.testing.assert_frame_equal(frame, fresh)
    assert [str(p) for p in problems] == [str(p) for p in fresh_problems]
    return frame, problems


@pytest.fixture
def parsed(monkeypatch):
    """The number of bytes the CSV parser was given, per call (in the order the calls finished:
    the logs are parsed in parallel, so compare sorted)."""
    sizes: list[int] = []
    real = columnar._parse

    def counting(body):
        sizes.append(len(body))
        return real(body)

    monkeypatch.setattr(columnar, "_parse", counting)
    return sizes


def test_a_warm_read_parses_nothing_and_equals_a_cold_one(ws, parsed):
    cached_read(ws)
    assert len(list((ws / ".anfang" / "frames").glob("*.arrow"))) == 3  # groups 1-3
    sizes = [(ws / "logs" / f"group-{g}.csv").stat().st_size - len(BOM + HEADER) for g in (1, 2, 3)]
    assert sorted(parsed) == sorted(sizes)  # the first read parsed every line, once
    parsed.clear()
    cached_read(ws)
    assert parsed == []  # the cache alone: not a byte parsed


def test_read_into_memory_where_a_mapped_file_cannot_be_replaced(ws, parsed, monkeypatch):
    """Windows cannot replace a file that is mapped: there the cache is read, not mapped, so a
    grown log's cache is replaced by the same process that read the old one."""
    monkeypatch.setattr(framecache, "MAP_FILES", False)
    cached_read(ws)
    add(ws, 1, "finding", date(2020, 3, 30), site="新厂", hazard="新隐患")
    parsed.clear()
    assert_same(ws)
    parsed.clear()
    cached_read(ws)
    assert parsed == []  # the grown log's cache was written again


def test_lines_appended_after_the_cache_are_read_and_numbered(ws, parsed):
    cached_read(ws)
    lines_before = len((ws / "logs" / "group-2.csv").read_bytes().splitlines())
    new = add(ws, 2, "finding", date(2020, 3, 30), site="新厂", hazard="新隐患")
    parsed.clear()
    frame, _ = assert_same(ws)
    row = frame[frame["id"] == new].iloc[0]
    assert (row["source"], row["line"], row["hazard"]) == ("logs/group-2.csv", lines_before + 1, "新隐患")
    appended = (ws / "logs" / "group-2.csv").read_bytes().splitlines()[-1]
    assert parsed[0] == len(appended) + 1  # only the new line was parsed, the first time


@pytest.mark.parametrize("same_length", [True, False])
def test_an_old_line_edited_with_a_valid_crc_is_read_as_the_file_says(ws, same_length):
    """The cache proves the prefix by SHA-256: a dishonest edit that keeps the line's CRC right
    (and the file's length) is seen, not hidden by the cache."""
    cached_read(ws)
    log = ws / "logs" / "group-1.csv"
    record = next(r for r in read_logs(ws / "logs").records if r.source == "group-1.csv" and r.hazard)
    forged = record._replace(hazard=("伪" * len(record.hazard)) if same_length else "伪造的隐患内容")
    raw = log.read_bytes()
    line = encode_record(record)
    assert line in raw
    edited = raw.replace(line, encode_record(forged), 1)
    assert (len(edited) == len(raw)) == same_length
    log.write_bytes(edited)
    frame, problems = assert_same(ws)
    assert problems == []
    assert frame.loc[frame["id"] == record.id, "hazard"].tolist() == [forged.hazard]


def test_a_shortened_log_misses_the_cache(ws):
    cached_read(ws)
    log = ws / "logs" / "group-3.csv"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:-2]))
    frame, _ = assert_same(ws)
    assert (frame["source"] == "logs/group-3.csv").sum() == len(lines) - 3  # header and two lines fewer


def test_a_torn_line_after_the_cache_goes_to_the_reference_reader(ws):
    cached_read(ws)
    log = ws / "logs" / "group-1.csv"
    with log.open("ab") as f:
        f.write("G1-20200327-999,finding,,1,2020-03-27,南湖".encode())
    _, problems = assert_same(ws)
    assert len(problems) == 1 and problems[0].file == "logs/group-1.csv"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "another-log", "other-code"])
def test_a_damaged_or_foreign_cache_is_ignored(ws, damage, monkeypatch):
    cached_read(ws)
    folder = ws / ".anfang" / "frames"
    cache = framecache.FrameCache(folder)
    assert cache.load("logs/group-1.csv", (ws / "logs" / "group-1.csv").read_bytes()) is not None
    mine, other = cache._path("logs/group-1.csv"), cache._path("logs/group-2.csv")
    if damage == "garbage":
        mine.write_bytes(b"ARROW1\x00\x00" + b"\xff" * 4000)
    elif damage == "truncated":
        mine.write_bytes(mine.read_bytes()[:1000])
    elif damage == "empty":
        mine.write_bytes(b"")
    elif damage == "another-log":
        mine.write_bytes(other.read_bytes())
    elif damage == "other-code":
        monkeypatch.setattr(framecache, "FORMAT", framecache.FORMAT + 1)
    raw = (ws / "logs" / "group-1.csv").read_bytes()
    assert framecache.FrameCache(folder).load("logs/group-1.csv", raw) is None
    assert_same(ws)
    assert framecache.FrameCache(folder).load("logs/group-1.csv", raw) is not None  # written again


def test_a_cache_folder_that_cannot_be_written_only_means_no_cache(ws):
    (ws / ".anfang").mkdir(exist_ok=True)
    (ws / ".anfang" / "frames").write_text("not a folder")
    assert_same(ws)
    assert (ws / ".anfang" / "frames").read_text() == "not a folder"


def run(ws, *args):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args])


def test_a_refused_command_leaves_no_cache_and_a_successful_one_does(ws):
    with (ws / "logs" / "group-1.csv").open("ab") as f:
        f.write("G1-20200327-999,finding,,1,2020-03-27,南湖".encode())  # a torn line: dropped
    result = run(ws, "report", "--date", "2020-03-27", "--format", "json", "--strict")
    assert result.exit_code == 1, result.output
    assert not (ws / ".anfang" / "frames").exists()
    result = run(ws, "report", "--date", "2020-03-27", "--format", "json")
    assert result.exit_code == 0, result.output
    # group 1 holds a torn line (read by the reference reader, never cached); 2 and 3 are cached
    assert len(list((ws / ".anfang" / "frames").glob("*.arrow"))) == 2
    again = run(ws, "report", "--date", "2020-03-27", "--format", "json")
    assert again.output == result.output


@pytest.mark.parametrize("change", ["a column dropped", "a column of another type"])
def test_a_cache_of_other_columns_is_a_miss(ws, change):
    """A cache file whose stamp, length and hash all match but whose table has other columns than
    the reader makes (forged, or written by other code under the same stamp) is not used: the read
    is the same as without it, no traceback, and the file is written again."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    cached_read(ws)
    folder = ws / ".anfang" / "frames"
    path = framecache.FrameCache(folder)._path("logs/group-1.csv")
    table = ipc.open_file(str(path)).read_all()
    meta = table.schema.metadata
    if change == "a column dropped":
        forged = table.drop_columns(["id_key"])
    else:
        forged = table.set_column(
            table.schema.get_field_index("line"), "line", table["line"].cast(pa.int32())
        )
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, forged.schema.with_metadata(meta)) as writer:
        writer.write_table(forged.replace_schema_metadata(meta))
    assert framecache.FrameCache(folder).load("logs/group-1.csv", (ws / "logs" / "group-1.csv").read_bytes())
    assert_same(ws)
    again = ipc.open_file(str(path)).read_all()
    assert "id_key" in again.column_names and again.schema.field("line").type == pa.int64()
