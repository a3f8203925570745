"""通报 and 督办函: figures equal to the summary's, the GB/T 9704 layout read back from the .docx,
photos embedded small, the Markdown variant."""

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from markdown_it import MarkdownIt
from PIL import Image

from anfang.cli import cli
from anfang.workspace import init_workspace
from tests.conftest import tree_digest


def invoke(ws: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(ws), *args])


@pytest.fixture
def demo(tmp_path) -> Path:
    return init_workspace(tmp_path / "demo", example=True).root


def test_the_bulletins_figures_are_the_summarys(demo):
    total = json.loads(invoke(demo, "summary", "--until", "4-4", "--format", "json").stdout)["total"]
    text = invoke(demo, "bulletin", "--until", "4-4", "--number", "2", "--format", "md").stdout
    basic = next(line for line in text.splitlines() if line.startswith("截至2020年4月4日，全市9个暗访组"))
    numbers = [int(n) for n in re.findall(r"(\d+)个", basic)]
    assert numbers == [9, total["sites"], total["hazards"], total["major"], total["rectified"], total["handed_over"],
                       total["verified"], total["overdue"]]  # fmt: skip
    assert basic == ("截至2020年4月4日，全市9个暗访组共开展暗访11天，检查企业（场所）14个（次），发现问题隐患14个，"
                     "其中重大隐患2个；已完成整改6个，整改率42.9%；已交办属地相关部门10个；经复查销号0个；逾期未整改3个。")  # fmt: skip


def test_the_bulletin_has_the_documents_parts_in_order(demo):
    text = invoke(demo, "bulletin", "--until", "4-4", "--number", "2", "--format", "md").stdout
    tokens = MarkdownIt().enable("table").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [
        "关于全市安全生产暗访暗查情况的通报（第2期）", "一、基本情况", "二、发现的主要问题", "（一）分县（市、区）情况",
        "（二）重点行业领域情况", "（三）典型问题", "三、整改督办情况", "（一）整改情况", "（二）逾期未整改问题隐患",
        "（三）暗访天数", "四、工作要求", "附件1　问题隐患清单", "附件2　逾期未整改问题隐患清单",
    ]  # fmt: skip
    assert text.startswith("**嘉兴市安全生产与应急管理委员会办公室**\n\n**嘉安委办〔2020〕2号**\n")
    assert (
        "南湖区：检查企业（场所）6个（次），发现问题隐患6个（其中重大隐患1个），已整改4个，逾期未整改2个。"
        in text
    )
    assert "| 第一组 | 南湖区 | 2 | 否 |" in text  # days on site against the at-least-8-days rule
    assert text.rstrip().endswith(
        "抄送：省安委办，市委办、市府办  \n嘉兴市安全生产与应急管理委员会办公室　2020年4月4日印发"
    )
    assert (
        sum(1 for t in tokens if t.type == "table_open") == 6
    )  # counties, sectors, 整改, days, 附件1, 附件2


def test_the_work_requirements_come_from_the_offices_template(demo):
    (demo / "templates").mkdir(exist_ok=True)
    bundled = Path(__file__).parents[1] / "templates" / "bulletin.j2"
    text = bundled.read_text(encoding="utf-8").replace("（一）立即整改到位。", "（一）本市特别要求。")
    (demo / "templates" / "bulletin.j2").write_text(text, encoding="utf-8")
    assert (
        "（一）本市特别要求。各地、各有关部门"
        in invoke(demo, "bulletin", "--until", "4-4", "--format", "md").stdout
    )


def docx_of(ws: Path, tmp_path: Path, *args: str) -> Document:
    out = tmp_path / "out.docx"
    result = invoke(ws, *args, "--output", str(out))
    assert result.exit_code == 0, result.output
    return Document(str(out))


def test_the_word_layout_is_gbt_9704(demo, tmp_path):
    doc = docx_of(demo, tmp_path, "bulletin", "--until", "4-4", "--number", "2")
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [
        round(m.mm)
        for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ]
    assert margins == [37, 35, 28, 26]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "579")  # 22 lines
    by_text = {p.text: p for p in doc.paragraphs if p.text}

    def east_asia(paragraph):
        run = paragraph.runs[0]
        return run._element.rPr.rFonts.get(qn("w:eastAsia")), run.font.size.pt

    assert east_asia(by_text["关于全市安全生产暗访暗查情况的通报\n（第2期）"]) == ("方正小标宋简体", 22)
    assert east_asia(by_text["一、基本情况"]) == ("黑体", 16)
    assert east_asia(by_text["（一）分县（市、区）情况"]) == ("楷体_GB2312", 16)
    opening = next(p for t, p in by_text.items() if t.startswith("为贯彻落实"))
    assert east_asia(opening) == ("仿宋_GB2312", 16)
    assert opening.paragraph_format.first_line_indent.pt == 32  # 空两字
    assert opening.paragraph_format.line_spacing.pt == pytest.approx(28.95)
    masthead = doc.paragraphs[0]
    assert (
        masthead.text == "嘉兴市安全生产与应急管理委员会办公室"
        and str(masthead.runs[0].font.color.rgb) == "C00000"
    )
    footer_xml = section.footer._element.xml
    assert 'w:instr="PAGE"' in footer_xml and "— " in section.footer.paragraphs[0].text
    assert 'w:instr="PAGE"' in section.even_page_footer._element.xml
    table = doc.tables[-1]  # 附件2
    assert [c.text for c in table.rows[0].cells] == ["序号", "编号", "县（市、区）", "企业（场所）", "问题隐患", "交办部门",
                                                     "整改期限", "逾期天数"]  # fmt: skip
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    assert [c.text for c in table.rows[1].cells][1] == "G2-20200326-001"
    assert round(sum(c.width for c in table.rows[0].cells) / Mm(1)) == 156  # the text block's width


def test_photos_are_embedded_as_small_jpegs(demo, tmp_path):
    big = tmp_path / "现场.png"
    Image.new("RGB", (4000, 3000), (200, 30, 30)).save(big)
    log = ["log", "--group", "1", "--date", "3-28", "--town", "新兴街道", "--sector", "消防", "--site", "某仓库",
           "--hazard", "消防通道被占用", "--major", "--photo", str(big)]  # fmt: skip
    assert invoke(demo, *log).exit_code == 0
    out = tmp_path / "out.docx"
    assert invoke(demo, "bulletin", "--until", "4-4", "--output", str(out)).exit_code == 0
    with zipfile.ZipFile(out) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(media) == 1
        with Image.open(io.BytesIO(z.read(media[0]))) as image:
            assert (image.format, max(image.size)) == ("JPEG", 1024)
    assert out.stat().st_size < 200_000
    assert (
        "某仓库（南湖区新兴街道）：消防通道被占用。"
        in invoke(demo, "bulletin", "--until", "4-4", "--format", "md").stdout
    )


def test_a_record_naming_a_file_outside_evidence_never_puts_it_in_a_document(demo, tmp_path):
    """A synced record may name any path as its photo, and a symlink may sit in evidence/: the
    bulletin opens only files anfang stored there, so nothing else on the office's computer is
    ever embedded in a document that is sent out."""
    from anfang.store import append, read_logs

    secret = tmp_path / "secret.png"
    Image.new("RGB", (60, 40), (0, 0, 255)).save(secret)
    link = "0123456789abcdef01234567.png"
    (demo / "evidence").mkdir(exist_ok=True)
    (demo / "evidence" / link).symlink_to(secret)
    log = ["log", "--group", "1", "--date", "3-28", "--town", "新兴街道", "--sector", "消防", "--site", "某仓库",
           "--hazard", "消防通道被占用", "--major"]  # fmt: skip
    assert invoke(demo, *log).exit_code == 0
    found = [r for r in read_logs(demo / "logs").records if r.site == "某仓库"][-1]
    entries = (str(secret), "../../secret.png", link)
    append(
        demo / "logs" / "group-1.csv", lambda seq: found._replace(id=f"G1-20200328-{seq:03d}", photos=entries)
    )
    out = tmp_path / "out.docx"
    assert invoke(demo, "bulletin", "--until", "4-4", "--output", str(out)).exit_code == 0
    with zipfile.ZipFile(out) as z:
        assert [n for n in z.namelist() if n.startswith("word/media/")] == []
    text = "\n".join(p.text for p in Document(out).paragraphs)
    # a photo entry is "stored name/original name": the first part is what would be opened
    assert [line for line in text.splitlines() if "无法读取" in line] == [
        "（照片  无法读取）",
        "（照片 .. 无法读取）",
        f"（照片 {link} 无法读取）",
    ]


def test_stored_photo_names_are_the_ones_documents_open(demo, tmp_path):
    from anfang.model import STORED_PHOTO
    from anfang.recording import store_evidence
    from anfang.workspace import find_workspace

    photo = tmp_path / "现场 照片.JPEG"
    Image.new("RGB", (10, 10)).save(photo, "JPEG")
    name = store_evidence(find_workspace(str(demo)), photo)
    assert STORED_PHOTO.fullmatch(name) and name.endswith(".jpeg")


def test_duban_writes_one_letter_per_county_with_overdue_findings(demo, tmp_path):
    text = invoke(demo, "duban", "--date", "4-5", "--format", "md").stdout
    titles = re.findall(r"^# (.+)$", text, re.M)
    assert titles == ["关于督促南湖区加快逾期问题隐患整改的函", "关于督促秀洲区加快逾期问题隐患整改的函"]
    assert "截至2020年4月5日仍有2个逾期未整改（清单附后），其中重大隐患0个" in text
    assert re.findall(r"^\*\*(嘉安委办督.+)\*\*$", text, re.M) == [
        "嘉安委办督〔2020〕40501号",
        "嘉安委办督〔2020〕40502号",
    ]
    assert (
        "并于2020年4月10日前将整改情况书面报市安委办" in text
        and "联系人：陈达宇，电话：15868389858。" in text
    )
    assert (
        "| 1 | G1-20200327-004 | 嘉兴市锦程服饰有限公司 | 一楼疏散通道堆放纺织原料，堵塞安全出口 | 南湖区消防救援大队 | 4月3日 | 2 | 否 |"
        in text
    )
    doc = docx_of(demo, tmp_path, "duban", "--county", "南湖区", "--date", "4-5")
    assert [p.text for p in doc.paragraphs if p.text.startswith("关于督促")] == [
        "关于督促南湖区加快逾期问题隐患整改的函"
    ]


def test_duban_for_a_county_without_overdue_findings_is_refused(demo, tmp_path):
    before = tree_digest(demo)
    result = invoke(
        demo, "duban", "--county", "嘉善县", "--date", "4-5", "--output", str(demo / "reports" / "x.docx")
    )
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "错误：截至 2020-04-05，嘉善县 没有逾期未整改的问题隐患；有逾期的县（市、区）：南湖区、秀洲区"
    )
    assert tree_digest(demo) == before
    quiet = invoke(demo, "duban", "--date", "3-26")
    assert (quiet.exit_code, quiet.stderr) == (0, "截至 2020-03-26 没有逾期未整改的问题隐患，无需督办。\n")
