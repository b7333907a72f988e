"""An in-memory hall with the same calls as the HTTP client, built on `core`.

Every app runs and is tested with it, no server needed: `FakeHallApi(load_hall(path))`.
Events go to listeners synchronously, after the command, on the caller's thread.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any, cast

from client.api import (
    ApiError,
    EventCallback,
    HallApi,
    Listener,
    ServiceInfo,
    Session,
    StatusCallback,
    TicketInfo,
    WindowAnswer,
)
from core import views
from core.bookings import BOOKED, CHECKED_IN, Booking, check_in, check_new_booking
from core.calendar import WorkCalendar
from core.config import HallConfig
from core.events import Event
from core.hall import Hall, Result
from core.ratings import check_rating
from core.tickets import DomainError, Ticket


class _FakeListener:
    def __init__(self, api: FakeHallApi, on_event: EventCallback):
        self.api, self.on_event = api, on_event
        self._last = 0

    @property
    def last_event_id(self) -> int:
        return self._last

    def deliver(self, event_id: int, name: str, payload: dict[str, Any]) -> None:
        self._last = event_id
        self.on_event(event_id, name, payload)

    def stop(self) -> None:
        self.api._listeners.discard(self)


class FakeHallApi:
    def __init__(
        self, config: HallConfig, clock: Callable[[], dt.datetime] | None = None, calendar: WorkCalendar | None = None
    ):
        self.config = config
        self.clock = clock or (lambda: dt.datetime.now(config.tz))
        self.calendar = calendar or WorkCalendar.combine(
            config.calendar.holidays, config.calendar.workdays, config.calendar.weekend
        )
        self.hall = Hall(config, self.clock().astimezone(config.tz).date())
        self.token: str | None = None
        self.online = True  # set False to act as an unreachable server
        self.log: list[tuple[int, str, dict[str, Any]]] = []
        self.tickets: dict[str, Ticket] = {}
        self.cases_by_id: dict[str, dict[str, Any]] = {}
        self.ratings: dict[str, dict[str, Any]] = {}
        self._sessions: dict[str, tuple[str, str, int | None]] = {}
        self._listeners: set[_FakeListener] = set()
        self._ids = itertools.count(1)
        self._keys: dict[str, str] = {}
        self.bookings: dict[str, Booking] = {}
        self._lock = threading.RLock()

    # ---- plumbing ------------------------------------------------------------------------------

    def _check_online(self) -> None:
        if not self.online:
            raise ApiError(
                0, "unreachable", "与服务器的连接已断开，正在重试… / Cannot reach the hall server; retrying…"
            )

    def _run(self, command: Callable[[Hall, dt.datetime], Result]) -> Result:
        self._check_online()
        with self._lock:
            try:
                result = command(self.hall, self.clock())
            except DomainError as exc:
                raise ApiError(exc.status, exc.code, exc.message) from None
            self._remember(result.events)
            if result.case is not None:
                self.cases_by_id[result.case.id] = asdict(result.case)
            delivered = [(len(self.log) - len(result.events) + i + 1, e) for i, e in enumerate(result.events)]
        for event_id, event in delivered:
            self._publish(event_id, event.name, event.payload())
        return result

    def _remember(self, events: list[Event]) -> None:
        for e in events:
            self.log.append((len(self.log) + 1, e.name, e.payload()))
            if e.ticket is not None:
                self.tickets[e.ticket["id"]] = Ticket.from_dict(e.ticket)

    def _publish(self, event_id: int, name: str, payload: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            listener.deliver(event_id, name, payload)

    def emit(self, name: str, payload: dict[str, Any]) -> None:
        """Publish an event of one's own (tests of apps use it)."""
        with self._lock:
            self.log.append((len(self.log) + 1, name, payload))
            event_id = len(self.log)
        self._publish(event_id, name, payload)

    def _session(self, window: int | None = None) -> tuple[str, str, int | None]:
        if not self.token or self.token not in self._sessions:
            raise ApiError(401, "unauthorized", "请先登录。 / Sign in first.")
        staff, role, at = self._sessions[self.token]
        if window is not None and role == "clerk" and (at != window or self.hall.windows[window].staff != staff):
            raise ApiError(
                403, "not_signed_in_here", f"您没有在{window}号窗口签到。 / You are not signed in at window {window}."
            )
        return staff, role, at

    def _ticket_view(self, t: Ticket) -> TicketInfo:
        live = self.hall.tickets.get(t.id)
        data = self.hall.ticket_view(live) if live else {**t.to_dict(), "ahead": 0, "estimated_wait_s": 0}
        svc = self.config.service(t.service)
        data["service_name"] = svc.name if svc else ""
        data["service_name_en"] = svc.name_en if svc else ""
        return cast(TicketInfo, data)

    # ---- the API -------------------------------------------------------------------------------

    def services(self) -> list[ServiceInfo]:
        self._check_online()
        return cast(list[ServiceInfo], views.service_rows(self.hall, self.clock()))

    def items(self, service: str | None = None) -> list[dict[str, Any]]:
        self._check_online()
        chosen = self.config.items_of(service) if service else list(self.config.items)
        return [views.item_view(i) for i in chosen]

    def issue(
        self,
        service: str,
        priority: bool = False,
        priority_reason: str = "",
        item: str | None = None,
        key: str | None = None,
    ) -> TicketInfo:
        if key and key in self._keys:
            return self._ticket_view(self.tickets[self._keys[key]])
        ticket_id = f"f{next(self._ids):06d}"
        result = self._run(
            lambda h, now: h.issue(
                service, now, ticket_id=ticket_id, priority=priority, priority_reason=priority_reason, item=item
            )
        )
        if key:
            self._keys[key] = ticket_id
        assert result.ticket is not None
        return self._ticket_view(result.ticket)

    def ticket(self, ticket_id: str) -> TicketInfo:
        self._check_online()
        t = self.tickets.get(ticket_id)
        if t is None:
            raise ApiError(404, "unknown_ticket", "没有这个号。 / There is no such ticket.")
        return self._ticket_view(t)

    def cancel(self, ticket_id: str) -> TicketInfo:
        self._session()
        result = self._run(lambda h, now: h.cancel(ticket_id, now))
        assert result.ticket is not None
        return self._ticket_view(result.ticket)

    def login(self, staff: str, pin: str, window: int | None) -> Session:
        self._check_online()
        member = self.config.staff_member(staff)
        if member is None or member.pin != pin:
            raise ApiError(401, "wrong_pin", "工号或 PIN 不正确。 / Wrong staff number or PIN.")
        if window is None and member.role == "clerk":
            raise ApiError(400, "window_required", "窗口工作人员签到须选择窗口。 / A clerk signs in at a window.")
        if window is not None:
            if self.config.window(window) is None:
                raise ApiError(404, "unknown_window", f"没有{window}号窗口。 / There is no window {window}.")
            self._run(lambda h, now: h.sign_in(window, staff, now))
        token = f"token-{next(self._ids)}"
        self._sessions[token] = (staff, member.role, window)
        self.token = token
        return {
            "token": token,
            "staff": staff,
            "name": member.name,
            "role": member.role,
            "window": window,
            "expires_in_s": self.config.security.token_ttl_s,
        }

    def logout(self) -> None:
        staff, _, window = self._session()
        if window is not None and self.hall.windows[window].staff == staff:
            self._run(lambda h, now: h.sign_out(window, now))
        self._sessions.pop(self.token or "", None)
        self.token = None

    _COMMANDS = {
        "call": "call_next",
        "recall": "recall",
        "no-show": "no_show",
        "suspend": "suspend",
        "start": "start",
        "resume": "resume",
    }

    def window_action(self, window: int, action: str, body: dict[str, Any] | None = None) -> WindowAnswer:
        self._check_online()
        self._session(window)
        body = body or {}
        command = self._window_command(window, action, body)
        result = self._run(command)
        answer: WindowAnswer = {
            "ticket": self._ticket_view(result.ticket) if result.ticket else None,
            "window": cast(Any, self.hall.window_view(window)),
        }
        if result.case is not None:
            answer["case"] = asdict(result.case)
        return answer

    def _window_command(self, window: int, action: str, body: dict[str, Any]) -> Callable[[Hall, dt.datetime], Result]:
        if action in self._COMMANDS:
            name = self._COMMANDS[action]
            return lambda h, now: cast(Result, getattr(h, name)(window, now))
        if action == "resume-ticket":
            return lambda h, now: h.resume_ticket(window, body["ticket"], now)
        if action == "pause":
            return lambda h, now: h.pause(window, body.get("reason", ""), now)
        if action == "transfer":
            return lambda h, now: h.transfer(
                window, now, note=body.get("note", ""), service=body.get("service"), to_window=body.get("window")
            )
        if action == "finish":
            due = body.get("due_date")
            return lambda h, now: h.finish(
                window,
                now,
                calendar=self.calendar,
                case_id=f"c{next(self._ids):06d}",
                case_kind=body.get("case_type", "immediate"),
                item=body.get("item"),
                due_date=dt.date.fromisoformat(due) if due else None,
                due_reason=body.get("due_reason", ""),
                note=body.get("note", ""),
                missing_materials=body.get("missing_materials", []),
            )
        raise ApiError(404, "not_found", f"没有操作 {action}。 / There is no action {action}.")

    def window_detail(self, window: int) -> dict[str, Any]:
        self._check_online()
        h = self.hall
        data = views.window_detail(h, window)
        done = [t for t in self.tickets.values() if t.window == window and t.status.value == "done" and t.day == h.day]
        durations = [(t.finished_at - t.called_at).total_seconds() for t in done if t.finished_at and t.called_at]
        referred = [t for t in self.tickets.values() if window in t.referred_by_windows and t.day == h.day]
        data["current"] = self._ticket_view(data["current"]) if data["current"] else None
        data["suspended"] = [self._ticket_view(t) for t in data["suspended"]]
        data["today"] = {
            "served": len(done),
            "average_handling_s": round(sum(durations) / len(durations)) if durations else None,
        }
        data["referred"] = [self._ticket_view(t) for t in referred]
        return data

    def hall_state(self) -> dict[str, Any]:
        self._check_online()
        return views.hall_state(self.hall, self.clock(), len(self.log))

    def rate(
        self, ticket: str, score: int, reasons: list[str] | None = None, comment: str = "", window: int | None = None
    ) -> dict[str, Any]:
        self._check_online()
        t = self.tickets.get(ticket)
        if t is None:
            raise ApiError(404, "unknown_ticket", "没有这个号。 / There is no such ticket.")
        try:
            rating = check_rating(
                t,
                score=score,
                reasons=reasons or [],
                comment=comment,
                now=self.clock(),
                already_rated=ticket in self.ratings,
                window=window,
            )
        except DomainError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        public = {
            "ticket": rating.ticket,
            "number": rating.number,
            "window": rating.window,
            "score": rating.score,
            "bad": rating.bad,
        }
        self.ratings[ticket] = {
            **public,
            "reasons": list(rating.reasons),
            "comment": rating.comment,
            "staff": rating.staff,
        }
        self.emit("rating.recorded", {"at": self.clock().isoformat(), "rating": public})
        return public

    def rating_levels(self) -> dict[str, Any]:
        return views.rating_levels(self.config)

    def cases(self, status: str | None = None, staff: str | None = None) -> list[dict[str, Any]]:
        me, role, _ = self._session()
        staff = staff or (me if role == "clerk" else None)
        today = self.hall.day.isoformat()
        rows = [
            {**c, "overdue": c["status"] == "open" and bool(c["due_date"]) and c["due_date"] < today}
            for c in self.cases_by_id.values()
            if (status is None or c["status"] == status) and (staff is None or c["staff"] == staff)
        ]
        return sorted(rows, key=lambda r: (not r["overdue"], r["due_date"] or "9999"))

    def complete_case(self, case_id: str) -> dict[str, Any]:
        me, role, _ = self._session()
        case = self.cases_by_id.get(case_id)
        if case is None:
            raise ApiError(404, "unknown_case", "没有这个办件。 / There is no such case.")
        if role == "clerk" and case["staff"] != me:
            raise ApiError(403, "forbidden", "只能办结自己受理的件。 / You can only complete your own cases.")
        if case["status"] != "open":
            raise ApiError(409, "case_not_open", "该件已经办结。 / This case is already completed.")
        case.update(status="completed", completed_at=self.clock().isoformat())
        self.emit("case.completed", {"completed": {k: case[k] for k in ("id", "number", "window", "staff", "status")}})
        return dict(case)

    def case_types(self) -> list[dict[str, Any]]:
        return views.case_types()

    def add_booking(
        self, code: str, service: str, day: dt.date | None = None, item: str | None = None, time: str = ""
    ) -> None:
        """Tests and demos: a booking as a manager would have made it."""
        self.bookings[code] = Booking(code=code, service=service, day=day or self.hall.day, item=item, time=time)

    def create_booking(
        self, service: str, day: dt.date, item: str | None = None, time: str = "", name: str = "", phone: str = ""
    ) -> dict[str, Any]:
        _, role, _ = self._session()
        if role == "clerk":
            raise ApiError(403, "forbidden", "您的角色无权执行此操作。 / Your role may not do this.")
        try:
            check_new_booking(
                day,
                self.hall.day,
                self.config.service(service) is not None,
                self.calendar,
                self.config.booking_max_workdays,
                self.config.booking_same_day,
                workdays_only=self.config.enforce_hours,
            )
        except DomainError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        code = f"{len(self.bookings) + 100001:06d}"
        self.add_booking(code, service, day, item, time)
        return {"code": code, "service": service, "item": item, "day": day.isoformat(), "time": time, "status": BOOKED}

    def check_in(self, code: str, key: str | None = None) -> TicketInfo:
        self._check_online()
        if key and key in self._keys:
            return self._ticket_view(self.tickets[self._keys[key]])
        try:
            booking = check_in(self.bookings.get(code), self.hall.local_day(self.clock()))
        except DomainError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        ticket_id = f"f{next(self._ids):06d}"
        result = self._run(
            lambda h, now: h.issue(
                booking.service,
                now,
                ticket_id=ticket_id,
                priority=True,
                priority_reason="appointment",
                item=booking.item,
                booking=code,
            )
        )
        self.bookings[code] = replace(booking, status=CHECKED_IN, ticket=ticket_id)
        if key:
            self._keys[key] = ticket_id
        assert result.ticket is not None
        return self._ticket_view(result.ticket)

    def due_date(self, item: str) -> str:
        self._check_online()
        it = self.config.item(item)
        if it is None:
            raise ApiError(404, "unknown_item", f"没有事项 {item!r}。 / There is no item {item!r}.")
        days = it.time_limit_days or self.config.deadlines.default_workdays
        return self.calendar.add_workdays(self.hall.day, days).isoformat()

    def listen(
        self, on_event: EventCallback, on_status: StatusCallback | None = None, last_event_id: int | None = None
    ) -> Listener:
        listener = _FakeListener(self, on_event)
        with self._lock:
            backlog = [e for e in self.log if last_event_id is not None and e[0] > last_event_id]
            self._listeners.add(listener)
        if on_status:
            on_status(True, "")
        for event_id, name, payload in backlog:
            listener.deliver(event_id, name, payload)
        return listener


def _conforms(api: FakeHallApi) -> HallApi:
    return api  # mypy checks that the fake offers every call of the protocol
