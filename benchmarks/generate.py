"""Generate a realistic synthetic campaign of a chosen size.

    python benchmarks/generate.py WORKSPACE --findings 1000000 [--flat FILE.csv]

Writes the store's own format (logs/group-N.csv, one writer per group) into a fresh workspace:
visits with and without findings over the campaign's days in nine groups, with handovers,
deadlines, on-the-spot and later rectifications, moved deadlines, amendments and voids in
realistic proportions. With --flat, also writes the same rows as a flat table to import.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from anfang.columnar import read_columns
from anfang.exporting import export_rows
from anfang.flat import EXPORT_COLUMNS
from anfang.model import Record
from anfang.store import BOM, HEADER, encode_record
from anfang.tables import csv_text
from anfang.workspace import Workspace, init_workspace

TOWNS = [
    "新兴街道",
    "建设街道",
    "东栅街道",
    "王江泾镇",
    "油车港镇",
    "魏塘街道",
    "姚庄镇",
    "武原街道",
    "乍浦镇",
    "沈荡镇",
]
HAZARDS = ["疏散通道堆放杂物，堵塞安全出口", "灭火器过期未更换", "电动车在楼道内违规充电", "瓶装液化气钢瓶与灶具间距不足",
           "深基坑临边防护缺失", "叉车司机无证驾驶", "储罐区可燃气体报警器失效", "除尘系统未设置泄爆装置",
           "外协作业人员未进行安全培训", "消防控制室无人值班"]  # fmt: skip
DEPTS = ["区消防救援大队", "区应急管理局", "区住房和城乡建设局", "区市场监督管理局", "区综合行政执法局"]


def blank(**fields) -> dict:
    base = dict(ref="", county="", town="", sector="", site="", address="", hazard="", major=False,
                evidence=False, photos=(), handover="", deadline=None, rectified=None, reason="",
                fields=(), origin="", by="联络员", recorded_at="2020-03-27T20:00:00+08:00")  # fmt: skip
    base.update(fields)
    return base


def generate(root: Path, findings: int, seed: int = 7) -> Workspace:
    ws = init_workspace(root)
    config = ws.config
    rng = random.Random(seed)
    days = [
        config.campaign.start + timedelta(days=i)
        for i in range((config.campaign.end - config.campaign.start).days + 1)
    ]
    sectors = [s.name for s in config.sectors]
    per_group = findings // len(config.groups)
    for group in config.groups:
        seq = 0
        lines = [BOM + HEADER]

        def emit(kind: str, day: date, number: int = group.number, out: list = lines, **fields) -> str:
            nonlocal seq
            seq += 1
            record_id = f"G{number}-{day:%Y%m%d}-{seq:03d}"
            out.append(
                encode_record(Record(id=record_id, kind=kind, group=number, date=day, **blank(**fields)))
            )
            return record_id

        made = 0
        while made < per_group:
            day = days[min(len(days) - 1, int(made / per_group * len(days)))]
            site = f"企业{rng.randrange(per_group // 3 + 1)}号"
            where = dict(county=group.region, town=rng.choice(TOWNS), sector=rng.choice(sectors), site=site,
                         address=f"{rng.choice(TOWNS)}某路{rng.randrange(999)}号")  # fmt: skip
            if rng.random() < 0.1:
                emit("visit", day, **where)
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                if made >= per_group:
                    break
                made += 1
                handed = rng.random() < 0.6
                on_spot = not handed and rng.random() < 0.5
                due = day + timedelta(days=rng.randrange(3, 15)) if handed else None
                fid = emit("finding", day, **where, hazard=rng.choice(HAZARDS), major=rng.random() < 0.03,
                           evidence=rng.random() < 0.8, handover=group.region + rng.choice(DEPTS) if handed else "",
                           deadline=due, rectified=day if on_spot else None)  # fmt: skip
                later = day + timedelta(days=rng.randrange(1, 10))
                if handed and rng.random() < 0.7 and later <= days[-1]:
                    emit("rectify", later, ref=fid)
                if handed and rng.random() < 0.05:
                    emit("deadline", min(later, days[-1]), ref=fid, deadline=due + timedelta(days=7))
                if rng.random() < 0.01:
                    emit("amend", day, ref=fid, sector=rng.choice(sectors), fields=("sector",))
                if rng.random() < 0.005:
                    emit("void", day, ref=fid, reason="重复录入")
        (ws.logs_dir / f"group-{group.number}.csv").write_bytes(b"".join(lines))
    return ws


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--flat", type=Path, help="also write the rows as a flat table (CSV) to import")
    args = parser.parse_args()
    if args.workspace.exists():
        sys.exit(f"{args.workspace} already exists")
    ws = generate(args.workspace, args.findings)
    if args.flat:
        rows = list(export_rows(read_columns(ws.logs_dir)[0], ws.config))
        table = [
            [v.isoformat() if hasattr(v, "isoformat") else (v or "") for v in (r[c] for c in EXPORT_COLUMNS)]
            for r in rows
        ]
        args.flat.write_text(csv_text(EXPORT_COLUMNS, table, bom=True), encoding="utf-8")
    print(f"{args.workspace}: {args.findings} findings")


if __name__ == "__main__":
    main()
