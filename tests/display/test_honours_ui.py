"""The honour roll (光荣榜) on the real hall screen, headless: in place of the calls (rotate) and in the side column
(panel); screenshots with the CJK names."""

from __future__ import annotations

import copy

import pytest

from appkit.testing import screenshot, wait_until
from client.fake import FakeHallApi
from display.app import DisplayApp
from display.signs import SignTexts, align_loopback_baudrates, signs_from_hall
from hardware.led import FakeSignBoard
from tests.display.helpers import RecordingVoice, clerk, demo_hall, issue
from tests.display.test_honours import ROLL, Ticker
from tests.display.ui import hall_screen_app, shows

pytestmark = pytest.mark.ui


def make_app(api: FakeHallApi, signs: FakeSignBoard, ticker: Ticker) -> DisplayApp:
    return hall_screen_app(
        api, signs, RecordingVoice(), monotonic=ticker, sign_texts=SignTexts(red_flag="流动红旗窗口 {window}")
    )


@pytest.fixture
def hall() -> tuple[FakeHallApi, FakeSignBoard, Ticker]:
    api = FakeHallApi(demo_hall())
    api.honour_roll = copy.deepcopy(ROLL)
    return api, FakeSignBoard(align_loopback_baudrates(signs_from_hall(api.config))), Ticker()


def test_the_roll_takes_the_calls_place_in_turn_and_a_call_brings_them_back(ui_app, hall) -> None:
    api, signs, ticker = hall
    app = ui_app(make_app(api, signs, ticker), size=(1920, 1080))
    wait_until(lambda: app.presenter.view().honours is not None, message="the roll was never read")
    assert not app.screen.showing_honours
    ticker.now += 85  # the roll's part of the cycle
    wait_until(lambda: app.screen.showing_honours, message="the roll never came in")
    for text in ("光荣榜", "3号 社保医保窗口", "1号 户籍窗口"):
        assert shows(text), text
    assert any("张敏" in label.text and "科员" in label.text for label in app.screen.walk() if hasattr(label, "text"))
    assert not any("98" in str(getattr(w, "text", "")) for w in app.screen.walk())  # no score on the hall's screen
    assert not shows("最近叫号 / Recent calls")
    path = screenshot("display_honour_roll")
    assert path.stat().st_size > 10_000
    [number] = issue(api, 1)
    clerk(api, 1).call_next()
    wait_until(lambda: not app.screen.showing_honours and app.screen.latest_text == f"{number} → 1号窗口")
    assert shows("最近叫号 / Recent calls")


def test_panel_mode_shows_the_roll_a_line_at_a_time_in_a_band_under_the_calls(ui_app, hall) -> None:
    api, signs, ticker = hall
    api.honour_roll["display"]["mode"] = "panel"
    clerk(api, 3)
    app = ui_app(make_app(api, signs, ticker), size=(1920, 1080))
    wait_until(lambda: app.screen.honour_line, message="the band was never filled")
    band = app.screen.ids.honour_band
    assert app.screen.honour_line == "流动红旗 · 2026年10月：3号 社保医保窗口"
    assert band.height > 0 and band.top <= app.screen.ids.ticker.top + band.height
    windows_box = app.screen.ids.windows_box
    assert windows_box.top <= app.screen.ids.middle.top  # the windows still fit their column
    assert signs.signs[3].last_text == "流动红旗窗口 3"
    ticker.now += 85  # the rotation's roll time: a panel hall keeps the calls
    assert not app.presenter.view().showing_honours
    wait_until(lambda: app.screen.honour_line.startswith("优质服务窗口 · 2026年第三季度：1号 户籍窗口"))
    screenshot("display_honour_panel")
    ticker.now += 8  # the next line
    wait_until(lambda: app.screen.honour_line == "优秀服务标兵 · 2026年第三季度：张敏、李强")


def test_a_full_roll_of_five_windows_and_ten_clerks_fits_a_720p_screen(ui_app, hall) -> None:
    api, signs, ticker = hall
    names = ["张敏", "李强", "王芳", "赵磊", "刘洋", "陈静", "杨帆", "黄丽", "周杰", "吴婷"]
    api.honour_roll["windows"] = [{"number": w.number, "name": w.name} for w in api.config.windows[:5]]
    api.honour_roll["staff"] = [
        {"name": name, "window": f"{i % 5 + 1}号 {api.config.windows[i % 5].name}", "title": "科员"}
        for i, name in enumerate(names)
    ]
    app = ui_app(make_app(api, signs, ticker), size=(1280, 720))
    wait_until(lambda: app.presenter.view().honours is not None)
    ticker.now += 85
    wait_until(lambda: app.screen.showing_honours)
    body = app.screen._roll_view.ids.roll_body
    wait_until(lambda: body.children and body.children[0].height > 0)  # laid out
    lowest = min(child.y for child in body.children)
    assert lowest >= app.screen.ids.ticker.top, "the roll runs under the notice"
    roll = app.screen._roll_view
    assert roll.top <= app.screen.ids.middle.top + 1 and roll.children[-1].top <= roll.top, "the roll overflows"
    assert all(shows(name) or any(name in w.text for w in app.screen.walk() if hasattr(w, "text")) for name in names)
    screenshot("display_honour_roll_720p")
