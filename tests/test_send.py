"""The day as a chat message, and `anfang send` against local robots on 127.0.0.1 that check
what DingTalk and WeCom check: the 加签 signature and its one-hour window, the byte limits, 20
messages a minute, and answer with their real error shapes."""

import base64
import hashlib
import hmac
import json
import re
import threading
import urllib.parse
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

import anfang.robots as robots
from anfang.cli import cli
from anfang.model import Record
from anfang.store import append_batch
from anfang.workspace import init_workspace

SECRET = "SEC0123456789abcdef"
TOKEN = "tok-abc123"
KEY = "key-xyz789"


class FakeClock:
    """Shared by anfang's pacing and the fake robots: sleeping advances it, instantly."""

    def __init__(self):
        self.t = 1_600_000_000.0
        self.slept = 0.0

    def now(self):
        return self.t

    def wall(self):
        return self.t

    def sleep(self, seconds):
        self.t += seconds
        self.slept += seconds


class Robots(BaseHTTPRequestHandler):
    clock: FakeClock
    received: list
    sent_at: dict
    fail_next: int = 0

    def log_message(self, *args):
        pass

    def answer(self, data: dict, status: int = 200):
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def paced(self, robot: str) -> bool:
        times = [t for t in self.sent_at.get(robot, []) if self.clock.now() - t < 60]
        if len(times) >= 20:
            return False
        self.sent_at[robot] = [*times, self.clock.now()]
        return True

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).fail_next:
            type(self).fail_next -= 1
            return self.answer({"message": "busy"}, 502)
        if url.path == "/robot/send":  # DingTalk
            if query.get("access_token") != TOKEN:
                return self.answer({"errcode": 300001, "errmsg": "token is not exist"})
            stamp = int(query.get("timestamp", "0"))
            expected = base64.b64encode(
                hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
            )
            if query.get("sign", "").encode() != expected or abs(self.clock.wall() * 1000 - stamp) > 3600_000:
                return self.answer({"errcode": 310000, "errmsg": "sign not match"})
            if len(body) > 20000:
                return self.answer({"errcode": 460101, "errmsg": "message too long"})
            if not self.paced("dingtalk"):
                return self.answer({"errcode": 130101, "errmsg": "send too fast"})
            self.received.append(("dingtalk", json.loads(body)))
            return self.answer({"errcode": 0, "errmsg": "ok"})
        if url.path == "/cgi-bin/webhook/send":  # WeCom
            if query.get("key") != KEY:
                return self.answer({"errcode": 93000, "errmsg": "invalid webhook url"})
            data = json.loads(body)
            if data["msgtype"] == "markdown" and len(data["markdown"]["content"].encode()) > 4096:
                return self.answer({"errcode": 40058, "errmsg": "content exceed max length"})
            if not self.paced("wecom"):
                return self.answer({"errcode": 45009, "errmsg": "api freq out of limit"})
            self.received.append(("wecom", data))
            return self.answer({"errcode": 0, "errmsg": "ok"})
        if url.path == "/cgi-bin/webhook/upload_media":
            assert query == {"key": KEY, "type": "file"} and b'name="media"' in body
            self.received.append(("upload", len(body)))
            return self.answer({"errcode": 0, "errmsg": "ok", "type": "file", "media_id": "MEDIA1"})
        return self.answer({"errcode": 404}, 404)


@pytest.fixture
def robots_server(monkeypatch):
    clock = FakeClock()
    handler = type("H", (Robots,), {"clock": clock, "received": [], "sent_at": {}, "fail_next": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(robots, "CLOCK", robots.Clock(clock.now, clock.sleep, clock.wall))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("ANFANG_DINGTALK_WEBHOOK", f"{base}/robot/send?access_token={TOKEN}")
    monkeypatch.setenv("ANFANG_DINGTALK_SECRET", SECRET)
    monkeypatch.setenv("ANFANG_WECOM_WEBHOOK", f"{base}/cgi-bin/webhook/send?key={KEY}")
    yield handler, clock
    server.shutdown()


CHANNELS = """channels:
  - {name: 市安委办工作群, kind: dingtalk, webhook_env: ANFANG_DINGTALK_WEBHOOK, secret_env: ANFANG_DINGTALK_SECRET}
  - {name: 应急管理局群, kind: wecom, webhook_env: ANFANG_WECOM_WEBHOOK}
"""


@pytest.fixture
def demo(tmp_path) -> Path:
    ws = init_workspace(tmp_path / "demo", example=True).root
    (ws / "data" / "channels.yaml").write_text(CHANNELS, encoding="utf-8")
    return ws


def invoke(ws: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args])


def test_the_day_as_a_chat_message(demo):
    out = invoke(demo, "report", "--date", "3-27", "--format", "chat").stdout
    lines = [line for line in out.splitlines() if line]
    assert lines[0] == "### 暗访检查日报 3月27日"
    assert lines[1] == "**当日：4/9 个组报送，检查 8 家，问题隐患 9 个（重大 2），已整改 2，已交办 6**"
    assert lines[2] == "截至目前：检查 12 家，问题隐患 12 个（重大 2），已整改 3，已交办 8"
    assert "- 第四组（平湖市）：**当日无记录**" in lines
    assert (
        "1. 第一组 南湖新城综合体项目工地：深基坑临边防护缺失， 基坑边堆载超限（已交办南湖区住房和城乡建设局，期限 3月30日）"
        in lines
    )
    assert "|" not in out and "<" not in out  # no table, no HTML


def test_text_from_the_logs_cannot_become_markup_in_chat(demo):
    hostile = "[点我](http://evil.example/x) @所有人 **粗体** # 标题 <b>x</b> ![img](http://a/b.png)"
    made = invoke(demo, "log", "-g", "4", "--date", "3-27", "--town", "当湖街道", "--sector", "消防", "--site", hostile,
                  "--hazard", hostile, "--major")  # fmt: skip
    assert made.exit_code == 0
    out = invoke(demo, "report", "--date", "3-27", "--format", "chat").stdout
    html = MarkdownIt("commonmark").render(
        out
    )  # stricter than either robot: if it is inert here, it is there
    assert "<a " not in html and "<img" not in html and "<b>" not in html
    assert html.count("<strong>") == out.count("**") // 2  # only anfang's own bold
    assert "@所有人" not in out and "＠所有人" in out
    assert "http://" not in out


def test_send_signs_records_and_does_not_repeat(demo, robots_server):
    handler, _ = robots_server
    first = invoke(demo, "send", "--date", "3-27")
    assert first.exit_code == 0, first.output
    assert first.stdout == "已发送：市安委办工作群 1/1；应急管理局群 1/1\n"
    kinds = [k for k, _ in handler.received]
    assert kinds == ["dingtalk", "wecom"]
    ding = handler.received[0][1]
    assert ding["msgtype"] == "markdown" and ding["markdown"]["title"] == "暗访检查日报 3月27日"
    assert ding["markdown"]["text"].startswith("### 暗访检查日报 3月27日")
    sent = json.loads((demo / ".anfang" / "sent.json").read_text(encoding="utf-8"))
    assert [(e["date"], e["channel"], e["part"]) for e in sent] == [("2020-03-27", "市安委办工作群", 1),
                                                                    ("2020-03-27", "应急管理局群", 1)]  # fmt: skip
    # cron runs it again: nothing goes out
    again = invoke(demo, "send", "--date", "3-27")
    assert again.exit_code == 0 and len(handler.received) == 2
    assert "已发送过、内容没有变化，未重复发送" in again.stdout
    # a late record changes the day: it goes out again, marked 更正
    invoke(
        demo,
        "log",
        "-g",
        "4",
        "--date",
        "3-27",
        "--town",
        "当湖街道",
        "--sector",
        "消防",
        "--site",
        "补记的厂",
    )
    late = invoke(demo, "send", "--date", "3-27", "--channel", "市安委办工作群")
    assert late.exit_code == 0 and late.stdout == "已发送：市安委办工作群 1/1\n"
    correction = handler.received[-1][1]["markdown"]
    assert correction["title"] == "【更正】暗访检查日报 3月27日"
    assert correction["text"].startswith("**【更正】**此前发送的2020-03-27日报有变动")
    assert "5/9 个组报送" in correction["text"]
    # secrets never show
    for result in (first, again, late):
        assert SECRET not in result.output and TOKEN not in result.output and KEY not in result.output


def test_a_long_day_is_split_at_group_boundaries_and_paced(demo, robots_server):
    handler, clock = robots_server
    fields = dict(kind="finding", ref="", county="平湖市", town="当湖街道", sector="消防", address="",
                  major=True, evidence=False, photos=(), handover="平湖市消防救援大队", deadline=date(2020, 4, 3),
                  rectified=None, reason="", fields=(), origin="", by="刘继武", recorded_at="2020-03-27T20:00:00+08:00")  # fmt: skip
    append_batch(demo / "logs" / "group-4.csv", lambda seq: [
        Record(id=f"G4-20200327-{seq + i:03d}", group=4, date=date(2020, 3, 27), site=f"第{i}家企业",
               hazard="消防通道被货物堵塞，" * 12 + str(i), **fields) for i in range(700)])  # fmt: skip
    result = invoke(demo, "send", "--date", "3-27", "--channel", "应急管理局群")
    assert result.exit_code == 0, result.output
    parts = [data["markdown"]["content"] for kind, data in handler.received if kind == "wecom"]
    assert len(parts) > 20
    assert all(len(p.encode()) <= 4096 for p in parts)
    numbered = [re.search(r"（(\d+)/(\d+)）", p.splitlines()[0]).groups() for p in parts]
    assert numbered == [(str(i), str(len(parts))) for i in range(1, len(parts) + 1)]
    body = "\n".join(parts)
    for i in (0, 350, 699):  # every hazard whole, in one part
        assert sum(1 for p in parts if f"第{i}家企业：" in p) == 1
    assert "- 第一组（南湖区）：检查 4 家" in body
    assert clock.slept >= 60  # the 21st message waited out the minute: the robot never said 45009
    assert "45009" not in result.output


def test_robot_errors_are_named_in_chinese(demo, robots_server, monkeypatch):
    monkeypatch.setenv("ANFANG_DINGTALK_SECRET", "SECwrong")
    result = invoke(demo, "send", "--date", "3-27", "--channel", "市安委办工作群")
    assert result.exit_code == 1
    assert "errcode 310000" in result.stderr and "签名不对" in result.stderr
    assert "没有发出任何消息" in result.stderr
    assert "SECwrong" not in result.output and TOKEN not in result.output


def test_network_errors_are_retried_then_reported(demo, robots_server, monkeypatch):
    handler, clock = robots_server
    handler.fail_next = 2  # two 502s, then the robot answers
    ok = invoke(demo, "send", "--date", "3-27", "--channel", "应急管理局群")
    assert ok.exit_code == 0 and ok.stdout == "已发送：应急管理局群 1/1\n"
    assert clock.slept >= 2 + 4  # backoff
    monkeypatch.setenv(
        "ANFANG_WECOM_WEBHOOK", f"http://127.0.0.1:9/cgi-bin/webhook/send?key={KEY}"
    )  # nothing listens
    down = invoke(demo, "send", "--date", "3-28", "--channel", "应急管理局群")
    assert down.exit_code == 1
    assert "无法连接" in down.stderr and "已重试 3 次" in down.stderr and "没有发出任何消息" in down.stderr
    assert KEY not in down.output


def test_dry_run_shows_masked_requests_and_sends_nothing(demo, robots_server):
    handler, _ = robots_server
    result = invoke(demo, "send", "--date", "3-27", "--dry-run")
    assert result.exit_code == 0
    assert handler.received == [] and not (demo / ".anfang" / "sent.json").exists()
    assert re.search(
        r"POST http://127\.0\.0\.1:\d+/robot/send\?access_token=\*\*\*\*&timestamp=\d+&sign=\*\*\*\*  （\d+ 字节）",
        result.stdout,
    )
    assert "key=****  （" in result.stdout
    assert SECRET not in result.stdout and TOKEN not in result.stdout and KEY not in result.stdout
    assert '"msgtype": "markdown"' in result.stdout


def test_attach_sends_the_workbook_to_wecom(demo, robots_server):
    handler, _ = robots_server
    result = invoke(demo, "send", "--date", "3-27", "--attach")
    assert result.exit_code == 0, result.output
    assert [k for k, _ in handler.received] == ["dingtalk", "wecom", "upload", "wecom"]
    assert handler.received[-1][1] == {"msgtype": "file", "file": {"media_id": "MEDIA1"}}
    assert (demo / "reports" / "暗访检查日报表-2020-03-27.xlsx").is_file()
    assert "市安委办工作群：钉钉自定义机器人不能发送文件，只发送了消息" in result.stdout


def test_secrets_from_the_untracked_secrets_file(demo, robots_server, monkeypatch):
    handler, _ = robots_server
    webhook = robots.os.environ["ANFANG_WECOM_WEBHOOK"]
    monkeypatch.delenv("ANFANG_WECOM_WEBHOOK")
    missing = invoke(demo, "send", "--date", "3-27", "--channel", "应急管理局群")
    assert missing.exit_code == 1 and "请设置环境变量 ANFANG_WECOM_WEBHOOK" in missing.stderr
    (demo / ".anfang").mkdir(exist_ok=True)
    (demo / ".anfang" / "secrets.yaml").write_text(f'ANFANG_WECOM_WEBHOOK: "{webhook}"\n', encoding="utf-8")
    assert invoke(demo, "send", "--date", "3-27", "--channel", "应急管理局群").exit_code == 0
    assert [k for k, _ in handler.received] == ["wecom"]


def test_unknown_channel_is_a_usage_error(demo):
    result = invoke(demo, "send", "--channel", "没有的群")
    assert result.exit_code == 2 and "没有这个频道：没有的群" in result.stderr
