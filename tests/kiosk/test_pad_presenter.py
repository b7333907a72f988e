"""The rating pad's logic without Kivy: the clerk's badge, asking after a finished ticket, reasons, timeouts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from client.api import WindowCalls
from client.fake import FakeHallApi
from kiosk.common import OFFLINE
from kiosk.pad import REASON_NEEDED, PadPresenter
from tests.clock import FakeClock
from tests.factories import at, make_config


def start_pad(api: FakeHallApi, clock: FakeClock[float], window: int = 1, photos: Path | None = None) -> PadPresenter:
    pad = PadPresenter(api, window, clock=clock, photos_dir=photos)
    pad.start()
    pad.listener = api.listen(pad.on_event, pad.on_connection)
    return pad


def serve_one(api: FakeHallApi, window: int = 1, service: str = "HJ") -> str:
    """Issue, call and finish one ticket at `window` (signed in as its clerk); returns the ticket id."""
    ticket = api.issue(service)
    calls = WindowCalls(api, window)
    calls.call_next()
    calls.finish()
    return ticket["id"]


@pytest.fixture
def signed_in(api: FakeHallApi) -> FakeHallApi:
    api.login("1001", "1234", 1)
    return api


def test_between_services_it_shows_the_window_and_the_clerk_on_duty(
    signed_in: FakeHallApi, clock: FakeClock[float]
) -> None:
    pad = start_pad(signed_in, clock)
    assert pad.screen == "idle"
    assert pad.window_name == "户籍窗口"
    assert pad.clerk is not None and (pad.clerk.staff, pad.clerk.name) == ("1001", "张敏")
    assert pad.service_names == [("户籍业务", "Household registration")]
    assert pad.item_names == ["户口迁入"]
    assert pad.status_line is None


def test_a_closed_window_says_so_and_a_sign_in_updates_the_badge(api: FakeHallApi, clock: FakeClock[float]) -> None:
    pad = start_pad(api, clock)
    assert pad.clerk is None and pad.status_line is not None and "暂停服务" in pad.status_line[0]
    api.login("1101", "1234", 1)
    assert pad.clerk is not None and pad.clerk.name == "李强"
    assert pad.status_line is None


def test_a_photo_is_shown_only_when_the_photos_folder_has_one(
    signed_in: FakeHallApi, clock: FakeClock[float], tmp_path: Path
) -> None:
    (tmp_path / "1001.jpg").write_bytes(b"\xff\xd8")
    assert start_pad(signed_in, clock, photos=tmp_path).clerk.photo == tmp_path / "1001.jpg"  # type: ignore[union-attr]
    assert start_pad(signed_in, clock, photos=None).clerk.photo is None  # type: ignore[union-attr]


@pytest.mark.parametrize("score", [5, 4, 3])
def test_a_good_rating_is_recorded_at_one_touch(signed_in: FakeHallApi, clock: FakeClock[float], score: int) -> None:
    pad = start_pad(signed_in, clock)
    ticket = serve_one(signed_in)
    assert pad.screen == "rate" and pad.ticket_id == ticket
    pad.choose(score)
    assert signed_in.ratings[ticket]["score"] == score and signed_in.ratings[ticket]["window"] == 1
    assert pad.screen == "thanks"
    clock.now += pad.thanks_s
    pad.tick()
    assert pad.screen == "idle"


@pytest.mark.parametrize("score", [2, 1])
def test_a_bad_rating_asks_for_a_reason_before_it_is_sent(
    signed_in: FakeHallApi, clock: FakeClock[float], score: int
) -> None:
    pad = start_pad(signed_in, clock)
    ticket = serve_one(signed_in)
    pad.choose(score)
    assert pad.screen == "reason" and ticket not in signed_in.ratings
    pad.submit_reason()
    assert pad.message is not None and "原因" in pad.message[0] and ticket not in signed_in.ratings
    pad.toggle_reason(pad.bad_reasons[0])
    pad.submit_reason()
    recorded = signed_in.ratings[ticket]
    assert (recorded["score"], recorded["reasons"], recorded["comment"]) == (score, [pad.bad_reasons[0]], "")


def test_there_is_no_free_comment_only_reason_buttons(signed_in: FakeHallApi, clock: FakeClock[float]) -> None:
    """A pad has no keyboard: the citizen says what went wrong with the reason buttons alone."""
    pad = start_pad(signed_in, clock)
    assert not hasattr(pad, "set_comment") and not hasattr(pad, "comment")
    assert "填写" not in REASON_NEEDED[0]


def test_reasons_carry_the_halls_english_and_the_chinese_alone_where_none(clock: FakeClock[float]) -> None:
    config = make_config(ratings={"bad_reasons": ["等候时间过长", "其他"], "bad_reasons_en": ["Waited too long", ""]})
    api = FakeHallApi(config, clock=lambda: at(9))
    pad = start_pad(api, clock)
    assert pad.reason_text("等候时间过长") == ("等候时间过长", "Waited too long")
    assert pad.reason_text("其他") == ("其他", "")  # no English in the hall file: the Chinese, never an empty button


def test_the_idle_screen_shows_the_number_being_served_here(signed_in: FakeHallApi, clock: FakeClock[float]) -> None:
    first = signed_in.issue("HJ")
    calls = WindowCalls(signed_in, 1)
    calls.call_next()
    pad = start_pad(signed_in, clock)  # from /windows/1 (as /hall has it) when the pad starts
    assert pad.serving == first["number"] and pad.serving_line == (
        f"正在办理 {first['number']}",
        f"Now serving {first['number']}",
    )
    calls.finish()  # from the events afterwards
    assert pad.serving == "" and pad.serving_line[0] == "等待叫号"
    second = signed_in.issue("HJ")
    calls.call_next()
    assert pad.serving == second["number"]


def test_the_pad_keeps_the_halls_time_zone(clock: FakeClock[float]) -> None:
    api = FakeHallApi(make_config(hall={"timezone": "Pacific/Kiritimati"}), clock=lambda: at(9))
    pad = start_pad(api, clock)
    assert pad.hall_now().utcoffset() == dt.timedelta(hours=14)


def test_a_reason_can_be_unticked_and_the_score_changed(signed_in: FakeHallApi, clock: FakeClock[float]) -> None:
    pad = start_pad(signed_in, clock)
    ticket = serve_one(signed_in)
    pad.choose(1)
    pad.toggle_reason(pad.bad_reasons[0])
    pad.toggle_reason(pad.bad_reasons[0])
    assert pad.reasons == []
    pad.back_to_levels()
    pad.choose(4)
    assert signed_in.ratings[ticket]["score"] == 4


@pytest.mark.parametrize("screen_at_timeout", ["rate", "reason"])
def test_silence_records_no_rating(signed_in: FakeHallApi, clock: FakeClock[float], screen_at_timeout: str) -> None:
    pad = start_pad(signed_in, clock)
    ticket = serve_one(signed_in)
    if screen_at_timeout == "reason":
        pad.choose(1)
    clock.now += pad.timeout_s
    pad.tick()
    assert pad.screen == "idle" and pad.ticket_id == ""
    assert ticket not in signed_in.ratings
    pad.choose(5)  # too late: nothing to rate any more
    assert ticket not in signed_in.ratings


def test_a_touch_gives_the_citizen_the_full_time_again(signed_in: FakeHallApi, clock: FakeClock[float]) -> None:
    pad = start_pad(signed_in, clock)
    serve_one(signed_in)
    clock.now += pad.timeout_s - 1
    pad.touched()
    clock.now += 2
    pad.tick()
    assert pad.screen == "rate"


def test_tickets_finished_at_other_windows_are_ignored(api: FakeHallApi, clock: FakeClock[float]) -> None:
    pad = start_pad(api, clock, window=1)
    api.login("1002", "1234", 2)
    serve_one(api, window=2, service="SB")
    assert pad.screen == "idle"


def test_the_server_refuses_a_ticket_not_served_here(signed_in: FakeHallApi, clock: FakeClock[float]) -> None:
    pad = start_pad(signed_in, clock, window=1)
    waiting = signed_in.issue("HJ")
    pad.ask_rating(waiting["id"], waiting["number"])
    pad.choose(5)
    assert waiting["id"] not in signed_in.ratings
    assert pad.message is not None and "不能评价" in pad.message[0]


def test_one_rating_per_ticket(signed_in: FakeHallApi, clock: FakeClock[float]) -> None:
    pad = start_pad(signed_in, clock)
    ticket = serve_one(signed_in)
    pad.choose(5)
    pad.ask_rating(ticket, "A001")  # e.g. a replayed event
    pad.choose(3)
    assert signed_in.ratings[ticket]["score"] == 5
    assert pad.screen == "thanks" and pad.message is not None and "已经评价" in pad.message[0]


def test_an_unreachable_server_is_retried_and_the_rating_lands_once(
    signed_in: FakeHallApi, clock: FakeClock[float]
) -> None:
    pad = start_pad(signed_in, clock)
    ticket = serve_one(signed_in)
    signed_in.online = False
    pad.choose(5)
    assert pad.offline == OFFLINE and pad.screen == "rate"
    signed_in.online = True
    clock.now += pad.retry_s
    pad.tick()
    assert signed_in.ratings[ticket]["score"] == 5 and pad.screen == "thanks"
