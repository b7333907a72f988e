"""The contract: the apps' in-memory hall and a live `hallq serve` answer every call alike.

Each test runs twice — against FakeHallApi and against HttpHallApi talking to a real server process whose
clock libfaketime sets to the same moment (Tuesday 2026-09-29 10:00 in Shanghai, just before National Day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from assets import DEMO_HALL
from client.api import ApiError, HallApi, HttpHallApi, WindowCalls
from client.fake import FakeHallApi
from hallfile import load_hall
from tests.clock import FakeClock
from tests.factories import SHANGHAI
from tests.live import LiveServer

START = dt.datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI)
LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


@pytest.fixture(params=["memory", "server"])
def api(request, tmp_path) -> Iterator[HallApi]:
    if request.param == "memory":
        yield FakeHallApi(load_hall(DEMO_HALL), clock=FakeClock(START))
        return
    if not LIBFAKETIME.exists():
        pytest.skip("libfaketime is missing (apt-get install faketime)")
    utc = START.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    env = {"LD_PRELOAD": str(LIBFAKETIME), "FAKETIME": f"@{utc}", "TZ": "UTC", "DONT_FAKE_MONOTONIC": "1"}
    with LiveServer(tmp_path / "server", env=env, max_subscribers=4, threads=4) as server:
        yield HttpHallApi(server.url)


def refused(call, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as err:
        call(*args, **kwargs)
    return err.value


def clerk(api: HallApi, window: int) -> WindowCalls:
    api.login(str(1000 + window), "1234", window)
    return WindowCalls(api, window)


def test_issuing_numbers_per_service_with_waiting_counts(api):
    first = api.issue("household", item="HJ02")
    second = api.issue("household")
    other = api.issue("social")
    assert (first["number"], second["number"], other["number"]) == ("A001", "A002", "B001")
    assert second["ahead"] == 1 and second["status"] == "waiting" and second["service_name"] == "户籍业务"
    waiting = {s["code"]: s["waiting"] for s in api.services()}
    assert waiting["household"] == 2 and waiting["social"] == 1
    assert api.ticket(first["id"])["item"] == "HJ02"
    assert api.issue("household", key="kiosk-key-0001")["id"] == api.issue("household", key="kiosk-key-0001")["id"]


def test_issuing_refusals_carry_the_same_codes(api):
    assert refused(api.issue, "nope").code == "unknown_service"
    assert refused(api.issue, "household", item="SB01").code == "unknown_item"
    assert refused(api.ticket, "no-such-ticket").status == 404
    assert refused(api.items, "nope").code == "unknown_service"


def test_every_window_action(api):
    a, b = api.issue("household"), api.issue("household")
    window = clerk(api, 1)
    assert window.call_next()["ticket"]["id"] == a["id"]
    assert window.recall()["ticket"]["recalls"] == 1
    assert window.start()["ticket"]["status"] == "serving"
    assert window.suspend()["ticket"]["status"] == "suspended"
    assert window.call_next()["ticket"]["id"] == b["id"]
    assert window.no_show()["ticket"]["status"] == "no_show"
    assert window.resume_ticket(a["id"])["ticket"]["status"] == "called"
    finished = window.finish()
    assert finished["ticket"]["status"] == "done" and finished["case"]["case_type"] == "immediate"
    assert window.call_next()["ticket"] is None
    paused = window.pause("会议")
    assert paused["window"]["status"] == "paused" and paused["window"]["pause_reason"] == "会议"
    assert refused(window.call_next).code == "window_paused"
    assert window.resume()["window"]["status"] == "open"
    detail = window.detail()
    assert detail["today"]["served"] == 1 and detail["window"]["staff"] == "1001"


def test_window_refusals(api):
    api.issue("household")
    assert refused(api.window_action, 1, "call").code == "unauthorized"
    window = clerk(api, 1)
    assert refused(api.window_action, 2, "call").code == "not_signed_in_here"
    assert refused(api.window_action, 1, "dance").status == 404
    assert refused(window.pause, " ").status == 400
    window.call_next()
    assert refused(window.call_next).code == "window_busy"
    assert refused(window.transfer, "", service="social").code in ("note_required", "invalid")
    assert refused(window.finish, "补办件", item="HJ02").code == "materials_required"
    assert refused(window.finish, "退回件", item="HJ02").code == "reason_required"
    assert refused(window.finish, "承诺件").code == "item_required"
    assert refused(window.finish, "no-such-type").code == "bad_case_type"


def test_transfers_keep_the_referral_and_go_to_the_head(api):
    waiting = api.issue("social")
    api.issue("household")
    window = clerk(api, 1)
    moved = window.call_next()["ticket"]
    answer = window.transfer("需先办社保", service="social")
    assert answer["ticket"]["status"] == "transferred"
    assert (
        answer["ticket"]["referrals"][0]["from_window"] == 1
        and answer["ticket"]["referrals"][0]["note"] == "需先办社保"
    )
    assert api.ticket(moved["id"])["ahead"] == 0  # head of the social queue, before B001
    assert api.ticket(waiting["id"])["ahead"] == 1
    assert [t["id"] for t in window.detail()["referred"]] == [moved["id"]]
    api.logout()
    social = clerk(api, 3)
    assert social.call_next()["ticket"]["id"] == moved["id"]


def test_cases_and_due_dates_across_national_day(api):
    assert api.due_date("HJ02") == "2026-10-12"  # 5 working days: 9-30, 10-08, 10-09, 10-10 (make-up), 10-12
    api.issue("household", item="HJ02")
    window = clerk(api, 1)
    window.call_next()
    case = window.finish("承诺件")["case"]
    assert case["due_date"] == "2026-10-12" and case["status"] == "open"
    assert refused(window.finish, "即办件").code == "no_current_ticket"
    ledger = api.cases(status="open")
    assert [c["id"] for c in ledger] == [case["id"]] and ledger[0]["overdue"] is False
    done = api.complete_case(case["id"])
    assert done["status"] == "completed"
    assert refused(api.complete_case, case["id"]).code == "case_not_open"
    api.logout()
    clerk(api, 2)
    assert api.cases() == []  # a clerk's ledger is her own


def test_a_changed_due_date_needs_a_reason(api):
    api.issue("household", item="HJ02")
    window = clerk(api, 1)
    window.call_next()
    assert refused(window.finish, "承诺件", due_date=dt.date(2026, 10, 20)).code == "due_reason_required"
    case = window.finish("承诺件", due_date=dt.date(2026, 10, 20), due_reason="需现场核查")["case"]
    assert case["due_date"] == "2026-10-20"


def test_bookings_and_check_in(api):
    assert refused(api.create_booking, "household", dt.date(2026, 9, 30)).code == "unauthorized"
    clerk(api, 1)
    assert refused(api.create_booking, "household", dt.date(2026, 9, 30)).code == "forbidden"
    api.logout()
    api.login("9001", "1234", None)
    assert refused(api.create_booking, "household", dt.date(2026, 10, 20)).code == "bad_day"  # > 5 working days on
    assert refused(api.create_booking, "household", dt.date(2026, 9, 30), item="SB01").code == "unknown_item"
    booking = api.create_booking("household", dt.date(2026, 9, 29), item="HJ02", name="张三丰", phone="13812348000")
    assert booking["name"] == "张**" and booking["phone"] == "138****8000"
    ticket = api.check_in(booking["code"], key="check-in-0001")
    assert ticket["priority"] is True and ticket["item"] == "HJ02"
    assert api.check_in(booking["code"], key="check-in-0001")["id"] == ticket["id"]
    assert refused(api.check_in, booking["code"]).code == "booking_used"
    assert refused(api.check_in, "000000").status == 404


def test_ratings(api):
    t = api.issue("household")
    window = clerk(api, 1)
    window.call_next()
    assert refused(api.rate, t["id"], 5).status == 400  # not served yet
    window.finish()
    assert refused(api.rate, t["id"], 5, window=2).status == 400  # served at window 1
    rating = api.rate(t["id"], 1, reasons=["等候时间过长"], window=1)
    assert rating == {"ticket": t["id"], "number": "A001", "window": 1, "score": 1, "bad": True}
    assert refused(api.rate, t["id"], 4).status == 409
    levels = api.rating_levels()
    assert [lv["score"] for lv in levels["levels"]] == [5, 4, 3, 2, 1]


def test_sign_in_rules(api):
    assert refused(api.login, "1001", "0000", 1).code == "wrong_pin"
    assert refused(api.login, "1001", "1234", None).code == "window_required"
    assert refused(api.login, "1001", "1234", 99).code == "unknown_window"
    session = api.login("1001", "1234", 1)
    assert session["name"] and session["window"] == 1
    assert api.hall_state()["windows"][0]["staff"] == "1001"
    api.logout()
    assert api.hall_state()["windows"][0]["status"] == "closed"
    assert [c["code"] for c in api.case_types()][:2] == ["immediate", "promised"]


def test_events_reach_a_listener_in_order(api):
    seen: list[str] = []
    listener = api.listen(
        lambda _id, name, _payload: seen.append(name), last_event_id=api.hall_state()["last_event_id"]
    )
    try:
        t = api.issue("household")
        window = clerk(api, 1)
        window.call_next()
        window.finish()
        api.rate(t["id"], 5, window=1)
        deadline = dt.datetime.now() + dt.timedelta(seconds=5)
        while len(seen) < 5 and dt.datetime.now() < deadline:
            import time

            time.sleep(0.02)
    finally:
        listener.stop()
    assert seen == ["ticket.issued", "window.opened", "ticket.called", "ticket.finished", "rating.recorded"]


def test_a_window_takes_only_its_posts_and_a_handover_is_said_to_the_displaced(api):
    assert refused(api.login, "1003", "1234", 1).code == "not_your_window"
    first = clerk(api, 1)
    first_token = api.token
    api.login("1101", "1234", 1)  # the B post takes over
    api.token = first_token
    taken = refused(first.call_next)
    assert taken.code == "taken_over" and "1101" in taken.message


def test_a_transfer_goes_only_where_someone_works_and_counts_where_it_waits(api):
    api.issue("household")
    api.issue("household")
    clerk(api, 3).pause("会议")
    first = clerk(api, 1)
    first.call_next()
    assert refused(first.transfer, "社保问题", window=4).code == "target_closed"
    answer = first.transfer("社保问题", window=3)
    assert "暂停" in answer["warning"] and answer["ticket"]["target_window"] == 3
    services = {s["code"]: s for s in api.services()}
    assert services["household"]["waiting"] == 1  # the transferred ticket waits at window 3, not in 户籍
    assert services["social"]["waiting"] == 0 and services["social"]["staffed"] is False
    assert services["household"]["staffed"] is True
    detail = first.detail()
    assert detail["waiting"]["household"] == 1 and detail["next"] == ["A002"]
    hall = api.hall_state()
    assert next(w for w in hall["windows"] if w["number"] == 3)["waiting"] == 1


def test_a_missed_number_is_reinstated_once_at_the_service_desk(api):
    missed = api.issue("household")
    for _ in range(3):
        api.issue("household")
    window = clerk(api, 1)
    window.call_next()
    gone = window.no_show()["ticket"]
    assert gone["status"] == "no_show"
    api.logout()
    clerk(api, 3)  # 社保 window: not the desk for 户籍
    assert refused(api.reinstate, missed["id"]).code == "forbidden"
    api.logout()
    api.login("9001", "1234", None)
    back = api.reinstate(missed["id"])
    assert back["status"] == "waiting" and back["reinstated"] == 1 and back["ahead"] == 2  # demo: after 2 waiting
    assert refused(api.reinstate, missed["id"]).code == "not_missed"
    api.logout()
    window = clerk(api, 1)
    numbers = [window.call_next()["ticket"]["number"] for _ in range(1)]
    window.no_show()
    numbers += [window.call_next()["ticket"]["number"]]
    window.no_show()
    numbers += [window.call_next()["ticket"]["number"]]
    assert numbers == ["A002", "A003", "A001"]
    window.no_show()
    api.logout()
    api.login("9001", "1234", None)
    assert refused(api.reinstate, missed["id"]).code == "reinstate_limit"


def test_every_case_gets_the_halls_own_number(api):
    for _ in range(2):
        api.issue("household", item="HJ02")
    window = clerk(api, 1)
    numbers = []
    for _ in range(2):
        window.call_next()
        numbers.append(window.finish("承诺件")["case"]["case_number"])
    assert numbers == ["20260929-0001", "20260929-0002"]
    assert {c["case_number"] for c in api.cases()} == set(numbers)


def test_a_clerk_reads_only_her_own_case_ledger(api):
    clerk(api, 1)
    assert api.cases() == []
    assert refused(api.cases, staff="1002").code == "forbidden"


SECRET_NOTE = "身份证110105199001010123 电话13812348000"


def test_the_public_sees_no_notes_on_tickets_and_events(api):
    public: list[tuple[str, dict]] = []
    start = api.hall_state()["last_event_id"]
    listener = api.listen(lambda _id, name, payload: public.append((name, payload)), last_event_id=start)
    try:
        t = api.issue("household", priority=True, priority_reason="disabled")
        api.login("1003", "1234", 3)
        window = clerk(api, 1)
        window.call_next()
        window.transfer(SECRET_NOTE, window=3)
        api.logout()
        social = clerk(api, 3)
        social.call_next()
        social.finish("退回件", item="SB01", note=SECRET_NOTE)
        staff_view = api.ticket(t["id"])
        api.logout()
        public_view = api.ticket(t["id"])
        deadline = dt.datetime.now() + dt.timedelta(seconds=5)
        while not any(name == "ticket.finished" for name, _ in public) and dt.datetime.now() < deadline:
            import time

            time.sleep(0.02)
    finally:
        listener.stop()
    assert staff_view["referrals"][0]["note"] == SECRET_NOTE  # staff see the note
    seen = repr(public) + repr(public_view)
    assert "110105" not in seen and "13812348000" not in seen and "disabled" not in seen
    assert public_view["referrals"][0]["to_window"] == 3 and public_view["status"] == "done"
    assert any(name == "ticket.finished" for name, _ in public)


def test_item_guides_have_the_same_shape_in_process_and_over_http(api):
    """The kiosk reads a guide's lists (materials, procedure, sample forms) the same from either implementation."""
    import json

    guides = api.items("household")
    assert guides and all(json.loads(json.dumps(g, ensure_ascii=False)) == g for g in guides)  # lists, not tuples
    hj02 = next(g for g in guides if g["code"] == "HJ02")
    assert isinstance(hj02["materials"], list) and isinstance(hj02["materials"][0], dict)
