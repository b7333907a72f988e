"""What the hall prints: the ticket and the clerk's notice slips, their layout, and a 1-bit image of them.

The apps fill the plain dataclasses below. `layout()` turns a document into blocks (lines, rules, gaps,
a QR code); the image renderer here and the ESC/POS text encoder in hardware/printer.py both draw those
blocks, so the two print modes and the PNG/PDF files always say the same thing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from core.config import Material
from core.privacy import mask_id, mask_numbers_in_text, mask_phone

FONT_PATH = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "wqy-microhei.ttc"
PAPER_DOTS = {58: 384, 80: 576}  # printable dots per line at 203 dpi
DOTS_PER_INCH = 203.2
SIDE_MARGIN = 4  # dots kept blank on each side of the image
DEFAULT_TICKET_FOOTER = "请留意叫号，过号请到服务台"


def paper_dots(paper_mm: int) -> int:
    """Printable width in dots of a 58 mm or 80 mm roll."""
    if paper_mm not in PAPER_DOTS:
        raise ValueError(
            f"纸宽只能是 58 或 80 毫米，实际为 {paper_mm!r} / Paper width must be 58 or 80 mm, got {paper_mm!r}"
        )
    return PAPER_DOTS[paper_mm]


# ---------------------------------------------------------------- documents


@dataclasses.dataclass(frozen=True)
class Applicant:
    """The citizen a slip is for; ID and phone are masked whenever printed."""

    name: str = ""
    id_number: str = ""
    phone: str = ""


@dataclasses.dataclass(frozen=True)
class Ticket:
    """The queue ticket from the kiosk. `issued_at` is already in the hall's local time."""

    hall_name: str
    number: str
    service_name: str
    service_name_en: str
    people_ahead: int
    wait_minutes: int | None  # None: no estimate yet
    issued_at: dt.datetime
    status_url: str
    priority_label: str = ""  # e.g. "绿色通道"; empty for an ordinary ticket
    item_name: str = ""
    materials: tuple[Material, ...] = ()
    consult_phone: str = ""
    footer: str = DEFAULT_TICKET_FOOTER

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("票号不能为空 / The ticket number is empty")
        if self.people_ahead < 0:
            raise ValueError(f"前面等候人数不能为负数：{self.people_ahead} / People ahead cannot be negative")


@dataclasses.dataclass(frozen=True)
class IncompleteNotice:
    """补办件一次性告知单: every missing material, in one notice."""

    hall_name: str
    item_name: str
    missing: tuple[Material, ...]
    legal_basis: str
    contact_phone: str
    clerk_name: str
    staff_number: str
    window: int | str
    date: dt.date
    applicant: Applicant | None = None
    case_number: str = ""

    def __post_init__(self) -> None:
        if not self.missing:
            raise ValueError(
                "补办件告知单至少要列出一项缺少的材料 / An incomplete-materials notice must list a material"
            )


@dataclasses.dataclass(frozen=True)
class ReturnedNotice:
    """退回件告知单: the written reason, and the right to ask the director for a review."""

    hall_name: str
    item_name: str
    reason: str
    contact_phone: str
    supervise_phone: str
    clerk_name: str
    staff_number: str
    window: int | str
    date: dt.date
    applicant: Applicant | None = None
    case_number: str = ""

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("退回件告知单必须写明理由 / A returned notice must give the reason")


@dataclasses.dataclass(frozen=True)
class PromiseNotice:
    """承诺件通知书: accepted now, done by the due date."""

    hall_name: str
    item_name: str
    accepted_on: dt.date
    due_on: dt.date
    clerk_name: str
    staff_number: str
    window: int | str
    phone: str
    applicant: Applicant | None = None
    case_number: str = ""

    def __post_init__(self) -> None:
        if self.due_on < self.accepted_on:
            raise ValueError(
                f"承诺办结日期 {self.due_on} 早于受理日期 {self.accepted_on} / The due date is before the accepted date"
            )


Document = Ticket | IncompleteNotice | ReturnedNotice | PromiseNotice


# ---------------------------------------------------------------- layout blocks

Size = Literal["small", "normal", "large", "huge"]
Align = Literal["left", "center"]


@dataclasses.dataclass(frozen=True)
class Line:
    """Text that wraps to the paper.

    Indents count columns of normal-size text (a Chinese character is 2): `margin` before every line,
    `indent` more before continuation lines.
    """

    text: str
    size: Size = "normal"
    align: Align = "left"
    bold: bool = False
    inverse: bool = False
    indent: int = 0
    margin: int = 0


@dataclasses.dataclass(frozen=True)
class Rule:
    """A separator across the paper."""


@dataclasses.dataclass(frozen=True)
class Gap:
    """A little blank paper."""


@dataclasses.dataclass(frozen=True)
class QrCode:
    data: str


Block = Line | Rule | Gap | QrCode


def layout(doc: Document) -> list[Block]:
    """The blocks of a document, top to bottom."""
    match doc:
        case Ticket():
            return _ticket_blocks(doc)
        case IncompleteNotice():
            return _incomplete_blocks(doc)
        case ReturnedNotice():
            return _returned_blocks(doc)
        case PromiseNotice():
            return _promise_blocks(doc)
    raise TypeError(f"无法打印此类文档：{type(doc).__name__} / Cannot print a {type(doc).__name__}")


def _material_blocks(materials: Sequence[Material]) -> list[Block]:
    blocks: list[Block] = []
    for index, material in enumerate(materials, start=1):
        copies = f"（{material.copies}）" if material.copies else ""
        prefix = f"{index}. "
        blocks.append(Line(f"{prefix}{material.name}{copies}", indent=len(prefix)))
        if material.note:
            blocks.append(Line(material.note, size="small", margin=len(prefix)))
    return blocks


def _ticket_blocks(t: Ticket) -> list[Block]:
    blocks: list[Block] = [Line(t.hall_name, align="center", bold=True), Rule()]
    if t.priority_label:
        blocks.append(Line(f" {t.priority_label} ", size="large", align="center", inverse=True))
    blocks += [
        Line(t.number, size="huge", align="center", bold=True),
        Line(t.service_name, size="large", align="center"),
        Line(t.service_name_en, size="small", align="center"),
        Rule(),
        Line(f"前面等候：{t.people_ahead} 人  {together(f'People ahead: {t.people_ahead}')}"),
    ]
    if t.wait_minutes is None:
        blocks.append(Line(f"预计等候：暂无估计  {together('Est. wait: not known yet')}"))
    else:
        blocks.append(Line(f"预计等候：约 {t.wait_minutes} 分钟  {together(f'Est. wait: ~{t.wait_minutes} min')}"))
    blocks.append(Line(f"取号时间：{t.issued_at:%Y-%m-%d %H:%M}"))
    if t.item_name or t.materials:
        blocks += [Rule(), Line(f"办理事项：{t.item_name}", bold=True, indent=10)]
        if t.materials:
            blocks.append(Line("请备齐以下材料 Please bring:"))
            blocks += _material_blocks(t.materials)
    blocks += [
        Rule(),
        QrCode(t.status_url),
        Line(f"扫码查看排队进度 {together('Scan for live status')}", size="small", align="center"),
    ]
    if t.consult_phone:
        blocks.append(Line(f"咨询电话 {together(f'Phone: {t.consult_phone}')}", align="center"))
    if t.footer:
        blocks += [Gap(), Line(t.footer, align="center", bold=True)]
    return blocks


def _slip_head(title: str, title_en: str, hall_name: str, case_number: str, applicant: Applicant | None) -> list[Block]:
    blocks: list[Block] = [
        Line(hall_name, align="center"),
        Line(title, size="large", align="center", bold=True),
        Line(title_en, size="small", align="center"),
        Rule(),
    ]
    if case_number:
        blocks.append(Line(f"编号 No.: {case_number}"))
    if applicant and applicant.name:
        blocks.append(Line(f"申请人 Applicant: {applicant.name}"))
    if applicant and applicant.id_number:
        blocks.append(Line(f"证件号 ID: {mask_id(applicant.id_number)}"))
    if applicant and applicant.phone:
        blocks.append(Line(f"电话 Phone: {mask_phone(applicant.phone)}"))
    return blocks


def _slip_foot(clerk_name: str, staff_number: str, window: int | str, date: dt.date) -> list[Block]:
    return [
        Rule(),
        Line(f"经办人 Clerk: {clerk_name}（工号 {staff_number}）"),
        Line(f"窗口 Window: {window} 号"),
        Line(f"日期 Date: {date:%Y-%m-%d}"),
        Gap(),
        Line("申请人签收 Received by: ____________"),
    ]


def _incomplete_blocks(n: IncompleteNotice) -> list[Block]:
    blocks = _slip_head("补办件一次性告知单", "Notice of Missing Materials", n.hall_name, n.case_number, n.applicant)
    blocks += [
        Line(f"办理事项 Item: {n.item_name}", bold=True),
        Gap(),
        Line("经审查，您的申请尚缺以下材料，请一次补齐后再来办理："),
        Line("Your application lacks the materials below; please bring all of them:", size="small"),
        *_material_blocks(n.missing),
        Gap(),
        Line(f"依据 Legal basis: {n.legal_basis}"),
        Line(f"咨询电话 Phone: {n.contact_phone}"),
    ]
    return blocks + _slip_foot(n.clerk_name, n.staff_number, n.window, n.date)


def _returned_blocks(n: ReturnedNotice) -> list[Block]:
    blocks = _slip_head("退回件告知单", "Notice of Return", n.hall_name, n.case_number, n.applicant)
    blocks += [
        Line(f"办理事项 Item: {n.item_name}", bold=True),
        Gap(),
        Line("您的申请不予受理，理由如下 Your application is returned because:"),
        Line(mask_numbers_in_text(n.reason)),
        Gap(),
        Line("如对本决定有异议，可向中心主任申请复核。"),
        Line("You may ask the center director to review this decision.", size="small"),
        Line(f"咨询电话 Contact: {n.contact_phone}"),
        Line(f"监督电话 Supervision: {n.supervise_phone}"),
    ]
    return blocks + _slip_foot(n.clerk_name, n.staff_number, n.window, n.date)


def _promise_blocks(n: PromiseNotice) -> list[Block]:
    blocks = _slip_head("承诺件通知书", "Promise Notice", n.hall_name, n.case_number, n.applicant)
    blocks += [
        Line(f"办理事项 Item: {n.item_name}", bold=True),
        Line(f"受理日期 Accepted: {n.accepted_on:%Y-%m-%d}"),
        Line(f"承诺办结 Done by: {n.due_on:%Y-%m-%d}", bold=True),
        Gap(),
        Line("请于承诺办结日期后凭本通知书领取办理结果。"),
        Line("Collect the result with this notice after the due date.", size="small"),
        Line(f"咨询电话 Phone: {n.phone}"),
    ]
    return blocks + _slip_foot(n.clerk_name, n.staff_number, n.window, n.accepted_on)


# ---------------------------------------------------------------- wrapping

_CLOSING_PUNCTUATION = "，。、；：？！）》」』”’,.;:?!)]}%"
_OPENING_PUNCTUATION = "（《「『“‘([{"
_TOKEN = re.compile(r"[\x21-\x7e\xa0]+ *| +|.", re.DOTALL)
NO_BREAK = "\xa0"  # joins words that should move to the next line together; printed as a space


def together(phrase: str) -> str:
    """Keep a short phrase on one line ("Est. wait: ~12 min" never splits after "wait:")."""
    return phrase.replace(" ", NO_BREAK)


def _tokens(text: str) -> list[str]:
    """Latin words stay whole; each Chinese character is its own token; punctuation sticks to its word
    (no line starts with a closing mark or ends with an opening one)."""
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        glue_left = token[0] in _CLOSING_PUNCTUATION and not tokens[-1].endswith(" ") if tokens else False
        if glue_left or (tokens and tokens[-1] in _OPENING_PUNCTUATION and token.strip()):
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


def wrap(text: str, width: float, measure: Callable[[str], float], indent: float = 0) -> list[str]:
    """Break text into lines no wider than `width`; continuation lines have `indent` less room."""
    lines: list[str] = []
    current = ""
    room = width
    for token in _tokens(text):
        if measure((current + token).rstrip()) <= room:
            current += token
            continue
        if current.strip():
            lines.append(current.rstrip())
            room = width - indent
            token = token.lstrip()
        while measure(token.rstrip()) > room:  # longer than a whole line (a URL): cut it by characters
            cut = _longest_fitting_prefix(token, room, measure)
            lines.append(token[:cut])
            token = token[cut:]
            room = width - indent
        current = token
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return [line.replace(NO_BREAK, " ") for line in lines]


def _longest_fitting_prefix(token: str, room: float, measure: Callable[[str], float]) -> int:
    cut = 1  # always make progress, even if one character is wider than the room
    while cut < len(token) and measure(token[: cut + 1]) <= room:
        cut += 1
    return cut


# ---------------------------------------------------------------- the 1-bit image

_FONT_PX = {"small": 20, "normal": 24, "large": 32}
_HUGE_PX_MAX = {384: 120, 576: 160}
_LINE_SPACING = 4
_COLUMN_PX = _FONT_PX["normal"] // 2
_QR_SHARE_OF_WIDTH = 0.55


@functools.lru_cache(maxsize=32)
def font(size_px: int) -> ImageFont.FreeTypeFont:
    """The bundled Chinese font at a pixel size; loaded once per size."""
    return ImageFont.truetype(str(FONT_PATH), size_px)


@functools.lru_cache(maxsize=32)
def _advance_widths(size_px: int) -> dict[str, float]:
    return {}


def text_width(text: str, size_px: int) -> float:
    """Width in dots of `text` at a size: the sum of cached per-character advances (the font has no kerning
    between Chinese characters, and measuring each candidate line with Pillow is what made wrapping slow)."""
    widths = _advance_widths(size_px)
    total = 0.0
    for char in text.replace(NO_BREAK, " "):
        width = widths.get(char)
        if width is None:
            width = widths[char] = font(size_px).getlength(char)
        total += width
    return total


def warm_up(paper_mm: int = 58) -> None:
    """Load the fonts ahead of the first ticket (call at kiosk start-up)."""
    render_image(sample_ticket(priority_label="绿色通道"), paper_mm)


def _font_px(line: Line, width: int, dots: int) -> int:
    if line.size != "huge":
        return _FONT_PX[line.size]
    px = _HUGE_PX_MAX.get(dots, 120)
    while px > _FONT_PX["large"] and text_width(line.text, px) > width:
        px -= 8
    return px


def _line_strips(line: Line, dots: int) -> list[Image.Image]:
    margin_px = SIDE_MARGIN + line.margin * _COLUMN_PX
    width = dots - SIDE_MARGIN - margin_px
    size_px = _font_px(line, width, dots)
    face = font(size_px)
    ascent, descent = face.getmetrics()
    strips = []
    measure = functools.partial(text_width, size_px=size_px)
    for row, text in enumerate(wrap(line.text, width, measure, line.indent * _COLUMN_PX)):
        strip = Image.new("1", (dots, ascent + descent + _LINE_SPACING), 1)
        draw = ImageDraw.Draw(strip)
        text_px = face.getlength(text)
        x: float = margin_px + (line.indent * _COLUMN_PX if row else 0)
        if line.align == "center":
            x = (dots - text_px) / 2
        ink = 0
        if line.inverse:
            draw.rectangle((x - 4, 0, x + text_px + 4, ascent + descent + 1), fill=0)
            ink = 1
        for dx in (0, 1) if line.bold else (0,):  # a second pass one dot right: bold without a bold face
            draw.text((x + dx, 1), text, font=face, fill=ink)
        strips.append(strip)
    return strips


def _rule_strip(dots: int) -> Image.Image:
    strip = Image.new("1", (dots, 13), 1)
    ImageDraw.Draw(strip).line((SIDE_MARGIN, 6, dots - SIDE_MARGIN, 6), fill=0, width=2)
    return strip


@functools.lru_cache(maxsize=64)
def qr_modules(data: str) -> int:
    """Modules per side of the QR code for `data` (error correction M, no border)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    return code.best_fit() * 4 + 17  # the version alone fixes the size; no need to choose a mask


def qr_module_dots(data: str, dots: int) -> int:
    """Dots per QR module so the code takes about half the paper width (native command allows 1–16)."""
    return max(1, min(16, int(dots * _QR_SHARE_OF_WIDTH) // qr_modules(data)))


def _qr_strip(data: str, dots: int) -> Image.Image:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, box_size=qr_module_dots(data, dots)
    )
    code.add_data(data)
    code.make(fit=True)
    picture = code.make_image().get_image().convert("1")
    strip = Image.new("1", (dots, picture.height + 16), 1)
    strip.paste(picture, ((dots - picture.width) // 2, 8))
    return strip


def _stack(strips: Sequence[Image.Image], dots: int) -> Image.Image:
    image = Image.new("1", (dots, sum(s.height for s in strips)), 1)
    top = 0
    for strip in strips:
        image.paste(strip, (0, top))
        top += strip.height
    return image


def render_segments(blocks: Sequence[Block], dots: int, native_qr: bool) -> list[Image.Image | QrCode]:
    """Images of the blocks, split around each QR code when the printer draws the QR itself."""
    segments: list[Image.Image | QrCode] = []
    strips: list[Image.Image] = []
    for block in blocks:
        match block:
            case Line():
                strips += _line_strips(block, dots)
            case Rule():
                strips.append(_rule_strip(dots))
            case Gap():
                strips.append(Image.new("1", (dots, 12), 1))
            case QrCode() if native_qr:
                if strips:
                    segments.append(_stack(strips, dots))
                strips = []
                segments.append(block)
            case QrCode():
                strips.append(_qr_strip(block.data, dots))
    if strips:
        segments.append(_stack(strips, dots))
    return segments


def render_image(doc: Document, paper_mm: int = 58) -> Image.Image:
    """The whole document as one 1-bit image, QR code included (for screens, PNG and PDF)."""
    dots = paper_dots(paper_mm)
    segments = render_segments(layout(doc), dots, native_qr=False)
    return _stack([s for s in segments if isinstance(s, Image.Image)], dots)


def render_png(doc: Document, path: str | Path, paper_mm: int = 58) -> Path:
    path = Path(path)
    render_image(doc, paper_mm).save(path, "PNG")
    return path


def render_pdf(doc: Document, path: str | Path, paper_mm: int = 58) -> Path:
    """A PDF page the size of the paper strip (203 dpi)."""
    path = Path(path)
    render_image(doc, paper_mm).save(path, "PDF", resolution=DOTS_PER_INCH)
    return path


def sample_ticket(**changes: object) -> Ticket:
    """A filled-in ticket for warm-up, demos and tests; keyword arguments replace fields."""
    ticket = Ticket(
        hall_name="便民服务中心",
        number="A001",
        service_name="综合受理",
        service_name_en="General Services",
        people_ahead=3,
        wait_minutes=12,
        issued_at=dt.datetime(2026, 11, 21, 9, 5),
        status_url="http://hallq.local/t/20261121-A001",
        item_name="居民身份证换领",
        materials=(Material("居民户口簿", "原件1份"), Material("近期免冠照片", "2张", "白底，半年内拍摄")),
        consult_phone="0571-88001234",
    )
    return dataclasses.replace(ticket, **changes)  # type: ignore[arg-type]
