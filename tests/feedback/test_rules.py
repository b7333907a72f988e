"""core/feedback.py and core/complaints.py as tables: definitions, periods, flags, deadlines (across National Day
2026-10-01..08 and the year end), the steps allowed at each state and who may take them."""

from __future__ import annotations

import datetime as dt

import pytest

from core import complaints as cp
from core import feedback as fb
from core.calendar import WorkCalendar
from core.tickets import DomainError

D = dt.date
# 2026 National Day: Oct 1–8 off, Sep 27 (Sun) and Oct 10 (Sat) worked; New Year 2027-01-01 off (the hall's entry)
CAL = WorkCalendar.combine(
    holidays=[D(2026, 10, d) for d in range(1, 9)] + [D(2027, 1, 1)],
    workdays=[D(2026, 9, 27), D(2026, 10, 10)],
)

# ---- definitions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "counts, satisfied, expected",
    [
        ({5: 6, 4: 2, 3: 1, 2: 1}, (5, 4, 3), 0.9),
        ({5: 6, 4: 2, 3: 1, 2: 1}, (5, 4), 0.8),  # a hall that counts only 非常满意 + 满意
        ({1: 3}, (5, 4, 3), 0.0),
        ({}, (5, 4, 3), None),
    ],
)
def test_satisfaction_is_the_halls_definition(counts, satisfied, expected) -> None:
    assert fb.satisfaction(counts, satisfied) == expected


@pytest.mark.parametrize("counts, expected", [({5: 8, 2: 1, 1: 1}, 0.2), ({3: 4}, 0.0), ({}, None)])
def test_bad_rate_counts_the_two_lowest_levels(counts, expected) -> None:
    assert fb.bad_rate(counts) == expected


@pytest.mark.parametrize("rated, served, expected", [(7, 10, 0.7), (0, 10, 0.0), (0, 0, None)])
def test_rating_rate_is_rated_over_served(rated, served, expected) -> None:
    assert fb.rating_rate(rated, served) == expected


def test_follow_up_rate_and_percent() -> None:
    assert fb.follow_up_rate(3, 4) == 0.75
    assert fb.follow_up_rate(0, 0) is None
    assert fb.percent(0.98765) == "98.8%" and fb.percent(None) == "—"


def test_tally_rows() -> None:
    t = fb.tally([(1, 10), (2, 4)], [(1, 5, 6), (1, 2, 1), (2, 3, 2)], [(1, "等候时间过长")])
    assert t[1].row()["rating_rate"] == 0.7
    assert t[1].row()["levels"] == [6, 0, 0, 1, 0]
    assert t[1].row()["reasons"] == [("等候时间过长", 1)]
    assert t[2].row()["satisfaction"] == 1.0 and t[2].bad == 0


# ---- periods -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, start, end, key",
    [
        ("2026-11-23", D(2026, 11, 23), D(2026, 11, 24), "2026-11-23"),
        ("2026-12", D(2026, 12, 1), D(2027, 1, 1), "2026-12"),
        ("2026-Q4", D(2026, 10, 1), D(2027, 1, 1), "2026-Q4"),
        ("2027-Q1", D(2027, 1, 1), D(2027, 4, 1), "2027-Q1"),
    ],
)
def test_periods(text, start, end, key) -> None:
    p = fb.parse_period(text)
    assert (p.start, p.end, p.key) == (start, end, key)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "yesterday", "2026-02-30"])
def test_a_bad_period_is_refused(text) -> None:
    with pytest.raises(DomainError):
        fb.parse_period(text)


def test_previous_and_following_periods_cross_the_year() -> None:
    assert fb.parse_period("2027-01").previous().key == "2026-12"
    assert fb.parse_period("2026-Q4").following().key == "2027-Q1"
    assert fb.parse_period("2027-01-01").previous().key == "2026-12-31"


# ---- the flag ------------------------------------------------------------------------------------------------


def test_last_or_below_two_months_running_is_flagged() -> None:
    october = {1: (50, 0.99), 2: (40, 0.90), 3: (30, 0.97), 4: (5, 0.5)}
    november = {1: (50, 0.96), 2: (40, 0.98), 3: (30, 0.93), 4: (5, 0.4)}
    flags = fb.flagged(november, october, below=0.95, min_rated=10)
    # window 3: below 95 % in November and 0.97 in October (neither last nor below): not flagged
    # window 2: last and below in October, fine in November: not flagged
    # window 4: too few ratings to be ranked
    assert flags == {}
    december = {1: (50, 0.96), 2: (40, 0.97), 3: (30, 0.92)}
    assert fb.flagged(december, november, below=0.95, min_rated=10) == {3: (("last", "below"), ("last", "below"))}


def test_one_unit_alone_is_never_last() -> None:
    assert fb.month_marks({1: (50, 0.5)}, below=0.4, min_rated=10) == {}
    assert fb.month_marks({1: (50, 0.5)}, below=0.6, min_rated=10) == {1: ("below",)}


# ---- rectification deadlines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rated_on, days, due",
    [
        (D(2026, 11, 23), 1, D(2026, 11, 24)),  # Monday → Tuesday
        (D(2026, 11, 20), 1, D(2026, 11, 23)),  # Friday → Monday
        (D(2026, 9, 30), 1, D(2026, 10, 9)),  # the eve of National Day → the first workday after it
        (D(2026, 10, 3), 1, D(2026, 10, 9)),  # rated during the holiday → the first working day after it
        (D(2026, 12, 31), 1, D(2027, 1, 4)),  # New Year's Eve → Monday 2027-01-04
    ],
)
def test_verify_due(rated_on, days, due) -> None:
    assert fb.verify_due(rated_on, CAL, days) == due


@pytest.mark.parametrize(
    "decided_on, days, due",
    [
        (D(2026, 11, 23), 15, D(2026, 12, 14)),
        (D(2026, 9, 24), 15, D(2026, 10, 21)),  # counts 09-27 and 10-10, skips 10-01..08
        (D(2026, 12, 21), 15, D(2027, 1, 12)),  # across the year end and 2027-01-01
        (D(2026, 9, 30), 5, D(2026, 10, 14)),
    ],
)
def test_rectify_due(decided_on, days, due) -> None:
    assert fb.rectify_due(decided_on, CAL, days) == due


def test_an_owner_may_choose_an_earlier_deadline_never_a_later_one() -> None:
    latest = fb.rectify_due(D(2026, 11, 23), CAL, 15)
    assert fb.check_rectify_due(None, D(2026, 11, 23), latest) == latest
    assert fb.check_rectify_due(D(2026, 11, 30), D(2026, 11, 23), latest) == D(2026, 11, 30)
    for bad in (D(2026, 11, 22), latest + dt.timedelta(days=1)):
        with pytest.raises(DomainError):
            fb.check_rectify_due(bad, D(2026, 11, 23), latest)


# ---- rectification steps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, action, after",
    [
        ("open", "verify", "verified"),
        ("verified", "on_the_spot", "rectified"),
        ("verified", "deadline", "rectifying"),
        ("verified", "explanation", "explained"),
        ("verified", "appeal", "appealed"),
        ("rectifying", "complete", "rectified"),
        ("appealed", "uphold", "upheld"),
        ("appealed", "reject", "verified"),
        ("rectified", "follow_up", "closed"),
        ("explained", "follow_up", "closed"),
    ],
)
def test_steps_allowed(state, action, after) -> None:
    assert fb.next_rect_state(state, action) == after


@pytest.mark.parametrize(
    "state, action",
    [
        ("open", "on_the_spot"),  # verify first
        ("open", "follow_up"),
        ("verified", "complete"),
        ("rectifying", "appeal"),
        ("upheld", "follow_up"),  # an upheld appeal is out of the figures: nobody calls the citizen
        ("closed", "verify"),
        ("appealed", "on_the_spot"),  # the director decides first
    ],
)
def test_steps_refused(state, action) -> None:
    with pytest.raises(DomainError) as refused:
        fb.next_rect_state(state, action)
    assert refused.value.code == "wrong_step"


def test_an_appeal_is_decided_once() -> None:
    with pytest.raises(DomainError) as refused:
        fb.next_rect_state("verified", "appeal", appeal_decided=True)
    assert refused.value.code == "appeal_decided"


OWNER = {"record_staff": "1003", "record_window": 3}


@pytest.mark.parametrize(
    "action, role, staff, heads, allowed",
    [
        ("verify", "clerk", "1003", (), True),  # the clerk who served
        ("verify", "window_head", "1001", (3,), True),  # her window's head
        ("verify", "clerk", "1002", (), False),  # another clerk
        ("verify", "window_head", "1001", (1,), False),  # another window's head
        ("verify", "manager", "9001", (), True),
        ("verify", "supervisor", "9003", (), False),
        ("appeal", "clerk", "1003", (), True),
        ("uphold", "clerk", "1003", (), False),
        ("uphold", "manager", "9001", (), False),
        ("uphold", "director", "9002", (), True),
        ("reject", "director", "9002", (), True),
        ("follow_up", "clerk", "1003", (), False),  # never the clerk rated
        ("follow_up", "window_head", "1001", (3,), False),  # nor her window head
        ("follow_up", "manager", "9001", (), True),
        ("follow_up", "supervisor", "9003", (), True),
        ("follow_up", "director", "9002", (), True),
        ("follow_up", "admin", "9000", (), False),
    ],
)
def test_who_may_take_a_step(action, role, staff, heads, allowed) -> None:
    if allowed:
        fb.check_may_step(action, role=role, staff=staff, heads=heads, **OWNER)
    else:
        with pytest.raises(DomainError) as refused:
            fb.check_may_step(action, role=role, staff=staff, heads=heads, **OWNER)
        assert refused.value.status == 403


@pytest.mark.parametrize(
    "role, staff, heads, sees, calls",
    [
        ("clerk", "1003", (), True, False),
        ("clerk", "1002", (), False, False),
        ("window_head", "1001", (3,), True, False),
        ("manager", "9001", (), True, True),
        ("supervisor", "9003", (), True, True),
        ("admin", "9000", (), True, False),
    ],
)
def test_who_sees_a_record_and_its_phone(role, staff, heads, sees, calls) -> None:
    assert fb.may_see_record(role=role, staff=staff, heads=heads, **OWNER) is sees
    assert fb.may_call(role=role, staff=staff, heads=heads, **OWNER) is calls


@pytest.mark.parametrize(
    "record, today, step",
    [
        ({"status": "open", "verify_due": "2026-10-09"}, D(2026, 10, 9), ""),
        ({"status": "open", "verify_due": "2026-10-09"}, D(2026, 10, 10), "verify"),
        ({"status": "rectifying", "rectify_due": "2027-01-12"}, D(2027, 1, 13), "rectify"),
        (
            {"status": "rectified", "follow_up_due": "2026-12-01", "contact_phone": "13812348000"},
            D(2026, 12, 2),
            "follow_up",
        ),
        (
            {"status": "rectified", "follow_up_due": "2026-12-01", "contact_phone": ""},
            D(2026, 12, 2),
            "",
        ),  # unreachable
        ({"status": "closed", "verify_due": "2026-10-09"}, D(2027, 1, 1), ""),
    ],
)
def test_overdue_steps(record, today, step) -> None:
    assert fb.overdue_step(record, today) == step


def test_late_steps_feed_the_scores() -> None:
    record = {
        "verify_due": "2026-10-09",
        "verified_at": "2026-10-12T09:00:00+08:00",
        "outcome": "deadline",
        "rectify_due": "2026-10-30",
        "rectified_at": None,
    }
    assert fb.late_steps(record, D(2026, 10, 30)) == [{"step": "verify", "due": "2026-10-09", "done_on": "2026-10-12"}]
    assert [s["step"] for s in fb.late_steps(record, D(2026, 11, 2))] == ["verify", "rectify"]


# ---- surveys ---------------------------------------------------------------------------------------------------


def test_a_questionnaire_needs_a_title_and_questions() -> None:
    title, qs = fb.check_questionnaire(
        "2026年第四季度满意度调查",
        [
            {"text": "总体满意度", "kind": "levels"},
            {"text": "", "kind": "levels"},
            {"text": "您是怎么知道的", "kind": "choice", "options": ["朋友", "网站", " "]},
        ],
    )
    assert [q.id for q in qs] == ["q1", "q2"] and qs[1].options == ("朋友", "网站")
    with pytest.raises(DomainError):
        fb.check_questionnaire("", [{"text": "x"}])
    with pytest.raises(DomainError):
        fb.check_questionnaire("t", [{"text": "选一个", "kind": "choice", "options": ["只有一个"]}])


def test_answers_and_results() -> None:
    _, qs = fb.check_questionnaire(
        "t", [{"text": "总体", "kind": "levels"}, {"text": "途径", "kind": "choice", "options": ["A", "B"]}]
    )
    sheet, comment = fb.check_survey_answers(qs, {"q1": "4", "q2": "B"}, "  很好  ")
    assert sheet == {"q1": 4, "q2": "B"} and comment == "很好"
    for bad in ({"q1": "6", "q2": "B"}, {"q1": "4", "q2": "C"}, {"q1": "4"}):
        with pytest.raises(DomainError):
            fb.check_survey_answers(qs, bad)
    results = fb.survey_results(qs, [{"q1": 5, "q2": "A"}, {"q1": 2, "q2": "A"}, {"q1": 4, "q2": "B"}])
    assert results[0]["answers"] == 3 and results[0]["mean"] == pytest.approx(11 / 3)
    assert results[0]["satisfaction"] == pytest.approx(2 / 3)
    assert results[1]["options"] == [("A", 2), ("B", 1)]


@pytest.mark.parametrize(
    "status, today, accepts",
    [
        ("open", D(2026, 11, 23), True),
        ("open", D(2026, 12, 1), False),
        ("draft", D(2026, 11, 23), False),
        ("closed", D(2026, 11, 23), False),
    ],
)
def test_a_survey_accepts_answers_while_open(status, today, accepts) -> None:
    assert fb.survey_accepts(status, "2026-11-01", "2026-11-30", today) is accepts


def test_visits_due() -> None:
    assert fb.visits_due(1, 4) == 3 and fb.visits_due(6, 4) == 0


# ---- complaints ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "received_on, complexity, due",
    [
        (D(2026, 11, 23), "simple", D(2026, 11, 24)),  # the next working day
        (D(2026, 11, 27), "simple", D(2026, 11, 30)),  # Friday → Monday
        (D(2026, 11, 23), "complex", D(2026, 11, 30)),  # 5 working days
        (D(2026, 9, 29), "complex", D(2026, 10, 13)),  # 09-30, 10-09, 10-10 (make-up Saturday), 10-12, 10-13
        (D(2026, 12, 28), "complex", D(2027, 1, 5)),  # across the year end and New Year's Day
        (D(2026, 9, 30), "simple", D(2026, 10, 9)),  # across National Day
    ],
)
def test_complaint_due(received_on, complexity, due) -> None:
    assert cp.answer_due(received_on, complexity, CAL, simple_workdays=1, complex_workdays=5) == due


@pytest.mark.parametrize(
    "state, due, today, overdue, soon",
    [
        ("accepted", "2026-11-24", D(2026, 11, 23), False, True),
        ("investigating", "2026-11-24", D(2026, 11, 24), False, True),
        ("decided", "2026-11-24", D(2026, 11, 25), True, False),
        ("answered", "2026-11-24", D(2026, 11, 25), False, False),  # answered: never overdue
        ("accepted", "2026-11-30", D(2026, 11, 23), False, False),
        ("accepted", "2026-10-09", D(2026, 9, 30), False, True),  # the next working day is after the holiday
    ],
)
def test_complaint_overdue_and_due_soon(state, due, today, overdue, soon) -> None:
    assert cp.is_overdue(state, due, today) is overdue
    assert cp.is_due_soon(state, due, today, CAL) is soon


@pytest.mark.parametrize(
    "state, action, after",
    [
        ("accepted", "investigate", "investigating"),
        ("investigating", "investigate", "investigating"),
        ("investigating", "decide", "decided"),
        ("accepted", "decide", "decided"),
        ("decided", "answer", "answered"),
        ("decided", "delay", "decided"),
        ("answered", "archive", "archived"),
        ("archived", "reopen", "investigating"),
        ("forwarded", "record_outcome", "forwarded"),
        ("forwarded", "archive", "archived"),
        ("referred", "archive", "archived"),
    ],
)
def test_complaint_steps(state, action, after) -> None:
    assert cp.next_state(state, action) == after


@pytest.mark.parametrize(
    "state, action",
    [
        ("accepted", "answer"),
        ("accepted", "archive"),
        ("archived", "investigate"),
        ("archived", "answer"),
        ("answered", "decide"),
        ("forwarded", "decide"),
    ],
)
def test_complaint_steps_refused(state, action) -> None:
    with pytest.raises(DomainError):
        cp.next_state(state, action)


@pytest.mark.parametrize(
    "named_roles, about_leadership, outside, expected",
    [
        ((), False, False, "hall"),
        (("clerk",), False, False, "hall"),
        (("supervisor",), False, False, "hall"),
        (("director",), False, False, "higher"),
        (("manager",), False, False, "higher"),
        ((), True, False, "higher"),
        (("director",), False, True, "outside"),
    ],
)
def test_where_a_complaint_goes(named_roles, about_leadership, outside, expected) -> None:
    got = cp.route(
        named_roles=named_roles,
        about_leadership=about_leadership,
        outside_remit=outside,
        leadership=("director", "manager"),
    )
    assert got == expected


A = cp.Access


@pytest.mark.parametrize(
    "role, staff, heads, named, route_, window, expected",
    [
        ("supervisor", "9003", (), {"1003"}, "hall", 3, A(True, True, True)),
        ("director", "9002", (), {"1003"}, "hall", 3, A(True, True, True)),
        ("manager", "9001", (), {"1003"}, "hall", 3, A(True, False, False)),  # never the complainant
        ("window_head", "1001", (3,), {"1003"}, "hall", 3, A(True, False, False)),
        ("window_head", "1001", (1,), {"1003"}, "hall", 3, A(False, False, False)),
        ("clerk", "1003", (), {"1003"}, "hall", 3, A(True, False, False)),  # about herself: no complainant
        ("clerk", "1002", (), {"1003"}, "hall", 3, A(False, False, False)),
        ("admin", "9000", (), {"1003"}, "hall", 3, A(False, False, False)),
        ("supervisor", "9003", (), {"9003"}, "hall", None, A(True, False, False)),  # about herself: no handling
        ("director", "9002", (), {"9002"}, "higher", None, A(False, False, False)),  # hidden from those it names
        ("supervisor", "9003", (), {"9002"}, "higher", None, A(True, True, True)),  # records it was sent on
        ("manager", "9001", (), {"9001"}, "higher", None, A(False, False, False)),
        ("manager", "9001", (), {"9002"}, "higher", None, A(True, False, False)),
    ],
)
def test_who_sees_and_handles_a_complaint(role, staff, heads, named, route_, window, expected) -> None:
    assert cp.access(role=role, staff=staff, heads=heads, named=named, route_=route_, window=window) == expected


def test_the_answer_takes_the_complaints_form() -> None:
    cp.check_answer_form("oral", "oral")
    with pytest.raises(DomainError):
        cp.check_answer_form("written", "oral")


def test_founded_and_partly_founded_are_verified() -> None:
    assert cp.verified("founded") and cp.verified("partly") and not cp.verified("unfounded") and not cp.verified(None)
    assert cp.complaint_number(D(2026, 11, 23), 7) == "TS20261123-007"
