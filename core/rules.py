"""Small rules the window's commands share with the apps that pre-check them (one home each)."""

from __future__ import annotations

import datetime as dt

from core.calendar import WorkCalendar
from core.config import HallConfig, Item, Window
from core.oversight import time_limit
from core.tickets import DomainError


def require_transfer_note(note: str) -> str:
    """首问负责: a transfer says why, so the next window and the record know."""
    if not note.strip():
        raise DomainError("note_required", "转办须写明原因（首问负责）。 / A transfer needs a note saying why.", 400)
    return note.strip()


def require_pause_reason(reason: str) -> str:
    if not reason.strip():
        raise DomainError("reason_required", "暂停服务须写明原因。 / Pausing needs a reason.", 400)
    return reason.strip()


def check_may_reinstate(role: str, window: Window | None, service: str) -> None:
    """The service desk reinstates a missed number: a manager, or a clerk of a window serving its service."""
    if role in ("manager", "admin"):
        return
    if window is None or service not in window.services:
        raise DomainError(
            "forbidden",
            "只有服务台（管理人员或办理该业务窗口的工作人员）可以恢复过号。"
            " / Only the service desk (a manager, or a clerk of a window serving this service) may reinstate.",
            403,
        )


def time_limit_workdays(item: Item | None, config: HallConfig) -> int:
    """The item's own time limit, else the hall's default (限时办结: 15 working days in the demo hall); an item
    whose limit is a [deadlines] rule (leader_approval, study, site_check) takes it (core.oversight.time_limit)."""
    return time_limit(item, config.deadlines).workdays


def due_date(item: Item | None, config: HallConfig, calendar: WorkCalendar, accepted_on: dt.date) -> dt.date:
    return calendar.add_workdays(accepted_on, time_limit_workdays(item, config))


def split_message(message: str) -> tuple[str, str]:
    """A rule's sentence "中文 / English" as its two halves, for screens that show them apart."""
    zh, _, en = message.partition(" / ")
    return zh.strip(), en.strip()
