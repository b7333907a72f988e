"""督查 (issue 13): the hall head's patrols, the deputy's spot checks, mystery visits; their findings with the
deduction the hall's scoring table gives; the required number of patrols; the duty-window rota and its lapses.

工作督查制度: 大厅负责人每天不少于2次巡查，分管领导每周不定期抽查. 值班制度: 当日值班窗口提前十分钟打开大厅大门，
下班前负责清场. The numbers and the checklist are the hall's (`[oversight]`, `[scoring.deductions]`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.calendar import WorkCalendar
from core.tickets import DomainError

KINDS: dict[str, tuple[str, str]] = {
    "patrol": ("巡查", "Patrol"),  # the hall head's daily rounds
    "spot_check": ("抽查", "Spot check"),  # the deputy's weekly check
    "mystery": ("暗访", "Mystery visit"),
    "duty": ("值班检查", "Duty check"),  # the duty window's opening and closing
}
PATROL, SPOT_CHECK, MYSTERY, DUTY = "patrol", "spot_check", "mystery", "duty"

# what a finding may deduct: the kinds of the scoring table an inspection can find ("" = no points, a note to fix)
FINDING_DEDUCTIONS = ("", "forbidden_behaviour", "duty_lapse", "internal_criticism")
DEDUCTION_NAMES: dict[str, tuple[str, str]] = {
    "": ("不扣分（限期整改）", "No points (to be put right)"),
    "forbidden_behaviour": ("禁止行为", "Forbidden behaviour"),
    "duty_lapse": ("值班窗口失职", "Duty-window lapse"),
    "internal_criticism": ("内部通报批评", "Internal criticism"),
}

DUTIES: tuple[tuple[str, str], ...] = (
    ("提前{early}分钟打开大厅大门，做好上班前的准备", "Open the hall {early} minutes early and get it ready"),
    ("不远离服务岗位，协调处理现场问题，重大情况报告中心主任", "Stay at the post; settle problems on the floor"),
    ("下班前清场，检查照明、空调、电源、门窗", "Clear the hall at closing; lights, power, windows"),
    ("负责大厅的清洁卫生", "Keep the hall clean"),
)


def check_inspection(kind: str, checked: Iterable[str], checklist: Sequence[str]) -> tuple[str, ...]:
    """An inspection's kind and what it checked (from the hall's list); returns the checked points in list order."""
    if kind not in KINDS:
        raise DomainError("bad_kind", f"没有督查类型 {kind!r}。 / There is no inspection kind {kind!r}.", 400)
    chosen = set(checked)
    unknown = chosen - set(checklist)
    if unknown:
        names = "、".join(sorted(unknown))
        raise DomainError(
            "bad_checklist", f"检查项 {names} 不在大厅的检查清单中。 / {names}: not on the hall's checklist.", 400
        )
    if not chosen and kind != DUTY:
        raise DomainError("checklist_required", "请勾选本次检查的项目。 / Tick what this inspection checked.", 400)
    return tuple(c for c in checklist if c in chosen)


@dataclass(frozen=True)
class FindingCheck:
    points: int
    rectify_by: dt.date | None


def check_finding(
    *,
    deduction: str,
    deductions: Mapping[str, int],
    window: int | None,
    staff: str | None,
    window_exists: bool,
    staff_exists: bool,
    note: str,
    rectify_by: dt.date | None,
    today: dt.date,
) -> FindingCheck:
    """A finding names a window or a clerk (or both), says what was found (the evidence note), and carries the
    deduction of the hall's scoring table; a rectification deadline is today or later."""
    if window is None and not staff:
        raise DomainError("target_required", "请选择窗口或工作人员。 / Name the window or the clerk.", 400)
    if window is not None and not window_exists:
        raise DomainError("unknown_window", f"没有{window}号窗口。 / There is no window {window}.", 404)
    if staff and not staff_exists:
        raise DomainError("unknown_staff", f"没有工号 {staff}。 / There is no staff {staff}.", 404)
    if deduction not in FINDING_DEDUCTIONS:
        raise DomainError("bad_deduction", f"没有扣分项 {deduction!r}。 / There is no deduction {deduction!r}.", 400)
    if not note.strip():
        raise DomainError("note_required", "请写明发现的问题（证据）。 / Write what was found (the evidence).", 400)
    if rectify_by is not None and rectify_by < today:
        raise DomainError(
            "bad_due_date", "整改期限不能早于今天。 / The rectification deadline cannot be before today.", 400
        )
    points = deductions.get(deduction, 0) if deduction else 0
    return FindingCheck(points, rectify_by)


def check_rectify(rectified_at: str | None, note: str) -> str:
    if rectified_at:
        raise DomainError("already_rectified", "该问题已整改。 / This finding is already put right.", 409)
    if not note.strip():
        raise DomainError("note_required", "请写明整改情况。 / Write what was done.", 400)
    return note.strip()


def rectification_state(rectify_by: str | None, rectified_at: str | None, today: dt.date) -> str:
    """ "done", "late" (past its deadline, not done), "open", or "" (nothing to put right)."""
    if rectified_at:
        return "done"
    if not rectify_by:
        return ""
    return "late" if rectify_by < today.isoformat() else "open"


# ---- how many ----------------------------------------------------------------------------------------------


def patrols_required(day: dt.date, calendar: WorkCalendar, per_day: int) -> int:
    """Patrols the hall requires on a day: `per_day` on working days, none on days off."""
    return per_day if calendar.is_workday(day) else 0


@dataclass(frozen=True)
class PatrolCount:
    required: int
    done: int

    @property
    def short(self) -> int:
        return max(0, self.required - self.done)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday around a day."""
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


# ---- the duty window ------------------------------------------------------------------------------------------


def next_duties(windows: Sequence[int], after: int | None, days: Iterable[dt.date]) -> list[tuple[dt.date, int]]:
    """The rota continued over `days` (working days, in order): each day the next window in turn after `after`
    (the last one on duty; None: start with the first)."""
    if not windows:
        raise DomainError("no_windows", "没有可值班的窗口。 / There is no window to take duty.", 400)
    order = list(windows)
    index = order.index(after) + 1 if after in order else 0
    out = []
    for day in days:
        out.append((day, order[index % len(order)]))
        index += 1
    return out


def duty_opening_lapse(first_sign_in: dt.datetime | None, opens: dt.datetime, early_minutes: int) -> bool:
    """The duty window opens the hall `early_minutes` before the first session: nobody of that window signed in
    by then is a lapse (to be confirmed by the manager as a finding)."""
    deadline = opens - dt.timedelta(minutes=early_minutes)
    return first_sign_in is None or first_sign_in > deadline


def duty_closing_lapse(
    last_sign_out: dt.datetime | None, closes: dt.datetime, last_ticket_done: dt.datetime | None
) -> bool:
    """The duty window clears the hall at closing: it signs out no earlier than the closing time and the last
    citizen's service."""
    if last_sign_out is None:
        return False  # still signed in (or never was: that is the opening lapse)
    needed = max(closes, last_ticket_done) if last_ticket_done else closes
    return last_sign_out < needed
