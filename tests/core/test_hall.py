import datetime as dt
import itertools

import pytest

from core import events as ev
from core.calendar import WorkCalendar
from core.hall import Hall
from core.tickets import DomainError, Status
from tests.factories import at, make_config

CAL = WorkCalendar.combine(holidays=[dt.date(2027, 1, 1)], workdays=[])
_ids = itertools.count(1)


def new_hall(**sections):
    return Hall(make_config(**sections), dt.date(2026, 11, 23))


def issue(hall, service, now=None, **kw):
    return hall.issue(service, now or at(9), ticket_id=f"t{next(_ids)}", **kw).ticket


def open_windows(hall, *numbers):
    staff = {1: "1001", 2: "1002", 3: "1003"}
    for n in numbers:
        hall.sign_in(n, staff[n], at(8, 25))


def finish(hall, window, **kw):
    return hall.finish(window, at(10), calendar=CAL, case_id=f"c{next(_ids)}", **kw)


def test_numbers_count_per_service_from_one():
    hall = new_hall()
    numbers = [issue(hall, s).number for s in ("HJ", "HJ", "SB", "HJ", "SB")]
    assert numbers == ["A001", "A002", "B001", "A003", "B002"]


def test_issue_reports_people_ahead_and_an_estimate():
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ")
    result = hall.issue("HJ", at(9), ticket_id="x")
    issued = result.events[-1]
    assert isinstance(issued, ev.TicketIssued)
    assert issued.ahead == 1
    assert issued.estimated_wait_s == 300  # one ahead, default 300 s, one window open


def test_unknown_service_is_a_400_with_a_sentence():
    with pytest.raises(DomainError) as err:
        issue(new_hall(), "ZZ")
    assert (err.value.code, err.value.status) == ("unknown_service", 400)
    assert "ZZ" in err.value.message


def test_closed_service_refuses_tickets():
    hall = new_hall()
    hall.set_service_open("HJ", False, at(9))
    with pytest.raises(DomainError) as err:
        issue(hall, "HJ")
    assert err.value.code == "service_closed"


@pytest.mark.parametrize(
    "hour, minute, is_open",
    [(8, 19, False), (8, 20, True), (11, 29, True), (12, 0, False), (17, 19, True), (17, 30, False)],
)
def test_opening_hours_with_early_minutes(hour, minute, is_open):
    hall = new_hall(hall={"enforce_hours": True, "early_minutes": 10})
    assert hall.is_service_open("HJ", at(hour, minute)) is is_open


def test_the_day_is_the_halls_local_date_not_utcs():
    hall = new_hall()
    issue(hall, "HJ", at(9))
    # 07:30 local on the 24th is still the 23rd in UTC: numbering must restart anyway.
    next_morning = at(7, 30, day=dt.date(2026, 11, 24))
    assert next_morning.astimezone(dt.UTC).date() == dt.date(2026, 11, 23)
    assert issue(hall, "HJ", next_morning).number == "A001"
    assert hall.day == dt.date(2026, 11, 24)


def test_day_rollover_closes_what_was_left_open():
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ")
    issue(hall, "HJ")
    hall.call_next(1, at(9, 5))
    result = hall.issue("HJ", at(8, day=dt.date(2026, 11, 24)), ticket_id="new")
    closed = [e for e in result.events if isinstance(e, ev.TicketClosed)]
    assert len(closed) == 2 and {e.ticket["status"] for e in closed} == {"closed"}
    assert any(isinstance(e, ev.WindowClosed) for e in result.events)
    assert hall.windows[1].status == "closed" and hall.windows[1].current is None


def test_window_calls_its_services_in_configured_order():
    hall = new_hall()
    open_windows(hall, 3)  # YB, then SB, then HJ
    hj = issue(hall, "HJ", at(9, 0))
    sb = issue(hall, "SB", at(9, 1))
    yb = issue(hall, "YB", at(9, 2))
    called = []
    for _ in range(3):
        called.append(hall.call_next(3, at(9, 10)).ticket.id)
        finish(hall, 3)
    assert called == [yb.id, sb.id, hj.id]


def test_equal_priority_level_takes_the_oldest_first():
    hall = new_hall()
    open_windows(hall, 2)  # SB and YB on one level
    yb = issue(hall, "YB", at(9, 0))
    sb = issue(hall, "SB", at(9, 1))
    assert hall.call_next(2, at(9, 5)).ticket.id == yb.id
    finish(hall, 2)
    assert hall.call_next(2, at(9, 6)).ticket.id == sb.id


def test_green_channel_goes_first_under_strict_policy():
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ", at(9, 0))
    elder = issue(hall, "HJ", at(9, 1), priority=True, priority_reason="elderly")
    assert hall.call_next(1, at(9, 2)).ticket.id == elder.id


def test_interleave_policy_lets_a_normal_ticket_through_after_n_priority_calls():
    hall = new_hall(hall={"priority_policy": "interleave", "priority_interleave": 2})
    open_windows(hall, 1)
    normal = issue(hall, "HJ", at(9, 0))
    for m in range(3):
        issue(hall, "HJ", at(9, 1 + m), priority=True)
    order = []
    for _ in range(4):
        t = hall.call_next(1, at(9, 10)).ticket
        order.append("N" if t.id == normal.id else "P")
        finish(hall, 1)
    assert order == ["P", "P", "N", "P"]


@pytest.mark.parametrize("policy", ["strict", "interleave"])
def test_the_preview_of_who_is_next_is_the_order_the_calls_take(policy):
    hall = new_hall(hall={"priority_policy": policy, "priority_interleave": 2})
    open_windows(hall, 1, 2)
    for m in range(3):
        issue(hall, "HJ", at(9, m))
    for m in range(4):
        issue(hall, "HJ", at(9, 5 + m), priority=True)
    issue(hall, "SB", at(9, 9))
    hall.call_next(2, at(9, 10))  # window 2 serves one of HJ's first: a transfer to window 1 jumps the line
    hall.transfer(2, at(9, 11), note="户籍问题", to_window=1)
    for _ in range(2):  # a run of priority calls, so the interleave rule is mid-streak
        hall.call_next(1, at(9, 12))
        finish(hall, 1)
    preview = hall.next_numbers(1, 20)
    called = []
    while (t := hall.call_next(1, at(9, 20)).ticket) is not None:
        called.append(t.number)
        finish(hall, 1)
    assert preview == called and len(called) >= 5


def test_a_window_cannot_call_while_it_still_has_a_citizen():
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ")
    issue(hall, "HJ")
    hall.call_next(1, at(9, 1))
    with pytest.raises(DomainError) as err:
        hall.call_next(1, at(9, 2))
    assert err.value.code == "window_busy" and "A001" in err.value.message


def test_call_with_nobody_waiting_returns_no_ticket():
    hall = new_hall()
    open_windows(hall, 1)
    assert hall.call_next(1, at(9)).ticket is None


def test_closed_or_paused_window_cannot_call():
    hall = new_hall()
    with pytest.raises(DomainError) as err:
        hall.call_next(1, at(9))
    assert err.value.code == "window_closed"
    open_windows(hall, 1)
    hall.pause(1, "会议", at(9))
    with pytest.raises(DomainError) as err:
        hall.call_next(1, at(9))
    assert err.value.code == "window_paused"
    hall.resume(1, at(9, 30))
    assert hall.windows[1].status == "open"


def test_recall_counts():
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ")
    hall.call_next(1, at(9, 1))
    hall.recall(1, at(9, 2))
    t = hall.recall(1, at(9, 3)).ticket
    assert t.recalls == 2 and t.status is Status.CALLED


def test_suspended_ticket_comes_back_without_requeuing():
    hall = new_hall()
    open_windows(hall, 1)
    first = issue(hall, "HJ")
    second = issue(hall, "HJ")
    hall.call_next(1, at(9, 1))
    hall.suspend(1, at(9, 2))
    assert hall.suspended_at(1) == [first]
    assert hall.call_next(1, at(9, 3)).ticket.id == second.id
    finish(hall, 1)
    back = hall.resume_ticket(1, first.id, at(9, 20)).ticket
    assert back.id == first.id and back.status is Status.CALLED and hall.windows[1].current == first.id


def test_only_the_suspending_window_takes_the_ticket_back():
    hall = new_hall()
    open_windows(hall, 1, 3)
    t = issue(hall, "HJ")
    hall.call_next(1, at(9, 1))
    hall.suspend(1, at(9, 2))
    with pytest.raises(DomainError) as err:
        hall.resume_ticket(3, t.id, at(9, 3))
    assert err.value.code == "not_your_ticket"


def test_transfer_to_a_service_jumps_the_queue_and_keeps_the_referral():
    hall = new_hall()
    open_windows(hall, 1, 2)
    t = issue(hall, "HJ", at(9, 0))
    waiting = issue(hall, "SB", at(9, 1))
    hall.call_next(1, at(9, 2))
    hall.transfer(1, at(9, 3), service="SB", note="需先办理社保转移")
    called = hall.call_next(2, at(9, 4)).ticket
    assert called.id == t.id and called.id != waiting.id
    assert called.number == "A001"  # the citizen keeps the paper ticket's number
    assert called.referrals[0].from_window == 1 and called.referrals[0].from_staff == "1001"
    assert called.referrals[0].note == "需先办理社保转移"


def test_transfer_to_one_window_only_that_window_calls_it():
    hall = new_hall()
    open_windows(hall, 1, 2, 3)
    t = issue(hall, "HJ")
    hall.call_next(1, at(9, 1))
    hall.transfer(1, at(9, 2), to_window=2, note="医保问题")
    assert hall.call_next(3, at(9, 3)).ticket is None
    assert hall.call_next(2, at(9, 3)).ticket.id == t.id


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"note": "x"}, "bad_target"),
        ({"service": "SB", "to_window": 2, "note": "x"}, "bad_target"),
        ({"service": "SB", "note": " "}, "note_required"),
        ({"to_window": 1, "note": "x"}, "bad_target"),
        ({"service": "ZZ", "note": "x"}, "unknown_service"),
    ],
)
def test_bad_transfers_are_refused(kwargs, code):
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ")
    hall.call_next(1, at(9, 1))
    with pytest.raises(DomainError) as err:
        hall.transfer(1, at(9, 2), **kwargs)
    assert err.value.code == code
    assert hall.windows[1].current is not None  # nothing changed


def test_finish_promised_case_computes_the_due_date_in_working_days():
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ", item="HJ-01")
    hall.call_next(1, at(9, 1))
    result = finish(hall, 1, case_kind="承诺件")
    assert result.case.case_type == "promised"
    assert result.case.due_date == "2026-11-30"  # Monday + 5 working days
    assert result.case.status == "open"


def test_finish_with_a_changed_due_date_needs_a_reason():
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ", item="HJ-01")
    hall.call_next(1, at(9, 1))
    with pytest.raises(DomainError) as err:
        finish(hall, 1, case_kind="promised", due_date=dt.date(2026, 12, 4))
    assert err.value.code == "due_reason_required"
    assert hall.tickets[hall.windows[1].current].status is Status.CALLED
    result = finish(hall, 1, case_kind="promised", due_date=dt.date(2026, 12, 4), due_reason="需现场核查")
    assert result.case.due_date == "2026-12-04"


def test_incomplete_case_lists_missing_materials():
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ", item="HJ-01")
    hall.call_next(1, at(9, 1))
    with pytest.raises(DomainError):
        finish(hall, 1, case_kind="incomplete")
    case = finish(hall, 1, case_kind="incomplete", missing_materials=["准予迁入证明"]).case
    assert case.missing_materials == ("准予迁入证明",) and case.status == "completed"


def test_unknown_case_type_lists_the_valid_ones():
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ")
    hall.call_next(1, at(9, 1))
    with pytest.raises(DomainError) as err:
        finish(hall, 1, case_kind="quick")
    assert "即办件" in err.value.message and "immediate" in err.value.message


def test_finish_feeds_the_wait_estimate():
    hall = new_hall()
    open_windows(hall, 1)
    issue(hall, "HJ", at(9, 0))
    hall.call_next(1, at(9, 0))
    hall.finish(1, at(9, 2), calendar=CAL, case_id="c")  # 120 s
    assert hall.average_service_s("HJ") == 120


def test_handover_to_the_b_post_is_on_record():
    hall = new_hall()
    hall.sign_in(1, "1001", at(8, 25))
    result = hall.sign_in(1, "1101", at(12))
    opened = result.events[-1]
    assert (opened.staff, opened.post, opened.handover_from) == ("1101", "B", "1001")
    assert hall.windows[1].staff == "1101"


def test_signing_in_elsewhere_closes_the_old_window():
    hall = new_hall()
    hall.sign_in(1, "9001", at(8, 25))  # the manager covers window 1, then window 3
    hall.sign_in(3, "9001", at(9))
    assert hall.windows[1].status == "closed" and hall.windows[3].staff == "9001"


def test_only_the_windows_a_or_b_post_or_a_manager_may_sign_in_there():
    hall = new_hall()
    hall.sign_in(1, "1001", at(8, 25))
    with pytest.raises(DomainError) as err:
        hall.sign_in(1, "1003", at(9))  # window 3's clerk
    assert err.value.code == "not_your_window" and err.value.status == 403
    assert hall.windows[1].staff == "1001"
    opened = hall.sign_in(1, "9001", at(9)).events[-1]
    assert (opened.post, opened.handover_from) == ("", "1001")


def test_restore_rebuilds_queues_in_order():
    hall = new_hall()
    open_windows(hall, 1)
    tickets = [issue(hall, "HJ", at(9, m)) for m in range(3)]
    hall.call_next(1, at(9, 5))
    again = Hall.restore(
        hall.config,
        hall.day,
        tickets=list(hall.tickets.values()),
        windows=list(hall.windows.values()),
        counters=hall.counters,
    )
    assert again.windows[1].current == tickets[0].id
    assert issue(again, "HJ").number == "A004"
    again.finish(1, at(9, 9), calendar=CAL, case_id="c1")
    assert again.call_next(1, at(9, 10)).ticket.id == tickets[1].id


@pytest.mark.parametrize("after", [0, 1, 2, 9])
def test_a_reinstated_missed_number_keeps_its_place_across_a_restart(after):
    hall = new_hall(hall={"missed_reinstate_after": after})
    open_windows(hall, 1)
    issue(hall, "HJ", at(9, 0))  # A001, missed below
    rest = [issue(hall, "HJ", at(9, 1 + m)).number for m in range(3)]
    hall.call_next(1, at(9, 5))
    gone = hall.no_show(1, at(9, 6)).ticket
    back = hall.reinstate(gone, at(9, 7), by="9001").ticket
    expected = rest[:after] + ["A001"] + rest[after:]
    assert back.reinstated == 1 and hall.ahead(back) == min(after, 3)
    assert hall.next_numbers(1, 9) == expected
    again = Hall.restore(
        hall.config, hall.day, tickets=list(hall.tickets.values()), windows=list(hall.windows.values())
    )
    assert again.next_numbers(1, 9) == expected


def test_every_command_requires_an_aware_now():
    with pytest.raises(ValueError):
        new_hall().issue("HJ", dt.datetime(2026, 11, 23, 9), ticket_id="x")


def test_a_windows_waiting_count_is_what_it_may_call():
    hall = new_hall()
    open_windows(hall, 1, 2, 3)
    issue(hall, "HJ")
    issue(hall, "SB")
    hall.call_next(1, at(9, 1))
    hall.transfer(1, at(9, 2), to_window=2, note="医保问题")  # A001 now waits for window 2 only
    assert hall.window_view(2)["waiting"] == 2  # B001 in SB, and A001 sent to it
    assert hall.window_view(3)["waiting"] == 1  # B001 only: A001 is not window 3's to call
    assert hall.window_view(1)["waiting"] == 0


def test_a_window_citizens_were_transferred_to_cannot_be_removed():
    """Its post signed out, the window still has citizens sent to it alone: removing it would strand them."""
    import dataclasses

    hall = new_hall()
    open_windows(hall, 1, 2)
    issue(hall, "HJ")
    hall.call_next(1, at(9, 1))
    hall.transfer(1, at(9, 2), to_window=2, note="医保问题")
    hall.sign_out(2, at(9, 3))
    without_2 = dataclasses.replace(hall.config, windows=tuple(w for w in hall.config.windows if w.number != 2))
    with pytest.raises(DomainError) as refused:
        hall.check_reconfigure(without_2)
    assert refused.value.code == "window_awaited" and "2号窗口" in refused.value.message
    without_3 = dataclasses.replace(hall.config, windows=tuple(w for w in hall.config.windows if w.number != 3))
    hall.check_reconfigure(without_3)  # nobody waits for window 3
