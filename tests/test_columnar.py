"""The column reader (columnar.read_columns) equals the reference reader (store.read_logs) on every
kind of file; the engine on top of it is held to the oracle in test_engine.py."""

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from anfang import configcache
from anfang.columnar import read_columns
from anfang.engine import as_list, state_columns
from anfang.model import Record
from anfang.store import BOM, append, read_logs
from anfang.workspace import init_workspace
from tests.reliability.test_hostile_text import STORED


def blank(**fields) -> dict:
    base = dict(ref="", county="南湖区", town="镇", sector="消防", site="", address="", hazard="", major=False,
                evidence=False, photos=(), handover="", deadline=None, rectified=None, reason="", fields=(),
                origin="", by="x", recorded_at="2020-03-27T20:00:00+08:00")  # fmt: skip
    base.update(fields)
    return base


def add(ws: Path, group: int, kind: str, day: date, **fields) -> str:
    record = append(ws / "logs" / f"group-{group}.csv",
                    lambda seq: Record(id=f"G{group}-{day:%Y%m%d}-{seq:03d}", kind=kind, group=group, date=day, **blank(**fields)))  # fmt: skip
    return record.id


def random_history(ws: Path, seed: int) -> None:
    rng = random.Random(seed)
    start = date(2020, 3, 25)
    ids = []
    for _ in range(120):
        group, day = rng.randint(1, 3), start + timedelta(days=rng.randrange(8))
        roll = rng.random()
        if roll < 0.55 or not ids:
            hazard = rng.choice(["", *STORED[:8], "第一行\n第二行"])
            kind = "finding" if hazard else "visit"
            handed = hazard and rng.random() < 0.5
            ids.append((add(ws, group, kind, day, site=rng.choice(["甲厂", "甲厂 ", "ＡＢ店", "ab店", "乙"]),
                            hazard=hazard, major=bool(hazard) and rng.random() < 0.2,
                            handover="某部门" if handed else "", rectified=day if hazard and rng.random() < 0.2 else None,
                            deadline=day + timedelta(days=rng.randrange(5)) if handed else None), group, day))  # fmt: skip
            continue
        ref, g, found = rng.choice(ids)
        when = found + timedelta(days=rng.randrange(6))
        kind = rng.choice(["rectify", "handover", "deadline", "amend", "void"])
        extra = {
            "handover": dict(handover=rng.choice(["甲局", "乙局"]), deadline=when + timedelta(days=2) if rng.random() < 0.5 else None),
            "deadline": dict(deadline=when + timedelta(days=rng.randrange(6))),
            "amend": dict(fields=("hazard", "site", "major"), hazard="改过的", site="丙厂", major=True),
            "void": dict(reason="误录"),
        }.get(kind, {})  # fmt: skip
        add(ws, g, kind, when, ref=ref, **extra)


def store_records(store: dict) -> list[tuple]:
    return sorted(
        zip(
            as_list(store["source"]),
            store["line"].tolist(),
            as_list(store["id"]),
            as_list(store["hazard"]),
            as_list(store["site"]),
            strict=True,
        )
    )


def reference_records(records: list[Record]) -> list[tuple]:
    return sorted((r.source, r.line, r.id, r.hazard, r.site) for r in records)


@pytest.mark.parametrize("damage", ["none", "torn", "crlf", "gb18030", "no-newline", "edited", "blank-lines"])
def test_reader_equals_reference_reader(tmp_path, damage):
    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, 99)
    log = ws / "logs" / "group-1.csv"
    raw = log.read_bytes()
    if damage == "torn":
        raw += "G1-20200327-999,finding,,1,2020-03-27,南湖".encode()
    elif damage == "crlf":
        raw = raw.replace(b"\n", b"\r\n")
    elif damage == "gb18030":
        raw = raw.removeprefix(BOM).decode("utf-8").encode("gb18030")
    elif damage == "no-newline":
        raw = raw.rstrip(b"\n")
    elif damage == "edited":
        raw = raw.replace("甲厂".encode(), "丁厂".encode(), 1)
    elif damage == "blank-lines":
        raw = raw.replace(b"\n", b"\n\n", 3)
    log.write_bytes(raw)
    reference = read_logs(ws / "logs")
    store, problems = read_columns(ws / "logs")
    assert store_records(store) == reference_records(reference.records)
    assert [str(p) for p in problems] == [str(p) for p in reference.problems]
    if damage in ("torn", "edited"):
        assert problems


def forged(raw: bytes, column: int, value: str) -> bytes:
    """raw with the first record's `column` set to `value` and its CRC made right again (a line a
    careless editor or a dishonest laptop could write)."""
    import zlib

    lines = raw.split(b"\n")
    fields = lines[1].decode("utf-8").split(",")
    fields[column] = value
    body = ",".join(fields[:-1]).encode("utf-8")
    lines[1] = body + b",%08x" % zlib.crc32(body)
    return b"\n".join(lines)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (4, "2020-13-45", "该行的日期“2020-13-45”不是有效的日期，未作为记录读取"),
        (4, "2020-02-30", "该行的日期“2020-02-30”不是有效的日期，未作为记录读取"),
        (4, "20200325", "该行的日期“20200325”不是有效的日期，未作为记录读取"),
        (4, "", "该行缺少日期，未作为记录读取"),
        (15, "2020-3-28", "该行的整改期限“2020-3-28”不是有效的日期，未作为记录读取"),
        (16, "明天", "该行的整改完成日期“明天”不是有效的日期，未作为记录读取"),
        (3, "３", "该行的组别“３”不是有效的组号，未作为记录读取"),
        (3, "99999999999999999999", "该行的组别“99999999999999999999”不是有效的组号，未作为记录读取"),
    ],
)
def test_a_line_with_a_valid_crc_but_a_bad_date_or_group_is_not_a_record(tmp_path, column, value, message):
    """Both readers refuse it with the same Chinese reason (it used to reach the engine, which
    failed on the date, or to be left out of reports in silence)."""
    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, 4)
    log = ws / "logs" / "group-1.csv"
    log.write_bytes(forged(log.read_bytes(), column, value))
    reference = read_logs(ws / "logs")
    store, problems = read_columns(ws / "logs")
    assert [str(p) for p in problems] == [str(p) for p in reference.problems] == [f"group-1.csv:2: {message}"]
    assert store_records(store) == reference_records(reference.records)
    assert len(state_columns(store, date(2020, 4, 30))["id"]) > 0  # the rest is read and computes


def test_empty_logs(tmp_path):
    ws = init_workspace(tmp_path / "ws").root
    store, problems = read_columns(ws / "logs")
    assert len(store["id"]) == 0 and problems == []
    assert len(state_columns(store, date(2020, 3, 27))["id"]) == 0


def test_logs_read_in_parallel_keep_the_logs_order(tmp_path):
    """read_columns checks the logs on several threads; its records and its problems still come in
    the logs' order, as the reference reader gives them, whichever log finishes first."""
    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, 7)
    for group in range(1, 10):  # every other log gets a torn tail: the slow reference reader
        add(ws, group, "visit", date(2020, 3, 27), site=f"场所{group}")
        if group % 2:
            with (ws / "logs" / f"group-{group}.csv").open("ab") as handle:
                handle.write(f"G{group}-20200327-999,finding,,{group},2020-03-27,南湖".encode())
    reference = read_logs(ws / "logs")
    store, problems = read_columns(ws / "logs")
    assert store_records(store) == reference_records(reference.records)
    assert [str(p) for p in problems] == [str(p) for p in reference.problems]
    assert [p.file for p in problems] == [f"group-{g}.csv" for g in (1, 3, 5, 7, 9)]


def test_texts_keep_32_bit_offsets_from_the_cache_to_the_columns(tmp_path):
    """The cached tables and the store's columns hold texts with arrow's 32-bit offsets (64-bit
    ones would take every offset of every column to 8 bytes: at 1M findings, 130 MB more mapped
    and the reports over 1 GB)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, 2)
    cache = ws / ".anfang" / "frames"
    store, _ = read_columns(ws / "logs", ws, cache)
    configcache.flush_pending()
    assert {store[c].type for c in ("id", "kind", "hazard", "source")} == {pa.string()}
    tables = [ipc.open_file(str(path)).read_all() for path in sorted(cache.glob("*.arrow"))]
    assert tables and all(t.schema.field("hazard").type == pa.string() for t in tables)


KEY_CASES = {  # text -> does the packing cover it (else the texts are hashed)
    "G1-20200325-001": True, "G1-20200325-01": True, "G1-20200325-1": True, "G1-20200325-0001": True,
    "G9-20200325-B001": True, "G9-20200325-W0-001": True, "G9-20200325-W7-001": True,
    "G99-20991231-W99-999999999": True, "G10-20000101-000000000": True,
    "G09-20200325-001": False, "G0-20200325-001": False, "G1-19991231-001": False,
    "G1-21000101-001": False, "G1-20201301-001": False, "G1-20200132-001": False,
    "G1-20200300-001": False, "G1-20200325-W00-001": False, "G1-20200325-W07-001": False,
}  # fmt: skip


def test_id_keys_pack_the_ids_anfang_writes_and_mark_the_others():
    import pyarrow as pa

    from anfang.columnar import NO_REF, UNCOMMON, id_keys

    texts = ["", *KEY_CASES]
    keys = id_keys(pa.array(texts, pa.string())).tolist()
    assert keys[0] == NO_REF
    assert [k != UNCOMMON for k in keys[1:]] == list(KEY_CASES.values())
    covered = [k for k in keys[1:] if k >= 0]
    assert len(set(covered)) == len(covered)  # zero padding and the writer tag tell texts apart
    assert keys[texts.index("G99-20991231-W99-999999999")] < 2**63 - 1


def test_id_keys_equal_exactly_when_the_texts_are_equal():
    """Random ids of the grammar (every width of group, writer and sequence, leading zeros, dates
    in and out of the packed range): two keys the packing gives are equal only for equal texts."""
    import pyarrow as pa

    from anfang.columnar import UNCOMMON, id_keys
    from anfang.model import RECORD_ID

    rng = random.Random(5)
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    texts = []
    for _ in range(20000):
        tag = rng.choice(["", "B", f"W{digits(rng.randint(1, 2))}-"])
        day = rng.choice([digits(8), f"20{digits(2)}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}"])
        texts.append(f"G{digits(rng.randint(1, 2))}-{day}-{tag}{digits(rng.randint(1, 9))}")
    texts += texts[:3000]  # repeats
    assert all(RECORD_ID.match(t) for t in texts)
    keys = id_keys(pa.array(texts, pa.string())).tolist()
    by_key: dict[int, set[str]] = {}
    for text, key in zip(texts, keys, strict=True):
        if key != UNCOMMON:
            by_key.setdefault(key, set()).add(text)
    assert all(len(group) == 1 for group in by_key.values())
    assert 8000 < len(by_key) < 20000  # most are packed; the rest hashed


@pytest.mark.parametrize("uncommon", [False, True])
def test_codes_from_keys_equal_codes_from_hashing(tmp_path, monkeypatch, uncommon):
    """The store's id_code/ref_code: equal texts, equal codes, the ids' codes dense from 0 and
    a ref to no id after them; from keys, or (a log holding an id the keys do not cover, which a
    hand-edited or foreign log can) from hashing the texts, with the same partition."""
    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, 11)
    add(ws, 2, "rectify", date(2020, 3, 27), ref="G2-20200301-999")  # a ref to no record
    if uncommon:
        append(ws / "logs" / "group-1.csv", lambda seq: Record(id="G01-20200326-001", kind="visit", group=1,
               date=date(2020, 3, 26), **blank(site="零一厂")))  # fmt: skip
    from anfang import columnar

    hashed = []
    monkeypatch.setattr(
        columnar, "_hashed_codes", lambda table, real=columnar._hashed_codes: hashed.append(1) or real(table)
    )
    store, problems = read_columns(ws / "logs", ws, ws / ".anfang" / "frames")
    assert problems == [] and len(hashed) == uncommon
    id_texts, ref_texts = as_list(store["id"]), as_list(store["ref"])
    id_codes, ref_codes = store["id_code"], store["ref_code"]
    code_of = {}
    for text, code in zip(id_texts + ref_texts, [*id_codes, *ref_codes], strict=True):
        assert code_of.setdefault(text, code) == code  # equal texts, equal codes
    assert len(set(code_of.values())) == len(code_of)  # different texts, different codes
    assert sorted(set(id_codes)) == list(range(len(set(id_texts))))
    assert code_of["G2-20200301-999"] >= len(set(id_texts)) and code_of[""] >= len(set(id_texts))
    assert ("G01-20200326-001" in code_of) is uncommon
