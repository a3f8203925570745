"""The life of a finding after the visit: 整改 with evidence, 复查 and 销号, the departments'
replies read back from the 交办单 workbook, a site's history (回头看)."""

import json
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import tree_digest

AT = ["--group", "1", "--date", "3-27", "--town", "新兴街道", "--sector", "消防", "--site", "锦程服饰"]
F1, F2, VISIT = "G1-20200327-001", "G1-20200327-002", "G1-20200327-003"


@pytest.fixture
def story(run):
    """F1 handed over with deadline 3-30; F2 fixed on the spot; a visit with nothing found."""
    assert (
        run(
            "log", *AT, "--hazard", "安全出口锁闭", "--handover", "南湖区消防救援大队", "--deadline", "3-30"
        ).exit_code
        == 0
    )
    assert run("log", *AT, "--hazard", "灭火器过期", "--rectified").exit_code == 0
    assert run("log", *AT[:-1], "超市").exit_code == 0
    return run


def summary(run, until: str) -> dict:
    return json.loads(run("summary", "--until", until, "--format", "json").stdout)


def figures(run, until: str) -> tuple:
    total = summary(run, until)["total"]
    return (total["rectified"], total["verified"], total["awaiting_verification"])


def report_rectified(run, day: str) -> int:
    return json.loads(run("report", "--date", day, "--format", "json").stdout)["total"]["to_date"][
        "rectified"
    ]


def test_rectify_keeps_measures_responsible_and_after_photos(story, ws, tmp_path):
    photo = tmp_path / "整改后.jpg"
    photo.write_bytes(b"\xff\xd8after")
    result = story("rectify", F1, "--date", "3-29", "--measures", "清理通道，拆除锁具", "--responsible", "王明",
                   "--photo", str(photo))  # fmt: skip
    assert (result.exit_code, result.stdout) == (0, f"已记录：{F1} 于 2020-03-29 完成整改，待复查\n")
    shown = story("show", F1, "--as-of", "3-29").stdout
    assert "状态：已整改（3月29日），待复查" in shown
    assert "  2020-03-29  已完成整改（整改措施：清理通道，拆除锁具；整改责任人：王明）" in shown
    stored = [p.name for p in (ws / "evidence").iterdir()]
    assert len(stored) == 1 and f"照片 evidence/{stored[0]}（原文件名 整改后.jpg）" in shown


def test_verify_pass_closes_and_fail_reopens_from_their_dates(story):
    assert story("rectify", F1, "--date", "3-29").exit_code == 0
    fail = story("verify", F1, "--date", "3-31", "--fail", "--note", "锁具仍在")
    assert (fail.exit_code, fail.stdout) == (0, f"已记录：{F1} 于 2020-03-31 复查不通过，重新列为未整改\n")
    assert story("rectify", F1, "--date", "4-2", "--measures", "更换为推闩").exit_code == 0
    passed = story("verify", F1, "--date", "4-3", "--pass", "--by", "李华")
    assert (passed.exit_code, passed.stdout) == (0, f"已记录：{F1} 于 2020-04-03 复查通过，已销号\n")
    # (rectified, verified, awaiting 复查) of the city; F2 was fixed on the spot and is never verified
    assert figures(story, "3-28") == (1, 0, 1)
    assert figures(story, "3-29") == (2, 0, 2)
    assert figures(story, "3-31") == (1, 0, 1)  # the failed 复查 undoes the rectification from its date
    assert figures(story, "4-2") == (2, 0, 2)
    assert figures(story, "4-3") == (2, 1, 1)
    assert [report_rectified(story, d) for d in ("3-28", "3-29", "3-31", "4-2", "4-3")] == [1, 2, 1, 2, 2]
    group = summary(story, "4-3")["groups"][0]
    assert (group["rectified"], group["verified"], group["awaiting_verification"]) == (2, 1, 1)
    sector = next(s for s in summary(story, "4-3")["sectors"] if s["sector"] == "消防")
    assert (sector["verified"], sector["awaiting_verification"]) == (1, 1)
    shown = story("show", F1).stdout
    assert "状态：已销号（4月3日复查通过）" in shown
    assert "  2020-03-31  复查不通过，重新列为未整改（锁具仍在）" in shown
    assert "  2020-04-03  复查通过，销号  （李华，" in shown
    # past dates stay reproducible
    assert "状态：逾期 1 天" in story("show", F1, "--as-of", "3-31").stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["verify", "G9-20200327-001", "--pass"], 1, "没有编号为 G9-20200327-001 的记录"),
        (["verify", VISIT, "--pass"], 1, f"{VISIT} 是未发现问题的检查记录，没有可复查的问题隐患"),
        (["verify", F1, "--date", "3-28", "--pass"], 1, f"{F1} 截至 2020-03-28 尚未整改，不能复查"),
        (
            ["verify", F1, "--pass"],
            1,
            "不能复查",
        ),  # not rectified at all (F1 is rectified on 3-29 below only)
        (["verify", F1, "--date", "3-29", "--fail"], 2, "复查不通过时请用 --note 写明原因"),
        (["verify", F1, "--date", "3-29"], 2, "请给出复查结论：--pass（通过，销号）或 --fail（不通过）"),
        (
            ["verify", F2, "--date", "3-26", "--pass"],
            1,
            "复查日期 2020-03-26 早于发现该问题的日期 2020-03-27",
        ),
    ],
)
def test_verify_refusals_write_nothing(story, ws, args, code, message):
    if args[1] == F1 and "--date" in args and args[3] == "3-29":
        assert story("rectify", F1, "--date", "3-29").exit_code == 0
    before = tree_digest(ws)
    result = story(*args)
    assert result.exit_code == code
    assert message in result.output
    assert tree_digest(ws) == before


def test_verify_of_a_closed_finding_and_rectify_before_a_failed_check_are_refused(story, ws):
    assert story("rectify", F1, "--date", "3-29").exit_code == 0
    assert story("verify", F1, "--date", "3-30", "--fail", "--note", "未改").exit_code == 0
    early = story("rectify", F1, "--date", "3-29")
    assert (early.exit_code, "整改日期 2020-03-29 早于 2020-03-30 的复查" in early.output) == (1, True)
    assert story("rectify", F1, "--date", "3-31").exit_code == 0
    assert story("verify", F1, "--date", "4-1", "--pass").exit_code == 0
    before = tree_digest(ws)
    again = story("verify", F1, "--date", "4-2", "--fail", "--note", "x")
    assert (again.exit_code, again.output.strip()) == (
        1,
        f"错误：{F1} 已于 2020-04-01 复查通过并销号，不能再复查",
    )
    assert tree_digest(ws) == before


def test_list_by_status(story):
    assert story("rectify", F1, "--date", "3-29").exit_code == 0
    ids = lambda status, as_of: [r["id"] for r in json.loads(story("list", "--status", status, "--as-of", as_of,  # noqa: E731
                                                                  "--format", "json").stdout)]  # fmt: skip
    assert (ids("open", "3-28"), ids("rectified", "3-28"), ids("closed", "3-28")) == ([F1], [F2], [])
    assert ids("overdue", "3-31") == []
    assert story("verify", F1, "--date", "3-30", "--pass").exit_code == 0
    assert (ids("open", "3-30"), ids("rectified", "3-30"), ids("closed", "3-30")) == ([], [F2], [F1])
    assert ids("closed", "3-29") == []


def test_overdue_and_check_name_rectifications_waiting_for_verification(story):
    assert story("rectify", F1, "--date", "3-29").exit_code == 0
    text = story("overdue", "--date", "4-1").stdout
    assert "已整改超过 3 天尚未复查（1 条）：" in text
    assert "G1-20200327-002" in text and f"{F1}  " not in text.split("尚未复查")[1]  # F2 waits 5 days, F1 3
    notices = story("check", "--date", "4-2", "--json")
    messages = [n["message"] for n in json.loads(notices.stdout)["notices"]]
    assert f"{F1} 于 2020-03-29 整改，已 4 天尚未复查（anfang verify {F1} --pass 或 --fail）" in messages
    assert (
        "G1-20200327-002 于 2020-03-27 整改，已 6 天尚未复查（anfang verify G1-20200327-002 --pass 或 --fail）"
        in messages
    )


# -- the departments' replies ---------------------------------------------------------------


def notice_workbook(run, tmp_path):
    target = tmp_path / "交办单.xlsx"
    assert run("notice", "--date", "3-27", "--format", "xlsx", "--output", str(target)).exit_code == 0
    return target


def fill(path, rows: dict[int, tuple], sheet: str = "南湖区消防救援大队", out=None):
    wb = load_workbook(path)
    ws = wb[sheet]
    for row, values in rows.items():
        for column, value in zip((9, 10, 11), values, strict=True):
            ws.cell(row, column, value)
    out = out or path.with_name("回执.xlsx")
    wb.save(out)
    return out


@pytest.fixture
def handed(run):
    for hazard in ("安全出口锁闭", "消防通道堵塞"):
        assert (
            run(
                "log", *AT, "--hazard", hazard, "--handover", "南湖区消防救援大队", "--deadline", "4-3"
            ).exit_code
            == 0
        )
    assert run("log", *AT, "--hazard", "配电箱无门", "--handover", "南湖区应急管理局").exit_code == 0
    return run


def test_a_filled_in_notice_is_read_back_as_rectifications(handed, tmp_path):
    reply = fill(
        notice_workbook(handed, tmp_path), {6: ("拆除锁具", date(2020, 3, 30), "王明"), 7: ("", None, "")}
    )
    result = handed("import", str(reply))
    assert (result.exit_code, result.stdout) == (
        0, "已读回交办单回执（南湖区消防救援大队）：记录整改完成 1 条；2 条未填完成日期，仍为未整改\n")  # fmt: skip
    shown = handed("show", F1).stdout
    assert (
        "  2020-03-30  已完成整改（整改措施：拆除锁具；整改责任人：王明）  （陈达宇（南湖区消防救援大队回执）"
        in shown
    )
    assert "状态：整改中" in handed("show", F2, "--as-of", "3-30").stdout
    again = handed("import", str(reply))
    assert (
        again.stdout
        == "已读回交办单回执：记录整改完成 0 条，已整改过的 1 条未重复记录；2 条未填完成日期，仍为未整改\n"
    )
    assert figures(handed, "3-30") == (1, 0, 1)


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (("改了", "4月40日", ""), "工作表“南湖区消防救援大队”第 6 行：完成日期“4月40日”看不懂"),
        (
            ("改了", date(2020, 3, 26), ""),
            "工作表“南湖区消防救援大队”第 6 行：完成日期 2020-03-26 早于交办日期 2020-03-27",
        ),
        (("改了", date(2099, 1, 1), ""), "晚于今天"),
        (
            ("改了", date(2020, 3, 30), "王明\n李华"),
            "工作表“南湖区消防救援大队”第 6 行：责任人不能换行",
        ),
    ],
)
def test_one_bad_row_rejects_the_reply_and_nothing_is_written(handed, ws, tmp_path, cells, message):
    reply = fill(notice_workbook(handed, tmp_path), {6: cells, 7: ("改了", date(2020, 3, 30), "")})
    before = tree_digest(ws)
    result = handed("import", str(reply))
    assert result.exit_code == 1
    assert "整个回执未导入" in result.output and message in result.output
    assert tree_digest(ws) == before


def test_a_reply_naming_a_finding_of_another_department_or_an_unknown_id_is_refused(handed, ws, tmp_path):
    path = notice_workbook(handed, tmp_path)
    wb = load_workbook(path)
    wb["南湖区消防救援大队"].cell(6, 2, "G1-20200327-003")  # handed to 应急管理局, typed over
    wb["南湖区消防救援大队"].cell(6, 10, date(2020, 3, 30))
    wb.save(tmp_path / "回执.xlsx")
    before = tree_digest(ws)
    result = handed("import", str(tmp_path / "回执.xlsx"))
    assert result.exit_code == 1
    assert "工作表“南湖区消防救援大队”第 6 行：编号 G1-20200327-003 不在这张交办单上" in result.output
    assert tree_digest(ws) == before


def test_a_retyped_look_alike_is_not_a_reply(handed, ws, tmp_path):
    path = notice_workbook(handed, tmp_path)
    wb = load_workbook(path)
    del wb["anfang"]  # the same sheets and cells, without what the notice workbook carries
    wb["南湖区消防救援大队"].cell(6, 10, date(2020, 3, 30))
    wb.save(tmp_path / "像回执.xlsx")
    before = tree_digest(ws)
    result = handed("import", str(tmp_path / "像回执.xlsx"))
    assert result.exit_code == 1 and "已读回" not in result.output  # read as an ordinary table, and refused
    assert tree_digest(ws) == before


def test_the_mark_is_a_hidden_sheet_naming_every_notice(handed, tmp_path):
    wb = load_workbook(notice_workbook(handed, tmp_path))
    assert wb.sheetnames == ["南湖区应急管理局", "南湖区消防救援大队", "anfang"]
    assert wb["anfang"].sheet_state == "hidden"
    rows = [tuple(c for c in r if c is not None) for r in wb["anfang"].iter_rows(min_row=2, values_only=True)]
    assert rows == [("南湖区应急管理局", "南湖区应急管理局", "20200327-01", "2020-03-27", "G1-20200327-003"),
                    ("南湖区消防救援大队", "南湖区消防救援大队", "20200327-02", "2020-03-27", F1, F2)]  # fmt: skip


# -- a site's history (回头看) ----------------------------------------------------------------


def test_site_lists_every_visit_and_finding_across_groups_with_their_state(story):
    other = [
        "--group",
        "2",
        "--date",
        "3-30",
        "--town",
        "新兴街道",
        "--sector",
        "消防",
        "--site",
        "锦程 服饰",
    ]
    assert story("log", *other, "--hazard", "应急照明损坏").exit_code == 0
    result = story("site", "锦程服饰", "--as-of", "3-30")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == [
        "锦程 服饰、锦程服饰",
        "检查 2 次，发现问题隐患 3 条，截至 2020-03-30 未整改 2 条；地址：南湖区 新兴街道；秀洲区 新兴街道",
    ]
    rows = [line.split()[0] for line in result.stdout.splitlines()[4:]]
    assert rows == [F1, F2, "G2-20200330-001"]
    data = json.loads(story("site", "锦程服饰", "--format", "json", "--as-of", "3-30").stdout)
    assert [(r["id"], r["status"]) for r in data["records"]] == [
        (F1, "整改中"), (F2, "已整改（3月27日），待复查"), ("G2-20200330-001", "未整改")]  # fmt: skip
    missing = story("site", "锦程")
    assert (missing.exit_code, missing.output.strip()) == (
        1, "错误：没有“锦程”的检查记录（名称按全角半角、空格、大小写归并后比较）；名称相近的：锦程 服饰、锦程服饰")  # fmt: skip


def test_log_names_the_sites_earlier_open_findings(story):
    assert story("check", "--date", "3-27").exit_code in (0, 1)  # refreshes what log reads
    later = ["--group", "3", "--date", "3-29", "--town", "新兴街道", "--sector", "消防", "--site", "锦程服饰"]
    result = story("log", *later)
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[0].startswith("回头看：该场所此前还有 1 条问题隐患未整改（状态截至 ")
    assert lines[1].startswith(f"  {F1}  2020-03-27  逾期 ")  # as of the day check ran: today
    assert lines[2] == "  整改情况请当场核实；anfang site 锦程服饰 查看该场所的全部记录"


def test_a_reply_text_that_looks_like_a_formula_stays_text(handed, ws, tmp_path):
    path = notice_workbook(handed, tmp_path)
    wb = load_workbook(path)
    sheet = wb["南湖区消防救援大队"]
    sheet.cell(6, 9).value, sheet.cell(6, 9).data_type = "=cmd|' /C calc'!A0", "s"  # typed as text
    sheet.cell(6, 10, date(2020, 3, 30))
    sheet.cell(6, 11, "@王明")
    wb.save(tmp_path / "回执.xlsx")
    assert handed("import", str(tmp_path / "回执.xlsx")).exit_code == 0
    assert "（整改措施：=cmd|' /C calc'!A0；整改责任人：@王明）" in handed("show", F1).stdout
    log = (ws / "logs" / "group-1.csv").read_text(encoding="utf-8-sig")
    assert ",'@王明,,,'=cmd|' /C calc'!A0," in log  # stored with the formula guard, read back without it


def test_a_formula_without_its_result_is_refused(handed, ws, tmp_path):
    reply = fill(notice_workbook(handed, tmp_path), {6: ("=A1&B1", date(2020, 3, 30), "")})
    before = tree_digest(ws)
    result = handed("import", str(reply))
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "错误：工作表“南湖区消防救援大队”第 6 行（整改情况）是公式 =A1&B1，没有计算结果；请填成文字后再导入"
    )
    assert tree_digest(ws) == before
