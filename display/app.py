"""The hall display app (综合屏): wiring only. The presenter decides; the screen shows; the hardware acts.

``DisplayApp(make_presenter)``: ``make_presenter(runner, on_change)`` builds the DisplayPresenter with the
app's worker runner and a redraw trigger; ``closers`` (sign board, announcer) are closed in ``on_stop``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from appkit.boot import ensure_prepared

ensure_prepared()

from kivy.app import App  # noqa: E402
from kivy.clock import Clock, ClockEvent  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.lang import Builder  # noqa: E402
from kivy.properties import NumericProperty  # noqa: E402

from appkit.runners import Runner  # noqa: E402
from appkit.ui_thread import coalesced_trigger, worker_runner  # noqa: E402
from display.presenter import DisplayPresenter  # noqa: E402
from display.screen import HallScreen  # noqa: E402

KV_FILE = Path(__file__).with_name("display.kv")
DESIGN_HEIGHT = 1080.0
TICKER_FPS = 30.0

PresenterFactory = Callable[[Runner, Callable[[], None]], DisplayPresenter]


class DisplayApp(App):
    u = NumericProperty(1.0)  # pixels per design pixel (1080p = 1)

    def __init__(
        self,
        make_presenter: PresenterFactory,
        closers: Iterable[Any] = (),
        fullscreen: bool = False,
        now: Callable[[], datetime] = datetime.now,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.title = "HallQ 综合屏 / Hall display"
        self.make_presenter = make_presenter
        self.closers = list(closers)
        self.fullscreen = fullscreen
        self.now = now
        self.presenter: DisplayPresenter | None = None
        self.screen: HallScreen | None = None
        self._events: list[ClockEvent] = []

    def build(self) -> HallScreen:
        if str(KV_FILE) not in Builder.files:
            Builder.load_file(str(KV_FILE))
        Window.bind(size=self._resized)
        self._resized(Window, Window.size)
        if self.fullscreen:
            Window.fullscreen = "auto"
        self.screen = HallScreen(unit=lambda: float(self.u), now=self.now)
        self.presenter = self.make_presenter(worker_runner, coalesced_trigger(self.refresh, 0.05))
        return self.screen

    def on_start(self) -> None:
        assert self.presenter is not None and self.screen is not None
        self.refresh()
        self.screen.tick_clock()
        self.presenter.start()
        self._events = [
            Clock.schedule_interval(self._every_second, 1.0),
            Clock.schedule_interval(self.screen.move_ticker, 1.0 / TICKER_FPS),
        ]

    def refresh(self) -> None:
        if self.presenter is not None and self.screen is not None:
            self.screen.show(self.presenter.view())

    def _every_second(self, _dt: float) -> None:
        assert self.presenter is not None and self.screen is not None
        self.presenter.tick()
        self.screen.tick_clock()
        self.refresh()  # device warnings change without events

    def _resized(self, _window: Any, size: tuple[int, int]) -> None:
        self.u = max(0.3, size[1] / DESIGN_HEIGHT)

    def on_stop(self) -> None:
        for event in self._events:
            event.cancel()
        Window.unbind(size=self._resized)
        if self.screen is not None:
            self.screen.stop_motion()
        if self.presenter is not None:
            self.presenter.stop()
        for closer in self.closers:
            try:
                closer.close(timeout=1.0)  # SignBoard and Announcer: do not hold the hall TV's shutdown
            except Exception:  # shutting down: one broken device must not keep the others open
                continue
