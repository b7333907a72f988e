"""Drawing what the hall prints: documents (hardware/documents.py) as a 1-bit image, PNG or PDF.

`render_image()` lays a document out (`documents.layout`) and draws its blocks with the bundled Chinese font
at the printer's 203 dpi; `render_segments()` is the same drawing split around QR codes for printers that
draw the QR themselves. `wrap()` breaks text to the paper the way both print modes (image here, ESC/POS text
in hardware/printer.py) break it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from hardware.documents import NO_BREAK, Block, Document, Gap, Line, QrCode, Rule, layout, sample_ticket

FONT_PATH = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "wqy-microhei.ttc"
PAPER_DOTS = {58: 384, 80: 576}  # printable dots per line at 203 dpi
DOTS_PER_INCH = 203.2
SIDE_MARGIN = 4  # dots kept blank on each side of the image


def paper_dots(paper_mm: int) -> int:
    """Printable width in dots of a 58 mm or 80 mm roll."""
    if paper_mm not in PAPER_DOTS:
        raise ValueError(
            f"纸宽只能是 58 或 80 毫米，实际为 {paper_mm!r} / Paper width must be 58 or 80 mm, got {paper_mm!r}"
        )
    return PAPER_DOTS[paper_mm]


# ---------------------------------------------------------------- wrapping

_CLOSING_PUNCTUATION = "，。、；：？！）》」』”’,.;:?!)]}%"
_OPENING_PUNCTUATION = "（《「『“‘([{"
_TOKEN = re.compile(r"[\x21-\x7e\xa0]+ *| +|.", re.DOTALL)


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
