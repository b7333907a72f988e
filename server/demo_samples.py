"""The demo hall's sample forms (填写样表): `hallq demo` gives item HJ02 (户口迁入登记) a 2-page PDF of the
《户口迁移申请表》 and a PNG of the 《同意落户证明》, as a window would hang them up: the printed form in black,
example answers in red, a "样表" watermark across each page. Drawn with Pillow in the bundled CJK font.

They are stored exactly as a manager's upload is stored (server/samples.py's SampleStore.save: checked by content,
rendered to page images, kept by SHA-256) and named in the item's `sample_files` by a new configuration version
(application/config_versions.py), so the kiosk's guide offers 查看样表 out of the box. Running the demo again adds
nothing: a sample the item already names (by name or by file) is left as it is, and the drawings are the same bytes
every time (fixed PDF dates), so they are the same stored files.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from PIL.ImageDraw import ImageDraw as Drawing
    from PIL.ImageFont import FreeTypeFont

ITEM = "HJ02"  # the demo hall's 户口迁入登记（投靠、购房、人才落户）
WIDTH, HEIGHT = 1240, 1754  # an A4 page at 150 dpi
DPI = 150
MARGIN = 100
NO_LINE_START = "，。、；：）》”！？"  # punctuation that never starts a line (避头点): it hangs in the margin instead
BLACK, GREY, RED, SHADE = (20, 20, 20), (110, 110, 110), (200, 30, 30), (236, 236, 236)
WATERMARK = (220, 40, 40, 46)
FIXED_DATE = time.gmtime(1767225600)  # 2026-01-01 00:00 UTC  # the PDF's dates: the same bytes on every run


@cache
def _font(size: int) -> FreeTypeFont:
    from PIL import ImageFont

    from assets import FONT

    return ImageFont.truetype(str(FONT), size, index=0)


class Page:
    """One A4 page being drawn: text, boxes, ticks, and at the end the watermark."""

    def __init__(self) -> None:
        from PIL import Image, ImageDraw

        self.image = Image.new("RGB", (WIDTH, HEIGHT), "white")
        self.draw: Drawing = ImageDraw.Draw(self.image)

    def text(
        self, xy: tuple[float, float], text: str, size: int = 28, fill: tuple[int, ...] = BLACK, anchor: str = "la",
        bold: bool = False,
    ) -> None:  # fmt: skip
        self.draw.text(xy, text, font=_font(size), fill=fill, anchor=anchor, stroke_width=1 if bold else 0,
                       stroke_fill=fill)  # fmt: skip

    def width(self, text: str, size: int) -> float:
        return self.draw.textlength(text, font=_font(size))

    def wrapped(self, x: float, y: float, text: str, right: float, size: int = 28, fill: tuple[int, ...] = BLACK,
                leading: float = 1.5) -> float:  # fmt: skip
        """Text wrapped (by character: Chinese has no spaces) between x and right; returns the y below it."""
        line = ""
        for char in text:
            if self.width(line + char, size) > right - x and char not in NO_LINE_START:
                self.text((x, y), line, size, fill)
                y += size * leading
                line = char.lstrip()
            else:
                line += char
        if line:
            self.text((x, y), line, size, fill)
            y += size * leading
        return y

    def cell(self, box: tuple[float, float, float, float], label: str = "", shaded: bool = False) -> None:
        self.draw.rectangle(box, fill=SHADE if shaded else None, outline=BLACK, width=2)
        if label:
            x0, y0, x1, y1 = box
            self.text(((x0 + x1) / 2, (y0 + y1) / 2), label, 26, anchor="mm")

    def answer(self, box: tuple[float, float, float, float], text: str, size: int = 28) -> None:
        """An example answer in red, in the middle-left of its box."""
        x0, y0, _x1, y1 = box
        self.text((x0 + 16, (y0 + y1) / 2), text, size, RED, anchor="lm")

    def tick_box(self, x: float, y: float, label: str, ticked: bool) -> float:
        """□ label (a red ✓ in it when ticked); returns the x after it."""
        self.draw.rectangle((x, y - 13, x + 26, y + 13), outline=BLACK, width=2)
        if ticked:
            self.draw.line([(x + 4, y), (x + 11, y + 9), (x + 24, y - 12)], fill=RED, width=4)
        self.text((x + 36, y), label, 26, RED if ticked else BLACK, anchor="lm")
        return x + 36 + self.width(label, 26) + 34

    def note(self, xy: tuple[float, float], text: str) -> None:
        """A red hint in the margin of the sample (填写提示)."""
        self.text(xy, text, 22, RED)

    def header(self, title: str, title_en: str, page: int, pages: int) -> float:
        self.draw.rectangle((WIDTH - MARGIN - 150, 50, WIDTH - MARGIN, 104), outline=RED, width=3)
        self.text((WIDTH - MARGIN - 75, 77), "填写样表", 28, RED, anchor="mm", bold=True)
        self.text((WIDTH / 2, 150), title, 54, anchor="mm", bold=True)
        self.text((WIDTH / 2, 206), f"{title_en} · filled-in sample", 24, GREY, anchor="mm")
        self.text((WIDTH / 2, HEIGHT - 60), f"第 {page} 页 共 {pages} 页", 22, GREY, anchor="mm")
        self.text((MARGIN, HEIGHT - 60), "青山镇便民服务中心 户籍窗口", 22, GREY, anchor="lm")
        self.text((WIDTH - MARGIN, HEIGHT - 60), "红色字为填写示例", 22, RED, anchor="rm")
        return 250

    def finish(self) -> Any:
        """The page with "样表" across it, light enough to read the form through."""
        from PIL import Image, ImageDraw

        stamp = Image.new("RGBA", (1100, 420), (0, 0, 0, 0))
        ImageDraw.Draw(stamp).text((550, 210), "样  表", font=_font(300), fill=WATERMARK, anchor="mm")
        stamp = stamp.rotate(32, expand=True, resample=Image.Resampling.BICUBIC)
        page = self.image.convert("RGBA")
        for cy in (HEIGHT * 0.33, HEIGHT * 0.72):
            page.alpha_composite(stamp, (int((WIDTH - stamp.width) / 2), int(cy - stamp.height / 2)))
        return page.convert("RGB")


def _transfer_page_1() -> Any:
    p = Page()
    y = p.header("户口迁移申请表", "Household Transfer Application Form", 1, 2)
    p.text((MARGIN, y), "申请日期：", 26)
    p.text((MARGIN + 130, y), "2026年11月23日", 26, RED)
    p.text((WIDTH - MARGIN, y), "受理编号：（由窗口填写）", 26, GREY, anchor="ra")
    y += 50
    left, right = float(MARGIN), float(WIDTH - MARGIN)
    wide = right - left - 210  # the answer's box of a row with one label (210 px)
    row = 78

    def line(cells: list[tuple[float, float, str, str]], height: float = row) -> None:
        """One row of label/answer boxes: (label's width, answer's width, label, example answer)."""
        nonlocal y
        x: float = left
        for label_w, answer_w, label, answer in cells:
            p.cell((x, y, x + label_w, y + height), label, shaded=True)
            x += label_w
            box = (x, y, x + answer_w, y + height)
            p.cell(box)
            if answer:
                p.answer(box, answer)
            x += answer_w
        y += height

    p.text((left, y), "一、申请人信息", 30, bold=True)
    y += 50
    line([(210, 240, "姓    名", "张  伟"), (140, 130, "性  别", "男"), (140, 180, "民  族", "汉")])
    line([(210, wide, "公民身份号码", "3 3 0 1 0 6 1 9 9 0 0 3 1 5 X X X X")])
    p.note((left + 226, y + 6), "↑ 按居民身份证逐位填写，末位为X的写大写X")
    y += 40
    line([(210, 240, "出生日期", "1990年3月15日"), (140, 450, "联系电话", "138 0000 1234")])
    line([(210, wide, "现户口所在地", "浙江省杭州市西湖区文新街道文新社区12幢301室")])
    line([(210, wide, "迁入地住址", "青山镇青山路18号3幢2单元501室")])
    p.note((left + 226, y + 6), "↑ 与不动产权证书或购房合同上的地址一致")
    y += 46

    p.text((left, y), "二、迁移类别（在对应的方框内打√）", 30, bold=True)
    y += 50
    p.cell((left, y, right, y + row))
    x: float = left + 24
    for label, ticked in (("购房落户", True), ("投靠配偶", False), ("投靠子女/父母", False), ("人才引进", False),
                          ("其他", False)):  # fmt: skip
        x = p.tick_box(x, y + row / 2, label, ticked)
    y += row + 36

    p.text((left, y), "三、随迁人员（无随迁人员的不填）", 30, bold=True)
    y += 50
    columns = [(180, "姓名"), (200, "与申请人关系"), (450, "公民身份号码"), (right - left - 830, "现户口所在地")]
    examples = [["李  娜", "妻", "330106199205207XXX", "同申请人"], ["张小雨", "女", "330106201809010XXX", "同申请人"],
                ["", "", "", ""]]  # fmt: skip
    x = left
    for w, label in columns:
        p.cell((x, y, x + w, y + 60), label, shaded=True)
        x += w
    y += 60
    for values in examples:
        x = left
        for (w, _label), value in zip(columns, values, strict=True):
            box = (x, y, x + w, y + 66)
            p.cell(box)
            if value:
                p.answer(box, value, 26)
            x += w
        y += 66
    y += 36

    p.text((left, y), "四、迁移理由", 30, bold=True)
    y += 50
    p.cell((left, y, right, y + 150))
    p.wrapped(left + 20, y + 22, "本人于2026年8月在青山镇购买住房（不动产权证号：浙(2026)青山镇不动产权第00XXXXX号），"
              "现申请将本人及妻子、女儿的户口迁入该住所。", right - 20, 28, RED)  # fmt: skip
    y += 190
    p.text((left, y), "申请人（签名）：", 28)
    p.text((left + 230, y - 4), "张伟", 34, RED)
    p.text((right - 360, y), "日期：", 28)
    p.text((right - 280, y), "2026年11月23日", 28, RED)
    p.note((left, y + 52), "签名须由申请人本人当场书写；代办的，由代办人签名并注明“代”及与申请人关系")
    return p.finish()


def _transfer_page_2() -> Any:
    p = Page()
    y = p.header("户口迁移申请表（续）", "Household Transfer Application Form (continued)", 2, 2)
    left, right = MARGIN, WIDTH - MARGIN
    p.text((left, y), "五、申请人承诺", 30, bold=True)
    y += 50
    p.cell((left, y, right, y + 300))
    promise = (
        "本人承诺：以上所填内容及提交的材料真实、有效，迁入地住所为本人合法拥有并实际居住；"
        "如有隐瞒、虚假，本人愿意承担由此产生的一切法律责任，并同意公安机关依法注销迁入的户口。"
    )
    p.wrapped(left + 20, y + 24, promise, right - 20, 28)
    p.text((left + 20, y + 220), "承诺人（签名）：", 28)
    p.text((left + 250, y + 216), "张伟", 34, RED)
    p.text((right - 380, y + 220), "2026年11月23日", 28, RED)
    y += 340

    p.text((left, y), "六、以下由公安机关填写（申请人不填）", 30, bold=True)
    y += 50
    for label, height in (("窗口受理意见", 170), ("派出所审核意见", 170), ("实地核查情况", 150), ("审批意见", 170)):
        p.cell((left, y, left + 230, y + height), label, shaded=True)
        p.cell((left + 230, y, right, y + height), shaded=True)
        p.text((right - 20, y + height - 20), "经办人：　　　　　年　　月　　日", 24, GREY, anchor="rd")
        y += height
    y += 40

    p.text((left, y), "填写说明", 30, bold=True)
    y += 50
    notes = (
        "1. 请用黑色钢笔或签字笔填写，字迹清楚，不得涂改；填错的请重新领表。",
        "2. 姓名、公民身份号码、出生日期应与居民身份证、户口簿一致。",
        "3. 迁移类别只选一项；投靠亲属的，另附房屋权利人签名的《同意落户证明》。",
        "4. 随迁人员限配偶、未成年子女；成年子女另行申请。",
        "5. 红色字为填写示例，请按本人实际情况填写。",
    )
    for text in notes:
        y = p.wrapped(left, y, text, right, 26, BLACK if not text.startswith("5.") else RED, 1.55)
    return p.finish()


def _consent_page() -> Any:
    p = Page()
    y = p.header("同意落户证明", "Consent to Register a Household", 1, 1)
    left, right = MARGIN, WIDTH - MARGIN
    y += 30
    p.text((left, y), "青山派出所：", 32)
    y += 80
    # the letter, its blanks filled in red: (text, in red?)
    parts: list[tuple[str, bool]] = [
        ("　　兹有", False), ("李娜", True), ("（公民身份号码：", False), ("330106199205207XXX", True),
        ("）系本人的", False), ("女儿", True), ("，因", False), ("投靠父母", True),
        ("，申请将户口迁入本人所有的住房。本人同意其落户于：", False), ("青山镇溪口村五组28号", True),
        ("（不动产权证号：", False), ("浙(2019)青山镇不动产权第00XXXXX号", True),
        ("）。本人保证所述属实，如有不实，愿承担相应的法律责任。", False),
    ]  # fmt: skip
    x: float = left
    size, leading = 32, 64
    for text, red in parts:
        for char in text:
            w = p.width(char, size)
            if x + w > right and char not in NO_LINE_START:
                x, y = left, y + leading
            p.text((x, y), char, size, RED if red else BLACK)
            if red:
                p.draw.line([(x, y + size + 8), (x + w, y + size + 8)], fill=BLACK, width=1)
            x += w
    y += leading * 2 + 40

    rows = [
        ("房屋权利人（签名）", "李建国"), ("公民身份号码", "330106196507120XXX"), ("联系电话", "139 0000 5678"),
        ("与落户人关系", "父女"), ("日期", "2026年11月23日"),
    ]  # fmt: skip
    for label, value in rows:
        p.cell((left + 300, y, left + 620, y + 76), label, shaded=True)
        box = (left + 620, y, right, y + 76)
        p.cell(box)
        p.answer(box, value)
        y += 76
    y += 50
    p.note((left, y), "须由房屋权利人本人签名并按手印；房屋有多位权利人的，全部权利人均须签名。")
    y += 40
    p.note((left, y), "随本证明提交房屋权利人的居民身份证、户口簿和不动产权证书原件。")
    return p.finish()


def transfer_form_pdf() -> bytes:
    """《户口迁移申请表》 填写样表, 2 pages, as a PDF (A4)."""
    pages = [_transfer_page_1(), _transfer_page_2()]
    out = io.BytesIO()
    pages[0].save(
        out, "PDF", save_all=True, append_images=pages[1:], resolution=DPI, title="户口迁移申请表（填写样表）",
        creationDate=FIXED_DATE, modDate=FIXED_DATE, quality=90,
    )  # fmt: skip
    return out.getvalue()


def consent_form_png() -> bytes:
    """《同意落户证明》 填写样表, one page, as a PNG."""
    out = io.BytesIO()
    _consent_page().save(out, "PNG", optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class DemoSample:
    name: str
    name_en: str
    draw: Callable[[], bytes]


DEMO_SAMPLES = (
    DemoSample(
        "户口迁移申请表（填写样表）", "Household Transfer Application Form (filled-in sample)", transfer_form_pdf
    ),
    DemoSample("同意落户证明（填写样表）", "Consent to Register a Household (filled-in sample)", consent_form_png),
)


def add_demo_samples(app: Flask, item: str = ITEM) -> str:
    """Store the demo's sample forms as an upload stores them and name them in `item` (one new configuration
    version); nothing when the item already names them. Returns a line for the terminal."""
    from server.console.config import versions
    from server.samples import sample_store

    with app.app_context():
        data = versions().data()
        index = next((i for i, it in enumerate(data.get("items", [])) if it.get("code") == item), None)
        if index is None:
            return f"演示样表：配置中没有事项 {item} / Demo sample forms: the configuration has no item {item}"
        listed = [dict(s) for s in data["items"][index].get("sample_files", []) if isinstance(s, dict)]
        added = []
        for sample in DEMO_SAMPLES:
            if any(s.get("name") == sample.name for s in listed):
                continue
            stored = sample_store().save(sample.draw())
            if any(s.get("file") == stored.file for s in listed):
                continue
            listed.append({"name": sample.name, "file": stored.file, "name_en": sample.name_en})
            added.append(f"{sample.name}（{stored.pages} 页）")
        if not added:
            return f"演示样表已在事项 {item} 中 / Demo sample forms: already on item {item}"
        data["items"][index] = {**data["items"][index], "sample_files": listed}
        number = versions().change(data, f"{item} 新增演示样表 / {item}: demo sample forms added")
    return f"演示样表 / Demo sample forms on {item}: {'、'.join(added)} — 配置版本 / version {number}"
