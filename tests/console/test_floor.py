"""The live floor as the console shows it (core/floor.py), on a hand-made morning of the test hall."""

from __future__ import annotations

import datetime as dt
import itertools

from core.floor import floor_view
from core.hall import Hall
from tests.factories import at, make_config

_ids = itertools.count(1)


def morning() -> Hall:
    """Window 1 (A post 1001) serves A001 since 9:02; window 2 paused at 9:10; window 3 nobody; B001 and A002
    waiting since 9:00 and 9:05; A001's citizen came at 8:55."""
    hall = Hall(make_config(hall={"enforce_hours": True}), dt.date(2026, 11, 23))
    hall.sign_in(1, "1001", at(8, 25))
    hall.sign_in(2, "1002", at(8, 26))
    for service, when in (("HJ", at(8, 55)), ("SB", at(9)), ("HJ", at(9, 5))):
        hall.issue(service, when, ticket_id=f"t{next(_ids)}")
    hall.call_next(1, at(9, 2))
    hall.pause(2, "业务培训", at(9, 10))
    return hall


def test_each_window_says_who_on_which_post_what_and_since_when() -> None:
    view = floor_view(morning(), at(9, 20))
    one, two, three = view["windows"]
    assert (one["staff"], one["staff_name"], one["post"], one["status"]) == ("1001", "张敏", "A", "open")
    assert one["current"]["number"] == "A001" and one["current"]["status"] == "called"
    assert one["current"]["for_s"] == 18 * 60
    assert (two["status"], two["pause_reason"], two["status_s"]) == ("paused", "业务培训", 10 * 60)
    assert (three["status"], three["staff"], three["post"], three["current"]) == ("closed", None, "", None)


def test_a_window_nobody_signed_in_is_flagged_only_within_opening_hours() -> None:
    hall = morning()
    assert [w["number"] for w in floor_view(hall, at(9, 20))["windows"] if w["unstaffed"]] == [3]
    assert floor_view(hall, at(9, 20))["in_hours"] is True
    lunch = floor_view(hall, at(12, 30))
    assert lunch["in_hours"] is False
    assert not any(w["unstaffed"] for w in lunch["windows"])


def test_a_manager_standing_in_is_on_the_cover_post() -> None:
    hall = morning()
    hall.sign_in(3, "9001", at(9, 15))
    assert floor_view(hall, at(9, 20))["windows"][2]["post"] == "cover"


def test_waiting_per_service_with_the_longest_wait() -> None:
    services = {s["code"]: s for s in floor_view(morning(), at(9, 20))["services"]}
    assert (services["HJ"]["waiting"], services["HJ"]["longest_number"], services["HJ"]["longest_wait_s"]) == (
        1,
        "A002",
        15 * 60,
    )
    assert (services["SB"]["waiting"], services["SB"]["longest_wait_s"]) == (1, 20 * 60)
    assert (services["YB"]["waiting"], services["YB"]["longest_number"], services["YB"]["longest_wait_s"]) == (
        0,
        None,
        None,
    )
    assert services["SB"]["staffed"] is False  # window 2 is paused, window 3 closed
    assert services["HJ"]["open"] and not services["HJ"]["closed_by_manager"]


def test_a_closed_service_says_the_manager_closed_it() -> None:
    hall = morning()
    hall.set_service_open("YB", False, at(9, 15))
    yb = next(s for s in floor_view(hall, at(9, 20))["services"] if s["code"] == "YB")
    assert (yb["open"], yb["closed_by_manager"]) == (False, True)


def test_transfers_nobody_can_call_are_stuck_and_say_why() -> None:
    hall = morning()
    hall.sign_in(3, "1003", at(9, 11))
    hall.transfer(1, at(9, 12), note="需要社保窗口", to_window=3)  # A001 to window 3 …
    hall.sign_out(3, at(9, 13))  # … which then closes
    view = floor_view(hall, at(9, 20))
    assert [(t["number"], t["why"], t["to_window"], t["from_window"], t["note"]) for t in view["stuck_transfers"]] == [
        ("A001", "window_closed", 3, 1, "需要社保窗口")
    ]
    assert view["stuck_transfers"][0]["waiting_s"] == 8 * 60


def test_a_transfer_to_a_paused_window_or_an_unstaffed_service_is_stuck() -> None:
    hall = morning()
    hall.transfer(1, at(9, 12), note="转医保", service="YB")  # nobody open serves YB (window 2 paused)
    assert [t["why"] for t in floor_view(hall, at(9, 20))["stuck_transfers"]] == ["unstaffed"]
    hall.resume(2, at(9, 14))
    assert floor_view(hall, at(9, 20))["stuck_transfers"] == []
    hall.call_next(1, at(9, 15))
    hall.transfer(1, at(9, 16), note="请到2号窗口", to_window=2)
    hall.pause(2, "系统故障", at(9, 17))  # A002 waits for paused window 2; A001 (to YB) has no open window again
    stuck = floor_view(hall, at(9, 20))["stuck_transfers"]
    assert [(t["number"], t["why"]) for t in stuck] == [("A001", "unstaffed"), ("A002", "window_paused")]


def test_an_ordinary_queue_is_never_stuck() -> None:
    assert floor_view(morning(), at(9, 20))["stuck_transfers"] == []
