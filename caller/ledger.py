"""The clerk's case ledger (F9, no Kivy): case number, item, the due date the citizen was given, working days left.

Working days are core's `WorkCalendar`, built the way the server builds it (`application.calendar.official_calendar`:
weekends, the State Council calendar, the hall's own holidays and make-up workdays when the caller is given the
hall's file). No calendar rule is written here; the due dates themselves are the server's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from application.calendar import official_calendar
from core.calendar import WorkCalendar
from core.cases import case_type
from core.config import CalendarConfig, HallConfig

WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")


def hall_calendar(config: HallConfig | None = None) -> WorkCalendar:
    """The hall's working-day calendar; without the hall's file, the State Council calendar and weekends
    (the defaults of a hall file's `[calendar]` table)."""
    if config is not None:
        return official_calendar(config)
    from hallfile.hall import CalendarTable

    table = CalendarTable()
    defaults = CalendarConfig(table.use_official, frozenset(table.holidays), frozenset(table.workdays), table.weekend)
    return official_calendar(cast(HallConfig, SimpleNamespace(calendar=defaults)))


@dataclass(frozen=True)
class LedgerRow:
    """One case in the ledger, ready to show."""

    case_id: str
    case_number: str
    ticket_number: str
    item_name: str
    kind: str  # the case type's Chinese name
    due_text: str  # as the citizen was told: 2026-11-30（周一）
    left_zh: str  # 还剩 3 个工作日 / 今日到期 / 已超期 2 个工作日
    left_en: str
    overdue: bool
    is_open: bool
    slip: str  # the slip this case's type prints ("" = none): it can be previewed and reprinted

    @property
    def text(self) -> str:
        due = f" · 到期 {self.due_text} · {self.left_zh}" if self.due_text else ""
        return f"{self.case_number}  {self.item_name}（{self.ticket_number} {self.kind}）{due}"


def citizen_date(day: dt.date) -> str:
    """The due date as the slip gives it, with the weekday: 2026-11-30（周一）."""
    return f"{day.isoformat()}（周{WEEKDAYS_ZH[day.weekday()]}）"


def days_left(calendar: WorkCalendar, today: dt.date, due: dt.date) -> tuple[str, str, bool]:
    """(Chinese, English, overdue) for a due date seen from today, counted in working days."""
    if due < today:
        late = calendar.workdays_between(due, today)
        return f"已超期 {late} 个工作日", f"{late} working day(s) overdue", True
    if due == today:
        return "今日到期", "due today", False
    left = calendar.workdays_between(today, due)
    return f"还剩 {left} 个工作日", f"{left} working day(s) left", False


def ledger_rows(
    cases: Sequence[dict[str, Any]],
    items: Sequence[dict[str, Any]],
    case_types: Sequence[dict[str, Any]],
    calendar: WorkCalendar,
    today: dt.date,
) -> list[LedgerRow]:
    """The ledger: open cases (overdue first, then by due date), then today's closed ones that have a slip."""
    names = {i["code"]: i.get("name", i["code"]) for i in items}
    kinds = {c["code"]: c.get("zh", c["code"]) for c in case_types}
    rows: list[LedgerRow] = []
    for case in cases:
        rule = case_type(case.get("case_type", ""))
        slip = rule.slip if rule is not None else ""
        is_open = case.get("status") == "open"
        if not is_open and not (slip and case.get("accepted_on") == today.isoformat()):
            continue
        due = dt.date.fromisoformat(case["due_date"]) if case.get("due_date") else None
        left_zh, left_en, overdue = days_left(calendar, today, due) if due and is_open else ("", "", False)
        rows.append(
            LedgerRow(
                case_id=case["id"],
                case_number=case.get("case_number") or "—",
                ticket_number=case.get("number", ""),
                item_name=names.get(case.get("item") or "", case.get("item") or "—"),
                kind=kinds.get(case.get("case_type", ""), case.get("case_type", "")),
                due_text=citizen_date(due) if due else "",
                left_zh=left_zh if is_open else "已办结",
                left_en=left_en if is_open else "completed",
                overdue=overdue,
                is_open=is_open,
                slip=slip,
            )
        )
    rows.sort(key=lambda r: (not r.is_open, not r.overdue, r.due_text or "9999", r.case_number))
    return rows
