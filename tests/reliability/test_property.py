"""Any sequence of log/rectify/handover/void, then report: figures equal a simple reference model."""

import json
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anfang.cli import cli
from anfang.workspace import init_workspace

START = date(2020, 3, 25)
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=25).filter(
    lambda t: t.strip()
)
DAY = st.integers(0, 5)

log_op = st.tuples(st.just("log"), st.integers(1, 2), DAY, st.sampled_from(["甲厂", "乙店", "丙工地"]),
                   st.one_of(st.just(""), TEXT), st.booleans(), st.booleans(), st.one_of(st.just(""), TEXT))  # fmt: skip
rectify_op = st.tuples(st.just("rectify"), st.integers(0, 20), st.integers(0, 3))
handover_op = st.tuples(st.just("handover"), st.integers(0, 20), st.integers(0, 3), TEXT)
void_op = st.tuples(st.just("void"), st.integers(0, 20))
OPS = st.lists(st.one_of(log_op, log_op, rectify_op, handover_op, void_op), min_size=1, max_size=14)


@dataclass
class Item:
    """The reference model of one logged row."""

    id: str
    group: int
    day: date
    site: str
    finding: bool
    major: bool
    rectified: list = field(default_factory=list)
    handed: list = field(default_factory=list)
    voided: bool = False


def expected(items: list[Item], group: int, d: date) -> tuple[tuple, tuple]:
    live = [i for i in items if i.group == group and not i.voided and i.day <= d]

    def figures(rows):
        found = [i for i in rows if i.finding]
        return (len({i.site.strip() for i in rows}), len(found), sum(i.major for i in found),
                sum(any(r <= d for r in i.rectified) for i in found), sum(any(h <= d for h in i.handed) for i in found))  # fmt: skip

    day = figures([i for i in live if i.day == d])
    per_day = [figures([i for i in live if i.day == x]) for x in sorted({i.day for i in live})]
    to_date = tuple(sum(col) for col in zip(*per_day, strict=True)) if per_day else (0, 0, 0, 0, 0)
    return day, to_date


def run_ops(ws: Path, ops) -> list[Item]:
    runner = CliRunner()
    invoke = lambda *a: runner.invoke(cli, ["--workspace", str(ws), *a])  # noqa: E731
    items: list[Item] = []
    for op in ops:
        kind = op[0]
        if kind == "log":
            _, group, offset, site, hazard, major, fixed, dept = op
            day = START + timedelta(days=offset)
            args = [
                "log",
                "-g",
                str(group),
                "--date",
                day.isoformat(),
                "--town",
                "镇",
                "--sector",
                "消防",
                "--site",
                site,
            ]
            if hazard:
                args += (
                    ["--hazard", hazard] + (["--major"] if major else []) + (["--rectified"] if fixed else [])
                )
                args += ["--handover", dept] if dept else []
            result = invoke(*args)
            assert result.exit_code == 0, result.output
            item = Item(result.stdout.split()[1], group, day, site, bool(hazard), bool(hazard) and major)
            if hazard and fixed:
                item.rectified.append(day)
            if hazard and dept.strip():
                item.handed.append(day)
            items.append(item)
            continue
        if not items:
            continue
        target = items[op[1] % len(items)]
        if kind == "rectify":
            when = target.day + timedelta(days=op[2])
            result = invoke("rectify", target.id, "--date", when.isoformat())
            ok = target.finding and not target.voided and not target.rectified
            if ok:
                target.rectified.append(when)
        elif kind == "handover":
            when = target.day + timedelta(days=op[2])
            result = invoke("handover", target.id, "--to", op[3], "--date", when.isoformat())
            ok = target.finding and not target.voided
            if ok:
                target.handed.append(when)
        else:
            result = invoke("void", target.id, "--reason", "误录")
            ok = not target.voided
            target.voided = True
        assert result.exit_code == (0 if ok else 1), (op, result.output)
    return items


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, report_day=DAY)
def test_report_matches_reference_model(ops, report_day):
    with tempfile.TemporaryDirectory() as tmp:
        ws = init_workspace(Path(tmp) / "ws").root
        items = run_ops(ws, ops)
        d = START + timedelta(days=report_day)
        result = CliRunner().invoke(cli, ["--workspace", str(ws), "report", "--date", d.isoformat(), "--group", "1",
                                          "--group", "2", "--format", "json"])  # fmt: skip
        assert result.exit_code == 0, result.output
        keys = ("sites", "hazards", "major", "rectified", "handed_over")
        for g in json.loads(result.stdout)["groups"]:
            day, to_date = expected(items, g["group"], d)
            assert tuple(g["day"][k] for k in keys) == day
            assert tuple(g["to_date"][k] for k in keys) == to_date
