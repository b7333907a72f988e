"""The hall screen's real widgets, headless, on FakeHallApi: calls, windows, reconnect banner, screenshots."""

from __future__ import annotations

import pytest

from appkit.testing import find_by_id, find_by_text, screenshot, wait_until
from client.fake import FakeHallApi
from display.app import DisplayApp
from display.signs import align_loopback_baudrates, signs_from_hall
from hardware.led import FakeSignBoard
from tests.display.helpers import RecordingVoice, clerk, demo_hall, issue
from tests.display.ui import hall_screen_app, shows

pytestmark = pytest.mark.ui


def make_app(api: FakeHallApi, voice: RecordingVoice, signs: FakeSignBoard) -> DisplayApp:
    return hall_screen_app(api, signs, voice, extra_warnings=("语音播报：演示 / voice: demo warning",))


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
    wait_until(lambda: app.screen.ids.windows_box.children)  # drawn, not only read
    assert app.u == pytest.approx(720 / 1080)
    assert find_by_id("latest_label").font_size == pytest.approx(124 * 720 / 1080)
    screenshot("display_hall_720p")


def recent_labels(app: DisplayApp) -> list:
    return list(reversed(app.screen.ids.recent_grid.children))


def test_a_recall_in_the_recent_list_is_never_cut(ui_app, hall) -> None:
    from display.screen import markup_width

    api, voice, signs = hall
    app = ui_app(make_app(api, voice, signs), size=(1920, 1080))
    wait_until(lambda: app.presenter.view().windows)
    [at_ten] = issue(api, 10)
    [at_one] = issue(api, 1)
    ten = clerk(api, 10)
    ten.call_next()
    ten.recall()
    one = clerk(api, 1)
    one.call_next()
    one.recall()
    issue(api, 3)
    clerk(api, 3).call_next()  # the recalls move into the list below the big call
    wait_until(lambda: len(recent_labels(app)) == 4)
    labels = recent_labels(app)
    assert [label.text.split("[")[0] for label in labels] == [
        f"{at_one} → 1号窗口",
        f"{at_one} → 1号窗口",
        f"{at_ten} → 10号窗口",
        f"{at_ten} → 10号窗口",
    ]
    assert "（重呼）" in labels[0].text and "（重呼）" in labels[2].text
    for label in labels:
        assert markup_width(label.text, label.font_size) <= label.width + 1, f"{label.text!r} is cut"
        assert not label.shorten
    screenshot("display_hall_recalls")


def test_now_calling_goes_when_that_window_pauses_and_recent_calls_survive_a_restart(ui_app, hall) -> None:
    api, voice, signs = hall
    numbers = issue(api, 5, count=2)
    calls = clerk(api, 5)
    for _ in numbers:
        calls.call_next()
        calls.no_show()
    app = ui_app(make_app(api, voice, signs), size=(1920, 1080))  # started after the calls: a restart
    wait_until(lambda: app.screen.latest_text == f"{numbers[1]} → 5号窗口")
    assert [label.text for label in recent_labels(app)] == [f"{numbers[0]} → 5号窗口"]
    calls.pause("会议")
    wait_until(lambda: app.screen.latest_text == "")
    assert shows("等待叫号 / Waiting for the next call") and app.screen.ids.latest_label.text == "—"
    assert [label.text for label in recent_labels(app)] == [f"{numbers[1]} → 5号窗口", f"{numbers[0]} → 5号窗口"]
    assert signs.signs[5].last_text == "暂停服务" and signs.signs[4].last_text == "暂停服务"  # paused; closed
    screenshot("display_hall_paused_after_call")
