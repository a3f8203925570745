"""`anfang check`: every kind of problem, as file:line: message, and the office's notices."""

import json
from datetime import date

import pytest

from anfang.model import Record
from anfang.store import append

LOG = ["log", "--date", "3-27", "--town", "t", "--sector", "消防", "--site", "s"]


def raw_append(ws, group: int, **fields) -> None:
    base = dict(id="", kind="rectify", ref="", group=group, date=None, county="", town="", sector="", site="",
                address="", hazard="", major=False, evidence=False, photos=(), handover="", deadline=None,
                rectified=None, reason="", fields=(), origin="", by="x", recorded_at="2020-03-28T00:00:00+08:00")  # fmt: skip
    base.update(fields)
    append(ws / "logs" / f"group-{group}.csv", lambda seq: Record(**base))


def test_clean_logs_pass_with_notices(run):
    for g in range(1, 10):
        assert run(*LOG, "--group", str(g)).exit_code == 0
    result = run("check", "--date", "3-27")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "—— 需跟进（2020-03-27）——"
    assert "第一组: 截至3月27日暗访 1 天，要求不少于 8 天（行动期还剩 19 天）" in result.stdout
    assert "无暗访记录" not in result.stdout
    assert result.stderr == "记录检查通过，未发现问题。\n"


def test_each_problem_kind_is_named_with_file_and_line(run, ws):
    from datetime import date

    run(*LOG, "--group", "1", "--hazard", "x")  # G1-20200327-001, line 2
    raw_append(
        ws, 1, id="G1-20200327-001", kind="visit", date=date(2020, 3, 27), site="dup", sector="消防"
    )  # line 3
    raw_append(ws, 1, id="G1-20200328-003", ref="G1-20990101-001", date=date(2020, 3, 28))  # line 4
    raw_append(ws, 1, id="G1-20200326-004", ref="G1-20200327-001", date=date(2020, 3, 26))  # line 5
    raw_append(
        ws, 1, id="G1-20200501-005", kind="visit", date=date(2020, 5, 1), site="late", sector="消防"
    )  # line 6
    with (ws / "logs" / "group-1.csv").open("ab") as handle:
        handle.write(b"G1-2020")  # a torn tail, line 7
    result = run("check", "--date", "3-27")
    assert result.exit_code == 1
    errors = result.stdout.split("—— 需跟进")[0].splitlines()
    assert errors == [
        "logs/group-1.csv:7: 最后一行不完整（可能因断电、磁盘满或同步中断），未作为记录读取",
        "logs/group-1.csv:3: 编号 G1-20200327-001 重复（首次出现在 logs/group-1.csv:2）",
        "logs/group-1.csv:4: rectify 引用了不存在的编号 G1-20990101-001",
        "logs/group-1.csv:5: 日期 2020-03-26 早于 G1-20200327-001 的发现日期 2020-03-27",
        "logs/group-1.csv:6: G1-20200501-005 的暗访日期 2020-05-01 不在攻坚行动期间（2020-03-25 至 2020-04-15）",
    ]
    assert result.stderr == "记录问题 5 处\n"


def test_logs_holding_only_changes_are_named_not_a_traceback(run, ws):
    """A log with changes and no record at all (the records' lines lost, or a hostile file): each
    change is named as referring to no record; every report still runs."""
    raw_append(ws, 2, id="G2-20200327-001", ref="G2-20200326-009", date=date(2020, 3, 27))
    raw_append(ws, 2, id="G2-20200327-002", kind="handover", ref="G2-20200326-008", date=date(2020, 3, 27),
               handover="某局")  # fmt: skip
    result = run("check", "--date", "3-27")
    assert result.exit_code == 1
    assert result.stdout.split("—— 需跟进")[0].splitlines() == [
        "logs/group-2.csv:2: rectify 引用了不存在的编号 G2-20200326-009",
        "logs/group-2.csv:3: handover 引用了不存在的编号 G2-20200326-008",
    ]
    assert result.stderr == "记录问题 2 处\n"
    for command in (["report", "--date", "3-27", "--format", "json"], ["summary", "--format", "json"],
                    ["overdue", "--format", "json"], ["list", "--format", "json"], ["export"]):  # fmt: skip
        assert run(*command).exit_code == 0, command


def test_missing_groups_and_days_json(run):
    run(*LOG, "--group", "2")
    data = json.loads(run("check", "--date", "3-27", "--json").stdout)
    assert data["errors"] == []
    missing = [n for n in data["notices"] if "无暗访记录" in n["message"]]
    assert [n["file"] for n in missing] == [
        "第一组",
        "第三组",
        "第四组",
        "第五组",
        "第六组",
        "第七组",
        "第八组",
        "第九组",
    ]
    assert missing[0]["message"] == "3月27日无暗访记录（联络员 程显洪 13738267422）"
    end = json.loads(run("check", "--date", "4-15", "--json").stdout)
    assert {"file": "第二组", "line": None, "message": "行动期内暗访 1 天，少于要求的 8 天"} in end["notices"]
    late = json.loads(run("check", "--date", "4-10", "--json").stdout)
    assert {"file": "第二组", "line": None,
            "message": "截至4月10日暗访 1 天，行动期只剩 5 天，已无法达到要求的 8 天"} in late["notices"]  # fmt: skip


def test_config_problems_exit_1(run, ws):
    (ws / "data" / "campaign.yaml").write_text("title: x\n", encoding="utf-8")
    result = run("check")
    assert result.exit_code == 1
    assert "data/campaign.yaml:1: campaign 缺少键 issuer" in result.stderr


def test_records_of_an_unknown_group_are_named_and_not_counted(run, ws):
    from datetime import date

    run(*LOG, "--group", "1", "--hazard", "x", "--deadline", "3-28")
    raw_append(ws, 10, id="G10-20200327-001", kind="finding", date=date(2020, 3, 27), site="s", hazard="h",
               deadline=date(2020, 3, 28))  # fmt: skip
    result = run("check", "--date", "3-27")
    assert result.exit_code == 1
    assert "logs/group-10.csv:2: G10-20200327-001 的组别 10 不在 groups.yaml 中，报表不计入" in result.stdout
    report = run("report", "--date", "3-30", "--format", "json")
    assert report.exit_code == 0
    import json

    data = json.loads(report.stdout)
    assert data["total"]["to_date"]["hazards"] == 1 and [o["group"] for o in data["overdue"]] == [1]
    assert run("summary", "--until", "3-30", "--format", "json").exit_code == 0


def test_check_names_the_days_findings_not_yet_handed_over_majors_first(run):
    run(*LOG, "--group", "2", "--site", "甲", "--hazard", "一般问题")
    run(*LOG, "--group", "1", "--site", "乙", "--hazard", "重大问题", "--major")
    run(*LOG, "--group", "1", "--site", "丙", "--hazard", "已交办的", "--handover", "某部门")
    notices = json.loads(run("check", "--date", "3-27", "--json").stdout)["notices"]
    waiting = [n["message"] for n in notices if "当日尚未交办" in n["message"]]
    assert waiting == [
        "G1-20200327-001 【重大隐患】当日尚未交办：乙，重大问题（anfang handover G1-20200327-001 --to 部门）",
        "G2-20200327-001 当日尚未交办：甲，一般问题（anfang handover G2-20200327-001 --to 部门）",
    ]


def test_a_report_for_a_day_not_yet_come_is_warned(run):
    result = run("report", "--date", "2099-01-01", "--format", "json")
    assert result.exit_code == 0
    assert "警告：报表日期 2099-01-01 晚于今天" in result.stderr


def test_records_of_a_group_not_configured_are_left_out_everywhere(run, ws):
    raw_append(ws, 10, id="G10-20200327-001", kind="finding", date=date(2020, 3, 27), site="外组的厂",
               hazard="问题", sector="消防", handover="某部门")  # fmt: skip
    run(*LOG, "--group", "1", "--hazard", "本组问题", "--handover", "某部门")
    for args in (
        ["list", "--format", "json"],
        ["export"],
        ["notice", "--date", "3-27"],
        ["report", "--format", "json"],
    ):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "外组的厂" not in result.stdout and "Traceback" not in result.output
    check = run("check", "--date", "3-27")
    assert check.exit_code == 1 and "G10-20200327-001 的组别 10 不在 groups.yaml 中" in check.stdout


def test_the_state_the_checks_share_is_the_engines_for_every_date(tmp_path, monkeypatch):
    """CheckInput computes one state for every date on or after the logs' last, and keeps the last
    one asked; for each date it equals the engine's own state (groups groups.yaml knows)."""
    from datetime import timedelta

    from anfang import checks
    from anfang.checks import CheckInput
    from anfang.columnar import read_columns
    from anfang.engine import known_groups, state_columns
    from anfang.workspace import find_workspace, init_workspace
    from tests.test_columnar import random_history

    def values(columns: dict) -> dict:
        return {n: v.tolist() if hasattr(v, "dtype") else v.to_pylist() for n, v in columns.items()}

    root = init_workspace(tmp_path / "ws").root
    random_history(root, 11)
    store, _ = read_columns(root / "logs")
    config = find_workspace(str(root)).config
    data = CheckInput(config, store, [], date(2020, 3, 27), root)
    computed = []
    monkeypatch.setattr(
        checks,
        "state_columns",
        lambda s, day, amends=None: computed.append(day) or state_columns(s, day, amends),
    )
    last = date.fromisoformat(max(store["date"].to_pylist()))
    for day in [last - timedelta(days=3), last - timedelta(days=1), last, last + timedelta(days=1), date.max]:
        expected = known_groups(state_columns(store, day), [g.number for g in config.groups])
        assert len(expected["id"]) > 10
        assert values(data.state(day)) == values(expected)
    # two dates before the last, one state for all the others; only the last one asked is kept
    assert computed == [last - timedelta(days=3), last - timedelta(days=1), date.max]
    assert list(data._states) == [date.max]
    data.state(last - timedelta(days=3))
    assert computed[-1] == last - timedelta(days=3) and list(data._states) == [last - timedelta(days=3)]


def _references_oracle(records) -> list[tuple]:
    """check_duplicate_ids and check_references row by row, from the records in the logs' order:
    an id seen before; a ref to no observation (its last one is the target); a change after the
    first void of its record, recorded after it; an event dated before its record."""
    from anfang.model import AMEND, OBSERVATIONS, VOID

    first_seen, last_observed, first_void = {}, {}, {}
    problems = []
    for position, r in enumerate(records):
        if r.id in first_seen:
            problems.append((r.source, r.line, f"编号 {r.id} 重复（首次出现在 {first_seen[r.id]}）"))
        first_seen.setdefault(r.id, f"{r.source}:{r.line}")
        if r.kind in OBSERVATIONS:
            last_observed[r.id] = r
        if r.kind == VOID and r.ref:
            first_void.setdefault(r.ref, (position, r.recorded_at))
    for position, r in enumerate(records):
        if not r.ref:
            continue
        target = last_observed.get(r.ref)
        if target is None:
            problems.append((r.source, r.line, f"{r.kind} 引用了不存在的编号 {r.ref}"))
            continue
        void = first_void.get(r.ref)
        if r.kind != VOID and void and position > void[0] and r.recorded_at > void[1]:
            problems.append((r.source, r.line, f"{r.ref} 已作废，之后仍有{r.kind}记录"))
        if r.kind not in (AMEND, VOID) and r.date and r.date < target.date:
            problems.append((r.source, r.line, f"日期 {r.date} 早于 {r.ref} 的发现日期 {target.date}"))
    return problems


@pytest.mark.parametrize("seed", range(6))
def test_duplicate_ids_and_references_equal_the_row_by_row_rules(tmp_path, seed):
    """The two checks join changes to records by integer codes; held equal to the rules written
    row by row, on histories with duplicated ids, voids followed by changes, early events and
    refs to ids that do not exist."""
    from anfang.checks import CheckInput, check_duplicate_ids, check_references
    from anfang.columnar import read_columns
    from anfang.model import Record
    from anfang.store import append, read_logs
    from anfang.workspace import find_workspace, init_workspace
    from tests.test_columnar import blank
    from tests.test_engine import random_history

    root = init_workspace(tmp_path / "ws").root
    random_history(root, seed, size=300)
    for n, ref in enumerate(["G1-20990101-001", "G7-20200327-999"]):  # refs to no record
        append(root / "logs" / "group-1.csv", lambda seq, n=n, ref=ref: Record(
            id=f"G1-20200330-9{n}", kind="rectify", group=1, date=date(2020, 3, 30), **blank(ref=ref)))  # fmt: skip
    records = read_logs(root / "logs").records
    store, _ = read_columns(root / "logs")
    data = CheckInput(find_workspace(str(root)).config, store, [], date(2020, 3, 27), root)
    found = [tuple(p)[:3] for p in check_duplicate_ids(data) + check_references(data)]
    expected = _references_oracle(records)
    assert sorted(found) == sorted(expected)
    messages = " ".join(m for _, _, m in expected)
    for kind in ["重复", "引用了不存在的编号", "已作废，之后仍有", "早于"]:
        assert kind in messages, kind  # every rule is exercised


def test_verification_reminders_made_a_block_at_a_time_are_the_same(tmp_path, monkeypatch):
    """The 复查 reminders are made MESSAGE_BLOCK rows at a time (less memory for a quarter of a
    million of them): the same messages, in the same order, as made all at once."""
    from anfang import checks
    from anfang.checks import CheckInput, notice_awaiting_verification
    from anfang.columnar import read_columns
    from anfang.workspace import find_workspace, init_workspace
    from tests.test_engine import random_history

    root = init_workspace(tmp_path / "ws").root
    random_history(root, 2, size=400)
    store, _ = read_columns(root / "logs")
    data = CheckInput(find_workspace(str(root)).config, store, [], date(2020, 4, 20), root)
    whole = notice_awaiting_verification(data)
    monkeypatch.setattr(checks, "MESSAGE_BLOCK", 3)
    assert notice_awaiting_verification(data) == whole and len(whole) > 7
    assert all("尚未复查（anfang verify" in p.message for p in whole)
