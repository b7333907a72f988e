"""core/oversight.py and core/inspections.py as tables: due dates and the rule behind them, extensions and the date
the on-time rate holds a case to (across the National Day holiday and the year end), outcomes, the one rate,
which stage may follow which for each case type, patrols, the rota."""

from __future__ import annotations

import datetime as dt

import pytest

from application.calendar import official_calendar
from core.cases import CASE_TYPES
from core.inspections import (
    PatrolCount,
    check_finding,
    check_inspection,
    duty_closing_lapse,
    duty_opening_lapse,
    next_duties,
    patrols_required,
    rectification_state,
)
from core.oversight import (
    FLOWS,
    LATE,
    ON_TIME,
    OVERDUE,
    PENDING,
    Extension,
    case_outcome,
    check_citizen,
    check_extension_request,
    check_next_stage,
    counted_due,
    due_flags,
    due_rule,
    flow_state,
    id_number_valid,
    next_stages,
    on_time_rate,
    period_of,
    time_limit,
)
from core.rules import due_date
from core.tickets import DomainError
from tests.oversight.conftest import oversight_hall

D = dt.date.fromisoformat
CONFIG = oversight_hall()
CAL = official_calendar(CONFIG)  # the State Council calendar (2026) + the test hall's 2027-01-01


# ---- due dates: which rule, across the holidays -------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "accepted", "due", "rule"),
    [
        ("HJ-01", "2026-11-23", "2026-11-30", "item"),  # 5 working days, a plain week
        (
            "HJ-01",
            "2026-09-29",
            "2026-10-12",
            "item",
        ),  # 9-30, (10-01..07 off), 10-08, 10-09, 10-10 (Sat, make-up), 10-12
        ("HJ-01", "2026-09-30", "2026-10-13", "item"),
        ("HJ-01", "2026-10-01", "2026-10-13", "item"),  # accepted on a holiday: counting starts after it
        (
            "HJ-01",
            "2026-12-28",
            "2027-01-05",
            "item",
        ),  # 12-29, 12-30, 12-31, (2027-01-01 the hall's holiday, weekend), 01-04, 01-05
        ("HJ-02", "2026-09-28", "2026-10-16", "item"),  # 10 working days across National Day
        ("HJ-03", "2026-09-30", "2026-10-09", "leader_approval"),  # leader_approval_days = 2: 10-08, 10-09
        ("HJ-03", "2026-12-31", "2027-01-05", "leader_approval"),  # 01-04, 01-05
    ],
)
def test_due_dates_and_the_rule_that_set_them(item, accepted, due, rule) -> None:
    it = CONFIG.item(item)
    assert due_date(it, CONFIG, CAL, D(accepted)) == D(due)  # what the window's finish computes
    explained = due_rule(due_date=D(due), accepted_on=D(accepted), item=it, deadlines=CONFIG.deadlines, calendar=CAL)
    assert explained.rule == rule
    assert explained.zh


@pytest.mark.parametrize(
    ("limit_rule", "expected"),
    [
        ("leader_approval", (2, "leader_approval")),
        ("study", (7, "study")),
        ("site_check", (10, "site_check")),
        ("", (5, "item")),
    ],
)
def test_an_items_limit_rule_takes_the_hall_files_figure(limit_rule, expected) -> None:
    from dataclasses import replace

    item = replace(CONFIG.item("HJ-01"), limit_rule=limit_rule)
    limit = time_limit(item, CONFIG.deadlines)
    assert (limit.workdays, limit.rule) == expected


def test_no_item_takes_the_default_and_a_legal_limit_says_so() -> None:
    from dataclasses import replace

    assert time_limit(None, CONFIG.deadlines).rule == "default"
    legal = replace(CONFIG.item("HJ-01"), legal_limit_days=5)
    assert time_limit(legal, CONFIG.deadlines).rule == "legal"


def test_a_date_the_clerk_chose_or_a_later_change_says_whose_it_is() -> None:
    it = CONFIG.item("HJ-01")
    kw = {"accepted_on": D("2026-11-23"), "item": it, "deadlines": CONFIG.deadlines, "calendar": CAL}
    assert due_rule(due_date=D("2026-12-04"), **kw).rule == "set_by_clerk"
    assert due_rule(due_date=D("2026-12-04"), stored_rule="extension", **kw).rule == "extension"
    assert due_rule(due_date=D("2026-12-04"), stored_rule="assigned", **kw).rule == "assigned"


# ---- extensions and the date the rate holds a case to -----------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "extensions", "held_to"),
    [
        ("2026-09-30", [], "2026-09-30"),
        # approved on the last day before the holiday, before the date passed: the new date counts
        ("2026-09-30", [("2026-09-30", "2026-10-16", "2026-09-29")], "2026-10-16"),
        ("2026-09-30", [("2026-09-30", "2026-10-16", "2026-09-30")], "2026-10-16"),  # on the due day itself: in time
        # approved during the holiday, after 9-30 passed: the citizen gets the date, the rate keeps the original
        ("2026-09-30", [("2026-09-30", "2026-10-16", "2026-10-05")], "2026-09-30"),
        # two in time: the second moves it again
        (
            "2026-12-30",
            [("2026-12-30", "2027-01-05", "2026-12-28"), ("2027-01-05", "2027-01-08", "2027-01-04")],
            "2027-01-08",
        ),
        # the first late: the second, though before the date then in force, cannot excuse the delay
        (
            "2026-12-30",
            [("2026-12-30", "2027-01-05", "2026-12-31"), ("2027-01-05", "2027-01-08", "2027-01-04")],
            "2026-12-30",
        ),
        # the first in time, the second late
        (
            "2026-12-30",
            [("2026-12-30", "2027-01-05", "2026-12-29"), ("2027-01-05", "2027-01-08", "2027-01-06")],
            "2027-01-05",
        ),
    ],
)
def test_the_date_an_extended_case_is_held_to(original, extensions, held_to) -> None:
    exts = [Extension(D(a), D(b), D(c)) for a, b, c in extensions]
    assert counted_due(D(original), exts) == D(held_to)


@pytest.mark.parametrize(
    ("case_type", "status", "due", "new", "reason", "pending", "code"),
    [
        ("promised", "open", "2026-09-30", "2026-10-12", "须实地核实", False, None),
        ("promised", "open", "2026-09-30", "2026-10-05", "须实地核实", False, "not_a_workday"),  # in the holiday
        ("promised", "open", "2026-09-30", "2026-10-10", "须实地核实", False, None),  # a Saturday worked (调休)
        ("promised", "open", "2026-12-30", "2027-01-01", "须实地核实", False, "not_a_workday"),  # the hall's 2027-01-01
        ("promised", "open", "2026-09-30", "2026-09-30", "须实地核实", False, "bad_due_date"),
        ("promised", "open", "2026-09-30", "2026-10-12", "  ", False, "reason_required"),
        ("promised", "completed", "2026-09-30", "2026-10-12", "x", False, "case_not_open"),
        ("promised", "open", "2026-09-30", "2026-10-12", "x", True, "extension_pending"),
        ("immediate", "completed", None, "2026-10-12", "x", False, "no_due_date"),
        ("forwarded", "open", "2026-09-30", "2026-10-12", "上级部门尚未批复", False, None),
    ],
)
def test_an_extension_request(case_type, status, due, new, reason, pending, code) -> None:
    def ask() -> str:
        return check_extension_request(
            CASE_TYPES[case_type], status, D(due) if due else None, D(new), reason, CAL, pending=pending
        )

    if code is None:
        assert ask() == reason.strip()
    else:
        with pytest.raises(DomainError) as refused:
            ask()
        assert refused.value.code == code


# ---- outcomes and the one rate ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("held_to", "completed", "today", "outcome"),
    [
        ("2026-09-30", "2026-09-30", "2026-10-20", ON_TIME),
        ("2026-09-30", "2026-09-28", "2026-10-20", ON_TIME),
        ("2026-09-30", "2026-10-08", "2026-10-20", LATE),  # the first working day after the holiday is already late
        ("2026-09-30", None, "2026-09-30", PENDING),
        ("2026-09-30", None, "2026-10-01", OVERDUE),
        ("2026-12-31", None, "2027-01-01", OVERDUE),
        (None, None, "2027-01-01", None),
    ],
)
def test_a_cases_outcome(held_to, completed, today, outcome) -> None:
    assert case_outcome(D(held_to) if held_to else None, D(completed) if completed else None, D(today)) == outcome


def test_the_rate_counts_every_case_whose_date_has_come() -> None:
    rate = on_time_rate([ON_TIME, ON_TIME, ON_TIME, LATE, OVERDUE, PENDING, None])
    assert (rate.on_time, rate.late, rate.overdue, rate.pending, rate.due) == (3, 1, 1, 1, 5)
    assert rate.rate == pytest.approx(0.6)
    assert on_time_rate([PENDING]).rate is None


@pytest.mark.parametrize(
    ("status", "due", "today", "left", "soon", "overdue"),
    [
        ("open", "2026-10-08", "2026-09-29", 2, True, False),  # 9-30, 10-08: two working days over the holiday
        ("open", "2026-10-12", "2026-09-29", 5, False, False),  # 9-30, 10-08, 10-09, 10-10 (Sat worked), 10-12
        ("open", "2026-09-29", "2026-09-29", 0, True, False),
        ("open", "2026-09-30", "2026-10-09", -2, False, True),  # 10-08, 10-09 late
        ("completed", "2026-09-30", "2026-10-09", -2, False, False),
        ("open", None, "2026-10-09", None, False, False),
    ],
)
def test_due_soon_and_overdue_in_working_days(status, due, today, left, soon, overdue) -> None:
    assert due_flags(status, due, D(today), CAL, 3) == {"days_left": left, "due_soon": soon, "overdue": overdue}


# ---- which stage may follow which ------------------------------------------------------------------------------------


def walk(case_type: str, *steps: tuple[str, int | None]) -> list[tuple[str, int | None]]:
    """Each stage checked against the flow so far, then recorded."""
    done: list[tuple[str, int | None]] = []
    for stage, window in steps:
        state = flow_state(case_type, done)
        check_next_stage(
            case_type,
            state,
            stage,
            window=window,
            lead_window=1,
            deadline=D("2026-12-01") if stage == "assigned" else None,
            today=D("2026-11-23"),
            ref="t1" if stage == "followed_up" else "",
            note="说明",
        )
        done.append((stage, window))
    return done


@pytest.mark.parametrize(
    ("case_type", "steps"),
    [
        ("promised", [("completed", None)]),
        ("urgent", [("completed", None)]),
        ("forwarded", [("submitted", None), ("approved", None), ("ready", None), ("collected", None)]),
        (
            "forwarded",
            [
                ("submitted", None),
                ("returned_for_more", None),
                ("submitted", None),
                ("refused", None),
                ("collected", None),
            ],
        ),
        ("joint", [("step_sent", 2), ("step_sent", 3), ("step_done", 3), ("step_done", 2), ("completed", None)]),
        ("unowned", [("assigned", 2), ("assigned", 3), ("completed", None)]),
        ("returned", [("review_requested", None), ("review_upheld", None)]),
        ("returned", [("review_requested", None), ("review_overturned", None)]),
        ("incomplete", [("followed_up", None)]),
    ],
)
def test_each_types_flow_goes_through(case_type, steps) -> None:
    assert walk(case_type, *steps)[-1][0] == steps[-1][0]


@pytest.mark.parametrize(
    ("case_type", "before", "stage", "window", "code"),
    [
        ("forwarded", [], "approved", None, "bad_stage"),  # not submitted yet
        ("forwarded", [], "collected", None, "bad_stage"),
        ("forwarded", [("submitted", None)], "ready", None, "bad_stage"),  # not approved yet
        ("forwarded", [("submitted", None), ("refused", None)], "ready", None, "bad_stage"),
        (
            "forwarded",
            [("submitted", None), ("approved", None), ("ready", None), ("collected", None)],
            "submitted",
            None,
            "bad_stage",
        ),
        ("joint", [], "completed", None, "bad_stage"),  # no window involved yet
        ("joint", [("step_sent", 2)], "completed", None, "bad_stage"),  # window 2 not done
        ("joint", [("step_sent", 2)], "step_done", 3, "bad_window"),  # window 3 was never asked
        ("joint", [], "step_sent", 1, "bad_window"),  # the lead window itself
        ("joint", [], "step_sent", None, "window_required"),
        ("unowned", [], "completed", None, "bad_stage"),  # the centre assigns first
        ("unowned", [], "assigned", None, "window_required"),
        ("returned", [], "review_upheld", None, "bad_stage"),  # nobody asked for a review
        ("incomplete", [("followed_up", None)], "followed_up", None, "bad_stage"),
        ("promised", [], "submitted", None, "bad_stage"),
        ("immediate", [], "completed", None, "bad_stage"),  # done on the spot, nothing follows
        ("promised", [], "nonsense", None, "bad_stage"),
    ],
)
def test_a_stage_that_may_not_follow_is_refused(case_type, before, stage, window, code) -> None:
    with pytest.raises(DomainError) as refused:
        check_next_stage(case_type, flow_state(case_type, before), stage, window=window, lead_window=1, note="x")
    assert refused.value.code == code


def test_the_flow_table_names_every_type_and_each_next_stage_is_a_stage_of_its_type() -> None:
    assert set(FLOWS) == set(CASE_TYPES)
    for case_type, flow in FLOWS.items():
        for following in flow.values():
            assert set(following) <= set(flow), case_type


def test_a_stage_needing_a_deadline_ref_or_reason_says_so() -> None:
    with pytest.raises(DomainError, match="deadline"):
        check_next_stage("unowned", flow_state("unowned", []), "assigned", window=2)
    with pytest.raises(DomainError, match="ticket or booking"):
        check_next_stage("incomplete", flow_state("incomplete", []), "followed_up")
    with pytest.raises(DomainError, match="reason"):
        check_next_stage("forwarded", flow_state("forwarded", [("submitted", None)]), "refused")


def test_a_case_completed_at_the_caller_stands_at_its_types_last_stage() -> None:
    assert flow_state("forwarded", [("submitted", None)], "completed").stage == "collected"
    assert flow_state("promised", [], "completed").stage == "completed"
    assert flow_state("returned", [], "completed").stage == "returned"
    assert next_stages("returned", flow_state("returned", [], "completed")) == ("review_requested",)


# ---- the citizen, periods -----------------------------------------------------------------------------------------


def test_id_numbers_carry_their_check_character() -> None:
    assert id_number_valid("11010519491231002X")
    assert not id_number_valid("110105194912310021")
    assert check_citizen(" 张三 ", "11010519491231002x") == ("张三", "11010519491231002X")
    with pytest.raises(DomainError):
        check_citizen("张三", "110105194912310021")
    with pytest.raises(DomainError):
        check_citizen("", "")


@pytest.mark.parametrize(
    ("kind", "day", "first", "last"),
    [
        ("day", "2026-10-08", "2026-10-08", "2026-10-08"),
        ("week", "2026-10-08", "2026-10-05", "2026-10-11"),
        ("week", "2026-12-31", "2026-12-28", "2027-01-03"),
        ("month", "2026-12-31", "2026-12-01", "2026-12-31"),
        ("month", "2028-02-10", "2028-02-01", "2028-02-29"),
    ],
)
def test_periods(kind, day, first, last) -> None:
    assert period_of(kind, D(day)) == (D(first), D(last))


# ---- inspections ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "required"),
    [("2026-09-30", 2), ("2026-10-01", 0), ("2026-10-05", 0), ("2026-10-08", 2), ("2026-10-10", 2), ("2027-01-01", 0)],
)
def test_patrols_required_on_working_days_only(day, required) -> None:
    assert patrols_required(D(day), CAL, 2) == required


def test_a_day_short_of_patrols() -> None:
    assert PatrolCount(2, 1).short == 1
    assert PatrolCount(2, 3).short == 0


def test_an_inspection_checks_points_of_the_halls_list() -> None:
    checklist = CONFIG.oversight.checklist
    assert check_inspection("patrol", ["禁止行为", "在岗在位"], checklist) == ("在岗在位", "禁止行为")
    with pytest.raises(DomainError):
        check_inspection("patrol", ["喝茶"], checklist)
    with pytest.raises(DomainError):
        check_inspection("patrol", [], checklist)
    with pytest.raises(DomainError):
        check_inspection("visit", ["在岗在位"], checklist)


@pytest.mark.parametrize(
    ("deduction", "points", "code"),
    [("forbidden_behaviour", 2, None), ("duty_lapse", 5, None), ("", 0, None), ("late", 0, "bad_deduction")],
)
def test_a_finding_takes_its_points_from_the_halls_table(deduction, points, code) -> None:
    def find():
        return check_finding(
            deduction=deduction,
            deductions=CONFIG.scoring.deductions,
            window=2,
            staff="1002",
            window_exists=True,
            staff_exists=True,
            note="窗口内吃零食",
            rectify_by=D("2026-11-25"),
            today=D("2026-11-23"),
        )

    if code:
        with pytest.raises(DomainError):
            find()
    else:
        assert find().points == points


def test_rectification_states() -> None:
    today = D("2026-11-23")
    assert rectification_state("2026-11-25", None, today) == "open"
    assert rectification_state("2026-11-20", None, today) == "late"
    assert rectification_state("2026-11-20", "2026-11-21T10:00:00+08:00", today) == "done"


def test_the_duty_rota_goes_round_the_windows_over_working_days() -> None:
    days = [D("2026-09-30"), D("2026-10-08"), D("2026-10-09"), D("2026-10-10")]
    assert next_duties([1, 2, 3], 2, days) == [(days[0], 3), (days[1], 1), (days[2], 2), (days[3], 3)]
    assert next_duties([1, 2, 3], None, days[:1]) == [(days[0], 1)]


def test_duty_lapses_from_sign_ins() -> None:
    tz = CONFIG.tz
    opens = dt.datetime(2026, 11, 23, 8, 30, tzinfo=tz)
    assert not duty_opening_lapse(dt.datetime(2026, 11, 23, 8, 18, tzinfo=tz), opens, 10)
    assert duty_opening_lapse(dt.datetime(2026, 11, 23, 8, 25, tzinfo=tz), opens, 10)
    assert duty_opening_lapse(None, opens, 10)
    closes = dt.datetime(2026, 11, 23, 17, 30, tzinfo=tz)
    last_citizen = dt.datetime(2026, 11, 23, 17, 50, tzinfo=tz)
    assert duty_closing_lapse(dt.datetime(2026, 11, 23, 17, 40, tzinfo=tz), closes, last_citizen)
    assert not duty_closing_lapse(dt.datetime(2026, 11, 23, 17, 55, tzinfo=tz), closes, last_citizen)
