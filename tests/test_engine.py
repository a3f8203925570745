"""The engine (anfang.engine) equals the row-wise oracle (tests/oracle/ledger.py) on every field of
the state, on random histories: amendments of every amendable field, duplicate ids, records of
groups groups.yaml does not know, ties in recorded_at, events before and after the day asked.
Declared differences: none."""

import random
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from anfang.columnar import read_columns
from anfang.engine import Finding, finding_state, findings_as_of, records_columns
from anfang.model import AMENDABLE, Record
from anfang.store import append, read_logs, read_records_about
from anfang.workspace import init_workspace
from tests.oracle import ledger
from tests.test_columnar import blank

START = date(2020, 3, 25)
SITES = ["甲厂", "甲厂 ", "ＡＢ店", "ab店", "乙"]
TIMES = ["2020-03-27T20:00:00+08:00", "2020-03-27T20:00:00+08:00", "2020-03-28T09:00:00+08:00"]  # ties


def amended_values(rng: random.Random) -> dict:
    names = tuple(sorted(rng.sample(AMENDABLE, rng.randint(1, 4))))
    values = {"county": "秀洲区", "town": "新镇", "sector": rng.choice(["工贸", "交通"]), "site": rng.choice(SITES),
              "address": "某路1号", "hazard": rng.choice(["改过的", "又改"]), "major": rng.random() < 0.5,
              "evidence": rng.random() < 0.5}  # fmt: skip
    return {"fields": names, **{n: values[n] for n in names}}


def random_history(ws: Path, seed: int, size: int = 150) -> list[str]:
    rng = random.Random(seed)
    ids: list[tuple[str, int, date]] = []
    for n in range(size):
        group = rng.choice([1, 2, 3, 12])  # 12: not in groups.yaml
        log = ws / "logs" / f"group-{group}.csv"
        roll = rng.random()
        if roll < 0.5 or not ids:
            day = START + timedelta(days=rng.randrange(8))
            hazard = rng.choice(["", "灭火器过期", "第一行\n第二行", "=1+1"])
            handed = bool(hazard) and rng.random() < 0.5
            duplicate = ids and rng.random() < 0.05
            rid = rng.choice(ids)[0] if duplicate else f"G{group}-{day:%Y%m%d}-{n + 1:03d}"
            fields = blank(site=rng.choice(SITES), hazard=hazard, major=bool(hazard) and rng.random() < 0.3,
                           evidence=rng.random() < 0.5, photos=("a.jpg",) if rng.random() < 0.2 else (),
                           handover="某部门" if handed else "", recorded_at=rng.choice(TIMES),
                           rectified=day if hazard and rng.random() < 0.2 else None,
                           deadline=day + timedelta(days=rng.randrange(5)) if rng.random() < 0.4 else None)  # fmt: skip
            kind = "finding" if hazard else "visit"
            append(
                log,
                lambda seq, r=rid, k=kind, g=group, d=day, f=fields: Record(
                    id=r, kind=k, group=g, date=d, **f
                ),
            )
            ids.append((rid, group, day))
            continue
        ref, g, found = rng.choice(ids)
        when = found + timedelta(days=rng.randrange(-1, 6))  # -1: an event dated before its finding
        kind = rng.choice(
            ["rectify", "rectify", "handover", "deadline", "amend", "amend", "void", "verify", "verify"]
        )
        extra = {
            "handover": dict(handover=rng.choice(["甲局", "乙局"]),
                             deadline=when + timedelta(days=2) if rng.random() < 0.5 else None),
            "deadline": dict(deadline=when + timedelta(days=rng.randrange(6))),
            "amend": amended_values(rng),
            "void": dict(reason="误录"),
            "verify": dict(fields=(rng.choice(["pass", "fail"]),), reason=rng.choice(["", "通道仍堵"])),
            "rectify": dict(reason=rng.choice(["", "清理"]), handover=rng.choice(["", "王明"])),
        }.get(kind, {})  # fmt: skip
        rid = f"G{g}-{when:%Y%m%d}-{n + 1:03d}"
        fields = blank(ref=ref, recorded_at=rng.choice(TIMES), **extra)
        append(ws / "logs" / f"group-{g}.csv",
               lambda seq, r=rid, k=kind, gg=g, d=when, f=fields: Record(id=r, kind=k, group=gg, date=d, **f))  # fmt: skip
    return [i for i, _, _ in ids]


def by_fields(findings: list[Finding]) -> list[tuple]:
    return sorted(tuple(f) for f in findings)


@pytest.mark.parametrize("seed", range(8))
def test_engine_equals_the_oracle_on_every_field(tmp_path, seed):
    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, seed)
    records = read_logs(ws / "logs").records
    store, problems = read_columns(ws / "logs")
    assert problems == []
    assert len(Finding._fields) == 22  # a new field must be compared too: it is, as a whole tuple
    for offset in range(-1, 14):
        day = START + timedelta(days=offset)
        engine = findings_as_of(store, day)
        assert by_fields(engine) == by_fields(ledger.findings_as_of(records, day)), day
    final = findings_as_of(store, date.max)
    assert final, "the history has findings"
    assert {f.kind for f in final} == {"finding", "visit"}
    assert 12 in {f.group for f in final}  # the engine keeps every group; commands leave 12 out


def test_the_random_histories_reach_every_state(tmp_path):
    """The histories above do hold closed, awaiting-复查 and reopened findings."""
    seen = set()
    for seed in range(8):
        ws = init_workspace(tmp_path / f"ws{seed}").root
        random_history(ws, seed)
        records = read_logs(ws / "logs").records
        for f in findings_as_of(read_columns(ws / "logs")[0], date.max):
            seen.add("closed" if f.verified else "awaiting" if f.rectified else "open")
        failed = {r.ref for r in records if r.kind == "verify" and r.fields == ("fail",)}
        seen |= {"reopened"} if failed else set()
    assert seen == {"closed", "awaiting", "open", "reopened"}


@pytest.mark.parametrize("seed", range(4))
def test_one_finding_state_from_its_own_lines_equals_the_whole_store(tmp_path, seed):
    """The one-finding commands read only the lines of that id (a byte scan) and get, from the same
    engine, the state the whole store gives."""
    ws = init_workspace(tmp_path / "ws").root
    ids = random_history(ws, seed)
    records = read_logs(ws / "logs").records
    day = START + timedelta(days=6)
    whole = {}
    for f in ledger.findings_as_of(records, day):
        whole.setdefault(f.id, f)  # a duplicated id: the first, as commands see it
    for rid in sorted(set(ids)):
        if sum(1 for r in records if r.id == rid) > 1:
            continue  # duplicated ids are named by check; their story is ambiguous
        own = read_records_about(ws / "logs", rid).records
        assert sorted(own) == sorted(r for r in records if rid in (r.id, r.ref))
        assert finding_state(own, rid, day) == whole.get(rid), rid


def test_records_columns_equal_the_reader(tmp_path):
    """The one-finding commands' columns (numpy: no pyarrow, no pandas) hold what the reports'
    store's columns hold; the id and ref codes may be other numbers (the store's come from packed keys)
    but code the same texts alike: equal texts, equal codes, the ids' codes dense from 0."""
    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, 3, size=60)
    store, _ = read_columns(ws / "logs")
    again = records_columns(read_logs(ws / "logs").records)
    assert list(again) == list(store)
    values_of = lambda v: v.tolist() if isinstance(v, np.ndarray) else v.to_pylist()  # noqa: E731
    for name, values in again.items():
        if name not in ("id_code", "ref_code"):
            assert values.tolist() == values_of(store[name]), name
    ids = values_of(store["id"])
    texts = ids + values_of(store["ref"])
    for codes in ([*again["id_code"], *again["ref_code"]], [*store["id_code"], *store["ref_code"]]):
        pairs = set(zip(texts, codes, strict=True))
        assert len(pairs) == len(set(texts)) == len({c for _, c in pairs})  # one code per text
        assert sorted(set(codes[: len(ids)])) == list(range(len(set(ids))))


@pytest.mark.parametrize("seed", range(5))
def test_ordered_is_pandas_stable_sort(seed):
    """engine.ordered (arrow's sort) orders rows as pandas' stable sort_values does: ties keep
    their order, missing dates last, texts by code point (CJK, full-width, ASCII), booleans."""
    import pandas as pd
    import pyarrow as pa

    from anfang.engine import ordered

    rng = random.Random(seed)
    n = 400
    texts = ["甲", "乙", "ａ", "a", "A", "", "G1-20200327-010", "G1-20200327-002", "G10-20200327-001"]
    days = [pd.Timestamp("2020-03-27"), pd.Timestamp("2020-03-25"), pd.NaT]
    frame = pd.DataFrame({
        "date": pd.Series([rng.choice(days) for _ in range(n)], dtype="datetime64[us]"),
        "group": [rng.choice([1, 2, 10]) for _ in range(n)],
        "id": pd.Series([rng.choice(texts) for _ in range(n)], dtype="str"),
        "minor": [rng.random() < 0.5 for _ in range(n)],
    }, index=rng.sample(range(10 * n), n))  # fmt: skip
    rows = {"date": frame["date"].to_numpy(), "group": frame["group"].to_numpy(), "id": pa.array(frame["id"]),
            "minor": frame["minor"].to_numpy(), "row": np.arange(n)}  # fmt: skip
    for columns in (["date", "group", "id"], ["minor", "group", "id"], ["id"], ["date"]):
        expected = frame.sort_values(columns, kind="stable")
        assert ordered(rows, columns)["row"].tolist() == [frame.index.get_loc(i) for i in expected.index]


@pytest.mark.parametrize("chunks", [1, 3])
def test_pick_equals_pandas_row_selection(chunks):
    """engine.pick (arrow's filter per text column) gives the rows .loc/.iloc give: by a mask, by
    positions in any order (repeats too), over one chunk or several."""
    import pyarrow as pa

    from anfang.engine import pick

    rng = np.random.default_rng(chunks)
    n = 300
    texts = [f"甲{i % 17}" if i % 5 else "" for i in range(n)]
    parts = np.array_split(np.arange(n), chunks)
    table = pa.table({
        "text": pa.chunked_array([pa.array([texts[i] for i in p], pa.large_string()) for p in parts]),
        "number": pa.chunked_array([pa.array(p * 7) for p in parts]),
    })  # fmt: skip
    frame = table.to_pandas()
    columns = {"text": table["text"], "number": table["number"].to_numpy()}

    def rows(picked) -> list[tuple]:
        return list(zip(picked["text"].to_pylist(), picked["number"].tolist(), strict=True))

    mask = rng.random(n) < 0.3
    expected = frame.loc[mask, ["text", "number"]]
    assert rows(pick(columns, mask, ["text", "number"])) == list(expected.itertuples(index=False, name=None))
    positions = rng.choice(n, 120)  # any order, with repeats
    expected = frame.iloc[positions][["text", "number"]]
    assert rows(pick(columns, positions, ["number", "text"])) == list(
        expected.itertuples(index=False, name=None)
    )
    assert len(pick(columns, np.zeros(n, dtype=bool), ["text"])["text"]) == 0


def test_a_column_of_more_text_than_32_bit_offsets_hold_is_picked_with_64_bit_ones(tmp_path, monkeypatch):
    """The store's texts have 32-bit offsets (2 GB a column): a selection of more than that is made
    one chunk with 64-bit offsets, and the state is the same (the limit lowered to 10 bytes here)."""
    import numpy as np
    import pyarrow as pa

    from anfang import engine

    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, 4)
    store, _ = read_columns(ws / "logs")
    expected = findings_as_of(store, date.max)
    monkeypatch.setattr(engine, "_TEXT_LIMIT", 10)
    picked = engine._where(
        pa.chunked_array([pa.array(["ab", "cd"]), pa.array(["ef"])]), np.array([True, False, True])
    )
    assert (picked.type, picked.to_pylist()) == (pa.large_string(), ["ab", "ef"])
    assert findings_as_of(store, date.max) == expected
