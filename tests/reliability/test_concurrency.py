"""8 processes x 100 `anfang log` calls to one group while another process reports in a loop."""

import json
import multiprocessing
from pathlib import Path

from click.testing import CliRunner

from anfang.cli import cli
from anfang.store import read_logs
from anfang.workspace import init_workspace

WRITERS, CALLS = 8, 100


def _writer(args) -> None:
    ws, worker = args
    runner = CliRunner()
    for i in range(CALLS):
        result = runner.invoke(cli, ["--workspace", ws, "log", "--group", "1", "--date", "2020-03-27", "--town", "新兴街道",
                                     "--sector", "消防", "--site", f"场所{worker}-{i % 7}", "--hazard", f"w{worker}-{i}"])  # fmt: skip
        assert result.exit_code == 0, result.output


def _reporter(ws: str, stop, seen) -> None:
    runner = CliRunner()
    last = 0
    while not stop.is_set():
        result = runner.invoke(
            cli, ["--workspace", ws, "report", "--date", "2020-03-27", "--group", "1", "--format", "json"]
        )
        assert result.exit_code == 0, result.output
        hazards = json.loads(result.stdout)["groups"][0]["day"]["hazards"]
        assert last <= hazards <= WRITERS * CALLS  # never a partial or phantom record
        contents = read_logs(Path(ws) / "logs")
        assert contents.problems == [], contents.problems  # readers never see a half-written line
        last = hazards
        seen.value += 1


def test_many_writers_and_a_reader(tmp_path):
    ws = str(init_workspace(tmp_path / "ws").root)
    ctx = multiprocessing.get_context("fork")
    stop, seen = ctx.Event(), ctx.Value("i", 0)
    reporter = ctx.Process(target=_reporter, args=(ws, stop, seen))
    reporter.start()
    with ctx.Pool(WRITERS) as pool:
        pool.map(_writer, [(ws, w) for w in range(WRITERS)])
    stop.set()
    reporter.join(60)
    assert reporter.exitcode == 0 and seen.value > 0
    records = read_logs(Path(ws) / "logs").records
    assert sorted(r.hazard for r in records) == sorted(
        f"w{w}-{i}" for w in range(WRITERS) for i in range(CALLS)
    )
    assert len({r.id for r in records}) == WRITERS * CALLS
    assert sorted(int(r.id.rsplit("-", 1)[1]) for r in records) == list(range(1, WRITERS * CALLS + 1))
    final = CliRunner().invoke(
        cli, ["--workspace", ws, "report", "--date", "3-27", "--group", "1", "--format", "json"]
    )
    day = json.loads(final.stdout)["groups"][0]["day"]
    assert (day["hazards"], day["sites"]) == (WRITERS * CALLS, WRITERS * 7)
