"""HallQ colours and size constants, pure Python (no Kivy): presenters and their tests may import this.

A calm government-hall palette: deep blue header, white and light-grey surfaces, a clear red for warnings
and overdue items, green for "go" and priority. Every text/background pair a widget uses is listed in
``TEXT_PAIRS`` and checked against WCAG 2.x AA by the tests (4.5:1 normal text, 3:1 large text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ColourLike = str | Sequence[float]

# Surfaces and text
BACKGROUND = "#F2F5F9"
SURFACE = "#FFFFFF"
TEXT = "#1A1A1A"
TEXT_MUTED = "#4A5563"

# Header bar
HEADER_BG = "#0B3D91"
ON_HEADER = "#FFFFFF"

# Actions: primary (blue), danger/overdue (red), success/priority (green), neutral (white)
PRIMARY = "#1557B0"
PRIMARY_PRESSED = "#0E3F82"
ON_PRIMARY = "#FFFFFF"
DANGER = "#C62828"
DANGER_PRESSED = "#9E1F1F"
ON_DANGER = "#FFFFFF"
SUCCESS = "#1B7F3B"
SUCCESS_PRESSED = "#14602C"
ON_SUCCESS = "#FFFFFF"
NEUTRAL = SURFACE
NEUTRAL_PRESSED = "#DCE3EC"
NEUTRAL_BORDER = "#8A96A6"
ON_NEUTRAL = TEXT
DISABLED_BG = "#C9CFD6"
ON_DISABLED = TEXT_MUTED

# Banners: offline/error (red), warning/info (amber)
WARNING_BG = "#FFC107"
ON_WARNING = TEXT

# Hall display (dark, seen from afar)
DISPLAY_BG = "#0A1F44"
ON_DISPLAY = "#FFFFFF"
DISPLAY_HIGHLIGHT = "#FFD54F"
DISPLAY_MUTED = "#B0BCCB"


@dataclass(frozen=True)
class ButtonStyle:
    """Colours of one button kind: normal and pressed background, text colour."""

    background: str
    pressed: str
    text: str


BUTTON_STYLES: dict[str, ButtonStyle] = {
    "primary": ButtonStyle(PRIMARY, PRIMARY_PRESSED, ON_PRIMARY),
    "danger": ButtonStyle(DANGER, DANGER_PRESSED, ON_DANGER),
    "success": ButtonStyle(SUCCESS, SUCCESS_PRESSED, ON_SUCCESS),
    "neutral": ButtonStyle(NEUTRAL, NEUTRAL_PRESSED, ON_NEUTRAL),
    "disabled": ButtonStyle(DISABLED_BG, DISABLED_BG, ON_DISABLED),
}

BANNER_STYLES: dict[str, tuple[str, str]] = {
    # kind: (background, text)
    "offline": (DANGER, ON_DANGER),
    "error": (DANGER, ON_DANGER),
    "warning": (WARNING_BG, ON_WARNING),
    "info": (PRIMARY, ON_PRIMARY),
}


@dataclass(frozen=True)
class TextPair:
    """A text colour on a background colour; ``large`` text (≥ 24 px, or ≥ 18.7 px bold) needs only 3:1."""

    name: str
    text: str
    background: str
    large: bool = False


def _button_pairs() -> list[TextPair]:
    pairs = []
    for kind, style in BUTTON_STYLES.items():
        pairs.append(TextPair(f"button {kind}", style.text, style.background))
        pairs.append(TextPair(f"button {kind} pressed", style.text, style.pressed))
    return pairs


TEXT_PAIRS: tuple[TextPair, ...] = (
    TextPair("body on background", TEXT, BACKGROUND),
    TextPair("body on surface", TEXT, SURFACE),
    TextPair("muted on background", TEXT_MUTED, BACKGROUND),
    TextPair("muted on surface", TEXT_MUTED, SURFACE),
    TextPair("overdue on surface", DANGER, SURFACE),
    TextPair("overdue on background", DANGER, BACKGROUND),
    TextPair("priority on surface", SUCCESS, SURFACE),
    TextPair("header", ON_HEADER, HEADER_BG),
    *_button_pairs(),
    *(TextPair(f"banner {kind}", text, background) for kind, (background, text) in BANNER_STYLES.items()),
    TextPair("display text", ON_DISPLAY, DISPLAY_BG),
    TextPair("display highlight", DISPLAY_HIGHLIGHT, DISPLAY_BG),
    TextPair("display muted", DISPLAY_MUTED, DISPLAY_BG),
)

# Sizes. Touch targets in millimetres (physical size), fonts in sp (scaled by the ui_scale in theme.py).
MIN_TOUCH_MM = 15.0
SPACING_MM = 2.0
CORNER_RADIUS_MM = 2.0
LARGE_TEXT_SCALE = 1.5  # the kiosk's elderly mode (老年模式): at least 1.5× (issue 9)

FONT_SP: dict[str, float] = {
    "caption": 16,
    "body": 22,
    "body_en": 16,
    "button": 28,
    "button_en": 18,
    "title": 34,
    "title_en": 20,
    "header": 30,
    "banner": 22,
    "display_number": 96,
}


def rgba(colour: ColourLike, alpha: float | None = None) -> tuple[float, float, float, float]:
    """``"#RRGGBB"``/``"#RRGGBBAA"`` or a 3/4-tuple of 0..1 floats → an RGBA tuple of floats (Kivy's format)."""
    if isinstance(colour, str):
        red, green, blue, own_alpha = _parse_hex(colour)
    else:
        values = tuple(float(value) for value in colour)
        if len(values) not in (3, 4) or not all(0.0 <= value <= 1.0 for value in values):
            raise ValueError(f"颜色 {colour!r} 无效，应为 3 或 4 个 0–1 的数 / colour must be 3 or 4 numbers in 0..1")
        red, green, blue = values[:3]
        own_alpha = values[3] if len(values) == 4 else 1.0
    return red, green, blue, own_alpha if alpha is None else alpha


def relative_luminance(colour: ColourLike) -> float:
    """WCAG 2.x relative luminance of an opaque colour (0 black … 1 white)."""
    red, green, blue, _alpha = rgba(colour)
    return 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)


def contrast_ratio(foreground: ColourLike, background: ColourLike) -> float:
    """WCAG contrast ratio (1 … 21). A translucent foreground is first blended over the background."""
    text = _blend_over(rgba(foreground), rgba(background))
    lighter, darker = sorted((relative_luminance(text), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def meets_aa(pair: TextPair) -> bool:
    """True when the pair reaches WCAG AA for its text size."""
    return contrast_ratio(pair.text, pair.background) >= (3.0 if pair.large else 4.5)


def _parse_hex(colour: str) -> tuple[float, float, float, float]:
    digits = colour.strip().removeprefix("#")
    if len(digits) not in (6, 8):
        raise ValueError(f"颜色 {colour!r} 无效，应为 #RRGGBB / colour must look like #RRGGBB")
    try:
        channels = [int(digits[index : index + 2], 16) / 255 for index in range(0, len(digits), 2)]
    except ValueError:
        raise ValueError(f"颜色 {colour!r} 无效，应为 #RRGGBB / colour must look like #RRGGBB") from None
    if len(channels) == 3:
        channels.append(1.0)
    return channels[0], channels[1], channels[2], channels[3]


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _blend_over(
    top: tuple[float, float, float, float], bottom: tuple[float, float, float, float]
) -> tuple[float, float, float]:
    alpha = top[3]
    red, green, blue = (alpha * top[index] + (1 - alpha) * bottom[index] for index in range(3))
    return red, green, blue
