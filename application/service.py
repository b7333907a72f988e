"""The command handlers: lock → core → one transaction → commit → publish.

The server's JSON API and the apps' in-memory hall both call these methods; each rule they apply lives in
core/ and is called from here once. A refused command raises core.tickets.DomainError (code, sentence,
HTTP status) before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from application import commands as cmd
from application.auth import (
    DEFAULT_PIN_ITERATIONS,
    PinGuard,
    Role,
    Session,
    hash_pin,
    hash_token,
    pin_matches,
    role_allows,
)
from application.calendar import official_calendar
from application.commands import WindowAction
from application.store import HallStore, StoredEvent, StoreUnavailable
from core import events as ev
from core import views
from core.bookings import BOOKED, CANCELLED, CHECKED_IN, Booking, check_in, check_new_booking
from core.calendar import WorkCalendar
from core.cases import check_may_complete, is_overdue
from core.config import HallConfig
from core.hall import Hall, Result
from core.privacy import mask_name, mask_phone, public_ticket
from core.ratings import check_rating
from core.rules import check_may_reinstate, due_date, time_limit_workdays
from core.tickets import Action, DomainError, Ticket

log = logging.getLogger("hallq.service")

Publish = Callable[[list[StoredEvent]], None]


def refused_write(exc: StoreUnavailable) -> DomainError:
    if exc.reason == "disk_full":
        return DomainError(
            "disk_full",
            "服务器磁盘已满，未能保存，请通知管理员。 / The server's disk is full; nothing was saved. Tell the administrator.",
            507,
        )
    return DomainError(
        "busy",
        "数据库正忙，请几秒后再试。 / The database is busy; try again in a few seconds.",
        503,
        headers={"Retry-After": "3"},
    )


def masked_booking(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "name": mask_name(row.get("name") or ""), "phone": mask_phone(row.get("phone") or "")}


def new_id() -> str:
    return secrets.token_hex(6)


class HallService:
    def __init__(
        self,
        config: HallConfig,
        store: HallStore,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        calendar: WorkCalendar | None = None,
        publish: Publish | None = None,
        pin_iterations: int = DEFAULT_PIN_ITERATIONS,
        ids: Callable[[], str] = new_id,
    ):
        self.config = config
        self.store = store
        self.clock = clock or (lambda: dt.datetime.now(config.tz))
        self.calendar = calendar or official_calendar(config)
        self.pin_iterations = pin_iterations
        self.new_id = ids
        self.pins = PinGuard(config.security.pin_attempts, config.security.lockout_s)
        self.lock = threading.RLock()  # the live hall: held briefly by reads and by a write's command
        self.write_lock = threading.RLock()  # one write at a time, in commit order
        self.write_problem = ""  # why the last write failed ("busy", "disk_full"), until one succeeds
        self._publishers: list[Publish] = [publish] if publish else []
        self._closers: list[Callable[[], None]] = []
        self.last_event_id = store.last_event_id()
        self._sync_staff()
        self.hall = self._load()
        self._close_stale_days()
        self.roll_if_due()

    # ---- plumbing ----------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.hall.local_day(self.now())

    def on_publish(self, publish: Publish) -> None:
        self._publishers.append(publish)

    def _publish(self, stored: list[StoredEvent]) -> None:
        if stored:
            self.last_event_id = stored[-1].id
        for publish in self._publishers:
            publish(stored)

    def health(self) -> dict[str, Any]:
        """For /health: "ok", or why writes fail now ("busy": another process holds the database; "disk_full")."""
        problem = "disk_full" if self.write_problem == "disk_full" else ""
        if not problem and not self.store.can_write():
            problem = "busy"
        return {"ok": problem == "", "database": problem or "ok", "last_event_id": self.last_event_id}

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write: the store's transaction, then the hall lock. Waiting for the database's write lock (another
        process holding it) happens before the hall lock is taken, so reads of the live hall never wait on it."""
        with self.write_lock:
            try:
                with self.store.transaction(), self.lock:
                    yield
            except StoreUnavailable as exc:
                self.write_problem = exc.reason
                log.error("a write failed: %s", exc)
                with self.lock:
                    self.hall = self._load()  # the command may have changed the hall before the store refused
                raise refused_write(exc) from exc
            self.write_problem = ""

    def publish_raw(self, name: str, payload: dict[str, Any]) -> None:
        """An event that no command made (tests and demos of the apps use it)."""
        with self.write_lock:
            with self.writing():
                stored = [self.store.append_event(name, self.now(), payload)]
            self._publish(stored)

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        self.store.close()
        for closer in self._closers:
            closer()

    def _load(self) -> Hall:
        return self.store.load_hall(self.config, self.clock().astimezone(self.config.tz).date())

    def _sync_staff(self) -> None:
        """Staff in the configuration and not yet in the store are added, PINs stored hashed."""
        known = self.store.staff_codes()
        with self.store.transaction():
            for s in self.config.staff:
                if s.code in known:
                    self.store.update_staff(s.code, s.name, s.role)
                else:
                    salt = secrets.token_bytes(16)
                    self.store.add_staff(s.code, s.name, s.role, hash_pin(s.pin, salt, self.pin_iterations), salt.hex())

    def roll_if_due(self) -> None:
        """After local midnight: close yesterday in its own transaction (at the first command, or by a timer)."""
        with self.write_lock:
            stored: list[StoredEvent] = []
            try:
                with self.writing():
                    now = self.now()
                    if self.hall.local_day(now) > self.hall.day:
                        stored = self.store.save_events(self.hall.roll_day(now))
                        self.store.mark_booking_no_shows(before=self.hall.day)  # booked, never checked in
            except Exception:
                with self.lock:
                    self.hall = self._load()
                raise
            self._publish(stored)

    def _close_stale_days(self) -> None:
        """Tickets left open on an earlier day (the server was down over midnight) are closed."""
        with self.write_lock:
            with self.writing():
                now = self.now()
                events: list[ev.Event] = []
                for t in self.store.stale_open_tickets(self.hall.day):
                    t.apply(Action.CLOSE)
                    t.finished_at = now
                    events.append(ev.TicketClosed(at=now, ticket=t.to_dict()))
                stored = self.store.save_events(events)
            self._publish(stored)

    def execute(
        self, command: Callable[[Hall, dt.datetime], Result], after: Callable[[Result], None] | None = None
    ) -> Result:
        """Run one command: roll the day if due, then the command in one transaction; publish after commit."""
        with self.write_lock:
            self.roll_if_due()
            try:
                with self.writing():
                    result = command(self.hall, self.now())
                    if after is not None:
                        after(result)
                    stored = self.store.save_events(result.events)
            except DomainError:
                raise  # refused before anything changed
            except Exception:
                log.exception("command failed; reloading the hall from the store")
                with self.lock:
                    self.hall = self._load()
                raise
            self._publish(stored)  # in commit order: still under the write lock
            return result

    # ---- who may do what ---------------------------------------------------------------------------

    def authenticate(self, token: str | None) -> Session:
        if not token:
            raise DomainError("unauthorized", "请先登录。 / Sign in first.", 401)
        row = self.store.session(hash_token(token))
        if row is None:
            raise DomainError(
                "unauthorized", "登录已失效，请重新登录。 / Your sign-in is no longer valid; sign in again.", 401
            )
        expires = dt.datetime.fromisoformat(row["expires_at"])
        if expires < self.now():
            raise DomainError(
                "token_expired", "登录已过期，请重新登录。 / Your sign-in has expired; sign in again.", 401
            )
        return Session(token, row["staff"], row["role"], row["window"], expires)

    def authorize(self, token: str | None, role: Role, window: int | None = None) -> Session:
        """The session of `token` if its role may act (at `window`, for a clerk: only where she is signed in)."""
        session = self.authenticate(token)
        if not role_allows(session.role, role):
            raise DomainError("forbidden", "您的角色无权执行此操作。 / Your role may not do this.", 403)
        if window is not None and session.role == Role.CLERK:
            with self.lock:
                ws = self.hall.windows.get(window)
                if session.window == window and ws is not None and ws.staff not in (None, session.staff):
                    other = self.config.staff_member(ws.staff)
                    name = f"{other.name}（{ws.staff}）" if other else ws.staff
                    raise DomainError(
                        "taken_over",
                        f"{window}号窗口已由{name}接班，您已不在此窗口签到。"
                        f" / Window {window} was taken over by {ws.staff}; you are no longer signed in here.",
                        403,
                    )
                if session.window != window or ws is None or ws.staff != session.staff:
                    raise DomainError(
                        "not_signed_in_here",
                        f"您没有在{window}号窗口签到。 / You are not signed in at window {window}.",
                        403,
                    )
        return session

    def login(self, staff: str, pin: str, window: int | None) -> dict[str, Any]:
        """Sign in (at a window: the attendance sign-in). Returns the session's token."""
        self.pins.check(staff)
        row = self.store.staff_credentials(staff)
        if row is None or not pin_matches(pin, row["pin_salt"], row["pin_hash"]):
            self.pins.failed(staff)
            raise DomainError("wrong_pin", "工号或 PIN 不正确。 / Wrong staff number or PIN.", 401)
        self.pins.succeeded(staff)
        token = secrets.token_urlsafe(32)
        if window is None:
            if row["role"] == Role.CLERK:
                raise DomainError(
                    "window_required", "窗口工作人员签到须选择窗口。 / A clerk signs in at a window.", 400
                )
            with self.writing():
                self._add_session(token, staff, row["role"], None)
        else:
            if self.config.window(window) is None:
                raise DomainError("unknown_window", f"没有{window}号窗口。 / There is no window {window}.", 404)
            self._sign_in(window, staff, token, row["role"])
        member = self.config.staff_member(staff)
        return {
            "token": token,
            "staff": staff,
            "name": member.name if member else row["name"],
            "role": row["role"],
            "window": window,
            "expires_in_s": self.config.security.token_ttl_s,
        }

    def _add_session(self, token: str, staff: str, role: str, window: int | None) -> None:
        now = self.now()
        expires = now + dt.timedelta(seconds=self.config.security.token_ttl_s)
        self.store.add_session(hash_token(token), staff, role, window, now, expires)

    def _sign_in(self, window: int, staff: str, token: str, role: str) -> None:
        def record(result: Result) -> None:
            now = self.now()
            self._add_session(token, staff, role, window)
            for e in result.events:
                if isinstance(e, ev.WindowClosed) and e.staff:
                    self.store.record_attendance(e.staff, e.window["number"], "sign_out", now, self.hall.day, e.reason)
                if isinstance(e, ev.WindowOpened):
                    note = f"handover_from={e.handover_from}" if e.handover_from else ""
                    self.store.record_attendance(staff, window, "sign_in", now, self.hall.day, note)

        self.execute(lambda hall, now: hall.sign_in(window, staff, now), after=record)

    def logout(self, session: Session) -> None:
        """Sign out; at a window the attendance sign-out is recorded."""
        window = session.window

        def record(result: Result) -> None:
            self.store.drop_session(hash_token(session.token))
            if any(isinstance(e, ev.WindowClosed) for e in result.events):
                self.store.record_attendance(session.staff, window, "sign_out", self.now(), self.hall.day)

        with self.write_lock:  # no command changes the hall while this decides
            if window is None or self.hall.windows[window].staff != session.staff:
                with self.writing():
                    self.store.drop_session(hash_token(session.token))
                return
            self.execute(lambda hall, now: hall.sign_out(window, now), after=record)

    def change_pin(self, session: Session, old_pin: str, new_pin: str) -> None:
        row = self.store.staff_credentials(session.staff)
        if row is None or not pin_matches(old_pin, row["pin_salt"], row["pin_hash"]):
            raise DomainError("wrong_pin", "原 PIN 不正确。 / The old PIN is wrong.", 401)
        salt = secrets.token_bytes(16)
        with self.writing():
            self.store.set_pin(session.staff, hash_pin(new_pin, salt, self.pin_iterations), salt.hex())

    # ---- the kiosk -----------------------------------------------------------------------------------

    def services(self) -> list[dict[str, Any]]:
        with self.lock:
            return views.service_rows(self.hall, self.now())

    def items(self, service: str | None = None) -> list[dict[str, Any]]:
        if service is not None and self.config.service(service) is None:
            raise DomainError(
                "unknown_service", f"没有代码为 {service!r} 的服务。 / There is no service {service!r}.", 400
            )
        chosen = self.config.items_of(service) if service else list(self.config.items)
        return [views.item_view(i) for i in chosen]

    def item(self, code: str) -> dict[str, Any]:
        it = self.config.item(code)
        if it is None:
            raise DomainError("unknown_item", f"没有事项 {code!r}。 / There is no item {code!r}.", 404)
        return views.item_view(it)

    def issue(
        self,
        service: str,
        priority: bool = False,
        priority_reason: str = "",
        item: str | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """Issue a ticket; a repeated idempotency `key` returns the ticket issued the first time."""
        with self.write_lock:  # the check and the write together
            known = self._answered(key)
            if known is not None:
                return known

            def remember(result: Result) -> None:
                if key and result.ticket is not None:
                    self.store.save_issue_key(key, result.ticket.id, result.ticket.issued_at)

            result = self.execute(
                lambda hall, now: hall.issue(
                    service, now, ticket_id=self.new_id(), priority=priority, priority_reason=priority_reason, item=item
                ),
                after=remember,
            )
        issued = result.events[-1]
        assert isinstance(issued, ev.TicketIssued)
        return self._describe(dict(issued.ticket), issued.ahead, issued.estimated_wait_s)

    def _answered(self, key: str | None) -> dict[str, Any] | None:
        """The ticket a request with this idempotency key already got, if any."""
        ticket_id = self.store.ticket_for_key(key) if key else None
        ticket = self.find_ticket(ticket_id) if ticket_id else None
        return self.ticket_view(ticket) if ticket else None

    def ticket(self, ticket_id: str, private: bool = False) -> dict[str, Any]:
        """A ticket's status; without `private` (staff), as the public may see it (core.privacy.public_ticket)."""
        ticket = self.find_ticket(ticket_id)
        if ticket is None:
            raise DomainError("unknown_ticket", "没有这个号。 / There is no such ticket.", 404)
        view = self.ticket_view(ticket)
        return view if private else public_ticket(view)

    def cancel(self, ticket_id: str) -> dict[str, Any]:
        result = self.execute(lambda hall, now: hall.cancel(ticket_id, now))
        assert result.ticket is not None
        return self.ticket_view(result.ticket)

    def reinstate(self, session: Session, ticket_id: str) -> dict[str, Any]:
        """The service desk puts a missed number (过号) back in its queue, on record (who, when)."""
        ticket = self.find_ticket(ticket_id)
        if ticket is None:
            raise DomainError("unknown_ticket", "没有这个号。 / There is no such ticket.", 404)
        window = self.config.window(session.window) if session.window is not None else None
        check_may_reinstate(session.role, window, ticket.service)
        result = self.execute(lambda hall, now: hall.reinstate(ticket, now, by=session.staff))
        assert result.ticket is not None
        return self.ticket_view(result.ticket)

    def rate(
        self,
        ticket_id: str,
        score: int,
        reasons: list[str] | None = None,
        comment: str = "",
        window: int | None = None,
        dimensions: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        ticket = self.find_ticket(ticket_id)
        if ticket is None:
            raise DomainError("unknown_ticket", "没有这个号。 / There is no such ticket.", 404)

        def run(hall: Hall, now: dt.datetime) -> Result:
            rating = check_rating(
                ticket,
                score=score,
                reasons=reasons or [],
                comment=comment,
                now=now,
                already_rated=self.store.has_rating(ticket_id),
                window=window,
                dimensions=dimensions or {},
            )
            self.store.save_rating(rating)
            public = {
                "ticket": rating.ticket,
                "number": rating.number,
                "window": rating.window,
                "score": rating.score,
                "bad": rating.bad,
            }
            return Result([ev.RatingRecorded(at=now, rating=public)])

        recorded = self.execute(run).events[-1]
        assert isinstance(recorded, ev.RatingRecorded)
        return recorded.rating

    def rating_levels(self) -> dict[str, Any]:
        return views.rating_levels(self.config)

    # ---- bookings -------------------------------------------------------------------------------------

    def create_booking(
        self, service: str, day: dt.date, item: str | None = None, time: str = "", name: str = "", phone: str = ""
    ) -> dict[str, Any]:
        with self.write_lock:  # the check and the write together
            check_new_booking(
                day,
                self.today(),
                self.config.service(service) is not None,
                self.calendar,
                self.config.booking_max_workdays,
                self.config.booking_same_day,
                workdays_only=self.config.enforce_hours,
            )
            it = self.config.item(item) if item is not None else None
            if item is not None and (it is None or it.service != service):
                raise DomainError(
                    "unknown_item",
                    f"服务 {service} 下没有事项 {item!r}。 / Service {service} has no item {item!r}.",
                    400,
                )
            code = ""
            while not code or self.store.booking(code):
                code = f"{secrets.randbelow(10**6):06d}"
            row = {"code": code, "service": service, "item": item, "day": day.isoformat(), "time": time}
            with self.writing():
                self.store.add_booking(
                    {**row, "name": name, "phone": phone, "status": BOOKED, "created_at": self.now().isoformat()}
                )
        return masked_booking({**row, "name": name, "phone": phone, "status": BOOKED})

    def bookings(self, day: dt.date | None = None) -> list[dict[str, Any]]:
        """A day's appointments; names and phones leave masked."""
        return [masked_booking(r) for r in self.store.bookings(day or self.today())]

    def check_in(self, code: str, key: str | None = None) -> dict[str, Any]:
        """A booked citizen at the kiosk: a priority ticket, and the booking marked used, in one transaction.

        A retry with the same idempotency `key` returns the ticket of the first attempt.
        """
        with self.write_lock:  # the check and the write together
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
            checked = check_in(booking, self.today())

            def mark(result: Result) -> None:
                assert result.ticket is not None
                self.store.set_booking(code, CHECKED_IN, result.ticket.id)
                if key:
                    self.store.save_issue_key(key, result.ticket.id, result.ticket.issued_at)

            result = self.execute(
                lambda hall, now: hall.issue(
                    checked.service,
                    now,
                    ticket_id=self.new_id(),
                    priority=True,
                    priority_reason="appointment",
                    item=checked.item,
                    booking=code,
                ),
                after=mark,
            )
        assert result.ticket is not None
        return self.ticket_view(result.ticket)

    def cancel_booking(self, code: str) -> dict[str, Any]:
        with self.write_lock:  # the check and the write together
            row = self.store.booking(code)
            if row is None:
                raise DomainError("unknown_booking", "没有这个预约。 / There is no such booking.", 404)
            if row["status"] != BOOKED:
                raise DomainError(
                    "booking_used", "这个预约已签到或已取消。 / This booking was already used or cancelled."
                )
            with self.writing():
                self.store.set_booking(code, CANCELLED)
        return {"code": code, "status": CANCELLED}

    # ---- the clerk's window -----------------------------------------------------------------------------

    def _window_command(self, window: int, command: Callable[[Hall, dt.datetime], Result]) -> dict[str, Any]:
        result = self.execute(command)
        with self.lock:
            answer: dict[str, Any] = {
                "ticket": self.ticket_view(result.ticket) if result.ticket else None,
                "window": self.hall.window_view(window),
            }
        if result.case is not None:
            answer["case"] = asdict(result.case)
        if result.warning:
            answer["warning"] = result.warning
        return answer

    def call_next(self, window: int) -> dict[str, Any]:
        return self._window_command(window, lambda hall, now: hall.call_next(window, now))

    def recall(self, window: int) -> dict[str, Any]:
        return self._window_command(window, lambda hall, now: hall.recall(window, now))

    def no_show(self, window: int) -> dict[str, Any]:
        return self._window_command(window, lambda hall, now: hall.no_show(window, now))

    def suspend(self, window: int) -> dict[str, Any]:
        return self._window_command(window, lambda hall, now: hall.suspend(window, now))

    def start(self, window: int) -> dict[str, Any]:
        return self._window_command(window, lambda hall, now: hall.start(window, now))

    def resume(self, window: int) -> dict[str, Any]:
        return self._window_command(window, lambda hall, now: hall.resume(window, now))

    def resume_ticket(self, window: int, body: cmd.ResumeTicket) -> dict[str, Any]:
        return self._window_command(window, lambda hall, now: hall.resume_ticket(window, body.ticket, now))

    def pause(self, window: int, body: cmd.Pause) -> dict[str, Any]:
        return self._window_command(window, lambda hall, now: hall.pause(window, body.reason, now))

    def transfer(self, window: int, body: cmd.Transfer) -> dict[str, Any]:
        return self._window_command(
            window,
            lambda hall, now: hall.transfer(window, now, note=body.note, service=body.service, to_window=body.window),
        )

    def finish(self, window: int, body: cmd.Finish) -> dict[str, Any]:
        return self._window_command(
            window,
            lambda hall, now: hall.finish(
                window,
                now,
                calendar=self.calendar,
                case_id=self.new_id(),
                case_kind=body.case_type,
                item=body.item,
                due_date=body.due_date,
                due_reason=body.due_reason,
                note=body.note,
                missing_materials=body.missing_materials,
            ),
        )

    def window_action(self, window: int, action: WindowAction, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One window action by name, its body validated as the API validates it."""
        if action is WindowAction.RESUME_TICKET:
            return self.resume_ticket(window, cmd.parse(cmd.ResumeTicket, body))
        if action is WindowAction.PAUSE:
            return self.pause(window, cmd.parse(cmd.Pause, body))
        if action is WindowAction.TRANSFER:
            return self.transfer(window, cmd.parse(cmd.Transfer, body))
        if action is WindowAction.FINISH:
            return self.finish(window, cmd.parse(cmd.Finish, body))
        simple: dict[WindowAction, Callable[[int], dict[str, Any]]] = {
            WindowAction.CALL: self.call_next,
            WindowAction.RECALL: self.recall,
            WindowAction.NO_SHOW: self.no_show,
            WindowAction.SUSPEND: self.suspend,
            WindowAction.START: self.start,
            WindowAction.RESUME: self.resume,
        }
        return simple[action](window)

    def window_detail(self, window: int, private: bool = True) -> dict[str, Any]:
        """What the clerk at a window sees: queue, suspended, referred on, today's figures. Without `private`
        (no staff token: a rating pad), its tickets as the public may see them."""
        if self.config.window(window) is None:
            raise DomainError("unknown_window", f"没有{window}号窗口。 / There is no window {window}.", 404)
        with self.lock:
            data = views.window_detail(self.hall, window)
            data["current"] = self.ticket_view(data["current"]) if data["current"] else None
            data["suspended"] = [self.ticket_view(t) for t in data["suspended"]]
        day = dt.date.fromisoformat(data["day"])
        data["today"] = self.store.window_day_stats(window, day)
        data["referred"] = [self.ticket_view(t) for t in self.store.referred_by(window, day)]
        if not private:
            data["current"] = public_ticket(data["current"]) if data["current"] else None
            data["suspended"] = [public_ticket(t) for t in data["suspended"]]
            data["referred"] = [public_ticket(t) for t in data["referred"]]
        return data

    # ---- cases -----------------------------------------------------------------------------------------

    def cases(
        self, session: Session, status: str | None = None, staff: str | None = None, window: int | None = None
    ) -> list[dict[str, Any]]:
        if session.role == Role.CLERK:  # a clerk's ledger is her own: other clerks' cases and notes are not hers
            if staff not in (None, session.staff):
                raise DomainError(
                    "forbidden", "只能查看自己受理的办件。 / You may only see the cases you accepted.", 403
                )
            staff = session.staff
        rows = self.store.cases(staff=staff, status=status, window=window)
        today = self.today()
        for row in rows:
            row["overdue"] = is_overdue(row["status"], row["due_date"], today)
        rows.sort(key=lambda r: (not r["overdue"], r["due_date"] or "9999"))
        return rows

    def complete_case(self, session: Session, case_id: str) -> dict[str, Any]:
        def run(hall: Hall, now: dt.datetime) -> Result:
            case = self.store.case(case_id)
            if case is None:
                raise DomainError("unknown_case", "没有这个办件。 / There is no such case.", 404)
            check_may_complete(case["staff"], case["status"], staff=session.staff, role=session.role)
            self.store.complete_case(case_id, now)
            case.update(status="completed", completed_at=now.isoformat())
            return Result(
                [
                    ev.CaseCompleted(
                        at=now, completed={k: case[k] for k in ("id", "number", "window", "staff", "status")}
                    )
                ]
            )

        self.execute(run)
        case = self.store.case(case_id)
        assert case is not None
        return case

    def case_types(self) -> list[dict[str, Any]]:
        return views.case_types()

    def due_date(self, item_code: str) -> dict[str, Any]:
        item = self.config.item(item_code)
        if item is None:
            raise DomainError("unknown_item", f"没有事项 {item_code!r}。 / There is no item {item_code!r}.", 404)
        return {
            "item": item_code,
            "workdays": time_limit_workdays(item, self.config),
            "due_date": due_date(item, self.config, self.calendar, self.hall.day).isoformat(),
        }

    # ---- the manager --------------------------------------------------------------------------------------

    def set_service_open(self, service: str, is_open: bool) -> dict[str, Any]:
        self.execute(lambda hall, now: hall.set_service_open(service, is_open, now))
        return {"code": service, "open": is_open}

    # ---- reads -------------------------------------------------------------------------------------------

    def hall_state(self) -> dict[str, Any]:
        """The live hall for screens: windows, waiting; the day's latest calls (a display reloading keeps them)."""
        with self.lock:
            state = views.hall_state(self.hall, self.now(), self.last_event_id)
        state["recent_calls"] = self.store.recent_calls(dt.date.fromisoformat(state["day"]))
        return state

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
            wait = self.hall.estimated_wait_s(ticket.service, ahead) if live else 0
        return self._describe(ticket.to_dict(), ahead, wait)

    def _describe(self, data: dict[str, Any], ahead: int, wait: int) -> dict[str, Any]:
        svc = self.config.service(data["service"])
        data["ahead"] = ahead
        data["estimated_wait_s"] = wait if data["status"] in ("waiting", "transferred") else 0
        data["service_name"] = svc.name if svc else ""
        data["service_name_en"] = svc.name_en if svc else ""
        return data
