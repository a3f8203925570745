"""A strict YAML reader for the campaign's configuration files.

YAML 1.1 resolves `no` to False, `0123` to 83 and `2020-03-25` to a date object; here only
`true`/`false`, `null`/`~`/empty and plain decimal integers are typed implicitly and everything
else stays text, so nothing is silently coerced. Anchors, aliases and tags are refused (no
billion-laughs, no object construction), as are duplicate keys. Every value keeps its line.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import yaml

from anfang.errors import Problem, os_reason
from anfang.textsafe import text_problem

MAX_CONFIG_BYTES = 1024 * 1024

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


# libyaml's parser when PyYAML has it (it is in the wheels): the same events, several times faster.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


_Loader.yaml_implicit_resolvers = {}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|false)$"), list("tf"))
_Loader.add_implicit_resolver(_INT, re.compile(r"^-?(?:0|[1-9][0-9]*)$"), list("-0123456789"))
_Loader.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|)$"), ["~", "n", ""])

TYPE_NAMES = {
    _STR: "文本",
    _INT: "整数",
    _BOOL: "true/false",
    _NULL: "空值",
    _SEQ: "列表",
    _MAP: "映射",
}


# PyYAML's words for the usual slips, in Chinese (anything else is shown as PyYAML says it).
_YAML_REASONS = (
    ("mapping values are not allowed", "这里不能出现“键: 值”（冒号后面要有空格，或值里的冒号要加引号）"),
    ("that cannot start any token", "有不能出现在这里的字符（常见的是制表符 Tab：请用空格缩进）"),
    ("expected <block end>, but found", "缩进不对齐"),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("found unexpected end of stream", "文件意外结束（引号或括号没有闭合）"),
    ("found unexpected ':'", "多了一个冒号（值里有冒号时请加引号）"),
    ("did not find expected key", "缩进不对齐，或列表项前少了“- ”"),
    ("did not find expected '-' indicator", "列表项前少了“- ”，或缩进不对齐"),
    ("found undefined alias", "使用了未定义的别名（*）"),
    ("expected a single document", "一个文件只能有一个 YAML 文档"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("found unknown escape character", "双引号里有不认识的转义字符（\\ 后面的字母）"),
)


def yaml_reason(reason: str) -> str:
    for english, chinese in _YAML_REASONS:
        if english in reason:
            return chinese
    return reason


class StrictYaml:
    """Reads one YAML file into nodes and offers typed accessors that record problems."""

    def __init__(self, path: Path | None, label: str, raw: bytes | None = None):
        """Read `path`, or the bytes `raw` (a file as git holds it in some commit)."""
        self.label = label
        self.problems: list[Problem] = []
        self.root = self._compose(path, raw)

    def problem(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(self.label, line, message))

    def _compose(self, path: Path | None, raw: bytes | None) -> yaml.Node | None:
        try:
            size = len(raw) if raw is not None else path.stat().st_size
            if size > MAX_CONFIG_BYTES:
                self.problem(None, f"文件过大（{size} 字节，上限 {MAX_CONFIG_BYTES} 字节）")
                return None
            if raw is None:
                raw = path.read_bytes()
        except OSError as exc:
            self.problem(None, f"无法读取：{os_reason(exc)}")
            return None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.problem(None, f"不是 UTF-8 编码（第 {exc.start} 字节处无法解码），请另存为 UTF-8")
            return None
        try:
            for event in yaml.parse(text, Loader=_Loader):
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                    self.problem(_Mark(event), "不允许使用锚点或别名（& 或 *）")
                    return None
                tag = getattr(event, "tag", None)
                if tag and tag not in ("!", _STR, _INT, _BOOL, _NULL, _SEQ, _MAP):
                    self.problem(_Mark(event), f"不允许使用标签 {tag}")
                    return None
            root = yaml.compose(text, Loader=_Loader)
        except yaml.composer.ComposerError as exc:
            self.problem(_Mark(exc), "一个文件只能有一个 YAML 文档")
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else None
            reason = getattr(exc, "problem", None) or str(exc)
            self.problems.append(Problem(self.label, line, f"YAML 语法错误：{yaml_reason(reason)}"))
            return None
        if root is None:
            self.problem(None, "文件是空的")
        return root

    # -- typed accessors ---------------------------------------------------------------

    def mapping(
        self, node: yaml.Node, field: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{field} 应为映射（键: 值）")
            return None
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problem(key_node, f"{field} 的键应为文本")
                continue
            if key in result:
                self.problem(key_node, f"{field} 的键 {key} 重复")
                continue
            if key not in required and key not in optional:
                import difflib

                close = difflib.get_close_matches(key, (*required, *optional), n=1, cutoff=0.6)
                hint = (
                    f"（是不是 {close[0]}？）"
                    if close
                    else f"（可用的键：{'、'.join((*required, *optional))}）"
                )
                self.problem(key_node, f"{field} 有未知的键 {key}{hint}")
                continue
            result[key] = value_node
        for key in required:
            if key not in result:
                self.problem(node, f"{field} 缺少键 {key}")
        return result

    def _scalar(self, node: yaml.Node, field: str, tag: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != tag:
            got = TYPE_NAMES.get(node.tag, node.tag)
            hint = "（请用引号括起来）" if tag == _STR and got in ("整数", "true/false") else ""
            self.problem(node, f"{field} 应为{TYPE_NAMES[tag]}，实际是{got}{hint}")
            return None
        return node.value

    def text(self, node: yaml.Node | None, field: str, *, required: bool = True) -> str:
        if node is None:
            return ""
        if not required and node.tag == _NULL:
            return ""
        value = self._scalar(node, field, _STR)
        if value is None:
            return ""
        value = value.strip()
        if required and not value:
            self.problem(node, f"{field} 不能为空")
        problem = text_problem(value)
        if problem:
            self.problem(node, f"{field} {problem}")
            return ""
        return value

    def integer(self, node: yaml.Node | None, field: str) -> int:
        value = self._scalar(node, field, _INT) if node is not None else None
        return int(value) if value is not None else 0

    def boolean(self, node: yaml.Node | None, field: str) -> bool:
        value = self._scalar(node, field, _BOOL) if node is not None else None
        return value == "true"

    def date(self, node: yaml.Node | None, field: str) -> date:
        value = self._scalar(node, field, _STR) if node is not None else None
        if value is None:
            return date.min
        try:
            if len(value) != 10:
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.problem(node, f"{field} 应为日期 YYYY-MM-DD，实际是“{value}”")
            return date.min

    def datetime(self, node: yaml.Node | None, field: str) -> datetime | None:
        value = self._scalar(node, field, _STR) if node is not None else None
        try:
            return datetime.strptime(value, "%Y-%m-%d %H:%M") if value is not None else None
        except ValueError:
            self.problem(node, f"{field} 应为时间 YYYY-MM-DD HH:MM，实际是“{value}”")
            return None

    def sequence(self, node: yaml.Node | None, field: str) -> list[yaml.Node]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{field} 应为列表")
            return []
        return list(node.value)

    def texts(self, node: yaml.Node | None, field: str) -> tuple[str, ...]:
        items = (self.text(item, field) for item in self.sequence(node, field))
        return tuple(item for item in items if item)


class _Mark:
    """Adapts a parser event or error to the node interface `problem` expects."""

    def __init__(self, source):
        self.start_mark = getattr(source, "start_mark", None) or getattr(source, "problem_mark", None)
        if self.start_mark is None:
            self.start_mark = yaml.Mark("", 0, 0, 0, None, None)
