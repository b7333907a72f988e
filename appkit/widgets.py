"""Shared widgets: BigButton, HeaderBar, StatusBanner, BilingualLabel (styles in the kv string below).

Chinese always comes first and large, English second and smaller. Sizes follow ``theme.ui.ui_scale``, so the
kiosk's large-text mode grows every one of these at once. Use them from Python or from kv (importing this
module registers the classes with Kivy's Factory)::

    BigButton:
        text_zh: "户籍业务"
        text_en: "Household Registration"
        kind: "primary"            # primary | danger | success | neutral
        on_release: app.choose("household")

The kv rules are kept in this module (not a .kv file) so they ship with the package without package-data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from appkit.boot import ensure_prepared

ensure_prepared()

from kivy.clock import Clock, ClockEvent  # noqa: E402
from kivy.lang import Builder  # noqa: E402
from kivy.properties import (  # noqa: E402
    BooleanProperty,
    ColorProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior  # noqa: E402
from kivy.uix.boxlayout import BoxLayout  # noqa: E402

from appkit import palette  # noqa: E402
from appkit.palette import BANNER_STYLES, BUTTON_STYLES, rgba  # noqa: E402

OFFLINE_MESSAGE_ZH = "与服务器的连接已断开，正在重连…"
OFFLINE_MESSAGE_EN = "Reconnecting to the server…"
WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")

KV = """
#:import theme appkit.theme

<BigButton>:
    orientation: "vertical"
    padding: theme.mm(3), theme.mm(2)
    spacing: theme.mm(0.5)
    size_hint_min_y: max(theme.touch_target_px(), self.minimum_height)
    size_hint_min_x: theme.touch_target_px()
    canvas.before:
        Color:
            rgba: self.background_rgba
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [theme.mm(theme.CORNER_RADIUS_MM)]
        Color:
            rgba: self.border_rgba
        Line:
            width: 1.2
            rounded_rectangle: self.x + 1, self.y + 1, self.width - 2, self.height - 2, theme.mm(theme.CORNER_RADIUS_MM)
    Widget:
    Label:
        id: zh_label
        text: root.text_zh
        color: root.text_rgba
        font_size: theme.font_px(root.zh_role, theme.ui.ui_scale)
        halign: "center"
        text_size: self.width, None
        size_hint_y: None
        height: self.texture_size[1]
    Label:
        id: en_label
        text: root.text_en
        color: root.text_rgba
        font_size: theme.font_px(root.en_role, theme.ui.ui_scale)
        halign: "center"
        text_size: self.width, None
        size_hint_y: None
        height: self.texture_size[1] if root.text_en else 0
        opacity: 1 if root.text_en else 0
    Widget:

<BilingualLabel>:
    orientation: "vertical"
    size_hint_y: None
    height: self.minimum_height
    spacing: theme.mm(0.5) if self.text_en else 0
    Label:
        id: zh_label
        text: root.text_zh
        color: root.color
        font_size: theme.font_px(root.zh_role, theme.ui.ui_scale)
        halign: root.halign
        text_size: self.width, None
        size_hint_y: None
        height: self.texture_size[1]
    Label:
        id: en_label
        text: root.text_en
        color: root.en_color
        font_size: theme.font_px(root.en_role, theme.ui.ui_scale)
        halign: root.halign
        text_size: self.width, None
        size_hint_y: None
        height: self.texture_size[1] if root.text_en else 0
        opacity: 1 if root.text_en else 0

<HeaderBar>:
    orientation: "horizontal"
    size_hint_y: None
    height: max(theme.touch_target_px(), title.height + self.padding[1] + self.padding[3])
    padding: theme.mm(4), theme.mm(2)
    spacing: theme.mm(4)
    canvas.before:
        Color:
            rgba: theme.rgba(theme.HEADER_BG)
        Rectangle:
            pos: self.pos
            size: self.size
    BilingualLabel:
        id: title
        text_zh: root.hall_name
        text_en: root.hall_name_en
        zh_role: "header"
        en_role: "body_en"
        color: theme.rgba(theme.ON_HEADER)
        en_color: theme.rgba(theme.ON_HEADER)
        halign: "left"
        pos_hint: {"center_y": 0.5}
    BoxLayout:
        id: extra
        size_hint_x: None
        width: self.minimum_width
    Label:
        id: clock_label
        text: root.clock_text
        color: theme.rgba(theme.ON_HEADER)
        font_size: theme.font_px("body", theme.ui.ui_scale)
        size_hint_x: None
        width: self.texture_size[0] if root.show_clock else 0
        opacity: 1 if root.show_clock else 0

<StatusBanner>:
    orientation: "vertical"
    size_hint_y: None
    height: (message.height + self.padding[1] + self.padding[3]) if self.shown else 0
    opacity: 1 if self.shown else 0
    disabled: not self.shown
    padding: theme.mm(4), theme.mm(1.5)
    canvas.before:
        Color:
            rgba: self.background_rgba
        Rectangle:
            pos: self.pos
            size: self.size
    BilingualLabel:
        id: message
        text_zh: root.message_zh
        text_en: root.message_en
        zh_role: "banner"
        en_role: "body_en"
        color: root.text_rgba
        en_color: root.text_rgba
        halign: "center"
"""


class BigButton(ButtonBehavior, BoxLayout):
    """A large rounded touch button (≥ 15 mm) with a Chinese first line and a smaller English second line."""

    text_zh = StringProperty("")
    text_en = StringProperty("")
    kind = OptionProperty("primary", options=[kind for kind in BUTTON_STYLES if kind != "disabled"])
    zh_role = StringProperty("button")
    en_role = StringProperty("button_en")
    background_rgba = ColorProperty(rgba(palette.PRIMARY))
    text_rgba = ColorProperty(rgba(palette.ON_PRIMARY))
    border_rgba = ColorProperty((0, 0, 0, 0))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("kind", self._restyle)
        self.fbind("state", self._restyle)
        self.fbind("disabled", self._restyle)
        self._restyle()

    def _restyle(self, *_args: Any) -> None:
        style = BUTTON_STYLES["disabled" if self.disabled else self.kind]
        self.background_rgba = rgba(style.pressed if self.state == "down" else style.background)
        self.text_rgba = rgba(style.text)
        self.border_rgba = rgba(palette.NEUTRAL_BORDER) if self.kind == "neutral" else (0, 0, 0, 0)


class BilingualLabel(BoxLayout):
    """Chinese text (large) above its English translation (small); height follows the text."""

    text_zh = StringProperty("")
    text_en = StringProperty("")
    zh_role = StringProperty("title")
    en_role = StringProperty("title_en")
    color = ColorProperty(rgba(palette.TEXT))
    en_color = ColorProperty(rgba(palette.TEXT_MUTED))
    halign = OptionProperty("center", options=["left", "center", "right"])


def format_clock(moment: datetime) -> str:
    """Header clock text, e.g. ``2025-05-06 星期二 14:03``."""
    return f"{moment:%Y-%m-%d} 星期{WEEKDAYS_ZH[moment.weekday()]} {moment:%H:%M}"


class HeaderBar(BoxLayout):
    """Deep-blue top bar: hall name (zh + en) on the left, a slot ``ids.extra`` and a live clock on the right."""

    hall_name = StringProperty("")
    hall_name_en = StringProperty("")
    clock_text = StringProperty("")
    show_clock = BooleanProperty(True)
    now = ObjectProperty(datetime.now)  # a callable returning datetime; tests pass a fixed one

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tick_event: ClockEvent | None = None
        self.fbind("parent", self._on_parent_changed)
        self.fbind("now", self.refresh_clock)
        self.refresh_clock()

    def refresh_clock(self, *_args: Any) -> None:
        now: Callable[[], datetime] = self.now
        self.clock_text = format_clock(now())

    def _on_parent_changed(self, _instance: HeaderBar, parent: Any) -> None:
        # Tick only while shown, so a removed header does not keep a Clock event alive.
        if parent is not None and self._tick_event is None:
            self._tick_event = Clock.schedule_interval(self.refresh_clock, 1.0)
        elif parent is None and self._tick_event is not None:
            self._tick_event.cancel()
            self._tick_event = None


class StatusBanner(BoxLayout):
    """A full-width banner for offline/error/warning messages; zero height while hidden."""

    message_zh = StringProperty(OFFLINE_MESSAGE_ZH)
    message_en = StringProperty(OFFLINE_MESSAGE_EN)
    kind = OptionProperty("offline", options=list(BANNER_STYLES))
    shown = BooleanProperty(False)
    background_rgba = ColorProperty(rgba(BANNER_STYLES["offline"][0]))
    text_rgba = ColorProperty(rgba(BANNER_STYLES["offline"][1]))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("kind", self._restyle)
        self._restyle()

    def show(self, message_zh: str | None = None, message_en: str | None = None, kind: str = "offline") -> None:
        """Show a message; without text it shows the standard 'reconnecting' message."""
        self.kind = kind
        self.message_zh = OFFLINE_MESSAGE_ZH if message_zh is None else message_zh
        self.message_en = OFFLINE_MESSAGE_EN if message_en is None else message_en
        self.shown = True

    def hide(self) -> None:
        self.shown = False

    def _restyle(self, *_args: Any) -> None:
        background, text = BANNER_STYLES[self.kind]
        self.background_rgba = rgba(background)
        self.text_rgba = rgba(text)


Builder.load_string(KV, filename="appkit/widgets.kv")
