"""The help screens: commands listed in the order of the work, each command's help ending in
examples (the README's), so a newcomer can copy a line that works."""

from __future__ import annotations

# (section title, commands in the order they are used)
SECTIONS = (
    ("现场记录", ("log", "list", "show", "site")),
    ("整改督办", ("handover", "deadline", "rectify", "verify", "amend", "void", "overdue", "check")),
    ("报表文书", ("report", "send", "notice", "summary", "bulletin", "duban", "groups", "sectors")),
    ("数据交换", ("export", "import", "form")),
    ("同步与设置", ("sync", "writers", "init")),
)

EXAMPLES = {
    "log": (
        "anfang log -g 1 --date today --town 新兴街道 --sector 消防 --site 嘉兴市锦程服饰有限公司",
        "anfang log -g 1 --date today --town 新兴街道 --sector 消防 --site 嘉兴市锦程服饰有限公司 "
        "--hazard 疏散通道堵塞 --handover 南湖区消防救援大队 --deadline 4-3",
        "anfang log -g 1        # 在终端中逐项提问",
    ),
    "list": (
        "anfang list --group 1 --date today",
        "anfang list --open --major",
        "anfang list --overdue --as-of 4-4",
    ),
    "show": ("anfang show G1-20200327-006",),
    "handover": ("anfang handover G1-20200327-006 --to 南湖区住房和城乡建设局 --deadline 3-30",),
    "deadline": ("anfang deadline G1-20200327-006 4-5 --date 3-30",),
    "site": ("anfang site 嘉兴市锦程服饰有限公司", "anfang site 锦程服饰 --as-of 4-10 --format md"),
    "rectify": (
        "anfang rectify G1-20200327-006 --date 3-29",
        "anfang rectify G1-20200327-006 --date 3-29 --measures 清理疏散通道 --responsible 王明 --photo 整改后.jpg",
    ),
    "verify": (
        "anfang verify G1-20200327-006 --date 3-31 --pass --by 李华",
        "anfang verify G1-20200327-006 --date 3-31 --fail --note 通道仍有杂物",
    ),
    "amend": (
        "anfang amend G2-20200327-002 --sector 寄递物流",
        "anfang amend G1-20200327-003 --site 正确的名称 --same-site",
    ),
    "void": ("anfang void G3-20200327-002 --reason 重复录入",),
    "overdue": ("anfang overdue --date today", "anfang overdue --format json"),
    "check": ("anfang check --date today", "anfang check --json"),
    "report": (
        "anfang report --date today",
        "anfang report --date yesterday --format xlsx --output reports/ --strict",
        "anfang report --date 3-27 --group 1 --group 3",
    ),
    "send": (
        "anfang send --date yesterday",
        "anfang send --date 3-27 --dry-run",
        "anfang send --date yesterday --channel 应急管理局群 --attach",
    ),
    "notice": (
        "anfang notice --date today --format xlsx",
        "anfang notice --dept 南湖区消防救援大队 --date 3-27",
    ),
    "summary": ("anfang summary --until 4-15 --format xlsx",),
    "bulletin": (
        "anfang bulletin --until 4-4 --number 2",
        "anfang bulletin --until 4-15 --number 3 --format md",
    ),
    "duban": ("anfang duban --date 4-5", "anfang duban --county 南湖区 --date 4-5 --output 督办函.docx"),
    "groups": ("anfang groups", "anfang groups --format xlsx"),
    "sectors": ("anfang sectors",),
    "export": ("anfang export --format xlsx", "anfang export > 全部记录.csv"),
    "import": ("anfang import 第三组-3月28日.xlsx", "anfang import 第九组.csv --group 9"),
    "form": ("anfang form --group 3 --date 3-28",),
    "sync": ("anfang sync", "anfang sync --restore", "anfang sync --repair    # 市安委办"),
    "writers": ("anfang writers", "anfang writers key", 'anfang writers add 3 "ssh-ed25519 AAAA…"'),
    "init": (
        "anfang init 攻坚行动",
        "anfang init demo --example",
        "anfang init 暗访 --remote //共享盘/暗访/campaign.git --group 3",
    ),
}


def epilog(name: str) -> str | None:
    lines = EXAMPLES.get(name)
    if not lines:
        return None
    return "示例：\n\n\b\n" + "\n".join(f"  {line}" for line in lines)
