"""Kivy side of the theme: physical sizes, font sizes and the large-text scale apps bind to.

Colours and constants live in :mod:`appkit.palette` (pure Python) and are re-exported here, so kv files
need only ``#:import theme appkit.theme``. Large-text mode (the kiosk's 老年模式) is one shared
EventDispatcher, ``theme.ui``; bind to ``ui.ui_scale`` so sizes update live::

    #:import theme appkit.theme
    Label:
        font_size: theme.font_px("body", theme.ui.ui_scale)

    theme.ui.large_text = True   # every bound size grows by LARGE_TEXT_SCALE
"""

from __future__ import annotations

from appkit.boot import ensure_prepared
from appkit.palette import *  # noqa: F403  (re-export: kv files read colours from this module)
from appkit.palette import FONT_SP, LARGE_TEXT_SCALE, MIN_TOUCH_MM, rgba

ensure_prepared()

from kivy.event import EventDispatcher  # noqa: E402
from kivy.metrics import dp, sp  # noqa: E402
from kivy.metrics import mm as kivy_mm  # noqa: E402
from kivy.properties import BooleanProperty, BoundedNumericProperty  # noqa: E402

__all__ = ["UiScale", "dp", "font_px", "mm", "rgba", "touch_target_px", "ui"]


class UiScale(EventDispatcher):
    """``ui_scale`` (0.5–3) multiplies every themed font size; ``large_text`` switches it to LARGE_TEXT_SCALE and back."""

    ui_scale = BoundedNumericProperty(1.0, min=0.5, max=3.0)
    large_text = BooleanProperty(False)

    def on_large_text(self, _instance: UiScale, enabled: bool) -> None:
        self.ui_scale = LARGE_TEXT_SCALE if enabled else 1.0


ui = UiScale()


def mm(millimetres: float) -> float:
    """Physical millimetres → pixels on this screen (Kivy's dpi; override with env KIVY_DPI)."""
    return float(kivy_mm(millimetres))


def touch_target_px() -> float:
    """The minimum touch target (15 mm) in pixels."""
    return mm(MIN_TOUCH_MM)


def font_px(role: str, scale: float | None = None) -> float:
    """Font size in pixels for a role in FONT_SP ("body", "button", ...), times ``scale`` (default ui.ui_scale).

    In kv pass ``theme.ui.ui_scale`` explicitly, so Kivy re-evaluates the rule when it changes.
    """
    if role not in FONT_SP:
        raise KeyError(f"未知的字号角色 {role!r} / unknown font role {role!r}; known: {', '.join(FONT_SP)}")
    return float(sp(FONT_SP[role])) * (ui.ui_scale if scale is None else scale)
