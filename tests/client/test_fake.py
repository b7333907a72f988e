"""The in-memory fake answers like the server: same calls, same errors, events to listeners."""

import datetime as dt

import pytest

from client.api import ApiError, WindowCalls
from client.fake import FakeHallApi
from tests.clock import FakeClock
from tests.factories import at, make_config


@pytest.fixture
def api():
    return FakeHallApi(make_config(), clock=FakeClock(at(9)))


def test_issue_call_finish_rate(api):
    seen = []
    api.listen(lambda i, name, p: seen.append(name))
    t = api.issue("HJ", item="HJ-01")
    assert t["number"] == "A001" and t["service_name"] == "户籍业务"
    api.login("1001", "1234", 1)
    window = WindowCalls(api, 1)
    assert window.call_next()["ticket"]["id"] == t["id"]
    answer = window.finish("承诺件")
    assert answer["case"]["due_date"] == "2026-11-30"
    assert api.rate(t["id"], 5, window=1)["score"] == 5
    assert seen == ["ticket.issued", "window.opened", "ticket.called", "ticket.finished", "rating.recorded"]
    with pytest.raises(ApiError) as err:
        api.rate(t["id"], 4)
    assert err.value.status == 409


def test_the_same_key_returns_the_same_ticket(api):
    assert api.issue("HJ", key="k1")["id"] == api.issue("HJ", key="k1")["id"]
    assert api.issue("HJ")["number"] == "A002"


def test_offline_fake_raises_unreachable(api):
    api.online = False
    with pytest.raises(ApiError) as err:
        api.services()
    assert err.value.unreachable and "重试" in err.value.message


def test_wrong_window_is_403(api):
    api.login("1001", "1234", 1)
    with pytest.raises(ApiError) as err:
        WindowCalls(api, 2).call_next()
    assert err.value.status == 403


def test_listen_replays_after_last_event_id(api):
    api.issue("HJ")
    api.issue("HJ")
    got = []
    api.listen(lambda i, name, p: got.append((i, p["ticket"]["number"])), last_event_id=1)
    assert got == [(2, "A002")]


def test_booking_check_in_and_due_date(api):
    api.add_booking("123456", "HJ")
    t = api.check_in("123456")
    assert t["priority"] and t["priority_reason"] == "appointment"
    with pytest.raises(ApiError) as err:
        api.check_in("123456")
    assert err.value.code == "booking_used"
    api.add_booking("222222", "HJ", day=dt.date(2026, 11, 24))
    with pytest.raises(ApiError) as err:
        api.check_in("222222")
    assert err.value.code == "booking_not_today"
    assert api.due_date("HJ-01") == "2026-11-30"


def test_window_detail_tracks_referrals(api):
    t = api.issue("HJ")
    api.login("1002", "1234", 2)  # window 2 is open: a transfer to a closed window is refused
    api.login("1001", "1234", 1)
    WindowCalls(api, 1).call_next()
    WindowCalls(api, 1).transfer("社保问题", window=2)
    detail = api.window_detail(1)
    assert [r["id"] for r in detail["referred"]] == [t["id"]]
