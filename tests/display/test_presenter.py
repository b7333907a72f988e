"""The hall screen's presenter on FakeHallApi: screen state, sign texts and announcements from events."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from client.api import WindowCalls
from client.fake import FakeHallApi
from core.config import SignConfig
from display.presenter import RECENT_CALLS, DisplayPresenter
from display.signs import SignTexts, align_loopback_baudrates, signs_from_hall
from hardware.led import FakeSignBoard
from hardware.speaker import Announcer, FakeSpeaker
from tests.clock import FakeClock
from tests.display.helpers import RecordingVoice, clerk, demo_hall, issue


@pytest.fixture
def api() -> FakeHallApi:
    return FakeHallApi(demo_hall())


@pytest.fixture
def signs() -> FakeSignBoard:
    return FakeSignBoard(align_loopback_baudrates(signs_from_hall(demo_hall())))


@pytest.fixture
def voice() -> RecordingVoice:
    return RecordingVoice()


@pytest.fixture
def presenter(api: FakeHallApi, signs: FakeSignBoard, voice: RecordingVoice) -> DisplayPresenter:
    p = DisplayPresenter(api, signs=signs, voice=voice)
    p.start()
    return p


def test_start_reads_the_hall_and_shows_every_window_idle(presenter: DisplayPresenter, signs: FakeSignBoard) -> None:
    view = presenter.view()
    assert view.name == "青山镇便民服务中心"
    assert [w.number for w in view.windows] == list(range(1, 11))
    assert {w.state for w in view.windows} == {"closed"}
    assert signs.signs[3].last_text == "暂停服务"  # nobody signed in: not "3号窗口" as if open
    assert view.connected


def test_call_shows_on_screen_sign_and_voice(presenter, api, signs, voice) -> None:
    [number] = issue(api, 3)
    clerk(api, 3).call_next()
    view = presenter.view()
    assert view.latest is not None and (view.latest.number, view.latest.window) == (number, 3)
    assert view.latest.text == f"{number} → 3号窗口"
    assert signs.signs[3].last_text == f"请{number}号"
    assert voice.said == [(number, 3, False)]
    assert next(w for w in view.windows if w.number == 3).state_zh == f"请{number}"


def test_recall_is_announced_again_and_flashes_again(presenter, api, signs, voice) -> None:
    [number] = issue(api, 3)
    calls = clerk(api, 3)
    calls.call_next()
    serial = presenter.view().call_serial
    calls.recall()
    view = presenter.view()
    assert voice.said == [(number, 3, False), (number, 3, True)]
    assert view.call_serial == serial + 1
    assert view.latest is not None and view.latest.recall
    assert signs.signs[3].texts[-2:] == [f"请{number}号", f"请{number}号"]  # the sign is told again


@pytest.mark.parametrize(
    ("steps", "sign_text", "state"),
    [
        (["call_next", "start"], "请{n}号", "serving"),
        (["call_next", "start", "finish"], "3号窗口", "idle"),
        (["pause"], "暂停服务", "paused"),
        (["pause", "resume"], "3号窗口", "idle"),
        (["call_next", "no_show"], "3号窗口", "idle"),
    ],
)
def test_sign_follows_the_window_state(presenter, api, signs, steps, sign_text, state) -> None:
    [number] = issue(api, 3)
    calls = clerk(api, 3)
    for step in steps:
        getattr(calls, step)(*(["午休"] if step == "pause" else []))
    assert signs.signs[3].last_text == sign_text.format(n=number)
    assert next(w for w in presenter.view().windows if w.number == 3).state == state


def test_signing_out_closes_the_window_on_screen(presenter, api) -> None:
    clerk(api, 3)
    api.logout()
    assert next(w for w in presenter.view().windows if w.number == 3).state_zh == "未开放"


def test_a_closed_windows_sign_shows_the_not_serving_text(presenter, api, signs) -> None:
    assert signs.signs[3].last_text == "暂停服务"
    clerk(api, 3)
    assert signs.signs[3].last_text == "3号窗口"
    api.logout()
    assert signs.signs[3].texts == ["暂停服务", "3号窗口", "暂停服务"]


def test_a_closed_window_shows_the_halls_own_not_serving_text(api, voice) -> None:
    signs = FakeSignBoard([(3, SignConfig("loop://", "text", 3))])
    texts = SignTexts.from_announce(replace(api.config.announce, led_paused="本窗口暂停办理", led_idle="欢迎"))
    DisplayPresenter(api, signs=signs, voice=voice, sign_texts=texts).start()
    assert signs.signs[3].last_text == "本窗口暂停办理"


def test_recent_calls_survive_a_restart_of_the_display(presenter, api, signs, voice) -> None:
    numbers = issue(api, 3, count=3)
    calls = clerk(api, 3)
    for _ in numbers:
        calls.call_next()
        calls.no_show()
    presenter.stop()
    restarted = DisplayPresenter(api, signs=signs, voice=RecordingVoice())
    restarted.start()
    view = restarted.view()
    assert [row.number for row in view.recent] == list(reversed(numbers))
    assert [row.window for row in view.recent] == [3, 3, 3]
    assert view.recent[0].window_name == "社保窗口" and view.recent[0].time
    assert restarted.spoken == []  # shown, not spoken again


def test_a_restart_lists_no_more_than_the_screen_holds(presenter, api, signs) -> None:
    numbers = issue(api, 3, count=RECENT_CALLS + 2)
    calls = clerk(api, 3)
    for _ in numbers:
        calls.call_next()
        calls.no_show()
    restarted = DisplayPresenter(api, signs=signs)
    restarted.start()
    assert [row.number for row in restarted.view().recent] == list(reversed(numbers))[:RECENT_CALLS]


@pytest.mark.parametrize("stop", ["pause", "sign_out"])
def test_now_calling_is_dropped_when_that_window_pauses_or_closes(presenter, api, stop) -> None:
    other, number = issue(api, 1)[0], issue(api, 3)[0]
    clerk(api, 1).call_next()
    calls = clerk(api, 3)
    calls.call_next()
    calls.no_show()
    assert presenter.view().latest is not None and presenter.view().latest.number == number
    if stop == "pause":
        calls.pause("会议")
    else:
        api.logout()
    view = presenter.view()
    assert view.latest is None
    assert [row.number for row in view.earlier] == [number, other]  # still in the list
    [more] = issue(api, 1)
    api.login("1001", "1234", 1)
    WindowCalls(api, 1).finish(case_type="immediate")
    WindowCalls(api, 1).call_next()
    assert presenter.view().latest is not None and presenter.view().latest.number == more


def test_a_restart_does_not_show_now_calling_for_a_paused_window(presenter, api, signs) -> None:
    [number] = issue(api, 3)
    calls = clerk(api, 3)
    calls.call_next()
    calls.no_show()
    calls.pause("会议")
    restarted = DisplayPresenter(api, signs=signs)
    restarted.start()
    view = restarted.view()
    assert view.latest is None and [row.number for row in view.earlier] == [number]


def test_hall_templates_shape_the_sign_texts(api, voice) -> None:
    signs = FakeSignBoard([(3, SignConfig("loop://", "text", 3))])
    texts = SignTexts(called="{number}请到{window}号", paused="稍候", idle="欢迎")
    DisplayPresenter(api, signs=signs, voice=voice, sign_texts=texts).start()
    [number] = issue(api, 3)
    calls = clerk(api, 3)
    calls.call_next()
    assert signs.signs[3].last_text == f"{number}请到3号"
    calls.no_show()
    calls.pause("会议")
    assert signs.signs[3].texts == ["稍候", "欢迎", f"{number}请到3号", "欢迎", "稍候"]


def test_waiting_counts_follow_issued_tickets(presenter, api) -> None:
    issue(api, 3, count=3)
    issue(api, 1, count=1)
    waiting = {row.code: row.count for row in presenter.view().waiting}
    assert waiting["social"] == 3 and waiting["household"] == 1
    social = next(row for row in presenter.view().waiting if row.code == "social")
    assert (social.name, social.name_en) == ("社保业务", "Social Insurance")


def test_only_the_last_calls_are_listed_newest_first(presenter, api) -> None:
    numbers = issue(api, 3, count=RECENT_CALLS + 2)
    calls = clerk(api, 3)
    for _ in numbers:
        calls.call_next()
        calls.no_show()
    recent = [row.number for row in presenter.view().recent]
    assert recent == list(reversed(numbers))[:RECENT_CALLS]


def test_an_event_seen_twice_is_handled_once(presenter, api, voice) -> None:
    issue(api, 3)
    clerk(api, 3).call_next()
    event_id, name, payload = api.log[-1]
    presenter.handle_event(event_id, name, payload)
    assert len(voice.said) == 1 and len(presenter.view().recent) == 1


def test_an_old_call_is_shown_but_not_spoken(api, signs, voice) -> None:
    clock = FakeClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    presenter = DisplayPresenter(api, signs=signs, voice=voice, clock=clock)
    presenter.start()
    [number] = issue(api, 3)
    clerk(api, 3).call_next()
    assert voice.said == []
    assert presenter.view().latest is not None and presenter.view().latest.number == number
    assert signs.signs[3].last_text == f"请{number}号"


def test_calls_already_on_windows_at_start_are_listed_not_spoken(api, signs, voice) -> None:
    [number] = issue(api, 3)
    clerk(api, 3).call_next()
    presenter = DisplayPresenter(api, signs=signs, voice=voice)
    presenter.start()
    assert voice.said == []
    assert [row.number for row in presenter.view().recent] == [number]
    assert signs.signs[3].last_text == f"请{number}号"


def test_lost_stream_says_reconnecting_and_rereads_the_hall_after(presenter, api, signs, voice) -> None:
    presenter.handle_status(False, "")
    assert not presenter.view().connected
    assert "正在重新连接" in presenter.view().connection_message
    clerk(api, 3).pause("会议")  # happens while we are away; the listener would deliver it on resume
    presenter.handle_status(True, "")
    view = presenter.view()
    assert view.connected and view.connection_message == ""
    assert next(w for w in view.windows if w.number == 3).state == "paused"
    assert voice.said == []


def test_reread_after_reconnect_does_not_undo_newer_events(presenter, api) -> None:
    issue(api, 3)
    calls = clerk(api, 3)
    stale_snapshot = api.hall_state()
    calls.call_next()
    presenter.apply_snapshot(stale_snapshot)
    assert next(w for w in presenter.view().windows if w.number == 3).state == "called"


def test_start_while_the_server_is_down_retries_and_recovers(api, signs, voice) -> None:
    api.online = False
    presenter = DisplayPresenter(api, signs=signs, voice=voice, refresh_retry_s=0)
    presenter.start()
    assert presenter.view().windows == ()
    assert "服务器" in presenter.view().connection_message or not presenter.view().connected
    api.online = True
    presenter.tick()
    assert len(presenter.view().windows) == 10
    assert signs.signs[1].last_text == "暂停服务"


def test_day_rolled_rereads_the_hall(presenter, api) -> None:
    issue(api, 3, count=2)
    api.hall.waiting_counts = lambda: {"social": 0}  # type: ignore[method-assign]  # the new day's empty queues
    api.emit("day.rolled", {"at": dt.datetime.now(dt.UTC).isoformat()})
    assert {row.code: row.count for row in presenter.view().waiting}["social"] == 0


def test_text_a_sign_cannot_show_is_a_warning(api, voice) -> None:
    signs = FakeSignBoard([(3, SignConfig("loop://", "bx", 3))])
    presenter = DisplayPresenter(
        api, signs=signs, voice=voice, sign_texts=SignTexts(called="请{number}号" + "长" * 600)
    )
    presenter.start()
    issue(api, 3)
    clerk(api, 3).call_next()
    assert any("3号窗口显示屏" in line for line in presenter.view().warnings)
    assert len(voice.said) == 1  # the call is still spoken


def test_offline_sign_and_missing_voice_are_shown_as_warnings(api, signs) -> None:
    announcer = Announcer(demo_hall().announce, FakeSpeaker(missing_languages=["zh"]))
    presenter = DisplayPresenter(api, signs=signs, voice=announcer)
    presenter.start()
    signs.signs[4].go_offline()
    warnings = presenter.view().warnings
    assert any("4号窗口显示屏离线" in line for line in warnings)
    assert any("zh" in line for line in warnings)
    announcer.close()


def test_burst_drops_stale_voice_but_keeps_every_call_on_screen(api, signs) -> None:
    speaker = FakeSpeaker(speak_s=0.3)
    announcer = Announcer(demo_hall().announce, speaker, max_pending=1)
    presenter = DisplayPresenter(api, signs=signs, voice=announcer)
    presenter.start()
    numbers = issue(api, 3, count=4)
    calls = clerk(api, 3)
    for _ in numbers:
        calls.call_next()
        calls.no_show()
    assert announcer.wait_idle(10)
    announcer.close()
    assert [row.number for row in presenter.view().recent] == list(reversed(numbers))
    assert speaker.numbers[-1] == numbers[-1]
    assert announcer.dropped_count >= 1 and len(speaker.numbers) + announcer.dropped_count == 4


def test_calls_arriving_after_the_reread_are_still_spoken(presenter, api, voice) -> None:
    [number] = issue(api, 3)
    calls = clerk(api, 3)
    presenter.listener.stop()  # the stream is lost
    presenter.handle_status(False, "")
    before = api.log[-1][0]
    calls.call_next()
    presenter.handle_status(True, "")  # the re-read already sees the call…
    for event in [e for e in api.log if e[0] > before]:  # …and the resumed stream delivers it afterwards
        presenter.handle_event(*event)
    assert voice.said == [(number, 3, False)]
    assert next(w for w in presenter.view().windows if w.number == 3).state == "called"
