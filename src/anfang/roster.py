"""附件1 and the sector list as plain data, for every renderer."""

from __future__ import annotations

from anfang.config import Config


def groups_data(config: Config) -> list[dict]:
    return [
        {
            "number": g.number,
            "name": g.name,
            "region": g.region,
            "leader": {"name": g.leader, "title": g.leader_title},
            "members": [{"department": m.department, "name": m.name} for m in g.members],
            "expert": {"name": g.expert},
            "liaison": {"name": g.liaison, "phone": g.liaison_phone},
        }
        for g in config.groups
    ]


def sectors_data(config: Config) -> list[dict]:
    return [
        {
            "name": s.name,
            "key": s.key,
            "lead": s.lead,
            "aliases": list(s.aliases),
            "focus": list(s.focus),
        }
        for s in config.sectors
    ]


def member_text(department: str, name: str) -> str:
    """A member as the roster prints it; a blank name is shown as still to be sent in."""
    return f"{department}：{name}" if name else f"{department}：（待报）"
