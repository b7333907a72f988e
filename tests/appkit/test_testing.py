"""The headless UI test harness itself: start/stop, reuse of the one window, finding, typing, screenshots."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget
from PIL import Image

from appkit.boot import headless_canvas
from appkit.testing import (
    advance_frames,
    find_by_id,
    find_by_text,
    press_key,
    running_app,
    screenshot,
    show_widget,
    start_app,
    stop_app,
    tap,
    type_keys,
)

pytestmark = pytest.mark.ui

PROBE_KV = """
<ProbeRoot@BoxLayout>:
    Label:
        id: greeting
        text: "您好 Hello"

ProbeRoot:
"""


class ProbeApp(App):
    """Loads probe.kv from kv_directory (the way each HallQ app loads its own kv file) and ticks a Clock."""

    ticks = 0

    def on_start(self) -> None:
        self.tick_event = Clock.schedule_interval(self.tick, 0)
        Window.clearcolor = (1, 0, 0, 1)

    def tick(self, _dt: float) -> None:
        self.ticks += 1


@pytest.fixture
def probe_kv(tmp_path: Path) -> str:
    (tmp_path / "probe.kv").write_text(PROBE_KV, encoding="utf-8")
    return str(tmp_path)


def test_the_same_app_class_can_start_again_after_stopping(probe_kv: str) -> None:
    for _run in range(2):
        with running_app(ProbeApp(kv_directory=probe_kv)) as app:
            assert App.get_running_app() is app
            assert len(app.root.children) == 1  # kv rules were not applied twice
            assert find_by_id("greeting").text == "您好 Hello"
        assert App.get_running_app() is None
        assert Window.children == []


def test_stopping_cancels_clock_events_and_restores_the_window(probe_kv: str) -> None:
    clearcolor_before, size_before = tuple(Window.clearcolor), tuple(Window.size)
    with running_app(ProbeApp(kv_directory=probe_kv), size=(480, 320)) as app:
        assert tuple(Window.size) == (480, 320)
        assert app.ticks > 0
        event = app.tick_event
    assert event not in Clock.get_events()
    ticks_after_stop = app.ticks
    advance_frames(3)
    assert app.ticks == ticks_after_stop
    assert tuple(Window.clearcolor) == clearcolor_before
    assert tuple(Window.size) == size_before


def test_a_second_app_cannot_start_while_one_runs(probe_kv: str) -> None:
    with running_app(ProbeApp(kv_directory=probe_kv)), pytest.raises(RuntimeError, match="still running"):
        start_app(ProbeApp(kv_directory=probe_kv))


def test_an_app_that_stops_itself_does_not_break_the_next_test(probe_kv: str) -> None:
    with running_app(ProbeApp(kv_directory=probe_kv)) as app:
        app.stop()  # app code may do this (e.g. an exit button); it ends Kivy's event loop
    with running_app(ProbeApp(kv_directory=probe_kv)) as app:
        ticks = app.ticks
        advance_frames(2)
        assert app.ticks > ticks


class EmptyApp(App):
    def build(self) -> None:
        return None


def test_an_app_without_a_root_widget_fails_clearly_and_cleans_up() -> None:
    with pytest.raises(RuntimeError, match="did build\\(\\) return a widget"):
        start_app(EmptyApp(kv_directory="/nonexistent"))
    assert App.get_running_app() is None


def test_ui_app_fixture_starts_the_app(ui_app: Callable[..., Any], probe_kv: str) -> None:
    app = ui_app(ProbeApp(kv_directory=probe_kv), size=(400, 300))
    assert app.root.get_root_window() is Window
    assert tuple(Window.size) == (400, 300)


def test_find_helpers_explain_what_they_did_find() -> None:
    with show_widget(Label(text="户籍业务 Household Registration")):
        assert find_by_text("户籍业务", exact=False).text.endswith("Registration")
        with pytest.raises(LookupError, match="户籍业务 Household Registration"):
            find_by_text("不存在")
        with pytest.raises(LookupError, match="no widget with id"):
            find_by_id("missing")


def test_type_keys_and_press_key_edit_a_text_input() -> None:
    field = TextInput(multiline=False)
    submitted: list[str] = []
    field.bind(on_text_validate=lambda widget: submitted.append(widget.text))
    with show_widget(BoxLayout()) as screen:
        screen.add_widget(field)
        type_keys("A0012", target=field)
        press_key("backspace")
        assert field.text == "A001"
        press_key("enter")
        assert submitted == ["A001"]


def test_type_keys_accepts_chinese_text() -> None:
    field = TextInput()
    with show_widget(field):
        type_keys("张三", target=field)
        assert field.text == "张三"


def test_unknown_key_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        press_key("hyperspace")


def test_tapping_a_widget_that_is_not_shown_is_an_error() -> None:
    with show_widget(Label()), pytest.raises(ValueError, match="not in the window"):
        tap(Label(text="离屏 offscreen"))


def test_screenshot_writes_a_png_of_the_window_to_hallq_shots(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HALLQ_SHOTS", str(tmp_path))
    with show_widget(Label(text="A001"), size=(320, 200)):
        first = screenshot("probe")
        second = screenshot("probe")
    assert first == second == tmp_path / "probe.png"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["probe.png"]
    assert Image.open(first).size == (320, 200)


@pytest.mark.parametrize("bad_name", ["", "../escape", "sub/dir", ".hidden"])
def test_screenshot_names_must_be_plain(bad_name: str) -> None:
    with pytest.raises(ValueError, match="screenshot name"):
        screenshot(bad_name)


def test_stop_app_without_a_running_app_does_nothing() -> None:
    stop_app()
    assert App.get_running_app() is None


def _filled(colour: tuple[float, float, float, float]) -> Widget:
    widget = Widget()
    with widget.canvas:
        Color(*colour)
        Rectangle(pos=(0, 0), size=(4000, 4000))
    return widget


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (800, 480)], ids=["kiosk", "display", "caller"])
def test_every_app_window_size_renders_to_the_edges(
    size: tuple[int, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HALLQ_SHOTS", str(tmp_path))
    with show_widget(_filled((0, 1, 0, 1)), size=size):
        image = Image.open(screenshot("edges")).convert("RGB")
    width, height = size
    corners = [(0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1)]
    assert image.size == size
    assert [image.getpixel(corner) for corner in corners] == [(0, 255, 0)] * 4


@pytest.mark.skipif(headless_canvas() is None, reason="only a headless window has a fixed canvas")
def test_a_window_bigger_than_the_headless_canvas_is_refused() -> None:
    canvas = headless_canvas()
    assert canvas is not None
    with pytest.raises(ValueError, match="headless canvas"):
        start_app(EmptyApp(), size=(canvas[0] + 1, canvas[1]))
    assert App.get_running_app() is None


def test_stopping_resets_large_text_mode() -> None:
    from appkit import theme

    with show_widget(Label(text="老年模式")):
        theme.ui.large_text = True
    assert theme.ui.ui_scale == 1.0
    assert theme.ui.large_text is False
