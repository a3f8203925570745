"""The store: exact round trips, torn lines never read, appends never glued to a fragment."""

from datetime import date
from pathlib import Path

import pytest

from anfang.model import Record
from anfang.store import BOM, HEADER, append, encode_record, last_record, read_logs

TRICKY = [
    "逗号,引号\"双\"，以及'单引号'",
    "第一行\n第二行\r\n第三行\r结束",
    "emoji 🚒🔥 和 𠮷（GBK 以外的字）",
    "=HYPERLINK(\"http://x\")",
    "+1", "-1", "@SUM(A1)", "\t开头是制表符", "'=已转义", "''", "'",
    "反斜杠 \\n 不是换行 \\\\ 两个",
    "\u202e从右到左\u202c",
    "长" * 5000,
]  # fmt: skip


def make(n: int, hazard: str = "隐患", **kw) -> Record:
    base = dict(
        id=f"G1-20200327-{n:03d}", kind="finding", ref="", group=1, date=date(2020, 3, 27),
        county="南湖区", town="新兴街道", sector="消防", site="某厂", address="某路1号", hazard=hazard,
        major=False, evidence=True, photos=(), handover="", deadline=None, rectified=None, reason="",
        fields=(), origin="", by="程显洪", recorded_at="2020-03-27T20:00:00+08:00",
    )  # fmt: skip
    base.update(kw)
    return Record(**base)


def write(path: Path, record: Record) -> Record:
    return append(path, lambda seq: record._replace(id=f"G1-20200327-{seq:03d}"))


@pytest.mark.parametrize("text", TRICKY)
def test_every_field_round_trips_exactly(tmp_path, text):
    log = tmp_path / "logs" / "group-1.csv"
    single = text.replace("\n", " ").replace("\r", " ")
    written = write(log, make(1, hazard=text, site=single, address=single, town=single,
                              county=single, handover=single, by=single))  # fmt: skip
    records = read_logs(tmp_path / "logs").records
    assert [r._replace(source="", line=0) for r in records] == [written]
    assert records[0].hazard == text and records[0].site == single
    assert (records[0].source, records[0].line) == ("group-1.csv", 2)


def test_file_starts_with_bom_and_header_and_has_one_line_per_record(tmp_path):
    log = tmp_path / "logs" / "group-1.csv"
    write(log, make(1, hazard="a\nb"))
    write(log, make(2))
    raw = log.read_bytes()
    assert raw.startswith(BOM + HEADER)
    assert raw.count(b"\n") == 3 and raw.endswith(b"\n")


def test_ids_continue_from_the_tail(tmp_path):
    log = tmp_path / "logs" / "group-1.csv"
    ids = [write(log, make(0)).id for _ in range(3)]
    assert ids == ["G1-20200327-001", "G1-20200327-002", "G1-20200327-003"]
    assert last_record(log).id == "G1-20200327-003"


def test_truncated_at_every_byte_of_the_last_record(tmp_path):
    """A power cut at any byte: earlier records intact, fragment never read, next append clean."""
    log = tmp_path / "logs" / "group-1.csv"
    write(log, make(0, hazard="第一条"))
    write(log, make(0, hazard='第二条，含\n换行和"引号"'))
    full = log.read_bytes()
    start = full.rindex(b"\n", 0, len(full) - 1) + 1
    for cut in range(start, len(full)):
        log.write_bytes(full[:cut])
        whole = cut == len(full) - 1  # only the newline is missing: the CRC proves it complete
        fragment = start < cut and not whole
        contents = read_logs(tmp_path / "logs")
        kept = ["第一条", '第二条，含\n换行和"引号"'] if whole else ["第一条"]
        assert [r.hazard for r in contents.records] == kept, cut
        assert [(p.line, "不完整" in p.message) for p in contents.problems] == (
            [(3, True)] if fragment else []
        )
        added = write(log, make(0, hazard="第三条"))
        assert added.id == ("G1-20200327-003" if whole else "G1-20200327-002")  # never a fragment's id
        after = read_logs(tmp_path / "logs")
        assert [r.hazard for r in after.records] == [*kept, "第三条"], cut
        assert [p.line for p in after.problems] == ([3] if fragment else []), cut


def test_corrupt_or_hand_edited_line_is_reported_not_read(tmp_path):
    log = tmp_path / "logs" / "group-1.csv"
    write(log, make(0, hazard="原文"))
    write(log, make(0, hazard="第二条"))
    log.write_bytes(log.read_bytes().replace("原文".encode(), "改过".encode()))
    contents = read_logs(tmp_path / "logs")
    assert [r.hazard for r in contents.records] == ["第二条"]
    assert [str(p) for p in contents.problems] == [
        "group-1.csv:2: 该行不完整或已损坏（校验不符，可能因断电、磁盘满、同步中断或手工修改），未作为记录读取"
    ]


def test_crlf_checkout_still_reads(tmp_path):
    log = tmp_path / "logs" / "group-1.csv"
    write(log, make(0))
    log.write_bytes(log.read_bytes().replace(b"\n", b"\r\n"))
    contents = read_logs(tmp_path / "logs")
    assert len(contents.records) == 1
    # named (anfang no longer appends to it), but no line is left out
    assert [(p.line, p.dropped) for p in contents.problems] == [(None, False)]
    assert "换行符被改成了 CRLF（Windows 格式）" in contents.problems[0].message


def test_append_refuses_a_file_that_is_not_ours(tmp_path):
    from anfang.errors import AnfangError

    log = tmp_path / "logs" / "group-1.csv"
    log.parent.mkdir()
    log.write_bytes("编号,日期\n1,2\n".encode("gb18030"))
    with pytest.raises(AnfangError, match="表头不对"):
        write(log, make(0))
    assert log.read_bytes() == "编号,日期\n1,2\n".encode("gb18030")


def test_encoded_line_has_crc_column():
    line = encode_record(make(7))
    assert line.endswith(b"\n") and line[-10:-9] == b","


def test_one_declaration_of_the_log_columns():
    from anfang import schema
    from anfang.columnar import FIELDS
    from anfang.model import AMENDABLE, FIELD_LABELS, Record

    assert (",".join(c.name for c in schema.LOG_COLUMNS) + "\n").encode() == HEADER
    assert list(FIELDS) == [*Record._fields[:22]] == list(schema.NAMES[:-1])  # record, codec and reader agree
    assert AMENDABLE == ("county", "town", "sector", "site", "address", "hazard", "major", "evidence")
    assert FIELD_LABELS["hazard"] == "问题隐患内容" and FIELD_LABELS["major"] == "是否为重大"


@pytest.mark.parametrize("damage", ["none", "torn", "crlf", "gb18030", "no-bom", "empty"])
def test_one_ids_lines_from_memory_maps_equal_those_from_bytes(tmp_path, damage):
    """read_records_about scans memory-mapped logs; the same scan over the files' bytes finds the
    same records and the same problems, whatever state the file is in."""
    from anfang.store import read_records_about, records_about
    from anfang.workspace import init_workspace
    from tests.test_columnar import random_history

    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, 5)
    log = ws / "logs" / "group-2.csv"
    raw = log.read_bytes()
    changed = {
        "none": raw,
        "torn": raw + "G2-20200327-999,finding,,2,2020-03-27,南湖".encode(),
        "crlf": raw.replace(b"\n", b"\r\n"),
        "gb18030": raw.removeprefix(BOM).decode("utf-8").encode("gb18030"),
        "no-bom": raw.removeprefix(BOM),
        "empty": b"",
    }[damage]
    log.write_bytes(changed)
    ids = [*[r.id for r in read_logs(ws / "logs").records if r.kind == "finding"][:12], "G2-20200327-999"]
    files = [(p.name, p.read_bytes()) for p in sorted((ws / "logs").glob("*.csv"))]
    for rid in ids:
        mapped = read_records_about(ws / "logs", rid)
        plain = records_about(files, rid)
        assert mapped.records == plain.records, rid
        assert [str(p) for p in mapped.problems] == [str(p) for p in plain.problems], rid
    if damage == "none":
        assert all(read_records_about(ws / "logs", rid).records for rid in ids[:-1])
