"""The hall screen's real widgets, headless, on FakeHallApi: calls, windows, reconnect banner, screenshots."""

from __future__ import annotations

import datetime as dt

import pytest

from appkit.testing import find_by_id, find_by_text, screenshot, wait_until
from client.fake import FakeHallApi
from display.app import DisplayApp
from display.presenter import DisplayPresenter
from display.signs import align_loopback_baudrates, signs_from_hall
from hardware.led import FakeSignBoard
from tests.display.helpers import RecordingVoice, clerk, demo_hall, issue

pytestmark = pytest.mark.ui

FIXED_NOW = dt.datetime(2026, 11, 23, 9, 41)


def shows(text: str) -> bool:
    try:
        find_by_text(text)
    except LookupError:
        return False
    return True


def make_app(api: FakeHallApi, voice: RecordingVoice, signs: FakeSignBoard) -> DisplayApp:
    def make_presenter(runner, on_change):  # type: ignore[no-untyped-def]
        return DisplayPresenter(
            api,
            signs=signs,
            voice=voice,
            runner=runner,
            on_change=on_change,
            tz=api.config.tz,
            extra_warnings=("语音播报：演示 / voice: demo warning",),
        )

    return DisplayApp(make_presenter, closers=[signs], now=lambda: FIXED_NOW)


@pytest.fixture
def hall() -> tuple[FakeHallApi, RecordingVoice, FakeSignBoard]:
    api = FakeHallApi(demo_hall())
    return api, RecordingVoice(), FakeSignBoard(align_loopback_baudrates(signs_from_hall(api.config)))


def test_a_call_appears_large_and_the_window_row_follows(ui_app, hall) -> None:
    api, voice, signs = hall
    app = ui_app(make_app(api, voice, signs), size=(1920, 1080))
    wait_until(lambda: app.presenter.view().windows, message="the hall was never read")
    issue(api, 1, count=2)
    earlier = issue(api, 3, count=4)
    calls = clerk(api, 3)
    for _ in range(3):
        calls.call_next()
        calls.no_show()
    calls.call_next()
    wait_until(lambda: app.screen.latest_text == f"{earlier[3]} → 3号窗口")
    assert app.screen.flash_on
    find_by_text(f"{earlier[0]} → 3号窗口")  # in the recent calls
    find_by_text(f"请{earlier[3]}")  # window 3's row
    assert voice.said[-1] == (earlier[3], 3, False)
    path = screenshot("display_hall_call")
    assert path.stat().st_size > 10_000


def test_a_paused_window_and_the_reconnecting_banner_are_shown(ui_app, hall) -> None:
    api, voice, signs = hall
    app = ui_app(make_app(api, voice, signs), size=(1920, 1080))
    wait_until(lambda: app.presenter.view().windows)
    clerk(api, 5).pause("会议")
    app.presenter.handle_status(False, "")
    wait_until(lambda: shows("暂停服务") and find_by_id("banner").shown)
    assert find_by_id("banner").message_zh == "正在重新连接服务器…"
    assert signs.signs[5].last_text == "暂停服务"
    screenshot("display_hall_reconnecting")
    app.presenter.handle_status(True, "")
    wait_until(lambda: not find_by_id("banner").shown)


def test_the_screen_fits_a_small_window_too(ui_app, hall) -> None:
    api, voice, signs = hall
    app = ui_app(make_app(api, voice, signs), size=(1280, 720))
    wait_until(lambda: app.presenter.view().windows)
    assert app.u == pytest.approx(720 / 1080)
    assert find_by_id("latest_label").font_size == pytest.approx(124 * 720 / 1080)
    screenshot("display_hall_720p")
