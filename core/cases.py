"""Case types (办件类型) and what each one asks of the clerk at finish."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseType:
    code: str
    zh: str
    en: str
    needs_due_date: bool  # stays open until completed (办结) by its due date
    slip: str  # which written notice the clerk prints: "", "incomplete", "returned", "promise"


CASE_TYPE_LIST = (
    CaseType("immediate", "即办件", "Immediate", False, ""),
    CaseType("promised", "承诺件", "Promised", True, "promise"),
    CaseType("joint", "联办件", "Joint", True, "promise"),
    CaseType("forwarded", "上报件", "Forwarded", True, "promise"),
    CaseType("incomplete", "补办件", "Incomplete materials", False, "incomplete"),
    CaseType("returned", "退回件", "Returned", False, "returned"),
    CaseType("urgent", "急办件", "Urgent", True, ""),
    CaseType("unowned", "不管件", "Unowned", True, ""),
)
CASE_TYPES = {c.code: c for c in CASE_TYPE_LIST}
_BY_ZH = {c.zh: c for c in CASE_TYPE_LIST}


def case_type(value: str) -> CaseType | None:
    """Accept the code ("promised") or the Chinese name ("承诺件")."""
    return CASE_TYPES.get(value) or _BY_ZH.get(value)


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
