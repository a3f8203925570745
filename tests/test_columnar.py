"""The column-wise path (columnar.read_frame, stateframe.state_as_of) equals the reference
(store.read_logs, ledger.findings_as_of) on every kind of file and history."""

import random
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from anfang.columnar import read_frame
from anfang.ledger import findings_as_of
from anfang.model import Record
from anfang.stateframe import amendments, state_as_of, with_details
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


def state_rows(frame: pd.DataFrame, day: date) -> list[tuple]:
    state = with_details(frame, state_as_of(frame, day), amendments(frame))
    out = []
    for r in state.itertuples():
        out.append((r.id, r.group, r.date.date(), r.site, r.hazard, bool(r.major), r.handover,
                    None if pd.isna(r.handover_date) else r.handover_date.date(),
                    None if pd.isna(r.deadline) else r.deadline.date(),
                    None if pd.isna(r.rectified) else r.rectified.date()))  # fmt: skip
    return sorted(out)


def reference_rows(records: list[Record], day: date) -> list[tuple]:
    return sorted(
        (
            f.id,
            f.group,
            f.date,
            f.site,
            f.hazard,
            f.major,
            f.handover,
            f.handover_date,
            f.deadline,
            f.rectified,
        )
        for f in findings_as_of(records, day)
    )


@pytest.mark.parametrize("seed", range(6))
def test_state_equals_reference_ledger(tmp_path, seed):
    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, seed)
    records = read_logs(ws / "logs").records
    frame, problems = read_frame(ws / "logs")
    assert problems == []
    for offset in range(0, 12, 2):
        day = date(2020, 3, 25) + timedelta(days=offset)
        assert state_rows(frame, day) == reference_rows(records, day), day


def frame_records(frame: pd.DataFrame) -> list[tuple]:
    return sorted(
        zip(
            frame["source"],
            frame["line"].astype(int),
            frame["id"],
            frame["hazard"],
            frame["site"],
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
    frame, problems = read_frame(ws / "logs")
    assert frame_records(frame) == reference_records(reference.records)
    assert [str(p) for p in problems] == [str(p) for p in reference.problems]
    if damage in ("torn", "edited"):
        assert problems


def test_empty_logs(tmp_path):
    ws = init_workspace(tmp_path / "ws").root
    frame, problems = read_frame(ws / "logs")
    assert len(frame) == 0 and problems == []
    assert len(state_as_of(frame, date(2020, 3, 27))) == 0


@pytest.mark.parametrize("seed", range(3))
def test_overdue_equals_reference(tmp_path, seed):
    from anfang.overdue import overdue_findings, overdue_rows_frame
    from anfang.workspace import Workspace

    ws = init_workspace(tmp_path / "ws").root
    random_history(ws, seed)
    records = read_logs(ws / "logs").records
    frame, _ = read_frame(ws / "logs")
    config = Workspace(ws).config
    for offset in range(0, 14, 3):
        day = date(2020, 3, 25) + timedelta(days=offset)
        rows = overdue_rows_frame(frame, state_as_of(frame, day), day, [1, 2, 3])
        assert list(rows["id"]) == [f.id for f in overdue_findings(records, day)], day
    assert config.group(1).name == "第一组"
