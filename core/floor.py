"""The hall floor as the manager's console shows it, read from the live hall at one moment.

Every window (who is signed in, on which post, its state and since when, the ticket at it and since when),
every service's queue with its longest wait, transfers that wait where nobody can call them, and whether the
hall is within its opening hours. Figures that come from history (served today, handling time) and from other
ledgers (cases, devices) are added by the caller.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.hall import CLOSED, OPEN, PAUSED, Hall
from core.tickets import QUEUED, Status, Ticket


def _seconds(since: dt.datetime | None, now: dt.datetime) -> int | None:
    return max(0, int((now - since).total_seconds())) if since is not None else None


def post_of(hall: Hall, number: int, staff: str | None) -> str:
    """ "A", "B", "cover" (someone else standing in, e.g. the manager) or "" (nobody signed in)."""
    cfg = hall.config.window(number)
    if not staff or cfg is None:
        return ""
    return "A" if staff == cfg.staff_a else "B" if staff == cfg.staff_b else "cover"


def floor_view(hall: Hall, now: dt.datetime) -> dict[str, Any]:
    config = hall.config
    in_hours = config.is_open_at(now.astimezone(config.tz))
    windows = []
    for w in config.windows:
        ws = hall.windows[w.number]
        current = hall.tickets.get(ws.current) if ws.current else None
        member = config.staff_member(ws.staff) if ws.staff else None
        view = hall.window_view(w.number)
        windows.append(
            {
                "number": w.number,
                "name": w.name,
                "department": w.department,
                "services": list(w.services),
                "head": w.head,
                "status": ws.status,
                "staff": ws.staff,
                "staff_name": member.name if member else None,
                "post": post_of(hall, w.number, ws.staff),
                "since": ws.since.isoformat() if ws.since else None,
                "status_s": _seconds(ws.since, now),
                "pause_reason": ws.pause_reason,
                "current": _at_window(current, now) if current else None,
                "waiting": view["waiting"],
                "unstaffed": ws.status == CLOSED and in_hours,  # neither post signed in during opening hours
            }
        )
    oldest: dict[str, Ticket] = {}
    stuck = []
    for t in hall.tickets.values():
        if t.status not in QUEUED:
            continue
        if t.target_window is None and (t.service not in oldest or t.issued_at < oldest[t.service].issued_at):
            oldest[t.service] = t
        why = _stuck(hall, t)
        if why:
            stuck.append(_stuck_view(hall, t, why, now))
    counts = hall.waiting_counts()
    services = []
    for s in config.services:
        first = oldest.get(s.code)
        services.append(
            {
                "code": s.code,
                "name": s.name,
                "name_en": s.name_en,
                "prefix": s.prefix,
                "open": hall.is_service_open(s.code, now),
                "closed_by_manager": s.code in hall.closed_services,
                "staffed": hall.is_staffed(s.code),
                "waiting": counts.get(s.code, 0),
                "longest_wait_s": _seconds(first.issued_at, now) if first else None,
                "longest_number": first.number if first else None,
            }
        )
    stuck.sort(key=lambda row: -(row["waiting_s"] or 0))
    return {
        "day": hall.day.isoformat(),
        "now": now.isoformat(),
        "in_hours": in_hours,
        "windows": windows,
        "services": services,
        "stuck_transfers": stuck,
    }


def _at_window(t: Ticket, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": t.id,
        "number": t.number,
        "status": t.status.value,
        "service": t.service,
        "since": t.called_at.isoformat() if t.called_at else None,
        "for_s": _seconds(t.called_at, now),
    }


def _stuck(hall: Hall, t: Ticket) -> str:
    """Why a transferred ticket cannot be called now: "window_closed", "window_paused", "unstaffed"; "" if it can."""
    if t.target_window is not None:
        status = hall.windows[t.target_window].status
        return "window_closed" if status == CLOSED else "window_paused" if status == PAUSED else ""
    if t.status is Status.TRANSFERRED and not any(
        hall.windows[w.number].status == OPEN for w in hall.config.windows_serving(t.service)
    ):
        return "unstaffed"
    return ""


def _stuck_view(hall: Hall, t: Ticket, why: str, now: dt.datetime) -> dict[str, Any]:
    last = t.referrals[-1] if t.referrals else None
    return {
        "id": t.id,
        "number": t.number,
        "service": t.service,
        "to_window": t.target_window,
        "from_window": last.from_window if last else None,
        "note": last.note if last else "",
        "why": why,
        "since": (t.queued_at or t.issued_at).isoformat(),
        "waiting_s": _seconds(t.queued_at or t.issued_at, now),
    }
