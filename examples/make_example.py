"""Regenerate examples/logs/: a small fictional campaign (3月26日–28日) with every kind of record.

Run from the repository root: python examples/make_example.py
All names, sites and addresses are invented.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from anfang.model import Record
from anfang.store import append

LOGS = Path(__file__).parent / "logs"
LIAISONS = {1: "程显洪", 2: "关智聪", 3: "卢伟勇", 5: "潘荣林", 9: "钱钧"}
COUNTY = {1: "南湖区", 2: "秀洲区", 3: "嘉善县", 5: "海盐县", 9: "嘉兴港区"}


def d(text: str) -> date:
    month, day = text.split("-")
    return date(2020, int(month), int(day))


def add(group: int, kind: str, day: str, at: str, **fields) -> str:
    base = dict(
        kind=kind, ref="", group=group, date=d(day), county=COUNTY[group], town="", sector="",
        site="", address="", hazard="", major=False, evidence=False, photos=(), handover="",
        deadline=None, rectified=None, reason="", fields=(), origin="", by=LIAISONS[group],
        recorded_at=f"2020-{at}:00+08:00",
    )  # fmt: skip
    base.update(fields)
    for key in ("deadline", "rectified"):
        if isinstance(base[key], str):
            base[key] = d(base[key])
    record = append(
        LOGS / f"group-{group}.csv",
        lambda seq: Record(id=f"G{group}-{base['date']:%Y%m%d}-{seq:03d}", **base),
    )
    return record.id


def visit(group, day, at, town, sector, site, address, hazard="", **more):
    kind = "finding" if hazard else "visit"
    return add(
        group,
        kind,
        day,
        at,
        town=town,
        sector=sector,
        site=site,
        address=address,
        hazard=hazard,
        **more,
    )


def main() -> None:
    shutil.rmtree(LOGS, ignore_errors=True)
    # 第一组 南湖区
    visit(
        1,
        "3-26",
        "03-26T17:40",
        "东栅街道",
        "工贸",
        "嘉兴市禾晟五金制品有限公司",
        "东栅街道昌盛路18号",
        "冲压车间光电保护装置被拆除",
        evidence=True,
        rectified="3-26",
    )
    a = visit(
        1,
        "3-26",
        "03-26T17:45",
        "东栅街道",
        "工贸",
        "嘉兴市禾晟五金制品有限公司",
        "东栅街道昌盛路18号",
        "外协作业人员未进行安全培训",
        handover="南湖区应急管理局",
        deadline="4-2",
    )
    visit(1, "3-26", "03-26T17:50", "新嘉街道", "消防", "南湖区新嘉农贸市场", "新嘉街道嘉杭路66号")
    visit(
        1,
        "3-27",
        "03-27T11:20",
        "新兴街道",
        "消防",
        "嘉兴市锦程服饰有限公司",
        "新兴街道由拳路321号",
        "一楼疏散通道堆放纺织原料，堵塞安全出口",
        evidence=True,
        handover="南湖区消防救援大队",
        deadline="4-3",
    )
    visit(
        1,
        "3-27",
        "03-27T11:25",
        "新兴街道",
        "消防",
        "嘉兴市锦程服饰有限公司",
        "新兴街道由拳路321号",
        "车间内电动车违规充电",
        evidence=True,
        rectified="3-27",
    )
    big = visit(
        1,
        "3-27",
        "03-27T15:10",
        "新兴街道",
        "建筑施工",
        "南湖新城综合体项目工地",
        "新兴街道广益路与纺工路交叉口",
        "深基坑临边防护缺失，\n基坑边堆载超限",
        major=True,
        evidence=True,
        handover="南湖区住房和城乡建设局",
        deadline="3-30",
    )
    visit(
        1,
        "3-27",
        "03-27T16:30",
        "建设街道",
        "城镇燃气",
        "禾兴大酒店",
        "建设街道禾兴南路88号",
        "厨房瓶装液化气钢瓶与灶具间距不足，未安装燃气泄漏报警装置",
        evidence=True,
        handover="南湖区综合行政执法局",
        deadline="4-3",
    )
    visit(
        1,
        "3-27",
        "03-27T17:00",
        "建设街道",
        "消防",
        "百佳汇超市（建设店）",
        "建设街道中山东路200号",
    )
    add(1, "rectify", "3-29", "03-29T10:00", ref=big)
    add(1, "rectify", "3-31", "03-31T09:30", ref=a)
    # 第二组 秀洲区
    late = visit(
        2,
        "3-26",
        "03-26T16:00",
        "王江泾镇",
        "危险化学品",
        "嘉兴市恒泰化工有限公司",
        "王江泾镇工业园区8号",
        "储罐区可燃气体报警器失效",
        evidence=True,
        handover="秀洲区应急管理局",
        deadline="3-27",
    )
    typo = visit(
        2,
        "3-27",
        "03-27T14:00",
        "油车港镇",
        "特种设备",
        "秀洲区顺达物流园",
        "油车港镇正阳东路5号",
        "叉车未定期检验，司机无证驾驶",
        evidence=True,
        handover="秀洲区市场监督管理局",
        deadline="4-5",
    )
    add(2, "amend", "3-27", "03-28T09:00", ref=typo, sector="寄递物流", fields=("sector",))
    visit(
        2,
        "3-27",
        "03-27T15:30",
        "油车港镇",
        "道路交通",
        "秀洲区顺达物流园",
        "油车港镇正阳东路5号",
        "危化品运输车辆未按规定安装卫星定位装置",
        handover="秀洲区交通运输局",
        deadline="4-10",
    )
    del late
    # 第三组 嘉善县
    visit(
        3,
        "3-27",
        "03-27T10:10",
        "魏塘街道",
        "消防",
        "嘉善县阳光出租公寓",
        "魏塘街道谈公路99号",
        "出租房内电动车停放在楼梯间，占用疏散通道",
        rectified="3-27",
    )
    dup = visit(
        3,
        "3-27",
        "03-27T10:12",
        "魏塘街道",
        "消防",
        "嘉善县阳光出租公寓",
        "魏塘街道谈公路99号",
        "出租房内电动车停放在楼梯间，占用疏散通道",
        rectified="3-27",
    )
    add(3, "void", "3-27", "03-27T20:00", ref=dup, reason="重复录入")
    slow = visit(
        3,
        "3-27",
        "03-27T14:40",
        "姚庄镇",
        "工贸",
        "嘉善县金鑫木业有限公司",
        "姚庄镇宝群东路12号",
        "除尘系统未设置泄爆装置，粉尘清扫不及时",
        major=True,
        evidence=True,
    )
    add(3, "handover", "3-28", "03-28T09:20", ref=slow, handover="嘉善县应急管理局", deadline="4-10")
    # 第五组 海盐县
    gas = visit(
        5,
        "3-27",
        "03-27T13:00",
        "武原街道",
        "城镇燃气",
        "海盐县老街小吃城",
        "武原街道朝阳东路3号",
        "无证经营瓶装液化气",
        evidence=True,
        handover="海盐县综合行政执法局",
        deadline="3-28",
    )
    add(5, "deadline", "3-28", "03-28T16:00", ref=gas, deadline=d("4-5"))
    visit(
        5,
        "3-28",
        "03-28T10:00",
        "沈荡镇",
        "特种设备",
        "沈荡镇中心菜场",
        "沈荡镇南大街1号",
        "自动扶梯（“三无电梯”）无检验合格标志",
        handover="海盐县市场监督管理局",
        deadline="4-8",
    )
    # 第九组 嘉兴港区
    visit(
        9,
        "3-26",
        "03-26T15:00",
        "乍浦镇",
        "危险化学品",
        "嘉兴港区某石化储运有限公司",
        "乍浦镇平海路7号",
    )
    visit(
        9,
        "3-28",
        "03-28T15:00",
        "乍浦镇",
        "水上交通",
        "乍浦港渡口",
        "乍浦镇雅山西路",
        "渡船救生衣配备不足",
        rectified="3-28",
    )


if __name__ == "__main__":
    main()
