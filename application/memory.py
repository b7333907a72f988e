"""The in-memory store: the same tables as the SQLite store, in dicts, for the apps' in-memory hall and tests.

A transaction keeps an undo log; a command that fails part-way leaves nothing behind, as in SQLite.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from application.store import StoredEvent, project
from core import events as ev
from core.config import HallConfig
from core.hall import Hall, WindowState
from core.ratings import Rating
from core.tickets import Ticket

OPEN_STATUSES = ("waiting", "called", "serving", "suspended", "transferred")


class MemoryStore:
    def __init__(self) -> None:
        self.events: list[StoredEvent] = []
        self.tickets: dict[str, dict[str, Any]] = {}
        self.issue_service: dict[str, str] = {}  # the service a ticket was issued for (its number's prefix)
        self.windows: dict[int, dict[str, Any]] = {}
        self.closed_services: set[str] = set()
        self.staff: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.attendance_rows: list[dict[str, Any]] = []
        self.case_rows: dict[str, dict[str, Any]] = {}
        self.rating_rows: dict[str, dict[str, Any]] = {}
        self.booking_rows: dict[str, dict[str, Any]] = {}
        self.issue_keys: dict[str, str] = {}
        self.device_rows: dict[str, dict[str, Any]] = {}
        self.settings: dict[str, str] = {}
        self.audit_rows: list[dict[str, Any]] = []
        self._undo: list[Callable[[], None]] | None = None
        self._lock = threading.RLock()

    # ---- transactions ------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[MemoryStore]:
        with self._lock:
            outer = self._undo
            self._undo = []
            try:
                yield self
            except BaseException:
                for undo in reversed(self._undo):
                    undo()
                self._undo = outer
                raise
            if outer is not None:
                outer.extend(self._undo)
            self._undo = outer

    def _put(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        if self._undo is not None:
            had, old = key in table, table.get(key)
            self._undo.append(lambda: table.__setitem__(key, old) if had else table.pop(key, None))
        table[key] = value

    def _drop(self, table: dict[Any, Any], key: Any) -> None:
        if key in table:
            old = table.pop(key)
            if self._undo is not None:
                self._undo.append(lambda: table.__setitem__(key, old))

    def _append(self, rows: list[Any], row: Any) -> None:
        if self._undo is not None:
            size = len(rows)
            self._undo.append(lambda: rows.__delitem__(slice(size, None)))
        rows.append(row)

    def close(self) -> None:
        pass

    def can_write(self) -> bool:
        return True

    # ---- the event log and its projection ---------------------------------------------------------------

    def save_events(self, events: Iterable[ev.Event]) -> list[StoredEvent]:
        stored = []
        for event in events:
            stored.append(self.append_event(event.name, event.at, event.payload()))
            project(event, self)
        return stored

    def append_event(self, name: str, at: dt.datetime, payload: dict[str, Any]) -> StoredEvent:
        event = StoredEvent(len(self.events) + 1, name, payload)
        self._append(self.events, event)
        return event

    def events_after(self, last_id: int, limit: int = 1000) -> list[StoredEvent]:
        return self.events[last_id : last_id + limit]

    def last_event_id(self) -> int:
        return len(self.events)

    def save_ticket(self, ticket: dict[str, Any]) -> None:
        if ticket["id"] not in self.issue_service:
            self._put(self.issue_service, ticket["id"], ticket["service"])
        self._put(self.tickets, ticket["id"], dict(ticket))

    def save_window(self, window: dict[str, Any]) -> None:
        self._put(self.windows, window["number"], dict(window))

    def save_case(self, case: dict[str, Any]) -> None:
        self._put(self.case_rows, case["id"], {**case, "missing_materials": list(case["missing_materials"])})

    def set_service_closed(self, code: str, closed: bool) -> None:
        was = code in self.closed_services
        if self._undo is not None:
            self._undo.append(lambda: (self.closed_services.add if was else self.closed_services.discard)(code))
        (self.closed_services.add if closed else self.closed_services.discard)(code)

    # ---- the hall ---------------------------------------------------------------------------------------

    def load_hall(self, config: HallConfig, today: dt.date) -> Hall:
        days = {t["day"] for t in self.tickets.values()}
        hall_day = dt.date.fromisoformat(max(days)) if days else today
        day = hall_day.isoformat()
        of_day = [t for t in self.tickets.values() if t["day"] == day]
        counters: dict[str, int] = {}
        for t in of_day:
            code = self.issue_service[t["id"]]
            counters[code] = max(counters.get(code, 0), t["seq"])
        durations: dict[str, list[float]] = {}
        for s in config.services:
            done = sorted(
                (
                    t
                    for t in self.tickets.values()
                    if t["service"] == s.code and t["status"] == "done" and t["called_at"]
                ),
                key=lambda t: t["finished_at"],
            )[-config.estimate_sample :]
            durations[s.code] = [_seconds(t["called_at"], t["finished_at"]) for t in done]
        return Hall.restore(
            config,
            hall_day,
            tickets=[Ticket.from_dict(t) for t in of_day if t["status"] in OPEN_STATUSES],
            windows=[WindowState.from_dict(w) for w in self.windows.values()],
            counters=counters,
            closed_services=set(self.closed_services),
            durations=durations,
            cases_today=sum(1 for c in self.case_rows.values() if c["accepted_on"] == day),
        )

    def stale_open_tickets(self, day: dt.date) -> list[Ticket]:
        return [
            Ticket.from_dict(t)
            for t in self.tickets.values()
            if t["day"] < day.isoformat() and t["status"] in OPEN_STATUSES
        ]

    def ticket(self, ticket_id: str) -> Ticket | None:
        data = self.tickets.get(ticket_id)
        return Ticket.from_dict(data) if data else None

    def window_day_stats(self, window: int, day: dt.date) -> dict[str, Any]:
        done = [
            t
            for t in self.tickets.values()
            if t["window"] == window and t["day"] == day.isoformat() and t["status"] == "done"
        ]
        times = [_seconds(t["called_at"], t["finished_at"]) for t in done if t["called_at"] and t["finished_at"]]
        return {"served": len(done), "average_handling_s": round(sum(times) / len(times)) if times else None}

    def recent_calls(self, day: dt.date, limit: int = 10) -> list[dict[str, Any]]:
        called = [t for t in self.tickets.values() if t["day"] == day.isoformat() and t["called_at"] and t["window"]]
        called.sort(key=lambda t: t["called_at"], reverse=True)
        return [{"number": t["number"], "window": t["window"], "called_at": t["called_at"]} for t in called[:limit]]

    def referred_by(self, window: int, day: dt.date) -> list[Ticket]:
        mine = [
            Ticket.from_dict(t)
            for t in self.tickets.values()
            if t["day"] == day.isoformat() and any(r["from_window"] == window for r in t["referrals"])
        ]
        return sorted(mine, key=lambda t: t.queued_at or t.issued_at)

    def save_issue_key(self, key: str, ticket_id: str, at: dt.datetime) -> None:
        self._put(self.issue_keys, key, ticket_id)

    def ticket_for_key(self, key: str) -> str | None:
        return self.issue_keys.get(key)

    # ---- staff and sessions -----------------------------------------------------------------------------

    def staff_codes(self) -> set[str]:
        return set(self.staff)

    def add_staff(self, code: str, name: str, role: str, pin_hash: str, pin_salt: str) -> None:
        self._put(
            self.staff, code, {"code": code, "name": name, "role": role, "pin_hash": pin_hash, "pin_salt": pin_salt}
        )

    def update_staff(self, code: str, name: str, role: str) -> None:
        self._put(self.staff, code, {**self.staff[code], "name": name, "role": role})

    def staff_credentials(self, code: str) -> dict[str, Any] | None:
        row = self.staff.get(code)
        return dict(row) if row else None

    def set_pin(self, staff: str, pin_hash: str, pin_salt: str) -> None:
        self._put(self.staff, staff, {**self.staff[staff], "pin_hash": pin_hash, "pin_salt": pin_salt})

    def add_session(
        self, token_hash: str, staff: str, role: str, window: int | None, now: dt.datetime, expires: dt.datetime
    ) -> None:
        row = {
            "token_hash": token_hash,
            "staff": staff,
            "role": role,
            "window": window,
            "created_at": now.isoformat(),
            "expires_at": expires.isoformat(),
        }
        self._put(self.sessions, token_hash, row)

    def session(self, token_hash: str) -> dict[str, Any] | None:
        row = self.sessions.get(token_hash)
        return dict(row) if row else None

    def drop_session(self, token_hash: str) -> None:
        self._drop(self.sessions, token_hash)

    def drop_sessions_of(self, staff: str, keep: str = "") -> None:
        for key in [k for k, s in self.sessions.items() if s["staff"] == staff and k != keep]:
            self._drop(self.sessions, key)

    def record_attendance(
        self, staff: str, window: int | None, kind: str, at: dt.datetime, day: dt.date, note: str = ""
    ) -> None:
        row = {
            "id": len(self.attendance_rows) + 1,
            "staff": staff,
            "window": window,
            "kind": kind,
            "at": at.isoformat(),
            "day": day.isoformat(),
            "note": note,
        }
        self._append(self.attendance_rows, row)

    def attendance(self, day: dt.date) -> list[dict[str, Any]]:
        return sorted((dict(r) for r in self.attendance_rows if r["day"] == day.isoformat()), key=lambda r: r["at"])

    # ---- cases, ratings, bookings -------------------------------------------------------------------------

    def case(self, case_id: str) -> dict[str, Any] | None:
        row = self.case_rows.get(case_id)
        return dict(row) if row else None

    def cases(
        self, *, staff: str | None = None, status: str | None = None, window: int | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        rows = [
            dict(c)
            for c in self.case_rows.values()
            if (staff is None or c["staff"] == staff)
            and (status is None or c["status"] == status)
            and (window is None or c["window"] == window)
        ]
        rows.sort(key=lambda c: (c["due_date"] is None, c["due_date"] or "", c["accepted_on"]))
        return rows[:limit]

    def complete_case(self, case_id: str, at: dt.datetime) -> None:
        self._put(
            self.case_rows, case_id, {**self.case_rows[case_id], "status": "completed", "completed_at": at.isoformat()}
        )

    def save_rating(self, rating: Rating) -> None:
        self._put(self.rating_rows, rating.ticket, rating.row())

    def has_rating(self, ticket_id: str) -> bool:
        return ticket_id in self.rating_rows

    def ratings(self, since_day: dt.date | None = None) -> list[dict[str, Any]]:
        rows = [dict(r) for r in self.rating_rows.values() if since_day is None or r["at"] >= since_day.isoformat()]
        return sorted(rows, key=lambda r: r["at"])

    def add_booking(self, row: dict[str, Any]) -> None:
        self._put(self.booking_rows, row["code"], {"ticket": None, **row})

    def set_booking(self, code: str, status: str, ticket: str | None = None) -> None:
        old = self.booking_rows[code]
        self._put(self.booking_rows, code, {**old, "status": status, "ticket": ticket or old.get("ticket")})

    def mark_booking_no_shows(self, before: dt.date) -> None:
        for code, row in list(self.booking_rows.items()):
            if row["status"] == "booked" and row["day"] < before.isoformat():
                self._put(self.booking_rows, code, {**row, "status": "no_show"})

    def booking(self, code: str) -> dict[str, Any] | None:
        row = self.booking_rows.get(code)
        return dict(row) if row else None

    def bookings(self, day: dt.date) -> list[dict[str, Any]]:
        rows = [dict(r) for r in self.booking_rows.values() if r["day"] == day.isoformat()]
        return sorted(rows, key=lambda r: (r["time"], r["code"]))

    # ---- settings and floor reads ------------------------------------------------------------------------

    def set_setting(self, key: str, value: str) -> None:
        self._put(self.settings, key, value)

    def setting(self, key: str) -> str | None:
        return self.settings.get(key)

    def missed_tickets(self, day: dt.date) -> list[Ticket]:
        missed = [t for t in self.tickets.values() if t["day"] == day.isoformat() and t["status"] == "no_show"]
        missed.sort(key=lambda t: t["finished_at"] or "", reverse=True)
        return [Ticket.from_dict(t) for t in missed]

    def window_stats(self, day: dt.date) -> dict[int, dict[str, Any]]:
        windows = {t["window"] for t in self.tickets.values() if t["day"] == day.isoformat() and t["window"]}
        stats = {w: self.window_day_stats(w, day) for w in windows}
        return {w: s for w, s in stats.items() if s["served"]}

    # ---- devices and the audit log -------------------------------------------------------------------------

    def add_device(self, row: dict[str, Any]) -> None:
        self._put(self.device_rows, row["id"], {"last_address": "", "state": "", **row})

    def update_device(self, device_id: str, **fields: Any) -> None:
        self._put(self.device_rows, device_id, {**self.device_rows[device_id], **fields})

    def device(self, device_id: str) -> dict[str, Any] | None:
        return self.device_by("id", device_id)

    def device_by(self, column: str, value: str) -> dict[str, Any] | None:
        found = next((r for r in self.device_rows.values() if r.get(column) == value), None)
        return dict(found) if found else None

    def devices(self) -> list[dict[str, Any]]:
        return sorted(
            (dict(r) for r in self.device_rows.values()), key=lambda r: (r["role"], r["window"] or 0, r["name"])
        )

    def add_audit(self, row: dict[str, Any]) -> None:
        self._append(self.audit_rows, {"id": len(self.audit_rows) + 1, **row})

    def audit_log(
        self, *, since: str | None = None, until: str | None = None, staff: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        rows = [
            dict(r)
            for r in reversed(self.audit_rows)
            if (since is None or r["at"] >= since)
            and (until is None or r["at"] < until)
            and (staff is None or r["staff"] == staff)
        ]
        return rows[:limit]


def _seconds(start: str, end: str) -> float:
    return (dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)).total_seconds()
