"""The command handlers: lock → core → one transaction → commit → publish.

The server's JSON API and the apps' in-memory hall both call these methods; each rule they apply lives in
core/ and is called from here once. A refused command raises core.tickets.DomainError (code, sentence,
HTTP status) before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from application import commands as cmd
from application.audit import current_actor
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
from application.locks import FairRLock
from application.store import HallStore, StoredEvent, StoreUnavailable
from core import events as ev
from core import views
from core.bookings import BOOKED, CANCELLED, CHECKED_IN, Booking, check_in, check_new_booking
from core.calendar import WorkCalendar
from core.cases import check_may_complete, is_overdue
from core.config import HallConfig
from core.devices import DEVICE_ROLE_NAMES, Device, check_may_issue, check_new_device, rating_window
from core.floor import floor_view
from core.hall import Hall, Result, case_dict
from core.oversight import due_flags
from core.privacy import mask_name, mask_phone, public_ticket
from core.ratings import check_rating
from core.rules import check_may_reinstate, due_date, require_pause_reason, time_limit_workdays
from core.tickets import Action, DomainError, Ticket

log = logging.getLogger("hallq.service")

Publish = Callable[[list[StoredEvent]], None]


DEVICE_CACHE_S = 5.0  # a device read from the store is trusted this long before it is read again


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


def device_view(row: dict[str, Any]) -> dict[str, Any]:
    """A device as pages and answers show it: never its code or token."""
    return {
        "id": row["id"],
        "name": row["name"],
        "role": row["role"],
        "window": row["window"],
        "paired": bool(row.get("paired_at")) and not row.get("revoked_at"),
        "revoked": bool(row.get("revoked_at")),
        "created_at": row.get("created_at"),
        "last_seen_at": row.get("last_seen_at"),
        "last_address": row.get("last_address") or "",
        "state": row.get("state") or "",
    }


def default_device_name(role: str, window: int | None) -> str:
    where = f"{window}号窗口" if window is not None else ""
    return f"{where}{DEVICE_ROLE_NAMES.get(role, role)}"


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
        # a stranger guessing one clerk's PIN from everywhere at once is slowed too, later (4× the tries)
        self.pins_per_account = PinGuard(4 * config.security.pin_attempts, config.security.lockout_s)
        self.guesses = PinGuard(10, 60, ("预约码错误", "wrong booking codes"))
        self._sessions: dict[str, Session] = {}  # token hash → session: no SELECT and no lookup per request
        # token hash → (device, when read, its last contact, its last address): no SELECT per request
        self._devices: dict[str, tuple[Device, dt.datetime, dt.datetime | None, str | None]] = {}
        self._dummy_salt = secrets.token_bytes(16).hex()
        self._dummy_hash = hash_pin("0000", bytes.fromhex(self._dummy_salt), pin_iterations)
        self.lock = threading.RLock()  # the live hall: held briefly by reads and by a write's command
        self.write_lock = FairRLock()  # one write at a time, in commit order, in the order they came
        self.write_problem = ""  # why the last write failed ("busy", "disk_full"), until one succeeds
        self._publishers: list[Publish] = [publish] if publish else []
        self._closers: list[Callable[[], None]] = []
        self._day_closed: list[Callable[[dt.date, dt.date], None]] = []  # (closed day, new day): reports' roll-ups
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

    def on_day_closed(self, hook: Callable[[dt.date, dt.date], None]) -> None:
        """Run after a day's close is committed (its transaction over), with the closed day and the new one."""
        self._day_closed.append(hook)

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        for closer in self._closers:  # background work (e.g. the figures' warm-up) stops before its store closes
            closer()
        self.store.close()

    def _load(self) -> Hall:
        return self.store.load_hall(self.config, self.clock().astimezone(self.config.tz).date())

    def _sync_staff(self) -> None:
        """Staff in the configuration and not yet in the store are added, PINs stored hashed."""
        known = self.store.staff_codes()
        missing = [s.code for s in self.config.staff if s.code not in known and not s.pin]
        if missing:  # a file exported from another hall's console carries no PINs
            from hallfile.problems import ConfigError

            raise ConfigError(
                [
                    f'staff {code}: 新人员须在配置文件中设置 PIN（pin = "…"），或在控制台“人员”页添加'
                    f' / a person new to this hall needs a PIN in the file (pin = "…"), or add her on the console\'s'
                    " staff page"
                    for code in missing
                ]
            )
        with self.store.transaction():
            for s in self.config.staff:
                if s.code in known:
                    self.store.update_staff(s.code, s.name, s.role)
                elif s.pin:  # a stored version holds no PINs: its people are in the store already
                    salt = secrets.token_bytes(16)
                    self.store.add_staff(s.code, s.name, s.role, hash_pin(s.pin, salt, self.pin_iterations), salt.hex())

    def roll_if_due(self) -> None:
        """After local midnight: close yesterday in its own transaction (at the first command, or by a timer)."""
        with self.write_lock:
            if self.hall.local_day(self.now()) <= self.hall.day:
                return  # the usual case: no transaction at all
            stored: list[StoredEvent] = []
            closed: dt.date | None = None
            try:
                with self.writing():
                    now = self.now()
                    if self.hall.local_day(now) > self.hall.day:
                        closed = self.hall.day
                        stored = self.store.save_events(self.hall.roll_day(now))
                        self.store.mark_booking_no_shows(before=self.hall.day)  # booked, never checked in
            except Exception:
                with self.lock:
                    self.hall = self._load()
                raise
            self._publish(stored)
        if closed is not None:
            for hook in self._day_closed:
                try:
                    hook(closed, self.hall.day)
                except Exception:  # the roll-ups are kept again on first use
                    log.exception("a day-close step failed")

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
        key = hash_token(token)
        session = self._sessions.get(key)
        if session is None:
            row = self.store.session(key)
            if row is None:
                raise DomainError(
                    "unauthorized", "登录已失效，请重新登录。 / Your sign-in is no longer valid; sign in again.", 401
                )
            expires = dt.datetime.fromisoformat(row["expires_at"])
            session = Session(token, row["staff"], row["role"], row["window"], expires)
            self._sessions[key] = session
        if session.expires_at < self.now():
            raise DomainError(
                "token_expired", "登录已过期，请重新登录。 / Your sign-in has expired; sign in again.", 401
            )
        return session

    def _drop_session(self, token: str) -> None:
        self._sessions.pop(hash_token(token), None)
        self.store.drop_session(hash_token(token))

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
        """Sign in (at a window: the attendance sign-in). Returns the session's token.

        Wrong PINs lock out the source trying them (its address or paired device) for that staff number, so a
        stranger elsewhere cannot keep a clerk out of her window; an unknown staff number costs the same time.
        """
        self.check_pin(staff, pin)
        row = self.store.staff_credentials(staff)
        assert row is not None
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

    def check_pin(self, staff: str, pin: str) -> None:
        """A staff number's PIN, slowed for the source guessing it (see login)."""
        source = f"{current_actor.get().source}|{staff}"
        self.pins.check(source)
        self.pins_per_account.check(staff)
        row = self.store.staff_credentials(staff)
        salt, stored = (row["pin_salt"], row["pin_hash"]) if row else (self._dummy_salt, self._dummy_hash)
        if not pin_matches(pin, salt, stored) or row is None:
            self.pins.failed(source)
            self.pins_per_account.failed(staff)
            raise DomainError("wrong_pin", "工号或 PIN 不正确。 / Wrong staff number or PIN.", 401)
        self.pins.succeeded(source)
        self.pins_per_account.succeeded(staff)
        if row.get("disabled_at"):  # after the PIN: a guesser learns nothing (the console's staff page)
            raise DomainError(
                "staff_disabled", "该工号已停用，请联系大厅负责人。 / This staff number is disabled.", 403
            )

    def console_login(self, staff: str, pin: str) -> dict[str, Any]:
        """Sign in to the console: any role (a clerk sees her own figures), no window, no attendance record."""
        self.check_pin(staff, pin)
        row = self.store.staff_credentials(staff)
        assert row is not None
        token = secrets.token_urlsafe(32)
        with self.writing():
            self._add_session(token, staff, row["role"], None)
        member = self.config.staff_member(staff)
        return {
            "token": token,
            "staff": staff,
            "name": member.name if member else row["name"],
            "role": row["role"],
            "window": None,
            "expires_in_s": self.config.security.token_ttl_s,
        }

    def _add_session(self, token: str, staff: str, role: str, window: int | None) -> None:
        now = self.now()
        expires = now + dt.timedelta(seconds=self.config.security.token_ttl_s)
        self.store.add_session(hash_token(token), staff, role, window, now, expires)
        self._sessions[hash_token(token)] = Session(token, staff, role, window, expires)

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
            self._drop_session(session.token)
            if any(isinstance(e, ev.WindowClosed) for e in result.events):
                self.store.record_attendance(session.staff, window, "sign_out", self.now(), self.hall.day)

        with self.write_lock:  # no command changes the hall while this decides
            if window is None or self.hall.windows[window].staff != session.staff:
                with self.writing():
                    self._drop_session(session.token)
                return
            self.execute(lambda hall, now: hall.sign_out(window, now), after=record)

    def change_pin(self, session: Session, old_pin: str, new_pin: str) -> None:
        """One's own PIN: the old one is checked like a sign-in; every other sign-in of this person ends."""
        try:
            self.check_pin(session.staff, old_pin)
        except DomainError as exc:
            if exc.code == "wrong_pin":
                raise DomainError("wrong_pin", "原 PIN 不正确。 / The old PIN is wrong.", 401) from None
            raise
        salt = secrets.token_bytes(16)
        with self.writing():
            self.store.set_pin(session.staff, hash_pin(new_pin, salt, self.pin_iterations), salt.hex())
            self.store.drop_sessions_of(session.staff, keep=hash_token(session.token))
            for key in [k for k, s in self._sessions.items() if s.staff == session.staff and s.token != session.token]:
                del self._sessions[key]
            self.audit("pin.changed", session.staff)

    def end_sessions_of(self, staff: str) -> None:
        """Every sign-in of this person ends (a PIN reset, a disabled person); in the caller's transaction."""
        self.store.drop_sessions_of(staff)
        for key in [k for k, s in self._sessions.items() if s.staff == staff]:
            del self._sessions[key]

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
        *,
        device: Device | None = None,
        staff: bool = False,
    ) -> dict[str, Any]:
        """Issue a ticket (from a paired kiosk, or staff); a repeated idempotency `key` returns the first ticket."""
        check_may_issue(device, self.config.devices.pairing_required, staff)
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
        result = self.execute(
            lambda hall, now: hall.reinstate(ticket, now, by=session.staff),
            after=lambda r: self.audit("ticket.reinstated", ticket.number, after={"ticket": ticket_id}),
        )
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
        *,
        device: Device | None = None,
    ) -> dict[str, Any]:
        """A citizen's rating, from the pad paired with the window that served the ticket (never a default)."""
        window = rating_window(device, self.config.devices.pairing_required, window)
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
                self.audit("booking.created", code, after=row)
        return masked_booking({**row, "name": name, "phone": phone, "status": BOOKED})

    def bookings(self, day: dt.date | None = None) -> list[dict[str, Any]]:
        """A day's appointments; names and phones leave masked."""
        return [masked_booking(r) for r in self.store.bookings(day or self.today())]

    def check_in(
        self, code: str, key: str | None = None, *, device: Device | None = None, staff: bool = False
    ) -> dict[str, Any]:
        """A booked citizen at the kiosk: a priority ticket, and the booking marked used, in one transaction.

        A retry with the same idempotency `key` returns the ticket of the first attempt.
        """
        check_may_issue(device, self.config.devices.pairing_required, staff)
        self.guesses.check(f"check-in:{device.id if device else 'unknown'}")  # (device: one per kiosk)
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
            try:
                checked = check_in(booking, self.today())
            except DomainError:
                if booking is None:  # a guess: six digits are few, so a source gets few tries
                    self.guesses.failed(f"check-in:{device.id if device else 'unknown'}")
                raise

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
                self.audit("booking.cancelled", code, before={"status": row["status"]}, after={"status": CANCELLED})
        return {"code": code, "status": CANCELLED}

    # ---- the clerk's window -----------------------------------------------------------------------------

    def _window_command(self, window: int, command: Callable[[Hall, dt.datetime], Result]) -> dict[str, Any]:
        result = self.execute(command)
        # The command's last event about this window already holds its view as the command left it: reuse it
        # (building it again was a quarter of a call's time).
        views = (getattr(e, "window", None) for e in reversed(result.events))
        view = next((v for v in views if isinstance(v, dict) and v.get("number") == window), None)
        with self.lock:
            answer: dict[str, Any] = {
                "ticket": self.ticket_view(result.ticket) if result.ticket else None,
                "window": view if view is not None else self.hall.window_view(window),
            }
        if result.case is not None:
            answer["case"] = case_dict(result.case)
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
        self._audit_if_on_behalf(window, "window.resumed")
        return self._window_command(window, lambda hall, now: hall.resume(window, now))

    def resume_ticket(self, window: int, body: cmd.ResumeTicket) -> dict[str, Any]:
        return self._window_command(window, lambda hall, now: hall.resume_ticket(window, body.ticket, now))

    def pause(self, window: int, body: cmd.Pause) -> dict[str, Any]:
        self._audit_if_on_behalf(window, "window.paused", body.reason)
        return self._window_command(window, lambda hall, now: hall.pause(window, body.reason, now))

    def _audit_if_on_behalf(self, window: int, action: str, detail: str = "") -> None:
        """A pause or resume by someone other than the window's clerk (a manager, the console) is on record."""
        actor = current_actor.get()
        ws = self.hall.windows.get(window)
        if actor.staff and (ws is None or ws.staff != actor.staff):
            with self.writing():
                self.audit(action, str(window), after=detail or None)

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
        soon = self.config.oversight.due_soon_workdays
        for row in rows:
            row["overdue"] = is_overdue(row["status"], row["due_date"], today)
            row.update(due_flags(row["status"], row["due_date"], today, self.calendar, soon))  # days_left, due_soon
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

    def force_sign_out(self, session: Session, window: int, reason: str) -> dict[str, Any]:
        """A manager signs a clerk out (she left without signing out): on record, with the reason."""
        reason = require_pause_reason(reason)
        with self.write_lock:
            staff = self.hall.windows[window].staff if window in self.hall.windows else None

            def record(result: Result) -> None:
                if staff and any(isinstance(e, ev.WindowClosed) for e in result.events):
                    note = f"forced_by={session.staff}: {reason}"
                    self.store.record_attendance(staff, window, "sign_out", self.now(), self.hall.day, note)
                self.audit("window.forced_sign_out", str(window), before={"staff": staff}, after={"reason": reason})

            self.execute(lambda hall, now: hall.sign_out(window, now, reason="forced"), after=record)
            with self.lock:
                return {"window": self.hall.window_view(window), "staff": staff}

    def move_transfer(
        self, session: Session, ticket_id: str, *, service: str | None = None, window: int | None = None, note: str
    ) -> dict[str, Any]:
        """Move a waiting transfer to another service's queue or another open window (a referral on record)."""
        result = self.execute(
            lambda hall, now: hall.move_transfer(
                ticket_id, now, by=session.staff, note=note, service=service, to_window=window
            ),
            after=lambda r: self.audit(
                "ticket.moved", ticket_id, after={"service": service, "window": window, "note": note}
            ),
        )
        assert result.ticket is not None
        view = self.ticket_view(result.ticket)
        if result.warning:
            view["warning"] = result.warning
        return view

    def set_notice(self, session: Session, text: str) -> dict[str, Any]:
        """The display's scrolling notice ("" = the hall file's own); kept across restarts."""
        text = text.strip()
        if len(text) > 200:
            raise DomainError("too_long", "通知最多 200 个字。 / The notice is at most 200 characters.", 400)

        def run(hall: Hall, now: dt.datetime) -> Result:
            before = self.notice()
            self.store.set_setting("notice", text)
            self.audit("notice.changed", "display", before=before, after=text)
            return Result([ev.NoticeChanged(at=now, notice=text or self.config.notice)])

        self.execute(run)
        return {"notice": self.notice()}

    def notice(self) -> str:
        return self.store.setting("notice") or self.config.notice

    def missed_tickets(self) -> list[dict[str, Any]]:
        """Today's missed numbers (过号), newest first: what the service desk may reinstate."""
        return [self.ticket_view(t) for t in self.store.missed_tickets(self.hall.day)]

    def window_stats(self, day: dt.date) -> dict[int, dict[str, Any]]:
        """Every window's served count and average handling time on a day, in one query."""
        stats = self.store.window_stats(day)
        none = {"served": 0, "average_handling_s": None}
        return {w.number: stats.get(w.number, none) for w in self.config.windows}

    def floor_view(self) -> dict[str, Any]:
        with self.lock:
            return floor_view(self.hall, self.now())

    def reconfigure(self, config: HallConfig, version: int) -> None:
        """Apply a new version of the hall's configuration without a restart (the console's editor, an import).

        The live hall is rebuilt from the store under the new configuration; apps hear `hall.configured` and re-read
        what they show. Refused (nothing changes) if it would drop a service with open tickets or a signed-in window.
        """
        with self.write_lock:
            self.hall.check_reconfigure(config)
            with self.writing():
                stored = self.store.save_events([ev.HallConfigured(at=self.now(), version=version)])
                self.config = config
                self.calendar = official_calendar(config)
                self.hall = self.store.load_hall(config, self.hall.day)
                self.pins = PinGuard(config.security.pin_attempts, config.security.lockout_s)
            self._sync_staff()
            self._publish(stored)

    def set_service_open(self, service: str, is_open: bool) -> dict[str, Any]:
        self.execute(
            lambda hall, now: hall.set_service_open(service, is_open, now),
            after=lambda _: self.audit("service.opened" if is_open else "service.closed", service),
        )
        return {"code": service, "open": is_open}

    # ---- devices (设备配对) and the record of who did what ---------------------------------------------

    def audit(self, action: str, target: str = "", before: Any = None, after: Any = None) -> None:
        """Put a privileged action on record, in the caller's transaction; the actor is who is acting now."""
        actor = current_actor.get()
        self.store.add_audit(
            {
                "at": self.now().isoformat(),
                "staff": actor.staff,
                "role": actor.role,
                "source": actor.source,
                "action": action,
                "target": target,
                "before": json.dumps(before, ensure_ascii=False, default=str) if before is not None else None,
                "after": json.dumps(after, ensure_ascii=False, default=str) if after is not None else None,
            }
        )

    def audit_log(
        self, *, since: str | None = None, until: str | None = None, staff: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        return self.store.audit_log(since=since, until=until, staff=staff, limit=limit)

    def create_device(self, role: str, name: str = "", window: int | None = None) -> dict[str, Any]:
        """A device to pair: its one-time pairing code (shown once, valid `[devices] code_minutes`)."""
        check_new_device(role, window, window is not None and self.config.window(window) is not None)
        now = self.now()
        code = f"{secrets.randbelow(10**8):08d}"
        expires = now + dt.timedelta(minutes=self.config.devices.code_minutes)
        device_id = self.new_id()
        row: dict[str, Any] = {
            "id": device_id,
            "name": name.strip() or default_device_name(role, window),
            "role": role,
            "window": window,
            "code_hash": hash_token(code),
            "code_expires_at": expires.isoformat(),
            "created_at": now.isoformat(),
            "created_by": current_actor.get().staff,
        }
        with self.writing():
            self.store.add_device(row)
            self.audit("device.created", device_id, after=device_view(row))
        return {**device_view(row), "code": code, "code_expires_at": expires.isoformat()}

    def pair(self, code: str) -> dict[str, Any]:
        """A device turns its pairing code into its own token (kept by the app); the code is then spent."""
        source = f"pair:{current_actor.get().source}"
        self.guesses.check(source)
        row = self.store.device_by("code_hash", hash_token(code.strip()))
        now = self.now()
        if row is None or row["revoked_at"] or dt.datetime.fromisoformat(row["code_expires_at"]) < now:
            self.guesses.failed(source)
            raise DomainError(
                "bad_pairing_code",
                "配对码无效或已过期，请在控制台重新生成。 / The pairing code is wrong or expired; make a new one.",
                400,
            )
        token = secrets.token_urlsafe(32)
        with self.writing():
            self.store.update_device(row["id"], token_hash=hash_token(token), code_hash=None, paired_at=now.isoformat())
            self.audit("device.paired", row["id"], after={"address": current_actor.get().source})
        self._devices.clear()  # a device paired anew: its old token ends now
        return {"token": token, "device": device_view(row)}

    def identify_device(self, token: str, address: str = "") -> Device:
        """The paired device a request's device token belongs to; its last contact is kept (at most every 30 s).

        Known devices are held in memory for a few seconds (no read per request); a revocation here clears them at
        once, one by `hallq device revoke` beside the running server counts within `DEVICE_CACHE_S`."""
        key, now = hash_token(token), self.now()
        cached = self._devices.get(key)
        if cached is None or (now - cached[1]).total_seconds() > DEVICE_CACHE_S:
            row = self.store.device_by("token_hash", key)
            if row is None or row["revoked_at"]:
                self._devices.pop(key, None)
                raise DomainError(
                    "device_unknown",
                    "此设备未配对或已被撤销，请重新配对。 / This device is not paired (or was revoked); pair it again.",
                    401,
                )
            seen = dt.datetime.fromisoformat(row["last_seen_at"]) if row["last_seen_at"] else None
            cached = (Device(row["id"], row["name"], row["role"], row["window"]), now, seen, row["last_address"])
            self._devices[key] = cached
        device, read_at, seen, last_address = cached
        if seen is None or (now - seen).total_seconds() > 30 or last_address != address:
            with self.writing():
                self.store.update_device(device.id, last_seen_at=now.isoformat(), last_address=address)
            self._devices[key] = (device, read_at, now, address)
        return device

    def report_device_state(self, device: Device, state: str) -> None:
        """A device says how it is (a printer out of paper, a sign not answering); "" when all is well."""
        with self.writing():
            self.store.update_device(device.id, state=state[:200], last_seen_at=self.now().isoformat())

    def update_device(self, device_id: str, *, name: str | None = None, window: int | None = None) -> dict[str, Any]:
        """Rename a device or move it to another window (pads and callers belong to one)."""
        row = self._device(device_id)
        changes: dict[str, Any] = {}
        if name is not None and name.strip():
            changes["name"] = name.strip()
        if window is not None:
            check_new_device(row["role"], window, self.config.window(window) is not None)
            changes["window"] = window
        with self.writing():
            self.store.update_device(device_id, **changes)
            self.audit("device.updated", device_id, before=device_view(row), after=changes)
        self._devices.clear()
        return device_view({**row, **changes})

    def revoke_device(self, device_id: str) -> dict[str, Any]:
        row = self._device(device_id)
        with self.writing():
            self.store.update_device(device_id, revoked_at=self.now().isoformat(), token_hash=None, code_hash=None)
            self.audit("device.revoked", device_id, before=device_view(row))
        self._devices.clear()
        return {**device_view(row), "revoked": True}

    def devices(self) -> list[dict[str, Any]]:
        """Every device with its last contact and state, and whether it is online (heard from in 2 minutes)."""
        now = self.now()
        out = []
        for row in self.store.devices():
            view = device_view(row)
            seen = row["last_seen_at"]
            view["online"] = bool(seen) and (now - dt.datetime.fromisoformat(seen)).total_seconds() < 120
            out.append(view)
        return out

    def _device(self, device_id: str) -> dict[str, Any]:
        row = self.store.device(device_id)
        if row is None:
            raise DomainError("unknown_device", "没有这个设备。 / There is no such device.", 404)
        return row

    # ---- reads -------------------------------------------------------------------------------------------

    def hall_state(self) -> dict[str, Any]:
        """The live hall for screens: windows, waiting; the day's latest calls (a display reloading keeps them)."""
        with self.lock:
            state = views.hall_state(self.hall, self.now(), self.last_event_id)
        state["notice"] = self.notice()
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
