"""The console's reads of the hall, in one place: each through a HallService method.

Where the service does not have the method yet, the stop-gap beside it reads the same thing through what
the service has now; each stop-gap goes when its method lands.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from application.auth import Session
from application.service import HallService
from core.floor import floor_view


def floor(service: HallService) -> dict[str, Any]:
    """The live floor (core.floor.floor_view) at this moment."""
    method = getattr(service, "floor_view", None)
    if method is not None:
        result: dict[str, Any] = method()
        return result
    with service.lock:  # stop-gap until HallService.floor_view()
        return floor_view(service.hall, service.now())


def window_stats(service: HallService, day: dt.date) -> dict[int, dict[str, Any]]:
    """Each window's figures of the day: served, average handling time (s)."""
    method = getattr(service, "window_stats", None)
    if method is not None:
        result: dict[int, dict[str, Any]] = method(day)
        return result
    return {w.number: service.store.window_day_stats(w.number, day) for w in service.config.windows}


def overdue_cases(
    service: HallService, session: Session, windows: tuple[int, ...] | None = None
) -> list[dict[str, Any]]:
    """Open promised cases past their due date (the case ledger), oldest due first; within `windows` if given."""
    rows = service.cases(session, status="open")
    return [r for r in rows if r["overdue"] and (windows is None or r["window"] in windows)]


def devices(service: HallService) -> list[dict[str, Any]] | None:
    """Paired devices (name, role, window, last_seen_at, state); None while the service has no devices."""
    method = getattr(service, "devices", None)
    if method is None:
        return None
    result: list[dict[str, Any]] = method()
    return result


def missed_tickets(service: HallService) -> list[dict[str, Any]] | None:
    """Today's missed numbers (过号) that may be reinstated; None while the service cannot list them."""
    method = getattr(service, "missed_tickets", None)
    if method is None:
        return None
    result: list[dict[str, Any]] = method()
    return result


def notice(service: HallService) -> str:
    """The display's scrolling notice as the screens show it now."""
    text: str = service.hall_state().get("notice", "")
    return text
