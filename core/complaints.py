"""投诉受理制: the complaint ledger's rules — the national flow 受理 → 调查 → 处置 → 意见反馈 → 归档, deadlines in
working days, where a complaint goes (the hall's supervisors; the higher authority for one naming the hall's
leadership; outside the remit: told where to go), who may see, handle and see the complainant of it, and the
answer in the complaint's own form (oral → oral, written → an A4 letter).

Standard library only; no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from core.calendar import WorkCalendar
from core.tickets import DomainError

# channel → (zh, en, the form an answer takes by default)
CHANNELS: dict[str, tuple[str, str, str]] = {
    "in_person": ("当面投诉", "In person", "oral"),
    "phone": ("电话投诉", "Phone", "oral"),
    "letter": ("信函投诉", "Letter", "written"),
    "box": ("意见箱", "Complaint box", "written"),
    "hotline": ("12345热线转办", "12345 hotline", "written"),
    "online": ("网上投诉", "Online", "written"),
}
FORMS = {"oral": ("口头", "Oral"), "written": ("书面", "Written")}
COMPLEXITY = {"simple": ("简单", "Simple"), "complex": ("复杂或涉及多个部门", "Complex or several departments")}
FINDINGS = {
    "founded": ("属实", "Founded"),
    "partly": ("部分属实", "Partly founded"),
    "unfounded": ("不属实", "Unfounded"),
}
VERIFIED_FINDINGS = frozenset({"founded", "partly"})  # what the scores read as a verified complaint (−10)
ANSWER_VIEWS = {
    "satisfied": ("满意", "Satisfied"),
    "fair": ("基本满意", "Fairly satisfied"),
    "dissatisfied": ("不满意", "Dissatisfied"),
    "none": ("未表态", "Did not say"),
}
ROUTES = {
    "hall": ("本中心督查处理", "Handled by the hall's supervisors"),
    "higher": ("移送上级机关", "Sent to the higher authority"),
    "outside": ("不属本中心受理范围，已告知去向", "Outside the hall's remit; told where to go"),
}

ACCEPTED, INVESTIGATING, DECIDED, ANSWERED, ARCHIVED, FORWARDED, REFERRED = (
    "accepted",
    "investigating",
    "decided",
    "answered",
    "archived",
    "forwarded",
    "referred",
)
STATES: dict[str, tuple[str, str]] = {
    ACCEPTED: ("已受理", "Accepted"),
    INVESTIGATING: ("调查中", "Investigating"),
    DECIDED: ("已处置待答复", "Decided, to answer"),
    ANSWERED: ("已答复", "Answered"),
    ARCHIVED: ("已归档", "Archived"),
    FORWARDED: ("已移送上级", "Sent to the higher authority"),
    REFERRED: ("已告知去向", "Told where to go"),
}
ACTIONS: dict[str, tuple[str, str]] = {
    "investigate": ("调查记录", "Investigation note"),
    "decide": ("处置决定", "Decide"),
    "answer": ("答复", "Answer"),
    "delay": ("告知延期原因", "Tell the complainant of a delay"),
    "archive": ("归档", "Archive"),
    "reopen": ("重新办理", "Reopen"),
    "record_outcome": ("记录上级处理结果", "Record the higher authority's outcome"),
}
TRANSITIONS: dict[tuple[str, str], str] = {
    (ACCEPTED, "investigate"): INVESTIGATING,
    (INVESTIGATING, "investigate"): INVESTIGATING,
    (ACCEPTED, "decide"): DECIDED,
    (INVESTIGATING, "decide"): DECIDED,
    (DECIDED, "answer"): ANSWERED,
    (ACCEPTED, "delay"): ACCEPTED,
    (INVESTIGATING, "delay"): INVESTIGATING,
    (DECIDED, "delay"): DECIDED,
    (ANSWERED, "archive"): ARCHIVED,
    (FORWARDED, "record_outcome"): FORWARDED,
    (FORWARDED, "archive"): ARCHIVED,
    (REFERRED, "archive"): ARCHIVED,
    (ARCHIVED, "reopen"): INVESTIGATING,
}
OPEN_STATES = frozenset({ACCEPTED, INVESTIGATING, DECIDED})  # owed an answer: these go overdue and escalate
HANDLER_ROLES = frozenset({"supervisor", "director"})


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        zh, en = STATES.get(state, (state, state))
        act_zh, act_en = ACTIONS.get(action, (action, action))
        raise DomainError(
            "wrong_step",
            f"投诉处于“{zh}”，不能“{act_zh}”。 / The complaint is “{en}”; “{act_en}” is not possible now.",
        ) from None


def require_choice(value: str, choices: Mapping[str, Any], what_zh: str, what_en: str) -> str:
    if value not in choices:
        raise DomainError("bad_choice", f"{what_zh} {value!r} 无效。 / Unknown {what_en} {value!r}.", 400)
    return value


def route(
    *, named_roles: Collection[str], about_leadership: bool, outside_remit: bool, leadership: Collection[str]
) -> str:
    """Where a complaint goes: outside the remit → "outside" (registered, the complainant told where to go);
    naming the director or the hall's leadership → "higher" (the authority the hall configures); else "hall"."""
    if outside_remit:
        return "outside"
    if about_leadership or any(r in leadership for r in named_roles):
        return "higher"
    return "hall"


def first_state(route_: str) -> str:
    return {"hall": ACCEPTED, "higher": FORWARDED, "outside": REFERRED}[route_]


def answer_due(
    received_on: dt.date, complexity: str, calendar: WorkCalendar, *, simple_workdays: int, complex_workdays: int
) -> dt.date:
    """Simple: the same or the next working day (`[feedback] complaint_simple_workdays`, default 1); complex or
    several departments: `[deadlines] complaint_workdays` (default 5) working days after it was received."""
    days = simple_workdays if complexity == "simple" else complex_workdays
    return calendar.add_workdays(received_on, days)


def is_overdue(state: str, due: str | None, today: dt.date) -> bool:
    """Owed an answer past its due day: the director is told (escalation) and the complainant may go to the county
    efficiency office."""
    return state in OPEN_STATES and bool(due) and today.isoformat() > str(due)


def is_due_soon(state: str, due: str | None, today: dt.date, calendar: WorkCalendar) -> bool:
    """Owed an answer today or by the next working day."""
    if state not in OPEN_STATES or not due or is_overdue(state, due, today):
        return False
    return str(due) <= calendar.add_workdays(today, 1).isoformat()


@dataclass(frozen=True)
class Access:
    see: bool  # the complaint (what happened, against whom, the steps)
    identity: bool  # the complainant's name, phone and address
    handle: bool  # investigate, decide, answer, archive


NONE = Access(False, False, False)


def access(
    *,
    role: str,
    staff: str,
    heads: Collection[int],
    named: Collection[str],
    route_: str,
    window: int | None,
) -> Access:
    """Who sees what of a complaint (console roles, core.permissions).

    - Supervisors and the director see, handle and see the complainant of complaints — except one naming them:
      nobody handles, or sees the complainant of, a complaint about themselves; one sent to the higher authority
      is hidden altogether from those it names.
    - The hall manager sees the complaints (never the complainant), unless it names her and went higher.
    - A window head sees her windows' complaints, a clerk those naming her: never the complainant.
    - The administrator: none.
    """
    is_named = staff in named
    if route_ == "higher" and is_named:
        return NONE
    if role in HANDLER_ROLES:
        if is_named:
            return Access(True, False, False)
        return Access(True, True, True)
    if role == "manager":
        return Access(True, False, False)
    if role == "window_head":
        if is_named or (window is not None and window in heads and route_ == "hall"):
            return Access(True, False, False)
        return NONE
    if role == "clerk" and is_named:
        return Access(True, False, False)
    return NONE


def check_handle(acc: Access) -> None:
    if not acc.handle:
        raise DomainError(
            "forbidden",
            "只有督查或中心主任可以办理投诉（投诉涉及本人的除外）。"
            " / Only a supervisor or the director handles complaints, never one about themselves.",
            403,
        )


def check_reopen(role: str, acc: Access) -> None:
    if role != "director" or not acc.see:
        raise DomainError("forbidden", "归档的投诉只能由中心主任重新办理。 / Only the director reopens.", 403)


def check_answer_form(form: str, kind: str) -> None:
    """An oral complaint gets an oral answer (recorded), a written one a written reply (the letter)."""
    if form != kind:
        raise DomainError(
            "wrong_answer_form",
            "口头投诉应口头答复并记录，书面投诉应书面答复。"
            " / An oral complaint gets an oral answer, a written one a written reply.",
            400,
        )


def complaint_number(day: dt.date, seq: int) -> str:
    """TS20261123-001: the day received and the day's count."""
    return f"TS{day:%Y%m%d}-{seq:03d}"


def verified(finding: str | None) -> bool:
    """A founded or partly founded complaint: what the scores read as a verified complaint."""
    return finding in VERIFIED_FINDINGS
