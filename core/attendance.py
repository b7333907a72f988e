"""Attendance (考勤): a person's working day from her sign-ins and sign-outs, against the hall's sessions.

The rules (../shared/DOMAIN.md "考勤 and AB岗"; the seeds' 考勤制度, 请假制度, AB岗工作制度, 学习制度):

- **Late** (迟到): her first sign-in of a session later than the session's start less the minutes the hall
  wants staff in early (`arrive_early_minutes`, the seeds: 5), plus the grace (`grace_minutes`). Times are
  compared to the minute, as a sign-in book would show them: with an 08:30 start and no grace, 08:30:59 is on
  time and 08:31:00 is late. Arriving `late_absence_after_minutes` late or more (0: never) counts as half a
  day's absence instead.
- **Early departure** (早退): her last sign-out of a session before its end (less `early_grace_minutes`).
- **Absent from post** (脱岗): a gap inside a session (signed out and back) of `post_gap_minutes` or more
  while nobody else was signed in at her window — the B post covering makes it no gap (AB岗).
- **Absence** (旷工): an expected person with no presence in a whole session: half a day's absence; both
  sessions: a whole day (two halves).
- **Leave** (请假) turns these into leave where an *approved* leave covers what was missing (the late minutes,
  the time after she left, the gap, the whole session). A leave still pending or refused does not: the seeds
  say "无请假条的视为旷工" (no approved slip: absence).
- A manager's **correction** (forgot to sign in, out on hall business) adds the missing sign-in or sign-out,
  or excuses a session; each with its reason, on record.

Who is expected: every window's A post and the staff the hall names in `[attendance] also`, on every working
day. Others (B posts, the manager) are judged only where they were present: a B post who opened a window
for a session is late like anyone; one who took over mid-session is not.

A handover (the B post signing in where the A post is) ends the A post's presence at that moment: the sign-in
row carries ``handover_from=<staff>``.

Pure functions over plain values: no clock, no store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.calendar import WorkCalendar
from core.config import AttendanceRules, HallConfig, Session
from core.scoring import ScoreLine

SIGN_IN, SIGN_OUT = "sign_in", "sign_out"

# what a session's finding may be
LATE = "late"
EARLY = "early_leave"
OFF_POST = "absent_from_post"
ABSENT = "half_day_absence"
MEETING_ABSENT = "meeting_absence"
MARK_NAMES: dict[str, tuple[str, str]] = {
    LATE: ("迟到", "Late"),
    EARLY: ("早退", "Early departure"),
    OFF_POST: ("脱岗", "Absent from post"),
    ABSENT: ("旷工半天", "Half-day absence"),
    MEETING_ABSENT: ("无故缺席会议", "Missed a meeting"),
}

# a session's status
PRESENT, ON_LEAVE, EXCUSED, ABSENT_STATUS, NOT_EXPECTED = "present", "leave", "excused", "absent", "not_expected"
STATUS_NAMES: dict[str, tuple[str, str]] = {
    PRESENT: ("在岗", "Present"),
    ON_LEAVE: ("请假", "On leave"),
    EXCUSED: ("公出/更正", "Excused"),
    ABSENT_STATUS: ("旷工", "Absent"),
    NOT_EXPECTED: ("—", "—"),
}

# leave: kinds by extent, statuses
PENDING, APPROVED, REFUSED, CANCELLED = "pending", "approved", "refused", "cancelled"
LEAVE_STATUS_NAMES: dict[str, tuple[str, str]] = {
    PENDING: ("审批中", "Pending"),
    APPROVED: ("已批准", "Approved"),
    REFUSED: ("未批准", "Refused"),
    CANCELLED: ("已撤销", "Cancelled"),
}

# the approval chain's steps, and who may record each (a manager records a line leader's signature from paper)
STEP_NAMES: dict[str, tuple[str, str]] = {
    "window_head": ("窗口负责人", "Window head"),
    "line_leader": ("线口分管领导", "The line's leader"),
    "centre": ("中心", "The centre"),
    "director": ("中心主任", "Centre director"),
}
STEP_ROLES: dict[str, frozenset[str]] = {
    "window_head": frozenset({"window_head", "manager", "director", "admin"}),
    "line_leader": frozenset({"manager", "director", "admin"}),
    "centre": frozenset({"manager", "director"}),
    "director": frozenset({"director"}),
}


class AttendanceError(Exception):
    """A refused attendance action: a code and one sentence (Chinese / English)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# ---- the records -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Punch:
    """One attendance row: a sign-in or sign-out (caller, console or a manager's correction)."""

    staff: str
    kind: str  # SIGN_IN or SIGN_OUT
    at: dt.datetime
    window: int | None = None
    note: str = ""

    @property
    def handover_from(self) -> str:
        for part in self.note.split(";"):
            key, _, value = part.partition("=")
            if key.strip() == "handover_from":
                return value.strip()
        return ""


@dataclass(frozen=True)
class Correction:
    """A manager's correction of one person's day: a missing sign-in or sign-out at a time, or a session excused
    (out on hall business, 公出). Kept with its reason and who made it."""

    id: str
    staff: str
    day: dt.date
    action: str  # "sign_in", "sign_out", "excuse"
    time: dt.time | None
    session: int | None  # for "excuse": the session (0-based); None: the whole day
    reason: str
    by: str = ""
    window: int | None = None


CORRECTION_ACTIONS: dict[str, tuple[str, str]] = {
    "sign_in": ("补签到", "Add a sign-in"),
    "sign_out": ("补签退", "Add a sign-out"),
    "excuse": ("公出/免考勤", "Excuse (hall business)"),
}


@dataclass(frozen=True)
class Approval:
    step: str
    by: str  # who recorded it (staff code)
    signer: str  # whose signature it is (a line leader's name from the paper slip), else the recorder's name
    at: dt.datetime
    approved: bool
    note: str = ""


@dataclass(frozen=True)
class Leave:
    """A leave request (请假): a time span in the hall's local time, its type, its approvals."""

    id: str
    staff: str
    type: str
    start: dt.datetime
    end: dt.datetime
    reason: str
    status: str = PENDING
    written: bool = False  # a written, signed slip exists (half a day or more needs one)
    stand_in: str = ""  # who stands in at her window (代岗人员)
    approvals: tuple[Approval, ...] = ()
    created_at: dt.datetime | None = None

    def covers(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.start <= start and end <= self.end

    @property
    def approved(self) -> bool:
        return self.status == APPROVED


@dataclass(frozen=True)
class Meeting:
    """A meeting or study session (例会 / 学习) with its sign-in list."""

    id: str
    day: dt.date
    start: dt.time
    end: dt.time
    title: str
    kind: str  # "meeting" (例会) or "study" (学习)
    expected: tuple[str, ...]
    present: tuple[str, ...] = ()
    excused: tuple[str, ...] = ()  # told beforehand and let off by the centre (备案)


MEETING_KINDS: dict[str, tuple[str, str]] = {"meeting": ("例会", "Meeting"), "study": ("集中学习", "Study session")}


@dataclass(frozen=True)
class Mark:
    """One finding of a person's day: late, early departure, absent from post, absence; `excused` names the
    leave or correction that turned it into leave (then it costs nothing)."""

    staff: str
    day: dt.date
    session: int
    kind: str
    minutes: int = 0
    window: int | None = None
    at: dt.datetime | None = None
    note: str = ""
    excused: str = ""

    @property
    def counts(self) -> bool:
        return not self.excused

    def describe(self) -> str:
        zh = MARK_NAMES.get(self.kind, (self.kind, self.kind))[0]
        part = "上午" if self.session == 0 else "下午" if self.session == 1 else f"第{self.session + 1}时段"
        when = f" {self.at.strftime('%H:%M')}" if self.at and self.kind in (LATE, EARLY) else ""
        mins = f" {self.minutes}分钟" if self.minutes and self.kind in (LATE, EARLY, OFF_POST) else ""
        note = f"（{self.note}）" if self.note else ""
        return f"{part}{zh}{when}{mins}{note}"


@dataclass(frozen=True)
class SessionRecord:
    session: int
    start: dt.datetime
    end: dt.datetime
    status: str
    arrived: dt.datetime | None = None
    left: dt.datetime | None = None
    windows: tuple[int, ...] = ()
    marks: tuple[Mark, ...] = ()
    leave: str = ""  # the approved leave covering it
    pending_leave: str = ""  # a leave that would cover it, not approved (yet)


@dataclass(frozen=True)
class DayRecord:
    staff: str
    day: dt.date
    expected: bool
    sessions: tuple[SessionRecord, ...]
    punches: tuple[Punch, ...] = ()

    @property
    def marks(self) -> list[Mark]:
        return [m for s in self.sessions for m in s.marks]

    @property
    def on_duty(self) -> bool:
        """Counts as a day on duty (在岗天数): present in a session, or out on hall business."""
        return any(s.status in (PRESENT, EXCUSED) for s in self.sessions)


@dataclass
class _Span:
    start: dt.datetime
    end: dt.datetime | None
    window: int | None


# ---- the day ----------------------------------------------------------------------------------------------------


def session_bounds(day: dt.date, sessions: Sequence[Session], tz: dt.tzinfo) -> list[tuple[dt.datetime, dt.datetime]]:
    ordered = sorted(sessions, key=lambda s: s.start)
    return [(dt.datetime.combine(day, s.start, tz), dt.datetime.combine(day, s.end, tz)) for s in ordered]


def expected_staff(config: HallConfig) -> list[str]:
    """Who is expected every working day: each window's A post, then `[attendance] also`."""
    out: list[str] = []
    for w in config.windows:
        if w.staff_a and w.staff_a not in out:
            out.append(w.staff_a)
    for code in config.attendance.also:
        if code not in out:
            out.append(code)
    return out


def home_window(config: HallConfig, staff: str) -> int | None:
    """The window whose A post she is (else whose B post), for the window's score."""
    for w in config.windows:
        if w.staff_a == staff:
            return w.number
    for w in config.windows:
        if w.staff_b == staff:
            return w.number
    return None


def apply_corrections(punches: Iterable[Punch], corrections: Iterable[Correction], tz: dt.tzinfo) -> list[Punch]:
    out = list(punches)
    for c in corrections:
        if c.action in (SIGN_IN, SIGN_OUT) and c.time is not None:
            note = f"更正：{c.reason}"
            out.append(Punch(c.staff, c.action, dt.datetime.combine(c.day, c.time, tz), c.window, note))
    out.sort(key=lambda p: (p.at, 0 if p.kind == SIGN_OUT else 1))
    return out


def presence(staff: str, punches: Sequence[Punch]) -> list[_Span]:
    """Her spans of presence, from the day's punches of everyone (a handover to another ends hers)."""
    spans: list[_Span] = []
    current: _Span | None = None
    for p in punches:
        if p.staff == staff and p.kind == SIGN_IN:
            if current is None:
                current = _Span(p.at, None, p.window)
                spans.append(current)
            else:
                current.window = p.window  # moved to another window: still present
        elif p.staff == staff and p.kind == SIGN_OUT:
            if current is not None:
                current.end = p.at
                current = None
        elif p.kind == SIGN_IN and current is not None and p.handover_from == staff:
            current.end = p.at  # the B post took over at her window
            current = None
    return spans


def _occupancy(window: int | None, punches: Sequence[Punch], but: str) -> list[tuple[dt.datetime, dt.datetime]]:
    """When someone other than `but` was signed in at `window` (open spans run to the day's end)."""
    if window is None:
        return []
    out: list[tuple[dt.datetime, dt.datetime]] = []
    opened: dict[str, dt.datetime] = {}
    for p in punches:
        if p.staff == but:
            continue
        if p.kind == SIGN_IN and p.window == window:
            opened.setdefault(p.staff, p.at)
        elif p.kind == SIGN_IN and p.staff in opened or p.kind == SIGN_OUT and p.staff in opened:  # moved elsewhere
            out.append((opened.pop(p.staff), p.at))
    end = dt.datetime.max.replace(tzinfo=punches[0].at.tzinfo) if punches else None
    for start in opened.values():
        if end is not None:
            out.append((start, end))
    return out


def _overlap(a: tuple[dt.datetime, dt.datetime], spans: Iterable[tuple[dt.datetime, dt.datetime]]) -> float:
    total = 0.0
    for s, e in spans:
        lo, hi = max(a[0], s), min(a[1], e)
        if hi > lo:
            total += (hi - lo).total_seconds()
    return total


def _minute(t: dt.datetime) -> dt.datetime:
    return t.replace(second=0, microsecond=0)


def _minutes(a: dt.datetime, b: dt.datetime) -> int:
    return max(0, int((b - a).total_seconds() // 60))


def _covering(leaves: Sequence[Leave], start: dt.datetime, end: dt.datetime) -> tuple[str, str]:
    """(approved leave covering [start, end), a pending one that would)."""
    approved = next((lv.id for lv in leaves if lv.approved and lv.covers(start, end)), "")
    pending = next((lv.id for lv in leaves if lv.status == PENDING and lv.covers(start, end)), "")
    return approved, pending


def evaluate_day(
    staff: str,
    day: dt.date,
    rules: AttendanceRules,
    sessions: Sequence[Session],
    tz: dt.tzinfo,
    punches: Sequence[Punch],
    *,
    expected: bool | Sequence[bool],
    workday: bool = True,
    leaves: Sequence[Leave] = (),
    corrections: Sequence[Correction] = (),
) -> DayRecord:
    """One person's day: each session's status and marks. `punches`: the day's rows of everyone (coverage
    of her window and handovers need the others'); `leaves`: hers, any status; `corrections`: hers that day."""
    mine = [c for c in corrections if c.staff == staff and c.day == day]
    all_punches = apply_corrections(punches, mine, tz)
    spans = presence(staff, all_punches)
    bounds = session_bounds(day, sessions, tz)
    expected_in = [bool(expected) and workday] * len(bounds) if isinstance(expected, bool) else list(expected)
    out: list[SessionRecord] = []
    for i, (s_start, s_end) in enumerate(bounds):
        # the last session takes any open span; a span open past a session runs on into the next
        closed = [(sp.start, sp.end if sp.end is not None else max(s_end, bounds[-1][1]), sp.window) for sp in spans]
        here = [(a, b, w) for a, b, w in closed if b > s_start and a < s_end]
        required = s_start - dt.timedelta(minutes=rules.arrive_early_minutes)
        excuse = next((c for c in mine if c.action == "excuse" and c.session in (None, i)), None)
        leave_id, pending_id = _covering(leaves, s_start, s_end)
        if excuse is not None:
            out.append(SessionRecord(i, s_start, s_end, EXCUSED, leave=f"更正：{excuse.reason}"))
            continue
        if not here:
            if not expected_in[i]:
                out.append(SessionRecord(i, s_start, s_end, NOT_EXPECTED))
            elif leave_id:
                out.append(SessionRecord(i, s_start, s_end, ON_LEAVE, leave=leave_id))
            else:
                note = "请假未获批准" if pending_id else ""
                mark = Mark(staff, day, i, ABSENT, window=None, note=note)
                out.append(SessionRecord(i, s_start, s_end, ABSENT_STATUS, marks=(mark,), pending_leave=pending_id))
            continue
        marks: list[Mark] = []
        windows = tuple(dict.fromkeys(w for _, _, w in here if w is not None))
        arrived = min(a for a, _, _ in here)
        left = max(b for _, b, _ in here)
        first_window = min(here, key=lambda x: x[0])[2]
        last_window = max(here, key=lambda x: x[1])[2]
        allowed = required + dt.timedelta(minutes=rules.grace_minutes)
        if _minute(arrived) > allowed and expected_in[i]:
            minutes = _minutes(required, _minute(arrived))
            lv, pend = _covering(leaves, allowed, _minute(arrived))
            if rules.late_absence_after_minutes and minutes >= rules.late_absence_after_minutes:
                lv_all, _ = _covering(leaves, s_start, s_end)
                note = f"迟到{minutes}分钟按旷工计"
                marks.append(Mark(staff, day, i, ABSENT, minutes, first_window, arrived, note, lv or lv_all))
            else:
                note = "请假未获批准" if pend and not lv else ""
                marks.append(Mark(staff, day, i, LATE, minutes, first_window, arrived, note, lv))
        early_bar = s_end - dt.timedelta(minutes=rules.early_grace_minutes)
        if left < early_bar and expected_in[i]:
            minutes = _minutes(left, s_end)
            lv, pend = _covering(leaves, left, s_end)
            covered_s = _overlap((left, s_end), _occupancy(last_window, all_punches, staff))
            uncovered = (s_end - left).total_seconds() - covered_s >= 60 * rules.post_gap_minutes
            note = ("无人接替" if uncovered else "B岗接替") if last_window is not None else ""
            if pend and not lv:
                note = "；".join(x for x in (note, "请假未获批准") if x)
            marks.append(Mark(staff, day, i, EARLY, minutes, last_window, left, note, lv))
        # gaps inside the session
        ordered = sorted(here)
        for (_, b1, w1), (a2, _, _) in zip(ordered, ordered[1:], strict=False):
            lo, hi = max(b1, s_start), min(a2, s_end)
            if hi <= lo:
                continue
            uncovered_s = (hi - lo).total_seconds() - _overlap((lo, hi), _occupancy(w1, all_punches, staff))
            if uncovered_s >= 60 * rules.post_gap_minutes:
                lv, _pend = _covering(leaves, lo, hi)
                marks.append(Mark(staff, day, i, OFF_POST, _minutes(lo, hi), w1, lo, "", lv))
        status = PRESENT
        out.append(SessionRecord(i, s_start, s_end, status, arrived, left, windows, tuple(marks), leave_id, pending_id))
    return DayRecord(staff, day, any(expected_in), tuple(out), tuple(p for p in all_punches if p.staff == staff))


def evaluate_days(
    config: HallConfig,
    calendar: WorkCalendar,
    first: dt.date,
    last: dt.date,
    punches: Sequence[Punch],
    leaves: Sequence[Leave] = (),
    corrections: Sequence[Correction] = (),
    staff: Iterable[str] | None = None,
) -> list[DayRecord]:
    """Every person's days from `first` to `last`: the expected on working days; anyone on a day she signed in."""
    tz = config.tz
    by_day: dict[dt.date, list[Punch]] = {}
    for p in punches:
        by_day.setdefault(p.at.astimezone(tz).date(), []).append(p)
    leaves_of: dict[str, list[Leave]] = {}
    for lv in leaves:
        leaves_of.setdefault(lv.staff, []).append(lv)
    corr_of: dict[tuple[str, dt.date], list[Correction]] = {}
    for c in corrections:
        corr_of.setdefault((c.staff, c.day), []).append(c)
    expected = set(expected_staff(config))
    # a stand-in named on an approved leave is expected where the leave covers
    standing: dict[str, list[Leave]] = {}
    for lv in leaves:
        if lv.approved and lv.stand_in:
            standing.setdefault(lv.stand_in, []).append(lv)
    chosen = set(staff) if staff is not None else None
    out: list[DayRecord] = []
    day = first
    while day <= last:
        todays = sorted(by_day.get(day, []), key=lambda p: (p.at, 0 if p.kind == SIGN_OUT else 1))
        workday = calendar.is_workday(day)
        bounds = session_bounds(day, config.sessions, tz)
        who = {p.staff for p in todays} | {s for (s, d) in corr_of if d == day}
        if workday:
            who |= expected
            who |= {
                code for code, lvs in standing.items() if any(lv.start.date() <= day <= lv.end.date() for lv in lvs)
            }
        for code in sorted(who):
            if chosen is not None and code not in chosen:
                continue
            base = code in expected and workday
            expected_in = [
                base or (workday and any(lv.covers(a, b) for lv in standing.get(code, ()))) for a, b in bounds
            ]
            out.append(
                evaluate_day(
                    code,
                    day,
                    config.attendance,
                    config.sessions,
                    tz,
                    todays,
                    expected=expected_in,
                    workday=workday,
                    leaves=leaves_of.get(code, ()),
                    corrections=corr_of.get((code, day), ()),
                )
            )
        day += dt.timedelta(days=1)
    return out


def meeting_marks(meeting: Meeting, leaves: Sequence[Leave], tz: dt.tzinfo) -> list[Mark]:
    """Who missed a meeting without leave (a mark each); an approved leave covering its time excuses it."""
    start = dt.datetime.combine(meeting.day, meeting.start, tz)
    end = dt.datetime.combine(meeting.day, meeting.end, tz)
    out = []
    for staff in meeting.expected:
        if staff in meeting.present:
            continue
        excused = "已备案" if staff in meeting.excused else ""
        if not excused:
            excused, _ = _covering([lv for lv in leaves if lv.staff == staff], start, end)
        title = MEETING_KINDS.get(meeting.kind, (meeting.kind, ""))[0]
        out.append(Mark(staff, meeting.day, -1, MEETING_ABSENT, 0, None, start, f"{title}：{meeting.title}", excused))
    return out


def on_duty_days(
    records: Iterable[DayRecord], leaves: Sequence[Leave] = (), on_duty_types: Iterable[str] = ()
) -> dict[str, int]:
    """Days on duty per person (present, excused, or on a leave type the hall counts as duty: 公出)."""
    duty_types = set(on_duty_types)
    duty_leaves = {lv.id for lv in leaves if lv.approved and lv.type in duty_types}
    days: dict[str, set[dt.date]] = {}
    for r in records:
        if r.on_duty or any(s.leave in duty_leaves for s in r.sessions if s.leave):
            days.setdefault(r.staff, set()).add(r.day)
    return {k: len(v) for k, v in days.items()}


def window_duty_days(records: Iterable[DayRecord]) -> dict[int, int]:
    """Days each window was staffed in some session."""
    days: dict[int, set[dt.date]] = {}
    for r in records:
        for s in r.sessions:
            for w in s.windows:
                days.setdefault(w, set()).add(r.day)
    return {k: len(v) for k, v in days.items()}


# ---- leave -------------------------------------------------------------------------------------------------------


def sessions_covered(
    start: dt.datetime, end: dt.datetime, sessions: Sequence[Session], calendar: WorkCalendar, tz: dt.tzinfo
) -> int:
    """Whole working sessions a span covers (2 = a whole day in a two-session hall)."""
    count = 0
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        if calendar.is_workday(day):
            for a, b in session_bounds(day, sessions, tz):
                if start <= a and b <= end:
                    count += 1
        day += dt.timedelta(days=1)
    return count


def is_long(
    leave: Leave, rules: AttendanceRules, sessions: Sequence[Session], calendar: WorkCalendar, tz: dt.tzinfo
) -> bool:
    """Half a day or more (`written_from_sessions` whole sessions): must be written and go the whole chain."""
    return sessions_covered(leave.start, leave.end, sessions, calendar, tz) >= rules.written_from_sessions


def needs_stand_in(leave: Leave, config: HallConfig, calendar: WorkCalendar) -> bool:
    """A window's A post away `stand_in_days` working days or more: a stand-in (代岗) must be named first."""
    if not any(w.staff_a == leave.staff for w in config.windows):
        return False
    per_day = max(1, len(config.sessions))
    covered = sessions_covered(leave.start, leave.end, config.sessions, calendar, config.tz)
    return covered >= config.attendance.stand_in_days * per_day


def chain_for(leave: Leave, config: HallConfig, calendar: WorkCalendar) -> tuple[str, ...]:
    """The approval steps this leave needs, in order (a step with nobody to take it is skipped: a person with
    no window has no window head)."""
    rules = config.attendance
    long = is_long(leave, rules, config.sessions, calendar, config.tz)
    steps = rules.leave_chain if long else rules.short_leave_chain
    heads = [w.head for w in config.windows if leave.staff in (w.staff_a, w.staff_b) and w.head]
    return tuple(s for s in steps if s != "window_head" or heads)


def next_step(leave: Leave, chain: Sequence[str]) -> str | None:
    done = {a.step for a in leave.approvals if a.approved}
    return next((s for s in chain if s not in done), None)


def check_decide(
    leave: Leave,
    step: str,
    config: HallConfig,
    calendar: WorkCalendar,
    *,
    actor: str,
    actor_role: str,
    actor_windows: Sequence[int] = (),
    approve: bool = True,
) -> str:
    """May `actor` record `step` now? Returns the status the leave has after it. Raises AttendanceError."""
    if leave.status != PENDING:
        raise AttendanceError("leave_closed", "此请假已结束审批。 / This leave is no longer pending.")
    chain = chain_for(leave, config, calendar)
    expected = next_step(leave, chain)
    if expected is None or step != expected:
        name = STEP_NAMES.get(expected or "", (expected or "—", ""))[0]
        raise AttendanceError("wrong_step", f"下一步应由{name}审批。 / The next step is {expected}.")
    if actor == leave.staff:
        raise AttendanceError("own_leave", "不能审批自己的请假。 / Nobody approves her own leave.")
    if actor_role not in STEP_ROLES.get(step, frozenset()):
        raise AttendanceError("not_your_step", "您不能审批这一步。 / You may not record this step.")
    if step == "window_head" and actor_role == "window_head":
        mine = {w.number for w in config.windows if leave.staff in (w.staff_a, w.staff_b)}
        if not mine & set(actor_windows):
            raise AttendanceError("not_your_window", "只能审批本窗口人员的请假。 / Only your window's staff.")
    if not approve:
        return REFUSED
    last = chain.index(step) == len(chain) - 1
    if last:
        if is_long(leave, config.attendance, config.sessions, calendar, config.tz) and not leave.written:
            raise AttendanceError(
                "not_written", "半天以上的请假须有书面请假条。 / Leave of half a day or more must be written."
            )
        if needs_stand_in(leave, config, calendar) and not leave.stand_in:
            raise AttendanceError(
                "stand_in_required",
                "窗口人员请假一天以上，须先确定代岗人员。 / Name a stand-in before leave of a day or more is approved.",
            )
    return APPROVED if last else PENDING


def check_leave(leave: Leave, config: HallConfig) -> None:
    """A request that makes sense: a known type, end after start, a stand-in who is not herself."""
    types = {t.code for t in config.attendance.leave_types}
    if leave.type not in types:
        raise AttendanceError("unknown_leave_type", f"未知的请假类型 {leave.type!r}。 / Unknown leave type.")
    if leave.end <= leave.start:
        raise AttendanceError("bad_span", "结束时间应晚于开始时间。 / The end must be after the start.")
    if leave.stand_in and (leave.stand_in == leave.staff or config.staff_member(leave.stand_in) is None):
        raise AttendanceError(
            "bad_stand_in", "代岗人员应为本中心的其他工作人员。 / The stand-in must be another staff member."
        )


# ---- A and B posts: the live alert ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PostAlert:
    window: int
    name: str
    staff_a: str
    staff_b: str
    since: dt.datetime | None


def unstaffed_posts(
    config: HallConfig, staffed: dict[int, str | None], now: dt.datetime, since: dict[int, dt.datetime] | None = None
) -> list[PostAlert]:
    """Windows with neither post (nor anyone) signed in during opening hours: an alert for the live page."""
    local = now.astimezone(config.tz)
    if not config.is_open_at(local):
        return []
    return [
        PostAlert(w.number, w.name, w.staff_a, w.staff_b, (since or {}).get(w.number))
        for w in config.windows
        if not staffed.get(w.number)
    ]


@dataclass(frozen=True)
class Handover:
    window: int
    at: dt.datetime
    from_staff: str
    to_staff: str


def unstaffed_since(config: HallConfig, punches: Iterable[Punch], now: dt.datetime) -> dict[int, dt.datetime]:
    """For each window, since when nobody has served there in the current opening session: its last sign-out
    today, or the session's start when that is later (nobody came back after the break). Empty outside hours."""
    local = now.astimezone(config.tz)
    minute = local.hour * 60 + local.minute
    current = [
        s for s in config.sessions if s.start.hour * 60 + s.start.minute <= minute < s.end.hour * 60 + s.end.minute
    ]
    if not current:
        return {}
    start = dt.datetime.combine(local.date(), current[0].start, config.tz)
    last_out: dict[int, dt.datetime] = {}
    for p in punches:
        if (
            p.kind == SIGN_OUT
            and p.window is not None
            and p.at <= now
            and p.at.astimezone(config.tz).date() == local.date()
        ):
            last_out[p.window] = max(p.at, last_out.get(p.window, p.at))
    return {w.number: max(start, last_out.get(w.number, start)) for w in config.windows}


def handovers(punches: Iterable[Punch]) -> list[Handover]:
    """The day's AB handovers (the B post signed in where the A post was)."""
    return [
        Handover(p.window or 0, p.at, p.handover_from, p.staff)
        for p in punches
        if p.kind == SIGN_IN and p.handover_from
    ]


@dataclass
class MonthTally:
    """One person's month in numbers (the attendance month page)."""

    staff: str
    days_on_duty: int = 0
    late: int = 0
    early: int = 0
    off_post: int = 0
    absent_halves: int = 0
    leave_sessions: int = 0
    excused: int = 0
    meetings_missed: int = 0
    marks: list[Mark] = field(default_factory=list)


def month_tally(records: Iterable[DayRecord], extra: Iterable[Mark] = ()) -> dict[str, MonthTally]:
    out: dict[str, MonthTally] = {}
    for r in records:
        t = out.setdefault(r.staff, MonthTally(r.staff))
        if r.on_duty:
            t.days_on_duty += 1
        for s in r.sessions:
            if s.status == ON_LEAVE:
                t.leave_sessions += 1
            if s.status == EXCUSED:
                t.excused += 1
            for m in s.marks:
                t.marks.append(m)
                if not m.counts:
                    continue
                if m.kind == LATE:
                    t.late += 1
                elif m.kind == EARLY:
                    t.early += 1
                elif m.kind == OFF_POST:
                    t.off_post += 1
                elif m.kind == ABSENT:
                    t.absent_halves += 1
    for m in extra:
        t = out.setdefault(m.staff, MonthTally(m.staff))
        t.marks.append(m)
        if m.counts:
            t.meetings_missed += 1
    return out


def attendance_lines(records: Iterable[DayRecord], extra: Iterable[Mark], config: HallConfig) -> list[ScoreLine]:
    """The score lines of attendance: each mark that counts (not turned into leave), on her window's score too
    (where it happened, else her home window). A missed meeting counts as the hall's `meeting_absence` kind."""
    out: list[ScoreLine] = []
    homes: dict[str, int | None] = {}

    def home(staff: str) -> int | None:
        if staff not in homes:
            homes[staff] = home_window(config, staff)
        return homes[staff]

    for r in records:
        for s in r.sessions:
            for m in s.marks:
                if m.counts:
                    window = m.window if m.window is not None else home(m.staff)
                    ref = f"{m.day.isoformat()}#{m.session}"
                    out.append(ScoreLine(m.day, m.kind, m.describe(), "attendance", m.staff, window, None, "考勤", ref))
    kind = config.attendance.meeting_absence
    for m in extra:
        if m.counts and kind:
            out.append(ScoreLine(m.day, kind, m.describe(), "meeting", m.staff, home(m.staff), None, "会议签到"))
    return out
