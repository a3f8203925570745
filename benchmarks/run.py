"""Run every performance benchmark of anfang and print each target with its measured ratio.

    python benchmarks/run.py [--work DIR] [--runs 3] [--quick]

Generates synthetic campaigns (benchmarks/generate.py) in --work (kept, and reused next time), then
measures the real commands, each the median of --runs fresh processes, against floors measured in
the same run:
  F      a Python process that imports pyarrow and reads the same log files with
         pyarrow.csv.read_csv, every column as a string (the fastest honest read of the data);
  click  `python -c "import click"` (what any click command pays before doing anything);
  the imports of a command: a process importing exactly the modules that command loaded.
Byte-compiled modules are used (as an installed package has them), whatever PYTHONDONTWRITEBYTECODE says.
--quick uses 100,000 findings in place of 1,000,000 (a fast look; the targets are for 1M).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
DAY = "2020-04-10"
LOG = ["log", "--group", "1", "--date", DAY, "--town", "新兴街道", "--sector", "消防", "--site", "基准测试场所",
       "--hazard", "灭火器过期", "--deadline", "2020-04-12"]  # fmt: skip
FLOOR = """
import sys, glob
import pyarrow as pa, pyarrow.csv as pacsv
for path in sorted(glob.glob(sys.argv[1] + "/logs/*.csv")):
    with open(path, "rb") as f:
        names = f.readline().decode("utf-8-sig").strip().split(",")
    pacsv.read_csv(path, read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
                   convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in names}))
"""
MODULES = """
import runpy, sys
sys.argv = ["anfang", *sys.argv[1:]]
try:
    runpy.run_module("anfang", run_name="__main__")
except SystemExit:
    pass
loaded = [m for m in sys.modules if ("." not in m or m.startswith("anfang.")) and "__main__" not in m]
print(" ".join(sorted(m for m in loaded if not m.startswith("_"))), file=sys.__stderr__)
"""


# Each command is started by this small process, which times it and reports its peak memory: a
# child forked from the benchmark itself would count the benchmark's own memory at the fork in its
# ru_maxrss (Linux keeps the larger of the image before and after exec), which made a one-finding
# command look like 700 MB once the benchmark had read the logs for ids.
SPAWN = """
import os, sys, time
report, command = int(sys.argv[1]), sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(report)
    os.execv(command[0], command)
_, status, usage = os.wait4(pid, 0)
os.write(report, f"{time.perf_counter() - started} {usage.ru_maxrss}".encode())
sys.exit(os.waitstatus_to_exitcode(status))
"""


def timed(cmd: list[str], allowed: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of one process (which must exit with an allowed status)."""
    read, write = os.pipe()
    proc = subprocess.Popen([PY, "-c", SPAWN, str(write), *cmd], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=ENV, pass_fds=(write,))  # fmt: skip
    os.close(write)
    _, stderr = proc.communicate()
    with os.fdopen(read, "rb") as report:
        measured = report.read().split()
    if proc.returncode not in allowed or len(measured) != 2:
        sys.exit(f"failed: {' '.join(cmd)}\n{stderr.decode()}")
    return float(measured[0]), int(measured[1]) / 1024


def median_of(runs: int, cmd, allowed: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """cmd: a command, or a function of the run's number returning one (a new id each run)."""
    results = [timed(cmd(i) if callable(cmd) else cmd, allowed) for i in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def uncached(ws: Path, cmd: list[str]) -> list[str]:
    """cmd, run as the first read of the logs (after an upgrade, or an edited log): no cache."""
    shutil.rmtree(ws / ".anfang" / "frames", ignore_errors=True)
    return cmd


def anfang(ws: Path, *args: str) -> list[str]:
    return [PY, "-m", "anfang", "--workspace", str(ws), *args]


def ensure(work: Path, name: str, findings: int, flat: bool = False) -> Path:
    ws = work / name
    if not (ws / "logs").is_dir():
        shutil.rmtree(ws, ignore_errors=True)
        args = [PY, str(HERE / "generate.py"), str(ws), "--findings", str(findings)]
        if flat:
            args += ["--flat", str(work / f"{name}.csv")]
        print(f"generating {name} ({findings} findings)…", file=sys.stderr)
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return ws


def finding_ids(ws: Path, count: int) -> list[str]:
    """Findings spread evenly over the store (one per run of a command that writes)."""
    ids = []
    for path in sorted((ws / "logs").glob("*.csv")):
        with path.open(encoding="utf-8-sig") as f:
            ids += [line.split(",", 1)[0] for line in f if ",finding,," in line]
    step = max(1, len(ids) // (count + 1))
    return ids[step::step][:count]


def open_ids(ws: Path, count: int) -> list[str]:
    """Findings still open on DAY (a rectify or handover of them is accepted), spread over the store."""
    import json

    out = subprocess.run(anfang(ws, "list", "--status", "open", "--as-of", DAY, "--format", "json"),
                         capture_output=True, text=True, env=ENV, check=True).stdout  # fmt: skip
    ids = [row["id"] for row in json.loads(out)]
    step = max(1, len(ids) // (count + 1))
    return ids[step::step][:count]


def imports_of(ws: Path, args: list[str]) -> list[str]:
    out = subprocess.run([PY, "-c", MODULES, "--workspace", str(ws), *args], capture_output=True, text=True,
                         env=ENV).stderr  # fmt: skip
    return out.strip().splitlines()[-1].split()


def import_floor(runs: int, modules: list[str]) -> float:
    return median_of(runs, [PY, "-c", "import " + ", ".join(modules)])[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/anfang-bench"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [PY, "-m", "compileall", "-q", str(HERE.parent / "src")], env=ENV, stdout=subprocess.DEVNULL
    )
    big_n = 100_000 if args.quick else 1_000_000
    big = ensure(args.work, f"campaign-{big_n}", big_n)
    city = ensure(args.work, "campaign-2000", 2_000)
    day = ensure(args.work, "campaign-22000", 22_000)  # about 1,000 findings a day
    ensure(args.work, "campaign-200000", 200_000, flat=True)
    for ws in (
        big,
        city,
        day,
    ):  # what a first read checked is remembered (.anfang/frames): as on any later day
        subprocess.run(
            anfang(ws, "list", "--group", "1", "--format", "json"), stdout=subprocess.DEVNULL, env=ENV
        )
    scratch = args.work / f"scratch-{big_n}"  # the commands that write get a copy
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(big, scratch)
    rows: list[tuple] = []
    runs = args.runs

    floor, _ = median_of(runs, [PY, "-c", FLOOR, str(big)])
    click_t, _ = median_of(max(9, runs), [PY, "-c", "import click"])
    rows.append((f"F: pyarrow read_csv, {big_n:,} findings", "(floor)", f"{floor:.2f} s", "", None))
    rows.append(("import click", "(floor)", f"{click_t:.3f} s", "", None))
    peak = 0.0

    def judged(name: str, cmd, limit: float, base: float, base_name: str, allowed=(0,)) -> None:
        nonlocal peak
        t, mb = median_of(runs, cmd, allowed)
        peak = max(peak, mb)
        rows.append((name, f"≤ {limit} × {base_name}", f"{t:.2f} s, {mb:.0f} MB", f"{t / base:.2f} ×",
                     t <= limit * base))  # fmt: skip
        print(*rows[-1], sep="  |  ", file=sys.stderr, flush=True)  # progress, kept if a later step fails

    out = str(args.work / "out")
    for command, limit in (("report", 2), ("summary", 2), ("overdue", 2)):
        extra = ["--until", DAY] if command == "summary" else ["--date", DAY]
        judged(f"{command} --format json", anfang(big, command, *extra, "--format", "json", *(
            ["--output", out] if command != "overdue" else [])), limit, floor, "F")  # fmt: skip
    cold_t, cold_mb = median_of(runs, lambda i: uncached(scratch, anfang(scratch, "report", "--date", DAY,
                                                                        "--format", "json", "--output", out)))  # fmt: skip
    rows.append(("report --format json, first read (no .anfang/frames)", "(for scale)",
                 f"{cold_t:.2f} s, {cold_mb:.0f} MB", f"{cold_t / floor:.2f} ×", None))  # fmt: skip
    judged("list --group 1 --date D --format json",
           anfang(big, "list", "--group", "1", "--date", DAY, "--format", "json"), 2, floor, "F")  # fmt: skip
    judged(
        "check", anfang(big, "check", "--date", DAY), 3, floor, "F", allowed=(0, 1)
    )  # 1: it found problems
    judged("export (csv)", anfang(big, "export", "--output", out + ".csv"), 4, floor, "F")
    ids = finding_ids(big, runs) + open_ids(big, 2 * runs)
    judged("show ID", lambda i: anfang(big, "show", ids[i]), 0.5, floor, "F")
    judged("rectify ID", lambda i: anfang(scratch, "rectify", ids[runs + i], "--date", DAY), 0.5, floor, "F")
    judged("handover ID --to X", lambda i: anfang(scratch, "handover", ids[2 * runs + i], "--to", "某局",
                                                  "--date", DAY), 0.5, floor, "F")  # fmt: skip
    rows.append(("peak memory of any of them", "< 1024 MB", f"{peak:.0f} MB", "", peak < 1024))

    empty = args.work / "empty"
    shutil.rmtree(empty, ignore_errors=True)
    subprocess.run([PY, "-m", "anfang", "init", str(empty)], check=True, stdout=subprocess.DEVNULL, env=ENV)
    for label, ws in (("empty store", empty), (f"{big_n:,} findings", scratch)):
        subprocess.run(anfang(ws, *LOG), env=ENV, capture_output=True)  # the first run fills the config cache
        t, _ = median_of(max(9, runs), anfang(ws, *LOG))
        rows.append(
            (f"log, {label}", "≤ 1.5 × click", f"{t:.3f} s", f"{t / click_t:.2f} ×", t <= 1.5 * click_t)
        )
    heavy = [
        m
        for m in imports_of(empty, LOG)
        if m in ("pandas", "pyarrow", "duckdb", "openpyxl", "jinja2", "yaml")
    ]
    rows.append(
        ("log imports pandas/pyarrow/openpyxl/jinja2/yaml", "none", ", ".join(heavy) or "none", "", not heavy)
    )

    for name, command in (("report json", ["report", "--date", DAY, "--format", "json", "--output", out]),
                          ("summary json", ["summary", "--until", DAY, "--format", "json", "--output", out]),
                          ("overdue", ["overdue", "--date", DAY]), ("list", ["list", "--group", "1"]),
                          ("check", ["check", "--date", DAY]), ("show ID", ["show", finding_ids(city, 1)[0]]),
                          ("export (csv)", ["export", "--output", out + ".csv"])):  # fmt: skip
        base = import_floor(
            runs, [m for m in imports_of(city, command) if m not in ("anfang",)] + ["anfang.cli"]
        )
        t, _ = median_of(runs, anfang(city, *command), (0, 1) if command[0] == "check" else (0,))
        rows.append((f"{name}, 2,000 findings", "≤ 1.5 × imports", f"{t:.2f} s (imports {base:.2f} s)",
                     f"{t / base:.2f} ×", t <= 1.5 * base))  # fmt: skip

    xlsx_t, _ = median_of(runs, anfang(day, "report", "--date", "2020-04-01", "--format", "xlsx",
                                       "--output", str(args.work / "day.xlsx")))  # fmt: skip
    rows.append(("report xlsx, a day of ~1,000 findings", "< 3 s", f"{xlsx_t:.2f} s", "", xlsx_t < 3))
    table = args.work / "campaign-200000.csv"
    count = sum(1 for _ in table.open("rb")) - 1
    times = []
    for _ in range(runs):
        target = args.work / "import-target"
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(
            [PY, "-m", "anfang", "init", str(target)], check=True, stdout=subprocess.DEVNULL, env=ENV
        )
        times.append(timed(anfang(target, "import", str(table)))[0])
    import_t = statistics.median(times)
    rows.append((f"import {count:,} rows", "≥ 20,000 rows/s", f"{count / import_t:,.0f} rows/s ({import_t:.1f} s)",
                 "", count / import_t >= 20_000))  # fmt: skip

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'target':<16}  {'measured':<34}  {'ratio':<9}  ok")
    for name, target, measured, ratio, ok in rows:
        verdict = "—" if ok is None else ("yes" if ok else "NO")
        print(f"{name:<{width}}  {target:<16}  {measured:<34}  {ratio:<9}  {verdict}")
    print(
        f"\n{os.cpu_count()} cores; median of {runs} runs (log and click: {max(9, runs)}); work folder {args.work}"
    )


if __name__ == "__main__":
    main()
