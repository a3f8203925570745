"""Pushing the day's message to the office's group robots: DingTalk custom robots and WeCom
group robots (data/channels.yaml).

Secrets never live in data/ (which sync publishes): channels.yaml names environment variables,
whose values come from the environment or from the workspace's untracked .anfang/secrets.yaml.
They appear in no output, log or message: every URL shown is masked.

What was sent (date, channel, part, a hash of its content, time) is kept in .anfang/sent.json,
local and never synced, so cron can run `send` again without posting twice; content that changed
since (a late record) goes out again marked 更正.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from anfang import dates
from anfang.errors import AnfangError
from anfang.yamlstrict import StrictYaml

CHANNELS_FILE = Path("data") / "channels.yaml"
SECRETS_FILE = Path(".anfang") / "secrets.yaml"
SENT_FILE = Path(".anfang") / "sent.json"
LIMITS = {"dingtalk": 20000, "wecom": 4096}  # bytes of a markdown message
PER_MINUTE = 20  # both robots: at most 20 messages a minute
TRIES = 3
TIMEOUT = 15

ERRORS = {
    310000: "签名不对，或电脑时间与标准时间相差超过一小时（请核对加签密钥和系统时间）",
    130101: "发送太快（每分钟最多 20 条）",
    40058: "消息内容超过长度上限",
    300001: "webhook 的 access_token 无效",
    400013: "机器人已被停用",
    93000: "webhook 的 key 无效",
    45009: "发送太快（接口调用超过限制）",
}


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str  # dingtalk | wecom
    webhook_env: str
    secret_env: str = ""


@dataclass
class Clock:
    """Time for pacing; tests replace it."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    wall: Callable[[], float] = time.time


CLOCK = Clock()


def load_channels(root: Path) -> list[Channel]:
    path = root / CHANNELS_FILE
    if not path.is_file():
        raise AnfangError(
            f"没有 {CHANNELS_FILE.as_posix()}：请先配置要发送到的群机器人（见 README “推送到钉钉、企业微信”）"
        )
    doc = StrictYaml(path, CHANNELS_FILE.as_posix())
    channels: list[Channel] = []
    if doc.root is not None:
        top = doc.mapping(doc.root, "channels.yaml", ("channels",)) or {}
        for node in doc.sequence(top.get("channels"), "channels"):
            m = doc.mapping(node, "channel", ("name", "kind", "webhook_env"), ("secret_env",))
            if m is None:
                continue
            channel = Channel(doc.text(m.get("name"), "name"), doc.text(m.get("kind"), "kind"),
                              doc.text(m.get("webhook_env"), "webhook_env"),
                              doc.text(m.get("secret_env"), "secret_env", required=False))  # fmt: skip
            if channel.kind not in LIMITS:
                doc.problem(m.get("kind"), f"kind 应为 dingtalk 或 wecom，实际是“{channel.kind}”")
            for name in (channel.webhook_env, channel.secret_env):
                if name and not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
                    doc.problem(
                        node,
                        f"{name} 不是环境变量的名字（应为大写字母、数字和下划线，如 ANFANG_DINGTALK_WEBHOOK）",
                    )
            if any(c.name == channel.name for c in channels):
                doc.problem(node, f"频道名“{channel.name}”重复")
            channels.append(channel)
    if doc.problems:
        raise AnfangError("频道配置有误：\n" + "\n".join(f"  {p}" for p in doc.problems))
    if not channels:
        raise AnfangError(f"{CHANNELS_FILE.as_posix()} 中没有配置任何频道")
    return channels


def secret(root: Path, name: str) -> str:
    """A secret by its variable name: the environment first, then .anfang/secrets.yaml."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    path = root / SECRETS_FILE
    if path.is_file():
        doc = StrictYaml(path, SECRETS_FILE.as_posix())
        if doc.root is not None and not doc.problems:
            m = doc.mapping(doc.root, "secrets.yaml", (), tuple(_keys(doc.root))) or {}
            if name in m:
                return doc.text(m[name], name, required=False)
    return ""


def _keys(node) -> list[str]:
    return [k.value for k, _ in getattr(node, "value", []) if isinstance(getattr(k, "value", None), str)]


def mask(url: str) -> str:
    """A webhook URL fit to show: access_token, key, sign and timestamp values hidden."""
    return re.sub(r"((?:access_token|key|sign)=)[^&]+", r"\1****", url)


def dingtalk_url(webhook: str, secret_value: str, now_ms: int) -> str:
    """DingTalk 加签: sign = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")))."""
    if not secret_value:
        return webhook
    digest = hmac.new(secret_value.encode(), f"{now_ms}\n{secret_value}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{webhook}{'&' if '?' in webhook else '?'}timestamp={now_ms}&sign={sign}"


def payload(channel: Channel, title: str, text: str) -> dict:
    if channel.kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


@dataclass
class Outcome:
    """What one `send` did, channel by channel."""

    sent: list[str] = field(default_factory=list)  # "频道 1/2"
    skipped: list[str] = field(default_factory=list)  # already sent, same content
    failed: list[str] = field(default_factory=list)
    dry_run: list[str] = field(default_factory=list)  # the requests that would go out
    notes: list[str] = field(default_factory=list)


class Robot:
    """One channel's robot: signing, pacing, retries, error messages in Chinese."""

    def __init__(self, root: Path, channel: Channel):
        self.channel = channel
        self.webhook = secret(root, channel.webhook_env)
        self.secret = secret(root, channel.secret_env) if channel.secret_env else ""
        if not self.webhook:
            raise AnfangError(
                f"频道“{channel.name}”的 webhook 没有设置：请设置环境变量 {channel.webhook_env}，"
                f"或写进工作区的 {SECRETS_FILE.as_posix()}"
            )
        if not self.webhook.startswith(("https://", "http://")):
            raise AnfangError(
                f"频道“{channel.name}”的 webhook 应是 https:// 开头的完整地址（{channel.webhook_env}）"
            )
        self.recent: list[float] = []

    def url(self) -> str:
        if self.channel.kind == "dingtalk":
            return dingtalk_url(self.webhook, self.secret, int(CLOCK.wall() * 1000))
        return self.webhook

    def pace(self) -> None:
        """At most PER_MINUTE messages in any 60 seconds."""
        now = CLOCK.now()
        self.recent = [t for t in self.recent if now - t < 60]
        if len(self.recent) >= PER_MINUTE:
            CLOCK.sleep(60 - (now - self.recent[0]) + 0.1)
        self.recent.append(CLOCK.now())

    def post(
        self, body: bytes, content_type: str = "application/json; charset=utf-8", url: str | None = None
    ) -> dict:
        """POST with retries (network errors and 5xx, with backoff); errcode ≠ 0 is an error."""
        last = ""
        for attempt in range(TRIES):
            if attempt:
                CLOCK.sleep(2**attempt)
            self.pace()
            request = urllib.request.Request(url or self.url(), data=body, method="POST",
                                             headers={"Content-Type": content_type})  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                    answer = json.loads(response.read().decode("utf-8") or "{}")
            except urllib.error.HTTPError as exc:
                last = f"服务器返回 HTTP {exc.code}"
                if exc.code >= 500:
                    continue
                raise AnfangError(f"频道“{self.channel.name}”：{last}") from None
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                last = f"无法连接（{reason}）"
                continue
            except ValueError:
                raise AnfangError(f"频道“{self.channel.name}”：服务器的回答不是 JSON") from None
            code = answer.get("errcode", 0)
            if code == 130101 and attempt < TRIES - 1:
                CLOCK.sleep(60)  # told to slow down: wait out the minute, then try again
                continue
            if code:
                reason = ERRORS.get(code, "")
                raise AnfangError(f"频道“{self.channel.name}”拒绝了消息：errcode {code}，{answer.get('errmsg', '')}"
                                  + (f"（{reason}）" if reason else ""))  # fmt: skip
            return answer
        raise AnfangError(f"频道“{self.channel.name}”：{last}，已重试 {TRIES} 次")

    def send_file(self, path: Path) -> None:
        """WeCom: upload_media, then a file message."""
        parsed = urllib.parse.urlsplit(self.webhook)
        key = dict(urllib.parse.parse_qsl(parsed.query)).get("key", "")
        base = f"{parsed.scheme}://{parsed.netloc}{parsed.path.rsplit('/', 1)[0]}/upload_media"
        upload = f"{base}?key={urllib.parse.quote(key)}&type=file"
        boundary = "anfang" + hashlib.sha256(path.name.encode()).hexdigest()[:16]
        name = urllib.parse.quote(path.name)
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="media"; filename="{name}"; '
                f"filelength={path.stat().st_size}\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + path.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        answer = self.post(body, f"multipart/form-data; boundary={boundary}", url=upload)
        media = answer.get("media_id")
        if not media:
            raise AnfangError(f"频道“{self.channel.name}”：上传文件后没有得到 media_id")
        self.post(json.dumps({"msgtype": "file", "file": {"media_id": media}}).encode())


# -- what was sent ------------------------------------------------------------------------


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_sent(root: Path) -> list[dict]:
    try:
        data = json.loads((root / SENT_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, list) else []
    except (OSError, ValueError):
        return []


def record_sent(root: Path, entry: dict) -> None:
    from anfang.output import write_atomic

    sent = load_sent(root)
    sent.append(entry)
    write_atomic(root / SENT_FILE, json.dumps(sent, ensure_ascii=False, indent=1).encode("utf-8"))


def was_sent(sent: list[dict], day: str, channel: str, digest: str) -> bool:
    return any(e.get("date") == day and e.get("channel") == channel and e.get("hash") == digest for e in sent)


def sent_before(sent: list[dict], day: str, channel: str) -> bool:
    return any(e.get("date") == day and e.get("channel") == channel for e in sent)


def now_text() -> str:
    return dates.now().isoformat(timespec="seconds")


CORRECTION = "**【更正】**此前发送的{day}日报有变动（补记或更正了记录），以本条为准。\n\n"


def send_day(root: Path, channels: list[Channel], messages_for: Callable[[Channel], list], day: str,
             again: bool = False, dry_run: bool = False, attachment: Callable[[], Path] | None = None) -> Outcome:  # fmt: skip
    """Send the day's message to each channel (see the module's notes); stops a channel at its
    first failure and says which parts went out."""
    outcome = Outcome()
    robots = [Robot(root, c) for c in channels]  # every secret is checked before anything is sent
    sent = load_sent(root)
    for robot in robots:
        channel = robot.channel
        parts = messages_for(channel)
        earlier = sent_before(sent, day, channel.name)
        for number, message in enumerate(parts, start=1):
            label = f"{channel.name} {number}/{len(parts)}"
            digest = content_hash(message.text)
            if was_sent(sent, day, channel.name, digest) and not again:
                outcome.skipped.append(label)
                continue
            title, text = message.title, message.text
            if earlier and not again:
                title, text = f"【更正】{title}", CORRECTION.format(day=day) + text
            body = json.dumps(payload(channel, title, text), ensure_ascii=False).encode("utf-8")
            if dry_run:
                outcome.dry_run.append(
                    f"POST {mask(robot.url())}  （{len(body)} 字节）\n{body.decode('utf-8')}"
                )
                continue
            try:
                robot.post(body)
            except AnfangError as error:
                outcome.failed.append(f"{label}：{error}")
                break
            outcome.sent.append(label)
            entry = {"date": day, "channel": channel.name, "part": number, "parts": len(parts), "hash": digest,
                     "time": now_text()}  # fmt: skip
            record_sent(root, entry)
            sent.append(entry)
        else:
            if attachment is not None:
                _attach(root, robot, day, attachment, sent, again, dry_run, outcome)
    return outcome


def _attach(root: Path, robot: Robot, day: str, attachment, sent, again, dry_run, outcome: Outcome) -> None:
    channel = robot.channel
    if channel.kind != "wecom":
        outcome.notes.append(f"{channel.name}：钉钉自定义机器人不能发送文件，只发送了消息")
        return
    path = attachment()
    digest = "file:" + hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    label = f"{channel.name} 工作簿 {path.name}"
    if was_sent(sent, day, channel.name, digest) and not again:
        outcome.skipped.append(label)
        return
    if dry_run:
        outcome.dry_run.append(
            f"POST {mask(robot.webhook.replace('/send', '/upload_media'))}&type=file  （{path.stat().st_size} 字节的文件 {path.name}）"
        )
        return
    try:
        robot.send_file(path)
    except AnfangError as error:
        outcome.failed.append(f"{label}：{error}")
        return
    outcome.sent.append(label)
    record_sent(
        root, {"date": day, "channel": channel.name, "part": "file", "hash": digest, "time": now_text()}
    )
