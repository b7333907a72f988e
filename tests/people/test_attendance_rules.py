"""core/attendance.py on hand-made days: lateness at the boundaries, leave turning absence into leave, early
departure, absence from post with and without the B post, the approval chain and the stand-in."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from core import attendance as att
from core.calendar import WorkCalendar
from core.config import AttendanceRules
from tests.factories import SHANGHAI, make_config

DAY = dt.date(2026, 11, 23)  # a Monday
CAL = WorkCalendar()
RULES = AttendanceRules()


def t(hm: str, day: dt.date = DAY, second: int = 0) -> dt.datetime:
    h, m = (int(x) for x in hm.split(":"))
    return dt.datetime(day.year, day.month, day.day, h, m, second, tzinfo=SHANGHAI)


def inn(staff: str, hm: str, window: int | None = 1, note: str = "", second: int = 0) -> att.Punch:
    return att.Punch(staff, att.SIGN_IN, t(hm, second=second), window, note)


def out(staff: str, hm: str, window: int | None = 1) -> att.Punch:
    return att.Punch(staff, att.SIGN_OUT, t(hm), window)


def day_of(punches, rules=RULES, leaves=(), corrections=(), expected=True, staff="1001"):
    config = make_config()
    return att.evaluate_day(
        staff,
        DAY,
        rules,
        config.sessions,
        SHANGHAI,
        sorted(punches, key=lambda p: p.at),
        expected=expected,
        leaves=leaves,
        corrections=corrections,
    )


def kinds(record: att.DayRecord, counting: bool = True) -> list[tuple[int, str, int]]:
    return [(m.session, m.kind, m.minutes) for m in record.marks if m.counts or not counting]


@pytest.mark.parametrize(
    ("arrive", "second", "grace", "early", "expected"),
    [
        ("08:30", 0, 0, 0, []),  # on the minute
        ("08:30", 59, 0, 0, []),  # still 08:30 in the sign-in book
        ("08:31", 0, 0, 0, [(0, "late", 1)]),
        ("08:35", 0, 5, 0, []),  # within the grace
        ("08:36", 0, 5, 0, [(0, "late", 6)]),
        ("08:25", 0, 0, 5, []),  # "arrive 5 minutes early": 08:25 is on time
        ("08:26", 0, 0, 5, [(0, "late", 1)]),  # one minute after the required 08:25
        ("08:27", 0, 2, 5, []),  # required 08:25 + 2 minutes of grace
        ("08:28", 0, 2, 5, [(0, "late", 3)]),
    ],
)
def test_lateness_at_the_boundaries(arrive, second, grace, early, expected):
    rules = AttendanceRules(grace_minutes=grace, arrive_early_minutes=early)
    record = day_of(
        [inn("1001", arrive, second=second), out("1001", "11:30"), inn("1001", "14:20"), out("1001", "17:31")], rules
    )
    assert kinds(record) == expected


def test_very_late_counts_as_half_a_day_when_the_hall_says_so():
    rules = AttendanceRules(late_absence_after_minutes=60)
    punches = [inn("1001", "09:30"), out("1001", "11:30"), inn("1001", "14:30"), out("1001", "17:30")]
    assert kinds(day_of(punches, rules)) == [(0, "half_day_absence", 60)]
    punches[0] = inn("1001", "09:29")
    assert kinds(day_of(punches, rules)) == [(0, "late", 59)]


def test_early_departure_and_its_grace():
    punches = [inn("1001", "08:20"), out("1001", "11:20"), inn("1001", "14:20"), out("1001", "17:28")]
    assert kinds(day_of(punches)) == [(0, "early_leave", 10), (1, "early_leave", 2)]
    assert kinds(day_of(punches, AttendanceRules(early_grace_minutes=2))) == [(0, "early_leave", 10)]


def test_no_sign_in_is_a_half_day_absence_each_session():
    assert kinds(day_of([])) == [(0, "half_day_absence", 0), (1, "half_day_absence", 0)]
    afternoon_only = [inn("1001", "14:25"), out("1001", "17:35")]
    assert kinds(day_of(afternoon_only)) == [(0, "half_day_absence", 0)]


def test_not_expected_people_get_no_absence():
    assert kinds(day_of([], expected=False)) == []


def leave(start: str, end: str, status=att.APPROVED, staff="1001", **kw) -> att.Leave:
    return att.Leave("L1", staff, "personal", t(start), t(end), "家中有事", status=status, **kw)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (att.APPROVED, []),  # the approved leave turns the absence into leave
        (att.PENDING, [(0, "half_day_absence", 0)]),  # no approved slip: absence (无请假条的视为旷工)
        (att.REFUSED, [(0, "half_day_absence", 0)]),
    ],
)
def test_leave_turns_absence_into_leave(status, expected):
    punches = [inn("1001", "14:25"), out("1001", "17:35")]
    record = day_of(punches, leaves=[leave("08:30", "11:30", status)])
    assert kinds(record) == expected
    morning = record.sessions[0]
    assert morning.status == (att.ON_LEAVE if status == att.APPROVED else att.ABSENT_STATUS)
    if status == att.PENDING:
        assert morning.marks[0].note == "请假未获批准"


def test_leave_for_late_arrival_and_early_departure():
    punches = [inn("1001", "09:10"), out("1001", "11:30"), inn("1001", "14:25"), out("1001", "16:00")]
    assert kinds(day_of(punches)) == [(0, "late", 40), (1, "early_leave", 90)]
    leaves = [leave("08:30", "09:10"), replace(leave("16:00", "17:30"), id="L2")]
    record = day_of(punches, leaves=leaves)
    assert kinds(record) == []
    assert [m.excused for m in record.marks] == ["L1", "L2"]  # shown, turned into leave
    too_short = [leave("08:30", "09:00")]  # does not cover the 40 minutes
    assert kinds(day_of(punches, leaves=too_short)) == [(0, "late", 40), (1, "early_leave", 90)]


def test_absent_from_post_only_when_nobody_covers():
    alone = [inn("1001", "08:25"), out("1001", "09:30"), inn("1001", "10:00"), out("1001", "11:30")]
    alone += [inn("1001", "14:25"), out("1001", "17:30")]
    assert kinds(day_of(alone)) == [(0, "absent_from_post", 30)]
    short = [inn("1001", "08:25"), out("1001", "09:30"), inn("1001", "09:39"), out("1001", "11:30")]
    short += [inn("1001", "14:25"), out("1001", "17:30")]
    assert kinds(day_of(short)) == []  # 9 minutes < post_gap_minutes (10)
    covered = alone + [inn("1101", "09:31"), out("1101", "09:59")]  # the B post stood in (AB岗)
    assert kinds(day_of(covered)) == []


def test_a_handover_ends_the_a_posts_presence():
    punches = [
        inn("1001", "08:25"),
        inn("1101", "10:00", note="handover_from=1001"),  # the B post takes over; A leaves
        out("1101", "11:30"),
        inn("1001", "14:25"),
        out("1001", "17:30"),
    ]
    record = day_of(punches)
    assert kinds(record) == [(0, "early_leave", 90)]
    assert record.marks[0].note == "B岗接替"
    b = day_of(punches, staff="1101", expected=False)
    assert kinds(b) == [] and b.on_duty
    assert att.handovers(punches) == [att.Handover(1, t("10:00"), "1001", "1101")]


def test_a_correction_adds_a_forgotten_sign_in_and_excuses_hall_business():
    punches = [out("1001", "11:30"), inn("1001", "14:25"), out("1001", "17:30")]
    assert kinds(day_of(punches)) == [(0, "half_day_absence", 0)]
    forgot = att.Correction("C1", "1001", DAY, "sign_in", dt.time(8, 28), None, "忘记签到", "9001", 1)
    assert kinds(day_of(punches, corrections=[forgot])) == []
    business = att.Correction("C2", "1001", DAY, "excuse", None, 0, "到县局送件", "9001")
    record = day_of(punches, corrections=[business])
    assert kinds(record) == [] and record.sessions[0].status == att.EXCUSED and record.on_duty


def test_meeting_missed_without_leave():
    m = att.Meeting("M1", DAY, dt.time(17, 40), dt.time(18, 30), "11月例会", "meeting", ("1001", "1002", "1003"))
    m = replace(m, present=("1001",), excused=("1003",))
    marks = att.meeting_marks(m, [], SHANGHAI)
    assert [(x.staff, x.counts) for x in marks] == [("1002", True), ("1003", False)]
    covered = att.meeting_marks(m, [leave("17:00", "18:30", staff="1002")], SHANGHAI)
    assert [(x.staff, x.counts) for x in covered] == [("1002", False), ("1003", False)]


# ---- the approval chain and the stand-in --------------------------------------------------------------------


def chain_hall(**attendance):
    windows = [
        {"number": 1, "name": "户籍窗口", "services": ["HJ"], "staff_a": "1001", "staff_b": "1101", "head": "1001"},
        {"number": 2, "name": "社保医保窗口", "services": [["SB", "YB"]], "staff_a": "1002", "head": "1001"},
        {"number": 3, "name": "综合窗口", "services": ["YB", "SB", "HJ"], "staff_a": "1003"},
    ]
    return make_config(windows=windows, attendance=attendance)


def test_the_chain_depends_on_the_length():
    config = chain_hall()
    short = leave("08:30", "09:30", att.PENDING, staff="1002")
    assert att.chain_for(short, config, CAL) == ("window_head",)
    half = leave("08:30", "11:30", att.PENDING, staff="1002")
    assert att.chain_for(half, config, CAL) == ("window_head", "line_leader", "centre")
    no_head = leave("08:30", "11:30", att.PENDING, staff="1003")  # window 3 has no head
    assert att.chain_for(no_head, config, CAL) == ("line_leader", "centre")


def decide(lv, step, role, actor="9001", windows=(), approve=True, config=None):
    return att.check_decide(
        lv, step, config or chain_hall(), CAL, actor=actor, actor_role=role, actor_windows=windows, approve=approve
    )


def test_each_step_in_order_by_the_right_person():
    lv = leave("08:30", "17:30", att.PENDING, staff="1002", written=True)
    with pytest.raises(att.AttendanceError, match="下一步应由窗口负责人"):
        decide(lv, "centre", "manager")
    with pytest.raises(att.AttendanceError) as refused:
        decide(lv, "window_head", "window_head", actor="1003", windows=(3,))
    assert refused.value.code == "not_your_window"
    assert decide(lv, "window_head", "window_head", actor="1001", windows=(1, 2)) == att.PENDING
    lv = replace(lv, approvals=(att.Approval("window_head", "1001", "张敏", t("08:00"), True),))
    with pytest.raises(att.AttendanceError) as clerk:
        decide(lv, "line_leader", "clerk", actor="1003")
    assert clerk.value.code == "not_your_step"
    assert decide(lv, "line_leader", "manager") == att.PENDING  # recorded from the signed paper slip
    lv = replace(lv, approvals=(*lv.approvals, att.Approval("line_leader", "9001", "公安所王所长", t("08:05"), True)))
    assert decide(lv, "centre", "manager", approve=False) == att.REFUSED


def test_a_day_or_more_needs_a_stand_in_and_a_written_slip_before_approval():
    config = chain_hall(short_leave_chain=[], leave_chain=["centre"])
    whole_day = leave("08:30", "17:30", att.PENDING, staff="1002")
    assert att.needs_stand_in(whole_day, config, CAL)
    with pytest.raises(att.AttendanceError) as unwritten:
        decide(whole_day, "centre", "manager", config=config)
    assert unwritten.value.code == "not_written"
    with pytest.raises(att.AttendanceError) as no_stand_in:
        decide(replace(whole_day, written=True), "centre", "manager", config=config)
    assert no_stand_in.value.code == "stand_in_required"
    named = replace(whole_day, written=True, stand_in="1101")
    assert decide(named, "centre", "manager", config=config) == att.APPROVED
    half = leave("08:30", "11:30", att.PENDING, staff="1002", written=True)
    assert not att.needs_stand_in(half, config, CAL)
    assert decide(half, "centre", "manager", config=config) == att.APPROVED
    with pytest.raises(att.AttendanceError, match="自己"):
        decide(named, "centre", "manager", actor="1002", config=config)


def test_a_stand_in_named_on_approved_leave_is_expected_there():
    config = chain_hall()
    lv = leave("08:30", "17:30", att.APPROVED, staff="1002", written=True, stand_in="1101")
    punches = [inn("1101", "08:50", window=2), out("1101", "11:30", window=2)]
    records = att.evaluate_days(config, CAL, DAY, DAY, punches, [lv])
    by = {r.staff: r for r in records}
    assert kinds(by["1002"]) == [] and by["1002"].sessions[0].status == att.ON_LEAVE
    assert kinds(by["1101"]) == [(0, "late", 20), (1, "half_day_absence", 0)]
