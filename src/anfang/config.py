"""The campaign's configuration: data/campaign.yaml, data/groups.yaml, data/sectors.yaml.

Loaded with the strict reader, validated as a whole (every problem reported, with file:line),
and returned as frozen objects. A workspace's own file overrides the bundled default.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from anfang.dates import group_name
from anfang.errors import ConfigError, Problem, UsageError

if TYPE_CHECKING:
    from anfang.yamlstrict import StrictYaml


class Office(NamedTuple):
    name: str
    full_name: str
    contact: str
    phone: str
    channel: str


class Campaign(NamedTuple):
    """The campaign (攻坚行动) of the source document."""

    title: str
    issuer: str
    document_number: str
    issued: date
    start: date
    end: date
    min_days_on_site: int
    group_count: int
    office: Office
    roster_due: datetime | None
    daily_report: str
    method: str
    same_day_rule: str
    major_rule: str
    copy_to: str
    verify_within_days: int = 3  # 复查 due this many days after the rectification is reported

    @property
    def span(self) -> tuple[date, date]:
        """start..end: where M-D dates are placed (a campaign may run over New Year)."""
        return (self.start, self.end)


class Member(NamedTuple):
    """One person of a group, sent by a department (name blank until sent in)."""

    department: str
    name: str


class Group(NamedTuple):
    """A 督查暗访组 of 附件1."""

    number: int
    name: str
    region: str
    leader: str
    leader_title: str
    members: tuple[Member, ...]
    expert: str
    liaison: str
    liaison_phone: str


class Sector(NamedTuple):
    """A 行业领域 with its 牵头单位 and the focus items (检查重点) the document lists."""

    name: str
    key: bool
    lead: str
    aliases: tuple[str, ...]
    focus: tuple[str, ...]


def normalize(text: str) -> str:
    """Fold full-width/half-width and spacing so that what a user types matches the config."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


class Config:
    """The validated configuration: frozen once built (the lookups below are made with it)."""

    __slots__ = (
        "_groups_by_number",
        "_sector_lookups",
        "_sector_names",
        "campaign",
        "groups",
        "sectors",
        "sources",
    )
    _fields = ("campaign", "groups", "sectors", "sources")  # what the configuration cache keeps

    campaign: Campaign
    groups: tuple[Group, ...]
    sectors: tuple[Sector, ...]
    sources: dict[str, Path]  # where each file was read from (not part of the comparison)

    def __init__(self, campaign, groups, sectors, sources=None) -> None:
        # Plain attributes, not a dataclass: generating a dataclass's methods at import costs
        # `anfang log` a few milliseconds per class (and the configuration classes are NamedTuples).
        values = {
            "campaign": campaign,
            "groups": groups,
            "sectors": sectors,
            "sources": dict(sources or {}),
            "_groups_by_number": {g.number: g for g in groups},
            "_sector_names": {normalize(word): s for s in sectors for word in (s.name, *s.aliases)},
            "_sector_lookups": {},  # what users typed -> sector: an import repeats the same few spellings
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value) -> None:
        raise AttributeError(f"Config is frozen: cannot set {name}")

    def __eq__(self, other) -> bool:
        if not isinstance(other, Config):
            return NotImplemented
        return (self.campaign, self.groups, self.sectors) == (other.campaign, other.groups, other.sectors)

    def __hash__(self) -> int:
        return hash((self.campaign, self.groups, self.sectors))

    def __repr__(self) -> str:
        return f"Config(campaign={self.campaign!r}, groups={self.groups!r}, sectors={self.sectors!r})"

    def group(self, number: int) -> Group:
        if number in self._groups_by_number:
            return self._groups_by_number[number]
        raise UsageError(f"没有第 {number} 组")

    def sector(self, text: str) -> Sector:
        """Find a sector by name, alias, or its number in the list (1-based)."""
        if text in self._sector_lookups:
            return self._sector_lookups[text]
        found = self._find_sector(text)
        self._sector_lookups[text] = found
        return found

    def _find_sector(self, text: str) -> Sector:
        wanted = normalize(text)
        if wanted.isdigit() and 1 <= int(wanted) <= len(self.sectors):
            return self.sectors[int(wanted) - 1]
        if wanted in self._sector_names:
            return self._sector_names[wanted]
        names = "、".join(s.name for s in self.sectors)
        raise UsageError(f"行业领域“{text}”无法识别：请写序号 1–{len(self.sectors)}，或名称、别名（{names}）")

    @property
    def key_sectors(self) -> tuple[Sector, ...]:
        return tuple(s for s in self.sectors if s.key)


FILES = ("campaign.yaml", "groups.yaml", "sectors.yaml")


def config_sources(data_dirs: list[Path]) -> dict[str, Path]:
    """Each of the three files from the first folder of `data_dirs` that has it."""
    return {name: _first_existing(data_dirs, name) for name in FILES}


def load_config(data_dirs: list[Path]) -> Config:
    """Load the three files, each from the first folder of `data_dirs` that has it."""
    from anfang.yamlstrict import StrictYaml  # not needed when the cache answers

    sources = config_sources(data_dirs)
    problems: list[Problem] = []
    docs = {}
    for name, path in sources.items():
        doc = StrictYaml(path, _label(path))
        docs[name] = doc
    campaign = _campaign(docs["campaign.yaml"])
    groups = _groups(docs["groups.yaml"], campaign)
    sectors = _sectors(docs["sectors.yaml"])
    for doc in docs.values():
        problems.extend(doc.problems)
    if problems:
        raise ConfigError(problems)
    return Config(campaign, groups, sectors, sources)


def _first_existing(data_dirs: list[Path], name: str) -> Path:
    for folder in data_dirs:
        if (folder / name).is_file():
            return folder / name
    return data_dirs[-1] / name


def _label(path: Path) -> str:
    """Workspace files are named as the user sees them: data/groups.yaml."""
    return f"{path.parent.name}/{path.name}"


def _campaign(doc: StrictYaml) -> Campaign | None:
    if doc.root is None:
        return None
    keys = (
        "title", "issuer", "document_number", "issued", "start", "end", "min_days_on_site",
        "group_count", "office", "roster_due", "daily_report", "method", "same_day_rule",
        "major_rule", "copy_to",
    )  # fmt: skip
    m = doc.mapping(
        doc.root, "campaign", keys, ("verify_within_days",)
    )  # optional: campaigns set up before it
    if m is None:
        return None
    o = (
        doc.mapping(m["office"], "office", ("name", "full_name", "contact", "phone", "channel"))
        if "office" in m
        else None
    )
    o = o or {}
    office = Office(
        doc.text(o.get("name"), "office.name"),
        doc.text(o.get("full_name"), "office.full_name"),
        doc.text(o.get("contact"), "office.contact"),
        doc.text(o.get("phone"), "office.phone"),
        doc.text(o.get("channel"), "office.channel", required=False),
    )
    campaign = Campaign(
        title=doc.text(m.get("title"), "title"),
        issuer=doc.text(m.get("issuer"), "issuer"),
        document_number=doc.text(m.get("document_number"), "document_number"),
        issued=doc.date(m.get("issued"), "issued"),
        start=doc.date(m.get("start"), "start"),
        end=doc.date(m.get("end"), "end"),
        min_days_on_site=doc.integer(m.get("min_days_on_site"), "min_days_on_site"),
        group_count=doc.integer(m.get("group_count"), "group_count"),
        office=office,
        roster_due=doc.datetime(m.get("roster_due"), "roster_due"),
        daily_report=doc.text(m.get("daily_report"), "daily_report"),
        method=doc.text(m.get("method"), "method"),
        same_day_rule=doc.text(m.get("same_day_rule"), "same_day_rule"),
        major_rule=doc.text(m.get("major_rule"), "major_rule"),
        copy_to=doc.text(m.get("copy_to"), "copy_to", required=False),
        verify_within_days=doc.integer(m["verify_within_days"], "verify_within_days")
        if "verify_within_days" in m
        else 3,
    )
    if date.min < campaign.end < campaign.start:
        doc.problem(m["end"], "end 早于 start")
    if "verify_within_days" in m and not 0 <= campaign.verify_within_days <= 365:
        doc.problem(m["verify_within_days"], "verify_within_days 应在 0 到 365 之间")
    if "group_count" in m and not 1 <= campaign.group_count <= 99:
        doc.problem(m["group_count"], "group_count 应在 1 到 99 之间")
    return campaign


def _groups(doc: StrictYaml, campaign: Campaign | None) -> tuple[Group, ...]:
    if doc.root is None:
        return ()
    top = doc.mapping(doc.root, "groups.yaml", ("groups",))
    if not top or "groups" not in top:
        return ()
    groups: list[Group] = []
    for node in doc.sequence(top["groups"], "groups"):
        m = doc.mapping(
            node, _group_label(node), ("number", "name", "region", "leader", "members", "expert", "liaison")
        )
        if m is None:
            continue
        number = doc.integer(m.get("number"), "number")
        where = f"第 {number} 组"
        leader = doc.mapping(m["leader"], f"{where} leader", ("name", "title")) if "leader" in m else {}
        liaison = doc.mapping(m["liaison"], f"{where} liaison", ("name", "phone")) if "liaison" in m else {}
        expert = doc.mapping(m["expert"], f"{where} expert", ("name",)) if "expert" in m else {}
        members = []
        for member in doc.sequence(m.get("members"), f"{where} members"):
            mm = doc.mapping(member, f"{where} members", ("department", "name"))
            if mm is not None:
                members.append(
                    Member(
                        doc.text(mm.get("department"), f"{where} members.department"),
                        doc.text(mm.get("name"), f"{where} members.name", required=False),
                    )
                )
        group = Group(
            number=number,
            name=doc.text(m.get("name"), f"{where} name"),
            region=doc.text(m.get("region"), f"{where} region"),
            leader=doc.text((leader or {}).get("name"), f"{where} leader.name"),
            leader_title=doc.text((leader or {}).get("title"), f"{where} leader.title"),
            members=tuple(members),
            expert=doc.text((expert or {}).get("name"), f"{where} expert.name", required=False),
            liaison=doc.text((liaison or {}).get("name"), f"{where} liaison.name"),
            liaison_phone=doc.text((liaison or {}).get("phone"), f"{where} liaison.phone"),
        )
        if "name" in m and "number" in m and group.name != group_name(number):
            doc.problem(m["name"], f"组名“{group.name}”与编号 {number} 不符，应为“{group_name(number)}”")
        if any(g.number == number for g in groups):
            doc.problem(m.get("number"), f"组编号 {number} 重复")
        groups.append(group)
    if campaign is not None and campaign.group_count and len(groups) != campaign.group_count:
        doc.problem(
            top["groups"],
            f"应有 {campaign.group_count} 个组（campaign.yaml group_count），实际 {len(groups)} 个",
        )
    expected = list(range(1, len(groups) + 1))
    if sorted(g.number for g in groups) != expected and len({g.number for g in groups}) == len(groups):
        doc.problem(top["groups"], "组编号应从 1 开始连续编号")
    return tuple(sorted(groups, key=lambda g: g.number))


def _group_label(node) -> str:
    """第 N 组 for messages about a group's entry, read from its number before it is checked."""
    for key, value in getattr(node, "value", ()) if isinstance(getattr(node, "value", None), list) else ():
        if getattr(key, "value", None) == "number" and str(getattr(value, "value", "")).isdigit():
            return f"第 {value.value} 组"
    return "组"


def _sectors(doc: StrictYaml) -> tuple[Sector, ...]:
    if doc.root is None:
        return ()
    top = doc.mapping(doc.root, "sectors.yaml", ("sectors",))
    if not top or "sectors" not in top:
        return ()
    sectors: list[Sector] = []
    seen: dict[str, str] = {}
    for node in doc.sequence(top["sectors"], "sectors"):
        m = doc.mapping(node, "行业领域", ("name", "key", "lead", "focus"), ("aliases",))
        if m is None:
            continue
        name = doc.text(m.get("name"), "name")
        sector = Sector(
            name=name,
            key=doc.boolean(m.get("key"), f"{name} key"),
            lead=doc.text(m.get("lead"), f"{name} lead", required=False),
            aliases=doc.texts(m.get("aliases"), f"{name} aliases"),
            focus=doc.texts(m.get("focus"), f"{name} focus"),
        )
        for word in (sector.name, *sector.aliases):
            word_key = normalize(word)
            if word_key in seen:
                doc.problem(node, f"名称或别名“{word}”与“{seen[word_key]}”重复")
            seen[word_key] = name
        sectors.append(sector)
    if not sectors:
        doc.problem(top["sectors"], "至少需要一个行业领域")
    return tuple(sectors)
