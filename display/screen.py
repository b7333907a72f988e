"""The hall screen's widgets (layout in display.kv): shows a ``HallView``, flashes new calls, scrolls the notice, and
the honour roll (光荣榜) in place of the calls or in a band under them, as the hall chose."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from appkit.boot import ensure_prepared

ensure_prepared()

from kivy.clock import Clock, ClockEvent  # noqa: E402
from kivy.factory import Factory  # noqa: E402
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty  # noqa: E402
from kivy.uix.boxlayout import BoxLayout  # noqa: E402
from kivy.uix.gridlayout import GridLayout  # noqa: E402
from kivy.uix.label import Label  # noqa: E402

import appkit.widgets  # noqa: E402, F401  (registers StatusBanner for display.kv)
from appkit.palette import DISPLAY_HIGHLIGHT, DISPLAY_MUTED, ON_DISPLAY, rgba  # noqa: E402
from appkit.widgets import format_clock  # noqa: E402
from display.presenter import HallView, HonourRoll, WindowRow  # noqa: E402

RECENT_ROWS = 8  # the recent-calls grid: 4 rows of 2
FLASH_TOGGLES = 8  # four blinks
FLASH_INTERVAL_S = 0.4
TICKER_PX_PER_S = 120.0
FLAG_RED = "#FF8A80"  # the red flag's window names: light red on the dark screen (contrast ≥ 4.5:1)
STATE_COLOURS = {
    "called": DISPLAY_HIGHLIGHT,
    "serving": ON_DISPLAY,
    "idle": DISPLAY_MUTED,
    "paused": "#FF8A80",
    "closed": DISPLAY_MUTED,
}


def markup_width(text: str, font_size: float) -> float:
    """How wide ``text`` (with markup) renders on one line in the default font."""
    from kivy.core.text.markup import MarkupLabel

    label = MarkupLabel(text=text, font_size=font_size, markup=True)
    label.refresh()
    return float(label.content_width)


class WindowRowView(BoxLayout):
    window_text = StringProperty("")
    state_zh = StringProperty("")
    state_en = StringProperty("")
    state_rgba = ColorProperty(rgba(ON_DISPLAY))
    row_rgba = ColorProperty((1, 1, 1, 0.04))

    def show(self, row: WindowRow) -> None:
        self.window_text = f"{row.number}号"
        self.state_zh = row.state_zh
        self.state_en = row.state_en
        self.state_rgba = rgba(STATE_COLOURS[row.state])
        self.row_rgba = (1, 1, 1, 0.10) if row.state == "called" else (1, 1, 1, 0.04)


def wrapped_label(text: str, font_size: float, colour: str, halign: str = "left", bold: bool = False) -> Label:
    """A label as tall as its text wrapped to its width (markup on)."""
    label = Label(text=text, font_size=font_size, color=rgba(colour), size_hint_y=None, markup=True, bold=bold)
    label.halign, label.valign = halign, "middle"
    label.bind(width=lambda widget, width: setattr(widget, "text_size", (width, None)))
    label.bind(texture_size=lambda widget, size: setattr(widget, "height", size[1]))
    return label


class HonourRollView(BoxLayout):
    """The honour roll in place of the calls: the red flag, the model windows, the model clerks (names only)."""

    def show(self, roll: HonourRoll, u: float) -> None:
        body = self.ids.roll_body
        body.clear_widgets()
        if roll.red_flag:
            body.add_widget(
                wrapped_label(f"流动红旗 · {roll.red_flag_month}  [size={round(28 * u)}]Red flag · {roll.red_flag_month_en}"
                              "[/size]", 34 * u, DISPLAY_MUTED)
            )  # fmt: skip
            body.add_widget(wrapped_label("　".join(roll.red_flag), 66 * u, FLAG_RED, "center", bold=True))
        if roll.windows:
            title = roll.window_title or "优质服务窗口"
            body.add_widget(
                wrapped_label(f"{title} · {roll.period}  [size={round(28 * u)}]Model windows · {roll.period_en}[/size]",
                              34 * u, DISPLAY_MUTED)
            )  # fmt: skip
            body.add_widget(
                self._grid([wrapped_label(w, 44 * u, DISPLAY_HIGHLIGHT, bold=True) for w in roll.windows], 3)
            )
        if roll.staff:
            title = roll.staff_title or "优秀服务标兵"
            body.add_widget(
                wrapped_label(f"{title} · {roll.period}  [size={round(28 * u)}]Model clerks · {roll.period_en}[/size]",
                              34 * u, DISPLAY_MUTED)
            )  # fmt: skip
            cells = []
            for clerk in roll.staff:
                detail = " · ".join(part for part in (clerk.window, clerk.title) if part)
                small = f"  [size={round(30 * u)}][color={DISPLAY_MUTED}]{detail}[/color][/size]" if detail else ""
                cells.append(wrapped_label(f"[b]{clerk.name}[/b]{small}", 42 * u, ON_DISPLAY))
            body.add_widget(self._grid(cells, 2))

    @staticmethod
    def _grid(cells: list[Label], cols: int) -> GridLayout:
        grid = GridLayout(cols=cols, size_hint_y=None, spacing=(24, 6))
        grid.bind(minimum_height=grid.setter("height"))
        for cell in cells:
            grid.add_widget(cell)
        return grid


class HallScreen(BoxLayout):
    hall_name = StringProperty("")
    hall_name_en = StringProperty("")
    clock_text = StringProperty("")
    latest_text = StringProperty("")
    latest_text_en = StringProperty("")
    notice = StringProperty("")
    status_text = StringProperty("")
    flash_on = BooleanProperty(False)
    honour_line = StringProperty("")
    honour_line_size = NumericProperty(0.0)

    def __init__(self, unit: Callable[[], float], now: Callable[[], datetime] = datetime.now, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._unit = unit
        self._now = now
        self._call_serial = 0
        self._flash_left = 0
        self._flash_event: ClockEvent | None = None
        self._window_views: dict[int, WindowRowView] = {}
        self._ticker_x: float | None = None
        self._fits: dict[tuple[str, float, int], float] = {}
        self._calls_columns: list[Any] = []  # the middle's own children (calls, windows) while the roll stands in
        self._roll_view: HonourRollView | None = None
        self._roll_shown: tuple[Any, ...] | None = None  # what the roll widgets were last built from

    # ---- showing a view -----------------------------------------------------------------------------

    def show(self, view: HallView) -> None:
        self.hall_name, self.hall_name_en = view.name or "便民服务中心", view.name_en
        self.notice = view.notice
        latest = view.latest
        self.latest_text = latest.text if latest else ""
        self.latest_text_en = (latest.text_en if latest else "") or ""
        if view.call_serial != self._call_serial:
            if self._call_serial or view.call_serial:
                self.flash()
            self._call_serial = view.call_serial
        self._show_recent(view)
        self._show_waiting(view)
        self._show_windows(view.windows)
        self._show_connection(view)
        self._show_honours(view)
        self.status_text = "  ·  ".join(view.warnings)

    @property
    def showing_honours(self) -> bool:
        return self._roll_view is not None and self._roll_view.parent is not None

    def _show_honours(self, view: HallView) -> None:
        """Rotate: the roll replaces the calls and windows while ``showing_honours``; panel: a band under the calls."""
        middle = self.ids.middle
        if not self._calls_columns:
            self._calls_columns = list(reversed(middle.children))
        u = self._unit()
        if view.showing_honours and view.honours is not None:
            if self._roll_view is None:
                self._roll_view = HonourRollView()
            key = (view.honours, round(u, 3))
            if self._roll_shown != key:
                self._roll_view.show(view.honours, u)
                self._roll_shown = key
            if self._roll_view.parent is None:
                middle.clear_widgets()
                middle.add_widget(self._roll_view)
        elif self.showing_honours:
            middle.clear_widgets()
            for column in self._calls_columns:
                middle.add_widget(column)
        self.honour_line = view.honour_line
        if view.honour_line:  # shrunk to fit its width (down to 60 %) rather than cut
            self.honour_line_size = self._fitting_size(view.honour_line, 32 * u, self.ids.honour_line.width)

    def _show_recent(self, view: HallView) -> None:
        grid = self.ids.recent_grid
        grid.clear_widgets()
        u = self._unit()
        column = (grid.width - grid.padding[0] - grid.padding[2] - grid.spacing[0] * (grid.cols - 1)) / grid.cols
        for row in view.earlier[:RECENT_ROWS]:
            # "（重呼）" smaller than the number, and the whole line shrunk if it still would not fit: never cut
            mark = f"[size={round(34 * u)}]（重呼）[/size]" if row.recall else ""
            text = f"{row.number} → {row.window}号窗口{mark}"
            size = self._fitting_size(text, 48 * u, column)
            label = self._label(text, size, ON_DISPLAY, height=64 * u, halign="left", markup=True)
            label.shorten = False
            grid.add_widget(label)

    def _fitting_size(self, text: str, font_size: float, width: float) -> float:
        """The largest font size ≤ font_size (down to 60 %) at which the markup text is at most width wide."""
        if width <= 0:
            return font_size
        key = (text, round(font_size, 1), round(width))
        if key not in self._fits:
            if len(self._fits) > 512:  # a day's numbers at a few window sizes; start again now and then
                self._fits.clear()
            size = font_size
            while size > font_size * 0.6 and markup_width(text, size) > width:
                size *= 0.94
            self._fits[key] = size
        return self._fits[key]

    def _show_waiting(self, view: HallView) -> None:
        grid = self.ids.waiting_grid
        grid.clear_widgets()
        u = self._unit()
        for row in view.waiting:
            text = f"{row.name}  [b][color=#FFD54F]{row.count}[/color][/b]"
            grid.add_widget(self._label(text, 30 * u, ON_DISPLAY, height=42 * u, halign="left", markup=True))

    def _show_windows(self, rows: tuple[WindowRow, ...]) -> None:
        box = self.ids.windows_box
        if [r.number for r in rows] != list(self._window_views):
            box.clear_widgets()
            self._window_views = {}
            for row in rows:
                self._window_views[row.number] = widget = WindowRowView()
                box.add_widget(widget)
        for row in rows:
            self._window_views[row.number].show(row)

    def _show_connection(self, view: HallView) -> None:
        banner = self.ids.banner
        if view.connected:
            banner.hide()
            return
        zh, _, en = view.connection_message.partition(" / ")
        banner.show(zh or None, en or None)

    @staticmethod
    def _label(
        text: str, font_size: float, colour: str, height: float, halign: str = "center", markup: bool = False
    ) -> Label:
        label = Label(
            text=text, font_size=font_size, color=rgba(colour), size_hint_y=None, height=height, markup=markup
        )
        label.halign, label.valign, label.shorten = halign, "middle", True
        label.bind(size=lambda widget, size: setattr(widget, "text_size", size))
        return label

    # ---- motion: flash, clock, ticker ---------------------------------------------------------------

    def flash(self) -> None:
        """Blink the latest-call panel a few times."""
        self._flash_left = FLASH_TOGGLES
        self.flash_on = True
        if self._flash_event is None:
            self._flash_event = Clock.schedule_interval(self._toggle_flash, FLASH_INTERVAL_S)

    def _toggle_flash(self, _dt: float) -> bool | None:
        self._flash_left -= 1
        self.flash_on = self._flash_left > 0 and not self.flash_on
        if self._flash_left <= 0:
            self.flash_on = False
            self._flash_event = None
            return False
        return None

    def tick_clock(self) -> None:
        self.clock_text = format_clock(self._now())

    def move_ticker(self, dt: float) -> None:
        """Scroll the notice right to left; it starts again once it has left the screen."""
        ticker, label = self.ids.ticker, self.ids.notice_label
        if not label.text:
            return
        if self._ticker_x is None or self._ticker_x + label.width < ticker.x:
            self._ticker_x = ticker.right
        self._ticker_x -= TICKER_PX_PER_S * self._unit() * dt
        label.x = self._ticker_x

    def stop_motion(self) -> None:
        if self._flash_event is not None:
            self._flash_event.cancel()
            self._flash_event = None


Factory.register("WindowRowView", cls=WindowRowView)
Factory.register("HonourRollView", cls=HonourRollView)
Factory.register("HallScreen", cls=HallScreen)
