"""Helpers for headless Kivy UI tests of the kiosk, caller and display apps.

Design: one process, one window, apps run one at a time.
    Kivy can create only one Window per process, and pytest runs every test file in one process. So the
    window is created once (offscreen, see appkit.boot) and reused. :func:`start_app` starts an App without
    blocking, the way ``App.run()`` does but without entering the main loop: the test drives frames itself
    with :func:`advance_frames` (``EventLoop.idle()``). :func:`stop_app` undoes what a run leaves behind:
    it dispatches ``on_stop``, removes the app's widgets from the window, cancels every Clock event scheduled
    while the app ran, unloads kv files the app loaded (``App.load_kv``, so the same App class can start
    again), restores the window's clear colour and size, resets the large-text scale (``theme.ui``), and
    forgets the running app. Always use :func:`running_app` (a context manager) or the ``ui_app`` fixture from
    tests/conftest.py, so a failing test still stops its app. Never call ``app.run()`` in a test (it blocks);
    ``app.stop()`` called by app code is tolerated (the next frame or app restarts Kivy's event loop).

    Widgets built at import time, Window bindings made by app code, and worker threads are not undone;
    an app should unbind/stop those in its own ``on_stop`` (which :func:`stop_app` calls).

    Headless, the window renders completely up to the canvas it was created with (1920×1920 by default,
    see appkit.boot); a bigger ``size`` is refused with a clear error. Results from worker threads or
    Clock delays arrive a few frames later: use :func:`wait_until`, not sleeps, and assert no timings.

    Chosen over one subprocess per test: it is fast (the GL window and Kivy start once per run) and
    pytest's fixtures, assertions and -k work unchanged. If some app ever leaks state these resets miss,
    run that test file on its own (``pytest tests/kiosk/test_x.py``) to confirm, then fix its on_stop.

Typical test::

    import pytest
    from appkit.testing import find_by_text, running_app, screenshot, tap

    pytestmark = pytest.mark.ui

    def test_choosing_a_service_shows_its_guide():
        with running_app(KioskApp(config), size=(1080, 1920)) as app:
            tap(find_by_text("户籍业务"))
            assert app.root.current == "guide"
            screenshot("kiosk_guide")

Screenshots go to env HALLQ_SHOTS, else ``tests/_shots/``, as ``<name>.png`` (overwritten on each run).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appkit.boot import checked_size, ensure_prepared, headless_canvas

ensure_prepared()

from kivy.app import App  # noqa: E402
from kivy.base import EventLoop  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Keyboard, Window  # noqa: E402
from kivy.input import kivy_postproc_modules  # noqa: E402
from kivy.lang import Builder  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402
from kivy.uix.behaviors import ButtonBehavior  # noqa: E402
from kivy.uix.widget import Widget  # noqa: E402

from appkit.palette import MIN_TOUCH_MM  # noqa: E402
from appkit.theme import mm, ui  # noqa: E402
from client.events import wait_until as poll_until  # noqa: E402

SHOTS_ENV = "HALLQ_SHOTS"
TEXT_ATTRIBUTES = ("text", "text_zh", "text_en")


@dataclass
class _RunState:
    """What the window and Kivy looked like before an app started, to restore afterwards."""

    app: App
    clock_events: set[Any]
    kv_files: list[str]
    clearcolor: tuple[float, ...]
    window_size: tuple[int, int]
    started: bool = False


_current: _RunState | None = None


def window() -> Any:
    """The one Kivy window of this process."""
    return Window


def advance_frames(count: int = 1) -> None:
    """Run ``count`` frames of the Kivy loop: clock callbacks, input, layout, drawing."""
    if EventLoop.status != "started":
        _start_event_loop()
    for _ in range(count):
        EventLoop.idle()


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, message: str = "") -> None:
    """Advance frames until ``predicate()`` is true (e.g. a worker's callback landed); TimeoutError after ``timeout`` s.

    The polling is client.events.wait_until's; here each poll that finds the predicate false runs one frame,
    so Clock callbacks land. Use it for results from other threads or Clock delays, never to measure speed.
    """

    def after_a_frame() -> bool:
        if predicate():
            return True
        advance_frames(1)
        return False

    if not poll_until(after_a_frame, timeout, interval=0.005):
        raise TimeoutError(message or f"条件在 {timeout} 秒内未满足 / condition not met within {timeout} s")


def start_app(app: App, size: tuple[int, int] | None = None, frames: int = 3) -> App:
    """Build and start ``app`` on the shared window without blocking; ``frames`` frames are run after on_start."""
    global _current
    if _current is not None:
        raise RuntimeError("另一个应用仍在运行，请先 stop_app() / another app is still running: stop_app() it first")
    try:
        wanted_size = _fitting_size(size) if size is not None else None
    except ValueError:
        App._running_app = None  # App.__init__ registered it as running; it never will be
        raise
    state = _RunState(
        app=app,
        clock_events=set(Clock.get_events()),
        kv_files=list(Builder.files),
        clearcolor=tuple(Window.clearcolor),
        window_size=tuple(Window.size),
    )
    _current = state
    try:
        if wanted_size is not None:
            Window.size = wanted_size
        _start_event_loop()
        app._run_prepare()  # what App.run() does before the main loop: build, add root to window, on_start
        state.started = True
        if App.get_running_app() is not app or app.root is None:
            raise RuntimeError(
                "应用未能启动（build() 未返回界面？）/ the app did not start (did build() return a widget?)"
            )
        advance_frames(frames)
    except BaseException:
        stop_app(app)
        raise
    return app


def stop_app(app: App | None = None) -> None:
    """Stop the app started by :func:`start_app` and reset the shared window for the next test."""
    global _current
    state = _current
    if state is None or (app is not None and app is not state.app):
        return
    try:
        if state.started and App.get_running_app() is state.app:
            state.app.dispatch("on_stop")
    finally:
        _current = None
        _reset_window(state)


@contextmanager
def running_app(app: App, size: tuple[int, int] | None = None, frames: int = 3) -> Iterator[App]:
    """``with running_app(MyApp(), size=(w, h)) as app:`` — started on entry, always stopped on exit."""
    start_app(app, size=size, frames=frames)
    try:
        yield app
    finally:
        stop_app(app)


class _WidgetHost(App):
    """A bare App whose root is one given widget (for testing widgets without an app)."""

    def __init__(self, root_widget: Widget, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._root_widget = root_widget

    def build(self) -> Widget:
        return self._root_widget


@contextmanager
def show_widget(widget: Widget, size: tuple[int, int] | None = None, frames: int = 3) -> Iterator[Widget]:
    """Show ``widget`` alone as the window's root (no app of your own needed) for the duration of the block."""
    with running_app(_WidgetHost(widget), size=size, frames=frames):
        yield widget


def walk(root: Widget | None = None) -> Iterator[Widget]:
    """Every widget under ``root`` (default: everything in the window, popups included), parents first."""
    roots = [root] if root is not None else list(reversed(Window.children))
    for top in roots:
        yield from top.walk(restrict=True)


def find_all(predicate: Callable[[Widget], bool], root: Widget | None = None) -> list[Widget]:
    """All widgets for which ``predicate(widget)`` is true."""
    return [widget for widget in walk(root) if predicate(widget)]


def find_by_id(widget_id: str, root: Widget | None = None) -> Widget:
    """The widget with kv ``id: widget_id`` (searched in the ``ids`` of every widget under root)."""
    known: set[str] = set()
    for widget in walk(root):
        ids = getattr(widget, "ids", {})
        if widget_id in ids:
            return ids[widget_id]
        known.update(ids.keys())
    raise LookupError(f"找不到 id 为 {widget_id!r} 的控件 / no widget with id {widget_id!r}; ids: {sorted(known)}")


def find_by_text(text: str, root: Widget | None = None, exact: bool = True) -> Widget:
    """The first widget whose ``text``, ``text_zh`` or ``text_en`` equals (or, exact=False, contains) ``text``.

    Parents come first, so for a BigButton you get the button, not its inner Label.
    """
    seen: list[str] = []
    for widget in walk(root):
        for value in _texts_of(widget):
            if value == text or (not exact and text in value):
                return widget
            seen.append(value)
    raise LookupError(f"找不到文字为 {text!r} 的控件 / no widget shows {text!r}; texts: {seen[:30]}")


def tap(widget: Widget, frames: int = 1) -> None:
    """Touch down and up at the widget's centre (as a finger would), running ``frames`` frames after each."""
    if widget.get_root_window() is None:
        raise ValueError(f"{widget!r} 不在窗口中 / is not in the window")
    x, y = widget.to_window(*widget.center)
    if not (0 <= x < Window.width and 0 <= y < Window.height):
        raise ValueError(f"{widget!r} 的中心 ({x:.0f}, {y:.0f}) 在窗口外 / centre is outside the window")
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    advance_frames(frames)
    touch.touch_up()
    advance_frames(frames)


def assert_touch_targets(root: Widget | None = None, minimum_mm: float = MIN_TOUCH_MM) -> None:
    """Fail if any shown, enabled button under root (default: the window) is smaller than 15 mm either way.

    Hidden buttons are skipped: disabled, zero-sized (collapsed), or inside a widget with opacity 0.
    """
    minimum = mm(minimum_mm) - 0.5  # half a pixel of rounding
    too_small = [
        f"{type(widget).__name__} {_texts_of(widget) or ''} {widget.width:.0f}×{widget.height:.0f}px"
        for widget in walk(root)
        if isinstance(widget, ButtonBehavior)
        and is_shown(widget)
        and not widget.disabled
        and (widget.width < minimum or widget.height < minimum)
    ]
    if too_small:
        raise AssertionError(
            f"触摸目标小于 {minimum_mm:g} mm / touch targets smaller than {minimum_mm:g} mm "
            f"({minimum:.0f}px): {too_small}"
        )


def is_shown(widget: Widget) -> bool:
    """True when the widget is in the window, has an area, and neither it nor a parent is fully transparent."""
    if widget.get_root_window() is None or widget.width <= 0 or widget.height <= 0:
        return False
    node: Any = widget
    while node is not None and node is not Window:
        if node.opacity <= 0:
            return False
        node = node.parent
    return True


def type_keys(text: str, target: Widget | None = None) -> None:
    """Type ``text`` as keyboard input; focuses ``target`` (e.g. a TextInput) first if given.

    Each character is sent as key down, text input, key up, like SDL does. For special keys use press_key().
    """
    if target is not None:
        target.focus = True
        advance_frames(1)
    for character in text:
        keycode = ord(character.lower()) if character.isascii() else 0
        _key_down(keycode, character)
        Window.dispatch("on_textinput", character)
        Window.dispatch("on_key_up", keycode, 0)
    advance_frames(1)


def press_key(name: str) -> None:
    """Press and release a named key: "enter", "backspace", "tab", "escape", "left", "f1"… (Kivy's key names)."""
    keycode = Keyboard.keycodes.get(name)
    if keycode is None:
        raise ValueError(f"未知的按键 {name!r} / unknown key {name!r}")
    _key_down(keycode, None)
    Window.dispatch("on_key_up", keycode, 0)
    advance_frames(1)


def shots_dir() -> Path:
    """Folder for screenshots: env HALLQ_SHOTS, else tests/_shots/ in the repository (created when needed)."""
    configured = os.environ.get(SHOTS_ENV)
    folder = Path(configured) if configured else Path(__file__).resolve().parent.parent / "tests" / "_shots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(name: str) -> Path:
    """Render a frame and save the whole window as ``<shots_dir>/<name>.png``; returns the path."""
    if not name or any(separator in name for separator in "/\\") or name.startswith("."):
        raise ValueError(f"截图名 {name!r} 无效，应为简单文件名 / screenshot name must be a plain file name")
    target = shots_dir() / (name.removesuffix(".png") + ".png")
    Window.canvas.ask_update()
    advance_frames(1)
    # Kivy appends a counter to the name it is given; write beside the target, then move into place.
    written = Window.screenshot(name=str(target.with_name(f".{target.stem}-tmp.png")))
    os.replace(written, target)
    return target


def resize_window(size: tuple[int, int]) -> None:
    """Resize the shared window (headless: at most the canvas, see appkit.boot.headless_canvas)."""
    Window.size = _fitting_size(size)


def _fitting_size(size: tuple[int, int]) -> tuple[int, int]:
    wanted = checked_size(size)
    canvas = headless_canvas()
    if canvas is not None and (wanted[0] > canvas[0] or wanted[1] > canvas[1]):
        raise ValueError(
            f"窗口尺寸 {wanted} 超出无头画布 {canvas} / window size {wanted} exceeds the headless canvas {canvas}"
        )
    return wanted


def _texts_of(widget: Widget) -> list[str]:
    return [value for attribute in TEXT_ATTRIBUTES if isinstance(value := getattr(widget, attribute, None), str)]


def _key_down(keycode: int, character: str | None) -> None:
    # SDL order: on_key_down; if nobody consumed it, on_keyboard (apps bind shortcuts there).
    if not Window.dispatch("on_key_down", keycode, 0, character, []):
        Window.dispatch("on_keyboard", keycode, 0, character, [])


def _start_event_loop() -> None:
    """Start Kivy's event loop once (or again, after app code called App.stop())."""
    EventLoop.ensure_window()
    for module in kivy_postproc_modules.values():
        EventLoop.add_postproc_module(module)
    if EventLoop.status != "started":
        EventLoop.start()


def _reset_window(state: _RunState) -> None:
    for child in list(Window.children):
        Window.remove_widget(child)
    Window.unbind(on_keyboard=state.app._on_keyboard_settings)
    for event in set(Clock.get_events()) - state.clock_events:
        event.cancel()
    for kv_file in [name for name in Builder.files if name not in state.kv_files]:
        Builder.unload_file(kv_file)
    EventLoop.touches.clear()
    for module in EventLoop.postproc_modules:
        for attribute in ("touches", "last_touches"):
            tracked = getattr(module, attribute, None)
            if tracked is not None and hasattr(tracked, "clear"):
                tracked.clear()
    ui.large_text = False
    ui.ui_scale = 1.0
    Window.clearcolor = state.clearcolor
    if tuple(Window.size) != state.window_size:
        Window.size = state.window_size
    App._running_app = None
    advance_frames(1)
