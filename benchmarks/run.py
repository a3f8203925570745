"""Run every performance benchmark of anfang and print a table of figures against the targets.

    python benchmarks/run.py [--work DIR] [--runs 3] [--quick]

Generates synthetic campaigns (benchmarks/generate.py) in --work (kept, and reused next time),
then measures, each as the median of several runs of the real command in a fresh process:
  - `anfang log` on an empty store and on a store of 1,000,000 findings (and its imports);
  - `anfang report --format json` over 1,000,000 and 100,000 findings, against the floor: a
    Python process that imports pandas and reads the same rows from one CSV; peak memory;
  - `anfang report --format xlsx` for a day with about 1,000 findings;
  - `anfang import` of a 200,000-row flat table.
--quick uses 100,000 findings in place of 1,000,000 (for a fast look; the targets are for 1M).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
LOG = ["log", "--group", "1", "--date", "2020-04-10", "--town", "新兴街道", "--sector", "消防", "--site", "基准测试场所",
       "--hazard", "灭火器过期", "--deadline", "2020-04-12"]  # fmt: skip


def timed(cmd: list[str], **kwargs) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def median_of(runs: int, cmd: list[str], **kwargs) -> tuple[float, float]:
    results = [timed(cmd, **kwargs) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


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
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return ws


def floor_csv(ws: Path, work: Path) -> Path:
    """The same rows as one CSV (header once), for the floor measurement."""
    target = work / f"{ws.name}-all.csv"
    if not target.exists():
        with target.open("wb") as out:
            for i, path in enumerate(sorted((ws / "logs").glob("*.csv"))):
                lines = path.read_bytes().split(b"\n", 1)
                out.write((lines[0] + b"\n" if i == 0 else b"") + lines[1])
    return target


def heavy_imports(ws: Path) -> list[str]:
    out = subprocess.run([PY, "-X", "importtime", "-m", "anfang", "--workspace", str(ws), *LOG],
                         capture_output=True, text=True).stderr  # fmt: skip
    loaded = {line.rsplit("|", 1)[-1].strip() for line in out.splitlines() if "|" in line}
    return sorted(m for m in ("pandas", "openpyxl", "jinja2", "pyarrow", "numpy") if m in loaded)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/anfang-bench"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    big_n = 100_000 if args.quick else 1_000_000
    big = ensure(args.work, f"campaign-{big_n}", big_n)
    small = ensure(args.work, "campaign-100000", 100_000)
    day = ensure(args.work, "campaign-22000", 22_000)  # about 1,000 findings a day
    ensure(args.work, "campaign-200000", 200_000, flat=True)
    rows = []

    empty = args.work / "empty"
    shutil.rmtree(empty, ignore_errors=True)
    subprocess.run([PY, "-m", "anfang", "init", str(empty)], check=True, stdout=subprocess.DEVNULL)
    for label, ws in (("empty store", empty), (f"{big_n:,} findings", big)):
        t, _ = median_of(max(9, args.runs), anfang(ws, *LOG))
        rows.append((f"log, {label}", "≤ 0.150 s", f"{t:.3f} s", "", t <= 0.150))
    heavy = heavy_imports(empty)
    rows.append(("log imports pandas/openpyxl/jinja2", "none", ", ".join(heavy) or "none", "", not heavy))

    results = {}
    for ws in (big, small):
        report_t, report_mb = median_of(args.runs, anfang(ws, "report", "--date", "2020-04-10", "--format", "json",
                                                          "--output", str(args.work / "r.json")))  # fmt: skip
        floor = floor_csv(ws, args.work)
        floor_t, _ = median_of(
            args.runs,
            [PY, "-c", f"import pandas; pandas.read_csv({str(floor)!r}, dtype=str, keep_default_na=False)"],
        )
        results[ws] = report_t
        n = int(ws.name.split("-")[1])
        judged = ws == big  # the 2x target is for 1,000,000; at 100,000 the target is the growth below
        rows.append((f"report json, {n:,} findings", "≤ 2.0 × floor" if judged else "(for growth)",
                     f"{report_t:.2f} s (floor {floor_t:.2f} s)", f"{report_t / floor_t:.2f} ×",
                     report_t <= 2 * floor_t if judged else None))  # fmt: skip
        if ws == big:
            rows.append(
                (f"report json peak memory, {n:,}", "< 1500 MB", f"{report_mb:.0f} MB", "", report_mb < 1500)
            )
    if big != small:
        growth = (results[big] / results[small]) / 10
        rows.append(("report cost growth 100k → 1M", "≤ linear", f"{results[big] / results[small]:.1f} × for 10 × data",
                     f"{growth:.2f} of linear", growth <= 1.0))  # fmt: skip

    xlsx_t, _ = median_of(args.runs, anfang(day, "report", "--date", "2020-04-01", "--format", "xlsx",
                                            "--output", str(args.work / "day.xlsx")))  # fmt: skip
    rows.append(("report xlsx, a day of ~1,000 findings", "< 3 s", f"{xlsx_t:.2f} s", "", xlsx_t < 3))

    table = args.work / "campaign-200000.csv"
    count = sum(1 for _ in table.open("rb")) - 1
    times = []
    for _ in range(args.runs):
        target = args.work / "import-target"
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([PY, "-m", "anfang", "init", str(target)], check=True, stdout=subprocess.DEVNULL)
        times.append(timed(anfang(target, "import", str(table)))[0])
    import_t = statistics.median(times)
    rows.append((f"import {count:,} rows", "≥ 20,000 rows/s", f"{count / import_t:,.0f} rows/s ({import_t:.1f} s)", "",
                 count / import_t >= 20_000))  # fmt: skip

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'target':<16}  {'measured':<30}  {'ratio':<16}  ok")
    for name, target, measured, ratio, ok in rows:
        verdict = "—" if ok is None else ("yes" if ok else "NO")
        print(f"{name:<{width}}  {target:<16}  {measured:<30}  {ratio:<16}  {verdict}")
    print(
        f"\n{os.cpu_count()} cores; median of {args.runs} runs (log: {max(9, args.runs)}); work folder {args.work}"
    )


if __name__ == "__main__":
    main()
