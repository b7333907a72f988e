"""Case types (办件类型) and what each one asks of the clerk at finish: one table, one check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from core.tickets import DomainError


@dataclass(frozen=True)
class CaseType:
    code: str
    zh: str
    en: str
    needs_due_date: bool  # stays open until completed (办结) by its due date
    slip: str  # which written notice the clerk prints: "", "incomplete", "returned", "promise"
    slip_copies: int = 1  # 承诺件通知书一式三份
    needs_item: bool = False  # the slip or the due date depends on the item (事项)
    needs_reason: bool = False  # 退回件: the written reason for not accepting
    needs_missing: bool = False  # 补办件: every missing material, listed at once


CASE_TYPE_LIST = (
    CaseType("immediate", "即办件", "Immediate", False, ""),
    CaseType("promised", "承诺件", "Promised", True, "promise", 3, needs_item=True),
    CaseType("joint", "联办件", "Joint", True, "promise", 3, needs_item=True),
    CaseType("forwarded", "上报件", "Forwarded", True, "promise", 3, needs_item=True),
    CaseType("incomplete", "补办件", "Incomplete materials", False, "incomplete", needs_item=True, needs_missing=True),
    CaseType("returned", "退回件", "Returned", False, "returned", needs_item=True, needs_reason=True),
    CaseType("urgent", "急办件", "Urgent", True, "", needs_item=True),
    CaseType("unowned", "不管件", "Unowned", True, "", needs_item=True),
)
CASE_TYPES = {c.code: c for c in CASE_TYPE_LIST}
_BY_ZH = {c.zh: c for c in CASE_TYPE_LIST}


def case_type(value: str) -> CaseType | None:
    """Accept the code ("promised") or the Chinese name ("承诺件")."""
    return CASE_TYPES.get(value) or _BY_ZH.get(value)


def require_case_type(value: str) -> CaseType:
    kind = case_type(value)
    if kind is None:
        raise DomainError(
            "bad_case_type",
            f"办件类型 {value!r} 无效，应为：{'、'.join(c.zh for c in CASE_TYPE_LIST)}。"
            f" / Unknown case type {value!r}; use one of {', '.join(CASE_TYPES)}.",
            400,
        )
    return kind


def check_finish(
    kind: CaseType,
    *,
    item: str | None,
    missing_materials: Iterable[str] = (),
    note: str = "",
    due_date: dt.date | None = None,
    computed_due: dt.date | None = None,
    accepted_on: dt.date | None = None,
    due_reason: str = "",
) -> tuple[str, ...]:
    """Refuse a finish the case type does not allow; return the missing materials, trimmed.

    The server runs it at finish; the caller's form may run it first to say the same sentence sooner.
    """
    missing = tuple(m.strip() for m in missing_materials if m.strip())
    if kind.needs_item and not item:
        raise DomainError(
            "item_required", f"{kind.zh}须选择办理事项。 / A {kind.en.lower()} case needs its item (事项).", 400
        )
    if kind.needs_missing and not missing:
        raise DomainError(
            "materials_required",
            "补办件须列出全部缺少的材料。 / An incomplete case must list every missing material.",
            400,
        )
    if kind.needs_reason and not note.strip():
        raise DomainError("reason_required", "退回件须写明退回理由。 / A returned case needs the written reason.", 400)
    if kind.needs_due_date and due_date is not None:
        if accepted_on is not None and due_date < accepted_on:
            raise DomainError(
                "bad_due_date", "承诺办结日期不能早于受理日期。 / The due date cannot be before today.", 400
            )
        if computed_due is not None and due_date != computed_due and not (due_reason or note).strip():
            raise DomainError(
                "due_reason_required",
                f"承诺日期与按时限计算的 {computed_due.isoformat()} 不同，请写明原因。"
                f" / The due date differs from the computed {computed_due.isoformat()}; give a reason.",
                400,
            )
    return missing


def is_overdue(case_status: str, due_date: str | None, today: dt.date) -> bool:
    """An open case past its due date (ISO dates compare as text)."""
    return case_status == "open" and bool(due_date) and str(due_date) < today.isoformat()


def check_may_complete(case_staff: str, case_status: str, *, staff: str, role: str) -> None:
    """A clerk completes (办结) only her own cases; managers any; a case is completed once."""
    if role == "clerk" and case_staff != staff:
        raise DomainError("forbidden", "只能办结自己受理的件。 / You can only complete your own cases.", 403)
    if case_status != "open":
        raise DomainError("case_not_open", "该件已经办结。 / This case is already completed.")


@dataclass
class Case:
    """One entry in the case ledger (办事登记): every finished ticket becomes one."""

    id: str
    ticket: str
    number: str
    service: str
    item: str | None
    case_type: str
    window: int
    staff: str
    accepted_on: str  # ISO date, the hall's local day
    due_date: str | None  # ISO date
    status: str  # "open" until completed (办结); "completed" for cases done on the spot
    note: str = ""
    due_reason: str = ""  # why the due date differs from the computed one
    missing_materials: tuple[str, ...] = ()
    completed_at: str | None = None
    case_number: str = ""  # the hall's own number, printed on every slip: 20261130-0042


def case_number(day: dt.date, seq: int) -> str:
    """Unique in the hall and readable over the phone: the accepting day and the day's count."""
    return f"{day:%Y%m%d}-{seq:04d}"
