"""限时办结 (issue 13): which rule sets a case's due date, extensions, the stages each case type goes through,
due-soon and overdue, and the on-time completion rate (按期办结率).

Plain rules over plain values: the application layer reads the cases and calls these; the register, the live
page, the caller's ledger, the summaries and the scores (issue 14) all take their answers from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.calendar import WorkCalendar
from core.cases import CASE_TYPES, CaseType
from core.config import Deadlines, Item
from core.tickets import DomainError

# ---- which rule sets the due date -------------------------------------------------------------------------

# an item's `limit_rule` in the hall file: its time limit is one of [deadlines] instead of time_limit_days
ITEM_LIMIT_RULES = ("leader_approval", "study", "site_check")

DUE_RULES: dict[str, tuple[str, str]] = {
    "item": ("事项承诺时限", "the item's time limit"),
    "legal": ("法定时限", "the statutory time limit"),
    "default": ("默认办结时限", "the hall's default time limit"),
    "leader_approval": ("需请示领导的办结时限", "limit for matters needing a leader's approval"),
    "study": ("需研究的办结时限", "limit for matters needing study"),
    "site_check": ("实地核实时限", "limit for a site check"),
    "set_by_clerk": ("受理人另定（已说明理由）", "set by the clerk, with a reason"),
    "assigned": ("中心指定的期限", "deadline set by the centre"),
    "extension": ("经领导批准延期", "extended with a leader's approval"),
    "returned_decision": ("退回件决定时限", "time to decide a returned case"),
}


@dataclass(frozen=True)
class Limit:
    workdays: int
    rule: str  # a key of DUE_RULES


def time_limit(item: Item | None, deadlines: Deadlines) -> Limit:
    """The working days a case of this item has, and the rule that gives them.

    An item whose hall-file entry names a `limit_rule` takes that [deadlines] figure (leader_approval_days,
    study_days, site_check_workdays); else its own time limit (the statutory one when it equals
    legal_limit_days); else the hall's default. The day counts are working days throughout.
    """
    if item is not None and item.limit_rule in ITEM_LIMIT_RULES:
        days = {
            "leader_approval": deadlines.leader_approval_days,
            "study": deadlines.study_days,
            "site_check": deadlines.site_check_workdays,
        }[item.limit_rule]
        return Limit(days, item.limit_rule)
    if item is not None and item.time_limit_days:
        rule = "legal" if item.legal_limit_days == item.time_limit_days else "item"
        return Limit(item.time_limit_days, rule)
    return Limit(deadlines.default_workdays, "default")


@dataclass(frozen=True)
class DueRule:
    rule: str
    zh: str
    en: str
    workdays: int | None = None  # the limit applied, where a limit applies


def due_rule(
    *,
    due_date: dt.date,
    accepted_on: dt.date,
    item: Item | None,
    deadlines: Deadlines,
    calendar: WorkCalendar,
    stored_rule: str = "",
) -> DueRule:
    """Which rule set a case's due date as it stands: the one stored with a later change (extension, the centre's
    assignment), else the item's limit if the date is what it gives, else the clerk's own date (with her reason)."""
    if stored_rule in DUE_RULES:
        zh, en = DUE_RULES[stored_rule]
        return DueRule(stored_rule, zh, en)
    limit = time_limit(item, deadlines)
    if calendar.add_workdays(accepted_on, limit.workdays) == due_date:
        zh, en = DUE_RULES[limit.rule]
        return DueRule(limit.rule, zh, en, limit.workdays)
    zh, en = DUE_RULES["set_by_clerk"]
    return DueRule("set_by_clerk", zh, en)


def returned_decision_due(accepted_on: dt.date, deadlines: Deadlines, calendar: WorkCalendar) -> dt.date:
    """退回件: the decision (with its written reason) is due within returned_decision_workdays."""
    return calendar.add_workdays(accepted_on, deadlines.returned_decision_workdays)


# ---- due soon, overdue -------------------------------------------------------------------------------------


def workdays_left(calendar: WorkCalendar, today: dt.date, due: dt.date) -> int:
    """Working days from today to the due date: 0 on the day, negative once past (working days late)."""
    return calendar.workdays_between(today, due)


def due_flags(
    status: str, due_date: str | dt.date | None, today: dt.date, calendar: WorkCalendar, soon_workdays: int
) -> dict[str, Any]:
    """What a case row carries for screens: working days left, due soon (open, due within `soon_workdays` working
    days, today included), overdue (open, past the date)."""
    if not due_date:
        return {"days_left": None, "due_soon": False, "overdue": False}
    due = due_date if isinstance(due_date, dt.date) else dt.date.fromisoformat(due_date)
    left = workdays_left(calendar, today, due)
    is_open = status == "open"
    overdue = is_open and due < today
    return {"days_left": left, "due_soon": is_open and not overdue and left <= soon_workdays, "overdue": overdue}


# ---- extensions ----------------------------------------------------------------------------------------------

REQUESTED, APPROVED, REFUSED = "requested", "approved", "refused"


@dataclass(frozen=True)
class Extension:
    """An approved extension: the due date it moved, the new one, and the day (hall's local) it was approved."""

    from_due: dt.date
    to_due: dt.date
    approved_on: dt.date


def check_extension_request(
    kind: CaseType,
    status: str,
    current_due: dt.date | None,
    new_due: dt.date,
    reason: str,
    calendar: WorkCalendar,
    *,
    pending: bool = False,
) -> str:
    """A request to extend a case's deadline: an open case with a due date, a later working day, a reason
    (the citizen must be told why); one request at a time. Returns the reason, trimmed."""
    if not kind.needs_due_date or current_due is None:
        raise DomainError(
            "no_due_date",
            f"{kind.zh}没有办结期限，无需延期。 / A {kind.en.lower()} case has no deadline to extend.",
            400,
        )
    if status != "open":
        raise DomainError("case_not_open", "该件已经办结，不能延期。 / This case is already completed.", 409)
    if pending:
        raise DomainError(
            "extension_pending",
            "该件已有待审批的延期申请。 / This case already has an extension waiting for approval.",
            409,
        )
    if not reason.strip():
        raise DomainError(
            "reason_required",
            "延期须写明理由（须告知群众）。 / An extension needs the reason the citizen is told.",
            400,
        )
    if new_due <= current_due:
        raise DomainError(
            "bad_due_date",
            f"延期后的日期须晚于现在的办结期限 {current_due.isoformat()}。"
            f" / The new date must be after the current due date {current_due.isoformat()}.",
            400,
        )
    if not calendar.is_workday(new_due):
        raise DomainError(
            "not_a_workday", f"{new_due.isoformat()} 不是工作日。 / {new_due.isoformat()} is not a working day.", 400
        )
    return reason.strip()


def may_approve_extension(role: str, staff: str, approvers: Iterable[str]) -> bool:
    """The hall file names who approves extensions: roles ("director") and/or staff codes (a line's leader)."""
    chosen = set(approvers)
    return role in chosen or staff in chosen


def check_extension_decision(status: str, role: str, staff: str, approvers: Iterable[str]) -> None:
    if status != REQUESTED:
        raise DomainError(
            "extension_decided", "该延期申请已经审批过。 / This extension request was already decided.", 409
        )
    if not may_approve_extension(role, staff, approvers):
        raise DomainError(
            "forbidden",
            "延期须由大厅配置的领导批准。 / Only the leaders the hall names may approve an extension.",
            403,
        )


def approved_in_time(approved_on: dt.date, due_in_force: dt.date) -> bool:
    """An extension counts for the on-time rate only if approved before the date then in force had passed."""
    return approved_on <= due_in_force


def counted_due(original: dt.date, extensions: Iterable[Extension]) -> dt.date:
    """The date the on-time rate holds a case to: the original due date, moved by each approved extension that
    was approved before the date then in force had passed (a late approval gives the citizen a new date but
    does not excuse the delay)."""
    due = original
    for ext in sorted(extensions, key=lambda e: e.approved_on):
        if approved_in_time(ext.approved_on, due) and ext.to_due > due:
            due = ext.to_due
    return due


# ---- on time --------------------------------------------------------------------------------------------------

ON_TIME, LATE, OVERDUE, PENDING = "on_time", "late", "overdue", "pending"
OUTCOMES: dict[str, tuple[str, str]] = {
    ON_TIME: ("按期办结", "completed on time"),
    LATE: ("超期办结", "completed late"),
    OVERDUE: ("逾期未办结", "overdue, still open"),
    PENDING: ("未到期", "not yet due"),
}


def case_outcome(counted: dt.date | None, completed_on: dt.date | None, today: dt.date) -> str | None:
    """One case against the date it is held to (`counted_due`): on time, late, overdue (still open), or not yet
    due; None for a case with no deadline."""
    if counted is None:
        return None
    if completed_on is not None:
        return ON_TIME if completed_on <= counted else LATE
    return OVERDUE if today > counted else PENDING


@dataclass(frozen=True)
class OnTime:
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0

    @property
    def due(self) -> int:
        """Cases whose date has come: the rate's denominator."""
        return self.on_time + self.late + self.overdue

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "on_time": self.on_time,
            "late": self.late,
            "overdue": self.overdue,
            "pending": self.pending,
            "due": self.due,
            "rate": self.rate,
        }


def on_time_rate(outcomes: Iterable[str | None | tuple[str | None, int]]) -> OnTime:
    """按期办结率: cases completed by the date they are held to, over every case whose date has come (completed
    late or still open past it). The one definition; every page, summary and score uses it.

    Each item is a case's outcome (`case_outcome`), or (outcome, how many cases had it)."""
    counts = {ON_TIME: 0, LATE: 0, OVERDUE: 0, PENDING: 0}
    for item in outcomes:
        outcome, n = item if isinstance(item, tuple) else (item, 1)
        if outcome is not None:
            counts[outcome] += n
    return OnTime(counts[ON_TIME], counts[LATE], counts[OVERDUE], counts[PENDING])


# ---- the stages of each case type ------------------------------------------------------------------------------

STAGES: dict[str, tuple[str, str]] = {
    "accepted": ("已受理", "Accepted"),
    "completed": ("已办结", "Completed"),
    # 联办件: the lead window sends steps to the other windows involved, each one recorded
    "step_sent": ("转协办窗口", "Step sent to a window"),
    "step_done": ("协办完成", "Step done"),
    # 上报件 / 全程代理
    "submitted": ("已上报", "Submitted"),
    "returned_for_more": ("退回补充材料", "Returned for more"),
    "approved": ("上级已批准", "Approved"),
    "refused": ("上级不予批准", "Refused"),
    "ready": ("结果已到，待领取", "Ready to collect"),
    "collected": ("群众已领取", "Collected"),
    # 不管件
    "assigned": ("中心已指定承办窗口", "Owner assigned"),
    # 退回件
    "returned": ("已退回（书面理由）", "Returned with reasons"),
    "review_requested": ("群众申请复核", "Review requested"),
    "review_upheld": ("复核维持", "Review upheld"),
    "review_overturned": ("复核撤销，重新受理", "Review overturned"),
    # 补办件
    "notified": ("已一次性告知缺少的材料", "Told every missing material"),
    "followed_up": ("已补齐材料（关联取号或预约）", "Materials brought (linked visit)"),
}

_SIMPLE = {"accepted": ("completed",), "completed": ()}
FLOWS: dict[str, dict[str, tuple[str, ...]]] = {
    "immediate": {"completed": ()},
    "promised": _SIMPLE,
    "urgent": _SIMPLE,
    "joint": {
        "accepted": ("step_sent",),
        "step_sent": ("step_sent", "step_done"),
        "step_done": ("step_sent", "step_done", "completed"),
        "completed": (),
    },
    "forwarded": {
        "accepted": ("submitted",),
        "submitted": ("returned_for_more", "approved", "refused"),
        "returned_for_more": ("submitted",),
        "approved": ("ready",),
        "refused": ("collected",),
        "ready": ("collected",),
        "collected": (),
    },
    "unowned": {"accepted": ("assigned",), "assigned": ("assigned", "completed"), "completed": ()},
    "returned": {
        "returned": ("review_requested",),
        "review_requested": ("review_upheld", "review_overturned"),
        "review_upheld": (),
        "review_overturned": (),
    },
    "incomplete": {"notified": ("followed_up",), "followed_up": ()},
}
COMPLETING = frozenset({"completed", "collected"})  # the stages that complete (办结) an open case
CENTRE_STAGES = frozenset({"assigned", "review_upheld", "review_overturned"})  # the centre's decisions
NEEDS_WINDOW = frozenset({"step_sent", "step_done", "assigned"})
NEEDS_DEADLINE = frozenset({"assigned"})
NEEDS_REF = frozenset({"followed_up"})  # the follow-up visit: a ticket or a booking
NEEDS_NOTE = frozenset({"returned_for_more", "refused", "review_requested", "review_upheld", "review_overturned"})


def first_stage(case_type: str) -> str:
    return next(iter(FLOWS[case_type])) if case_type in FLOWS else "accepted"


def stage_names(case_type: str) -> list[str]:
    return list(FLOWS.get(case_type, _SIMPLE))


@dataclass(frozen=True)
class FlowState:
    stage: str
    open_steps: frozenset[int] = frozenset()  # 联办件: windows with a step sent and not yet done
    done_steps: frozenset[int] = frozenset()


def flow_state(case_type: str, stages: Sequence[tuple[str, int | None]], status: str = "open") -> FlowState:
    """Where a case stands, from the stages recorded after its first (oldest first). A case completed without
    recorded stages (the caller's 办结 key) stands at its type's completing stage."""
    current = first_stage(case_type)
    open_steps: set[int] = set()
    done: set[int] = set()
    for stage, window in stages:
        current = stage
        if stage == "step_sent" and window is not None:
            open_steps.add(window)
        elif stage == "step_done" and window is not None:
            open_steps.discard(window)
            done.add(window)
    if status == "completed" and current not in COMPLETING and case_type not in ("returned", "incomplete"):
        flow = FLOWS.get(case_type, _SIMPLE)
        current = next((s for s in flow if s in COMPLETING), current)
    return FlowState(current, frozenset(open_steps), frozenset(done))


def next_stages(case_type: str, state: FlowState) -> tuple[str, ...]:
    """The stages that may follow, given where the case stands."""
    allowed = FLOWS.get(case_type, _SIMPLE).get(state.stage, ())
    if case_type == "joint":
        allowed = tuple(
            s
            for s in allowed
            if not (s == "step_done" and not state.open_steps)
            and not (s == "completed" and (state.open_steps or not state.done_steps))
        )
    return allowed


def check_next_stage(
    case_type: str,
    state: FlowState,
    stage: str,
    *,
    window: int | None = None,
    lead_window: int | None = None,
    deadline: dt.date | None = None,
    today: dt.date | None = None,
    ref: str = "",
    note: str = "",
) -> None:
    """Refuse a stage that may not follow where the case stands, or that lacks what it must record."""
    kind = CASE_TYPES.get(case_type)
    zh_type = kind.zh if kind else case_type
    if stage not in STAGES:
        raise DomainError("bad_stage", f"没有环节 {stage!r}。 / There is no stage {stage!r}.", 400)
    if stage not in next_stages(case_type, state):
        now_zh, now_en = STAGES.get(state.stage, (state.stage, state.stage))
        to_zh, to_en = STAGES[stage]
        hint = ""
        if case_type == "joint" and stage == "completed":
            hint = (
                " 联办件须各协办窗口办完后由牵头窗口办结。 / A joint case completes once every window involved is done."
            )
        raise DomainError(
            "bad_stage",
            f"{zh_type}在“{now_zh}”之后不能进入“{to_zh}”。 / A {case_type} case cannot go from {now_en} to {to_en}."
            + hint,
            409,
        )
    if stage in NEEDS_WINDOW and window is None:
        raise DomainError("window_required", "请选择窗口。 / Choose the window.", 400)
    if stage == "step_sent" and window == lead_window:
        raise DomainError(
            "bad_window", "协办窗口不能是牵头窗口本身。 / A step goes to another window than the lead.", 400
        )
    if stage == "step_done" and window not in state.open_steps:
        raise DomainError("bad_window", f"{window}号窗口没有待办的协办环节。 / Window {window} has no open step.", 409)
    if stage in NEEDS_DEADLINE:
        if deadline is None:
            raise DomainError("deadline_required", "请给出办结期限。 / Give the deadline.", 400)
        if today is not None and deadline < today:
            raise DomainError("bad_due_date", "期限不能早于今天。 / The deadline cannot be before today.", 400)
    if stage in NEEDS_REF and not ref.strip():
        raise DomainError(
            "ref_required",
            "请填写群众补齐材料时的取号或预约。 / Give the ticket or booking of the citizen's return visit.",
            400,
        )
    if stage in NEEDS_NOTE and not note.strip():
        raise DomainError("note_required", "请写明情况或理由。 / Write what happened, or the reason.", 400)


def completing_stage(case_type: str) -> str:
    """The stage that completes this type's open case (the caller's 办结 key records it)."""
    return next((s for s in FLOWS.get(case_type, _SIMPLE) if s in COMPLETING), "completed")


# ---- the citizen's details (kept only where the hall records them) ---------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_valid(number: str) -> bool:
    """A resident ID number (GB 11643-1999): 17 digits and its check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def check_citizen(name: str, id_number: str) -> tuple[str, str]:
    """The applicant's name and ID number as the register keeps them (either may be left empty)."""
    name = name.strip()
    number = id_number.strip().replace(" ", "").upper()
    if len(name) > 40:
        raise DomainError("bad_name", "姓名太长。 / The name is too long.", 400)
    if number and not id_number_valid(number):
        raise DomainError(
            "bad_id_number", "身份证号码不正确（18位，含校验位）。 / The ID number is not valid (18 characters).", 400
        )
    if not name and not number:
        raise DomainError("citizen_required", "请填写姓名或身份证号码。 / Give the name or the ID number.", 400)
    return name, number


# ---- periods ------------------------------------------------------------------------------------------------------

PERIODS = {"day": ("日", "Day"), "week": ("周", "Week"), "month": ("月", "Month")}


def period_of(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The day, its week (Monday to Sunday) or its month."""
    if kind == "day":
        return day, day
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if kind == "month":
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    raise DomainError("bad_period", f"没有统计周期 {kind!r}。 / There is no period {kind!r}.", 400)


def shift_period(kind: str, day: dt.date, steps: int) -> dt.date:
    """A day of the period `steps` before (negative) or after this one."""
    first, last = period_of(kind, day)
    if steps < 0:
        for _ in range(-steps):
            first, last = period_of(kind, first - dt.timedelta(days=1))
    for _ in range(max(steps, 0)):
        first, last = period_of(kind, last + dt.timedelta(days=1))
    return first
