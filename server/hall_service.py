"""The command path: lock → core → one transaction → commit → publish.

Views call these methods; each validates nothing itself beyond what core does, stores what
core decided, and publishes the committed events.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections.abc import Callable
from typing import Any

from core.bookings import BOOKED, CANCELLED, CHECKED_IN, Booking, check_in, check_new_booking
from core.calendar import WorkCalendar
from core.config import HallConfig
from core.events import Event, RatingRecorded, TicketClosed
from core.hall import Hall, Result
from core.ratings import check_rating
from core.tickets import Action, DomainError, Ticket
from server.broker import Broker
from server.store import Store, StoredEvent

log = logging.getLogger("hallq.server")


def official_calendar(config: HallConfig) -> WorkCalendar:
    """Weekends + the State Council calendar (as far as the library knows) + the hall's own table."""
    holidays: set[dt.date] = set(config.calendar.holidays)
    workdays: set[dt.date] = set(config.calendar.workdays)
    if config.calendar.use_official:
        try:
            import chinese_calendar

            holidays |= {d for d in chinese_calendar.holidays if d.isoweekday() not in config.calendar.weekend}
            workdays |= set(chinese_calendar.workdays)
        except ImportError:  # pragma: no cover - the dependency is declared
            log.warning("chinese-calendar is not installed; only weekends and the hall's own holidays count")
    return WorkCalendar.combine(holidays - set(config.calendar.workdays), workdays, config.calendar.weekend)


def new_id() -> str:
    return secrets.token_hex(6)


class HallService:
    def __init__(
        self,
        config: HallConfig,
        store: Store,
        clock: Callable[[], dt.datetime] | None = None,
        max_subscribers: int = 1000,
    ):
        self.config = config
        self.store = store
        self.clock = clock or (lambda: dt.datetime.now(config.tz))
        self.calendar = official_calendar(config)
        self.lock = threading.RLock()
        store.sync_staff(config, lambda: secrets.token_bytes(16))
        self.hall = self._load()
        self.broker = Broker(store.last_event_id(), store.events_after, max_subscribers=max_subscribers)
        self._close_stale_days()
        with self.lock:
            self._roll_if_due(self.now())

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.hall.local_day(self.now())

    def _load(self) -> Hall:
        return self.store.load_hall(self.config, self.clock().astimezone(self.config.tz).date())

    def _roll_if_due(self, now: dt.datetime) -> None:
        """At the first command after local midnight: close yesterday, in its own transaction."""
        if self.hall.local_day(now) <= self.hall.day:
            return
        try:
            with self.store.transaction():
                stored = self.store.save_events(self.hall.roll_day(now))
                self.store.mark_booking_no_shows(before=self.hall.day)  # booked, never checked in
        except Exception:
            self.hall = self._load()
            raise
        self.broker.publish(stored)

    def _close_stale_days(self) -> None:
        """Tickets left open on an earlier day (the server was down over midnight) are closed."""
        with self.lock:
            now = self.now()
            stale = self.store.stale_open_tickets(self.hall.day)
            if not stale:
                return
            events: list[Event] = []
            for t in stale:
                t.apply(Action.CLOSE)
                t.finished_at = now
                events.append(TicketClosed(now, ticket=t.to_dict()))
            with self.store.transaction():
                stored = self.store.save_events(events)
            self.broker.publish(stored)

    def execute(
        self, command: Callable[[Hall, dt.datetime], Result], after: Callable[[Result], None] | None = None
    ) -> tuple[Result, list[StoredEvent]]:
        """Run one command: roll the day if due, then the command, in one transaction; publish after commit."""
        with self.lock:
            now = self.now()
            self._roll_if_due(now)
            try:
                with self.store.transaction():
                    result = command(self.hall, now)
                    if after is not None:
                        after(result)
                    stored = self.store.save_events(result.events)
            except DomainError:
                raise
            except Exception:
                log.exception("command failed; reloading the hall from the database")
                self.hall = self._load()
                raise
            self.broker.publish(stored)
            return result, stored

    # ---- commands ------------------------------------------------------------------------------

    def issue(
        self,
        service: str,
        priority: bool = False,
        priority_reason: str = "",
        item: str | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """Issue a ticket; a repeated idempotency `key` returns the ticket issued the first time."""
        with self.lock:
            known = self._answered(key)
            if known is not None:
                return known

            def remember(result: Result) -> None:
                if key and result.ticket is not None:
                    self.store.save_issue_key(key, result.ticket.id, result.ticket.issued_at)

            result, _ = self.execute(
                lambda hall, now: hall.issue(
                    service,
                    now,
                    ticket_id=new_id(),
                    priority=priority,
                    priority_reason=priority_reason,
                    item=item,
                ),
                after=remember,
            )
        assert result.ticket is not None
        issued = result.events[-1]
        assert issued.ticket is not None
        return self._describe(dict(issued.ticket), issued.extra["ahead"], issued.extra["estimated_wait_s"])

    def _answered(self, key: str | None) -> dict[str, Any] | None:
        """The ticket a request with this idempotency key already got, if any."""
        ticket_id = self.store.ticket_for_key(key) if key else None
        ticket = self.find_ticket(ticket_id) if ticket_id else None
        return self.ticket_view(ticket) if ticket else None

    def create_booking(
        self, service: str, day: dt.date, item: str | None, time: str, name: str, phone: str
    ) -> dict[str, Any]:
        with self.lock:
            check_new_booking(
                day,
                self.today(),
                self.config.service(service) is not None,
                self.calendar,
                self.config.booking_max_workdays,
                self.config.booking_same_day,
                workdays_only=self.config.enforce_hours,
            )
            if item is not None and (self.config.item(item) is None or self.config.item(item).service != service):  # type: ignore[union-attr]
                raise DomainError(
                    "unknown_item",
                    f"服务 {service} 下没有事项 {item!r}。 / Service {service} has no item {item!r}.",
                    400,
                )
            code = ""
            while not code or self.store.booking(code):
                code = f"{secrets.randbelow(10**6):06d}"
            row = {
                "code": code,
                "service": service,
                "item": item,
                "day": day.isoformat(),
                "time": time,
                "name": name,
                "phone": phone,
            }
            with self.store.transaction():
                self.store.add_booking({**row, "status": BOOKED, "created_at": self.now().isoformat()})
        return {**row, "status": BOOKED}

    def check_in(self, code: str, key: str | None = None) -> dict[str, Any]:
        """A booked citizen at the kiosk: a priority ticket, and the booking marked used, in one transaction.

        A retry with the same idempotency `key` returns the ticket of the first attempt.
        """
        with self.lock:
            known = self._answered(key)
            if known is not None:
                return known
            row = self.store.booking(code)
            booking = (
                Booking(
                    code=row["code"],
                    service=row["service"],
                    day=dt.date.fromisoformat(row["day"]),
                    status=row["status"],
                    item=row["item"],
                    time=row["time"],
                )
                if row
                else None
            )
            check_in(booking, self.hall.local_day(self.now()))
            assert booking is not None

            def mark(result: Result) -> None:
                assert result.ticket is not None
                self.store.set_booking(code, CHECKED_IN, result.ticket.id)
                if key:
                    self.store.save_issue_key(key, result.ticket.id, result.ticket.issued_at)

            result, _ = self.execute(
                lambda hall, now: hall.issue(
                    booking.service,
                    now,
                    ticket_id=new_id(),
                    priority=True,
                    priority_reason="appointment",
                    item=booking.item,
                    booking=code,
                ),
                after=mark,
            )
        assert result.ticket is not None
        return self.ticket_view(result.ticket)

    def cancel_booking(self, code: str) -> None:
        with self.lock:
            row = self.store.booking(code)
            if row is None:
                raise DomainError("unknown_booking", "没有这个预约。 / There is no such booking.", 404)
            if row["status"] != BOOKED:
                raise DomainError(
                    "booking_used", "这个预约已签到或已取消。 / This booking was already used or cancelled."
                )
            with self.store.transaction():
                self.store.set_booking(code, CANCELLED)

    def due_date(self, item_code: str) -> dict[str, Any]:
        item = self.config.item(item_code)
        if item is None:
            raise DomainError("unknown_item", f"没有事项 {item_code!r}。 / There is no item {item_code!r}.", 404)
        days = item.time_limit_days or self.config.deadlines.default_workdays
        return {
            "item": item_code,
            "workdays": days,
            "due_date": self.calendar.add_workdays(self.hall.day, days).isoformat(),
        }

    def window_command(self, window: int, name: str, **kwargs: Any) -> Result:
        def run(hall: Hall, now: dt.datetime) -> Result:
            method = getattr(hall, name)
            return method(window, now, **kwargs)

        result, _ = self.execute(run)
        return result

    def finish(self, window: int, **kwargs: Any) -> Result:
        result, _ = self.execute(
            lambda hall, now: hall.finish(window, now, calendar=self.calendar, case_id=new_id(), **kwargs)
        )
        return result

    def resume_ticket(self, window: int, ticket_id: str) -> Result:
        result, _ = self.execute(lambda hall, now: hall.resume_ticket(window, ticket_id, now))
        return result

    def pause(self, window: int, reason: str) -> Result:
        result, _ = self.execute(lambda hall, now: hall.pause(window, reason, now))
        return result

    def cancel(self, ticket_id: str) -> Result:
        result, _ = self.execute(lambda hall, now: hall.cancel(ticket_id, now))
        return result

    def set_service_open(self, service: str, is_open: bool) -> Result:
        result, _ = self.execute(lambda hall, now: hall.set_service_open(service, is_open, now))
        return result

    def sign_in(self, window: int, staff: str, token: str, role: str) -> Result:
        def record(result: Result) -> None:
            now = self.now()
            expires = now + dt.timedelta(seconds=self.config.security.token_ttl_s)
            self.store.add_session(token, staff, role, window, now, expires)
            for e in result.events:
                if e.name == "window.closed" and e.extra.get("staff"):
                    self.store.record_attendance(
                        e.extra["staff"],
                        e.window["number"] if e.window else None,
                        "sign_out",
                        now,
                        self.hall.day,
                        e.extra.get("reason", ""),
                    )
            opened = result.events[-1]
            note = f"handover_from={opened.extra['handover_from']}" if opened.extra.get("handover_from") else ""
            self.store.record_attendance(staff, window, "sign_in", now, self.hall.day, note)

        result, _ = self.execute(lambda hall, now: hall.sign_in(window, staff, now), after=record)
        return result

    def sign_in_without_window(self, staff: str, token: str, role: str) -> None:
        with self.lock, self.store.transaction():
            now = self.now()
            self.store.add_session(
                token, staff, role, None, now, now + dt.timedelta(seconds=self.config.security.token_ttl_s)
            )

    def sign_out(self, token: str, staff: str, window: int | None) -> None:
        def record(result: Result) -> None:
            self.store.drop_session(token)
            if window is not None and any(e.name == "window.closed" for e in result.events):
                self.store.record_attendance(staff, window, "sign_out", self.now(), self.hall.day)

        if window is None or self.hall.windows[window].staff != staff:
            with self.lock, self.store.transaction():
                self.store.drop_session(token)
            return
        self.execute(lambda hall, now: hall.sign_out(window, now), after=record)

    def rate(
        self,
        ticket_id: str,
        score: int,
        reasons: list[str],
        comment: str,
        window: int | None,
        dimensions: dict[str, int],
    ) -> dict[str, Any]:
        ticket = self.find_ticket(ticket_id)
        if ticket is None:
            raise DomainError("unknown_ticket", "没有这个号。 / There is no such ticket.", 404)

        def run(hall: Hall, now: dt.datetime) -> Result:
            rating = check_rating(
                ticket,
                score=score,
                reasons=reasons,
                comment=comment,
                now=now,
                already_rated=self.store.has_rating(ticket_id),
                window=window,
                dimensions=dimensions,
            )
            self.store.save_rating(rating)
            public = {
                "ticket": rating.ticket,
                "number": rating.number,
                "window": rating.window,
                "score": rating.score,
                "bad": rating.bad,
            }
            return Result([RatingRecorded(now, extra={"rating": public})])

        result, _ = self.execute(run)
        return result.events[-1].extra["rating"]

    def complete_case(self, case_id: str, staff: str, role: str) -> dict[str, Any]:
        from core.events import CaseCompleted

        def run(hall: Hall, now: dt.datetime) -> Result:
            case = self.store.case(case_id)
            if case is None:
                raise DomainError("unknown_case", "没有这个办件。 / There is no such case.", 404)
            if role == "clerk" and case["staff"] != staff:
                raise DomainError("forbidden", "只能办结自己受理的件。 / You can only complete your own cases.", 403)
            if case["status"] != "open":
                raise DomainError("case_not_open", "该件已经办结。 / This case is already completed.")
            self.store.complete_case(case_id, now)
            case.update(status="completed", completed_at=now.isoformat())
            return Result(
                [
                    CaseCompleted(
                        now, extra={"completed": {k: case[k] for k in ("id", "number", "window", "staff", "status")}}
                    )
                ]
            )

        self.execute(run)
        case = self.store.case(case_id)
        assert case is not None
        return case

    # ---- reads ---------------------------------------------------------------------------------

    def find_ticket(self, ticket_id: str) -> Ticket | None:
        with self.lock:
            live = self.hall.tickets.get(ticket_id)
            if live is not None:
                return Ticket.from_dict(live.to_dict())
        return self.store.ticket(ticket_id)

    def ticket_view(self, ticket: Ticket) -> dict[str, Any]:
        with self.lock:
            live = ticket.id in self.hall.tickets
            ahead = self.hall.ahead(ticket) if live else 0
            wait = self.hall.estimated_wait_s(ticket.service, ahead) if live and ahead is not None else 0
        return self._describe(ticket.to_dict(), ahead, wait)

    def _describe(self, data: dict[str, Any], ahead: int, wait: int) -> dict[str, Any]:
        svc = self.config.service(data["service"])
        data["ahead"] = ahead
        data["estimated_wait_s"] = wait if data["status"] in ("waiting", "transferred") else 0
        data["service_name"] = svc.name if svc else ""
        data["service_name_en"] = svc.name_en if svc else ""
        return data
