"""The hall aggregate: queues, windows and today's open tickets, with every rule that moves them.

Commands take `now` (an aware datetime) and return a Result whose events describe what changed.
A command that the rules refuse raises DomainError before it changes anything.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from core import events as ev
from core.calendar import WorkCalendar
from core.cases import Case, case_number, check_finish, require_case_type
from core.config import HallConfig, Window
from core.permissions import may_cover_window
from core.queues import Line, ServiceQueue, age, call_order
from core.rules import due_date as computed_due_date
from core.rules import require_pause_reason, require_transfer_note
from core.tickets import AT_WINDOW, QUEUED, Action, DomainError, Referral, Status, Ticket, format_number, next_status

CLOSED, OPEN, PAUSED = "closed", "open", "paused"


@dataclass
class WindowState:
    number: int
    status: str = CLOSED
    staff: str | None = None
    current: str | None = None  # id of the ticket called or served here
    pause_reason: str = ""
    since: dt.datetime | None = None
    priority_streak: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Built by hand: this runs several times a command, and `asdict` deep-copies."""
        return {
            "number": self.number,
            "status": self.status,
            "staff": self.staff,
            "current": self.current,
            "pause_reason": self.pause_reason,
            "since": self.since.isoformat() if self.since else None,
            "priority_streak": self.priority_streak,
        }

    @classmethod
    def from_dict(cls, w: dict[str, Any]) -> WindowState:
        return cls(
            number=w["number"],
            status=w["status"],
            staff=w["staff"],
            current=w["current"],
            pause_reason=w["pause_reason"],
            since=dt.datetime.fromisoformat(w["since"]) if w["since"] else None,
            priority_streak=w["priority_streak"],
        )


_CASE_FIELDS = tuple(f.name for f in fields(Case))


def case_dict(case: Case) -> dict[str, Any]:
    """`asdict(case)` without its deep copy (every field is a plain value or a tuple of strings)."""
    return {name: getattr(case, name) for name in _CASE_FIELDS}


@dataclass
class Result:
    events: list[ev.Event]
    ticket: Ticket | None = None
    case: Case | None = None
    warning: str = ""  # done, but someone should know (e.g. a transfer to a paused window)


class Hall:
    def __init__(self, config: HallConfig, day: dt.date):
        self.config = config
        self.day = day
        self.counters: dict[str, int] = {s.code: 0 for s in config.services}
        self.tickets: dict[str, Ticket] = {}  # today's tickets that are not yet terminal
        self.windows: dict[int, WindowState] = {w.number: WindowState(w.number) for w in config.windows}
        self.queues: dict[str, ServiceQueue] = {s.code: ServiceQueue() for s in config.services}
        self.window_heads: dict[int, Line] = {w.number: Line() for w in config.windows}
        self.closed_services: set[str] = set()
        self.cases_today = 0  # numbers today's cases (办件编号)
        self.durations: dict[str, deque[float]] = {
            s.code: deque(maxlen=max(1, config.estimate_sample)) for s in config.services
        }

    # ---- restoring from storage -------------------------------------------------------------

    @classmethod
    def restore(
        cls,
        config: HallConfig,
        day: dt.date,
        *,
        tickets: Iterable[Ticket] = (),
        windows: Iterable[WindowState] = (),
        counters: dict[str, int] | None = None,
        closed_services: Iterable[str] = (),
        durations: dict[str, list[float]] | None = None,
        cases_today: int = 0,
    ) -> Hall:
        hall = cls(config, day)
        hall.cases_today = cases_today
        hall.counters.update(counters or {})
        hall.closed_services = set(closed_services)
        for code, values in (durations or {}).items():
            if code in hall.durations:
                hall.durations[code].extend(values)
        for w in windows:
            if w.number in hall.windows:
                hall.windows[w.number] = w
        for t in sorted(tickets, key=lambda t: (t.queued_at or t.issued_at, t.seq)):
            if t.day != day or t.status not in QUEUED | AT_WINDOW | {Status.SUSPENDED}:
                continue
            hall.tickets[t.id] = t
            if t.status in QUEUED:
                hall._enqueue(t)
        return hall

    # ---- the day --------------------------------------------------------------------------------

    def local_day(self, now: dt.datetime) -> dt.date:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return now.astimezone(self.config.tz).date()

    def _begin(self, now: dt.datetime) -> list[ev.Event]:
        """Roll to the hall's new local day if `now` is past midnight there."""
        today = self.local_day(now)
        return self.roll_day(now) if today > self.day else []

    def roll_day(self, now: dt.datetime) -> list[ev.Event]:
        """Close everything still open from the previous day and start numbering afresh."""
        out: list[ev.Event] = []
        for ticket in list(self.tickets.values()):
            ticket.apply(Action.CLOSE)
            ticket.finished_at = now
            out.append(ev.TicketClosed(at=now, ticket=ticket.to_dict()))
        for ws in self.windows.values():
            if ws.status != CLOSED:
                staff = ws.staff
                ws.status, ws.staff, ws.current, ws.pause_reason, ws.since = CLOSED, None, None, "", now
                out.append(ev.WindowClosed(at=now, window=self.window_view(ws.number), staff=staff, reason="day_end"))
        previous = self.day
        self.day = self.local_day(now)
        self.tickets.clear()
        self.counters = {code: 0 for code in self.counters}
        self.cases_today = 0
        self.queues = {code: ServiceQueue() for code in self.queues}
        self.window_heads = {n: Line() for n in self.window_heads}
        out.append(ev.DayRolled(at=now, from_day=previous.isoformat(), to_day=self.day.isoformat()))
        return out

    # ---- views ----------------------------------------------------------------------------------

    def waiting_counts(self) -> dict[str, int]:
        """Waiting per service queue. A ticket transferred to one window waits there, not in its service's
        queue: it counts in that window's `waiting` (window_view), not here."""
        return {code: len(q) for code, q in self.queues.items()}

    def is_staffed(self, service: str) -> bool:
        """Some open (signed-in, not paused) window serves this service."""
        return any(self.windows[w.number].status == OPEN for w in self.config.windows_serving(service))

    def window_view(self, number: int) -> dict[str, Any]:
        ws = self.windows[number]
        cfg = self.config.window(number)
        data = ws.to_dict()
        current = self.tickets.get(ws.current) if ws.current else None
        staff = self.config.staff_member(ws.staff) if ws.staff else None
        data.update(
            name=cfg.name if cfg else "",
            services=list(cfg.services) if cfg else [],
            staff_name=staff.name if staff else None,
            current_number=current.number if current else None,
            current_status=current.status.value if current else None,
            # who this window may call: its services' queues and tickets transferred to it alone
            waiting=sum(len(self.queues[s]) for s in (cfg.services if cfg else ())) + len(self.window_heads[number]),
        )
        return data

    def is_service_open(self, code: str, now: dt.datetime) -> bool:
        if code in self.closed_services:
            return False
        if not self.config.enforce_hours:
            return True
        return self.config.is_open_at(now.astimezone(self.config.tz), early_minutes=self.config.early_minutes)

    def ahead(self, ticket: Ticket) -> int:
        """How many are called before this ticket in its queue."""
        if ticket.status not in QUEUED:
            return 0
        if ticket.target_window is not None:
            return self.window_heads[ticket.target_window].position(ticket.id)
        q = self.queues[ticket.service]
        if ticket.id in q.head:
            return q.head.position(ticket.id)
        if ticket.id in q.priority:
            return len(q.head) + q.priority.position(ticket.id)
        return len(q.head) + len(q.priority) + q.normal.position(ticket.id)

    def average_service_s(self, service: str) -> float:
        times = self.durations.get(service)
        if times:
            return sum(times) / len(times)
        return float(self.config.estimate_default_s)

    def estimated_wait_s(self, service: str, ahead: int) -> int:
        if not ahead:
            return 0
        windows = self.windows
        serving = sum(1 for w in self.config.windows_serving(service) if windows[w.number].status == OPEN)
        return round(ahead * self.average_service_s(service) / max(1, serving))

    def ticket_view(self, ticket: Ticket) -> dict[str, Any]:
        data = ticket.to_dict()
        ahead = self.ahead(ticket)
        data["ahead"] = ahead
        data["estimated_wait_s"] = self.estimated_wait_s(ticket.service, ahead) if ticket.status in QUEUED else 0
        return data

    def suspended_at(self, window: int) -> list[Ticket]:
        return [t for t in self.tickets.values() if t.status is Status.SUSPENDED and t.suspended_by == window]

    def next_numbers(self, window: int, count: int = 5) -> list[str]:
        """The numbers this window would call next, in order (for the clerk's view): the call's own order."""
        return [t.number for t, _ in zip(self._call_order(window), range(count), strict=False)]

    # ---- the kiosk ------------------------------------------------------------------------------

    def issue(
        self,
        service: str,
        now: dt.datetime,
        *,
        ticket_id: str,
        priority: bool = False,
        priority_reason: str = "",
        item: str | None = None,
        booking: str | None = None,
    ) -> Result:
        out = self._begin(now)
        svc = self.config.service(service)
        if svc is None:
            raise DomainError(
                "unknown_service", f"没有代码为 {service!r} 的服务。 / There is no service {service!r}.", 400
            )
        if item is not None:
            it = self.config.item(item)
            if it is None or it.service != service:
                raise DomainError(
                    "unknown_item",
                    f"服务 {service} 下没有事项 {item!r}。 / Service {service} has no item {item!r}.",
                    400,
                )
        if not self.is_service_open(service, now):
            raise DomainError(
                "service_closed",
                f"{svc.name}现在不取号（不在办公时间或已暂停）。 / {svc.name_en or svc.code} is not taking tickets now.",
            )
        seq = self.counters.get(service, 0) + 1
        ticket = Ticket(
            id=ticket_id,
            number=format_number(svc.prefix, seq, self.config.number_width),
            service=service,
            day=self.day,
            seq=seq,
            issued_at=now,
            priority=priority,
            priority_reason=priority_reason if priority else "",
            item=item,
            booking=booking,
        )
        self.counters[service] = seq
        self.tickets[ticket.id] = ticket
        self._enqueue(ticket)
        ahead = self.ahead(ticket)
        out.append(
            ev.TicketIssued(
                at=now,
                ticket=ticket.to_dict(),
                ahead=ahead,
                estimated_wait_s=self.estimated_wait_s(service, ahead),
                waiting=self.waiting_counts(),
            )
        )
        return Result(out, ticket)

    def cancel(self, ticket_id: str, now: dt.datetime) -> Result:
        out = self._begin(now)
        ticket = self._ticket(ticket_id)
        ticket.apply(Action.CANCEL)
        self._dequeue(ticket)
        ticket.finished_at = now
        del self.tickets[ticket.id]
        out.append(ev.TicketCancelled(at=now, ticket=ticket.to_dict(), waiting=self.waiting_counts()))
        return Result(out, ticket)

    # ---- the clerk's window ----------------------------------------------------------------------

    def sign_in(self, window: int, staff: str, now: dt.datetime) -> Result:
        out = self._begin(now)
        cfg = self._window_cfg(window)
        member = self.config.staff_member(staff)
        if member is None:
            raise DomainError("unknown_staff", f"没有工号 {staff}。 / There is no staff number {staff}.", 400)
        post = "A" if staff == cfg.staff_a else "B" if staff == cfg.staff_b else ""
        if not post and not may_cover_window(member.role):  # a manager may cover any window, on record (post "")
            raise DomainError(
                "not_your_window",
                f"工号 {staff} 不是{window}号窗口的A岗或B岗，不能在此签到。"
                f" / Staff {staff} is neither the A nor the B post of window {window}.",
                403,
            )
        for other in self.windows.values():
            if other.staff == staff and other.number != window:
                if other.current:
                    raise DomainError(
                        "busy_elsewhere",
                        f"工号 {staff} 在{other.number}号窗口还有未办结的号。 / Staff {staff} still has a ticket at window {other.number}.",
                    )
                out += self._close_window(other, now, reason="moved")
        ws = self.windows[window]
        handover_from = ws.staff if ws.staff not in (None, staff) else None  # the B-post handover, on record
        if ws.status == CLOSED:
            ws.status, ws.since = OPEN, now
        ws.staff = staff
        out.append(
            ev.WindowOpened(
                at=now, window=self.window_view(window), staff=staff, post=post, handover_from=handover_from
            )
        )
        return Result(out)

    def sign_out(self, window: int, now: dt.datetime, reason: str = "sign_out") -> Result:
        """The clerk signs out ("sign_out"), or a manager signs her out ("forced"); never with a citizen there."""
        out = self._begin(now)
        ws = self._window(window)
        if ws.current:
            raise DomainError("window_busy", self._busy_message(ws), 409)
        if ws.status == CLOSED:
            return Result(out)
        return Result(out + self._close_window(ws, now, reason=reason))

    def _close_window(self, ws: WindowState, now: dt.datetime, reason: str) -> list[ev.Event]:
        staff = ws.staff
        ws.status, ws.staff, ws.pause_reason, ws.since = CLOSED, None, "", now
        return [ev.WindowClosed(at=now, window=self.window_view(ws.number), staff=staff, reason=reason)]

    def call_next(self, window: int, now: dt.datetime) -> Result:
        out = self._begin(now)
        ws = self._open_window(window)
        if ws.current:
            raise DomainError("window_busy", self._busy_message(ws), 409)
        ticket = self._pick(window)
        if ticket is None:
            return Result(out)
        self._dequeue(ticket)
        ticket.apply(Action.CALL)
        ticket.window, ticket.staff, ticket.called_at, ticket.target_window = window, ws.staff, now, None
        ws.current = ticket.id
        ws.priority_streak = ws.priority_streak + 1 if ticket.priority else 0
        out.append(
            ev.TicketCalled(
                at=now, ticket=ticket.to_dict(), window=self.window_view(window), waiting=self.waiting_counts()
            )
        )
        return Result(out, ticket)

    def recall(self, window: int, now: dt.datetime) -> Result:
        out = self._begin(now)
        ticket = self._current(window)
        ticket.apply(Action.RECALL)
        ticket.recalls += 1
        out.append(ev.TicketRecalled(at=now, ticket=ticket.to_dict(), window=self.window_view(window)))
        return Result(out, ticket)

    def start(self, window: int, now: dt.datetime) -> Result:
        out = self._begin(now)
        ticket = self._current(window)
        ticket.apply(Action.START)
        ticket.started_at = now
        out.append(ev.TicketStarted(at=now, ticket=ticket.to_dict(), window=self.window_view(window)))
        return Result(out, ticket)

    def finish(
        self,
        window: int,
        now: dt.datetime,
        *,
        calendar: WorkCalendar,
        case_id: str,
        case_kind: str = "immediate",
        item: str | None = None,
        due_date: dt.date | None = None,
        due_reason: str = "",
        note: str = "",
        missing_materials: Iterable[str] = (),
    ) -> Result:
        out = self._begin(now)
        ticket = self._current(window)
        kind = require_case_type(case_kind)
        item_code = item or ticket.item
        it = self.config.item(item_code) if item_code else None
        if item_code and it is None:
            raise DomainError("unknown_item", f"没有事项 {item_code!r}。 / There is no item {item_code!r}.", 400)
        accepted = self.day
        computed = computed_due_date(it, self.config, calendar, accepted) if kind.needs_due_date else None
        missing = check_finish(
            kind,
            item=item_code,
            missing_materials=missing_materials,
            note=note,
            due_date=due_date,
            computed_due=computed,
            accepted_on=accepted,
            due_reason=due_reason,
        )
        next_status(ticket.status, Action.FINISH, ticket.number)  # refuses before anything changes
        due = (due_date or computed) if kind.needs_due_date else None
        ticket.apply(Action.FINISH)
        ticket.finished_at = now
        if ticket.called_at:
            self.durations[ticket.service].append((now - ticket.called_at).total_seconds())
        ws = self.windows[window]
        ws.current = None
        del self.tickets[ticket.id]
        self.cases_today += 1
        case = Case(
            id=case_id,
            case_number=case_number(accepted, self.cases_today),
            ticket=ticket.id,
            number=ticket.number,
            service=ticket.service,
            item=item_code,
            case_type=kind.code,
            window=window,
            staff=ticket.staff or "",
            accepted_on=accepted.isoformat(),
            due_date=due.isoformat() if due else None,
            status="open" if kind.needs_due_date else "completed",
            note=note,
            due_reason=due_reason,
            missing_materials=missing,
            completed_at=None if kind.needs_due_date else now.isoformat(),
        )
        out.append(
            ev.TicketFinished(
                at=now,
                ticket=ticket.to_dict(),
                window=self.window_view(window),
                case=case_dict(case),
                waiting=self.waiting_counts(),
            )
        )
        return Result(out, ticket, case)

    def no_show(self, window: int, now: dt.datetime) -> Result:
        out = self._begin(now)
        ticket = self._current(window)
        ticket.apply(Action.NO_SHOW)
        ticket.finished_at = now
        self.windows[window].current = None
        del self.tickets[ticket.id]
        out.append(ev.TicketNoShow(at=now, ticket=ticket.to_dict(), window=self.window_view(window)))
        return Result(out, ticket)

    def suspend(self, window: int, now: dt.datetime) -> Result:
        out = self._begin(now)
        ticket = self._current(window)
        ticket.apply(Action.SUSPEND)
        ticket.suspended_by = window
        self.windows[window].current = None
        out.append(ev.TicketSuspended(at=now, ticket=ticket.to_dict(), window=self.window_view(window)))
        return Result(out, ticket)

    def resume_ticket(self, window: int, ticket_id: str, now: dt.datetime) -> Result:
        out = self._begin(now)
        ws = self._open_window(window)
        ticket = self._ticket(ticket_id)
        if ticket.status is Status.SUSPENDED and ticket.suspended_by != window:
            raise DomainError(
                "not_your_ticket",
                f"{ticket.number}号是在{ticket.suspended_by}号窗口挂起的。 / Ticket {ticket.number} was suspended at window {ticket.suspended_by}.",
            )
        if ws.current:
            raise DomainError("window_busy", self._busy_message(ws), 409)
        ticket.apply(Action.RESUME)
        ticket.suspended_by = None
        ticket.window = window
        ws.current = ticket.id
        out.append(ev.TicketResumed(at=now, ticket=ticket.to_dict(), window=self.window_view(window)))
        return Result(out, ticket)

    def transfer(
        self,
        window: int,
        now: dt.datetime,
        *,
        note: str,
        service: str | None = None,
        to_window: int | None = None,
    ) -> Result:
        out = self._begin(now)
        self._check_transfer_target(service, to_window, from_window=window)
        note = require_transfer_note(note)
        ticket = self._current(window)
        ws = self.windows[window]
        ticket.apply(Action.TRANSFER)
        ticket.referrals.append(
            Referral(
                from_window=window,
                from_staff=ws.staff or "",
                note=note,
                at=now,
                to_service=service,
                to_window=to_window,
            )
        )
        if service is not None:
            ticket.service = service
        ticket.target_window = to_window
        ticket.window = ticket.staff = None
        ticket.queued_at = now
        ws.current = None
        self._enqueue(ticket)
        out.append(
            ev.TicketTransferred(
                at=now,
                ticket=ticket.to_dict(),
                window=self.window_view(window),
                from_window=window,
                to_service=service,
                to_window=to_window,
                ahead=self.ahead(ticket),
                waiting=self.waiting_counts(),
            )
        )
        return Result(out, ticket, warning=self._transfer_warning(service, to_window))

    def _check_transfer_target(self, service: str | None, to_window: int | None, *, from_window: int | None) -> None:
        """A transfer goes to one service or one open window (not back to where it is)."""
        if (service is None) == (to_window is None):
            raise DomainError(
                "bad_target",
                "请指定转往的服务或窗口（二选一）。 / Give either a service or a window to transfer to.",
                400,
            )
        if service is not None and self.config.service(service) is None:
            raise DomainError(
                "unknown_service", f"没有代码为 {service!r} 的服务。 / There is no service {service!r}.", 400
            )
        if to_window is not None:
            if self.config.window(to_window) is None:
                raise DomainError("unknown_window", f"没有{to_window}号窗口。 / There is no window {to_window}.", 400)
            if to_window == from_window:
                raise DomainError(
                    "bad_target", "不能转给本窗口。 / A ticket cannot be transferred to its own window.", 400
                )
            if self.windows[to_window].status == CLOSED:
                raise DomainError(
                    "target_closed",
                    f"{to_window}号窗口未开放（无人签到），不能转往该窗口；请转往其业务或其他窗口。"
                    f" / Window {to_window} is closed (nobody signed in); transfer to its service or another window.",
                    409,
                )

    def _transfer_warning(self, service: str | None, to_window: int | None) -> str:
        if to_window is not None and self.windows[to_window].status == PAUSED:
            reason = self.windows[to_window].pause_reason
            return (
                f"{to_window}号窗口暂停服务中（{reason}），恢复后才会叫号。"
                f" / Window {to_window} is paused ({reason}); the citizen is called when it resumes."
            )
        if service is not None and not self.is_staffed(service):
            svc = self.config.service(service)
            name = svc.name if svc else service
            return f"目前没有开放的窗口办理{name}。 / No open window serves {service} at the moment."
        return ""

    def move_transfer(
        self,
        ticket_id: str,
        now: dt.datetime,
        *,
        by: str,
        note: str,
        service: str | None = None,
        to_window: int | None = None,
    ) -> Result:
        """A manager moves a transfer stuck in a line (a window that closed, the wrong service) elsewhere: to the
        head of another service's queue or to another open window, with a referral on record."""
        out = self._begin(now)
        ticket = self._ticket(ticket_id)
        if ticket.status is not Status.TRANSFERRED:
            raise DomainError(
                "not_a_transfer",
                f"{ticket.number}号不是等候中的转办号。 / Ticket {ticket.number} is not a waiting transfer.",
            )
        self._check_transfer_target(service, to_window, from_window=None)
        note = require_transfer_note(note)
        self._dequeue(ticket)
        ticket.referrals.append(
            Referral(from_window=0, from_staff=by, note=note, at=now, to_service=service, to_window=to_window)
        )
        if service is not None:
            ticket.service = service
        ticket.target_window = to_window
        ticket.queued_at = now
        self._enqueue(ticket)
        out.append(
            ev.TicketMoved(
                at=now,
                ticket=ticket.to_dict(),
                by=by,
                to_service=service,
                to_window=to_window,
                ahead=self.ahead(ticket),
                waiting=self.waiting_counts(),
            )
        )
        return Result(out, ticket, warning=self._transfer_warning(service, to_window))

    def pause(self, window: int, reason: str, now: dt.datetime) -> Result:
        out = self._begin(now)
        ws = self._open_window(window)
        reason = require_pause_reason(reason)
        if ws.current:
            raise DomainError("window_busy", self._busy_message(ws), 409)
        ws.status, ws.pause_reason, ws.since = PAUSED, reason, now
        out.append(ev.WindowPaused(at=now, window=self.window_view(window), reason=ws.pause_reason))
        return Result(out)

    def resume(self, window: int, now: dt.datetime) -> Result:
        out = self._begin(now)
        ws = self._window(window)
        if ws.status != PAUSED:
            raise DomainError("not_paused", f"{window}号窗口没有暂停。 / Window {window} is not paused.")
        ws.status, ws.pause_reason, ws.since = OPEN, "", now
        out.append(ev.WindowResumed(at=now, window=self.window_view(window)))
        return Result(out)

    # ---- the service desk -------------------------------------------------------------------------

    def reinstate(self, ticket: Ticket, now: dt.datetime, *, by: str) -> Result:
        """A missed number (过号) back in its queue: at the head, or after `missed_after` waiting; at most
        `missed_times` times per ticket. `ticket` is today's no-show as stored."""
        out = self._begin(now)
        if ticket.day != self.day or ticket.status is not Status.NO_SHOW:
            raise DomainError(
                "not_missed",
                f"{ticket.number}号不是今天过号的号，不能恢复排队。 / Ticket {ticket.number} is not a missed number of today.",
            )
        if ticket.reinstated >= self.config.missed_times:
            raise DomainError(
                "reinstate_limit",
                f"{ticket.number}号已恢复过{ticket.reinstated}次，不能再恢复，请重新取号。"
                f" / Ticket {ticket.number} was already reinstated {ticket.reinstated} time(s); take a new ticket.",
            )
        ticket.apply(Action.REINSTATE)
        ticket.reinstated += 1
        ticket.window = ticket.staff = ticket.target_window = None
        ticket.called_at = ticket.started_at = ticket.finished_at = None
        ticket.queued_at = now
        self.tickets[ticket.id] = ticket
        q = self.queues[ticket.service]
        if self.config.missed_after == 0:
            q.head.add(ticket)
        else:
            line = q.priority if ticket.priority else q.normal
            ahead_of_line = len(q.head) + (0 if ticket.priority else len(q.priority))
            position = max(0, self.config.missed_after - ahead_of_line)
            waiting = line.values()
            if position < len(waiting):  # join between two tickets: its age says so too, for a restart
                ticket.queued_at = age(waiting[position])[0] - dt.timedelta(microseconds=1)
            line.insert(ticket, position)
        ahead = self.ahead(ticket)
        out.append(
            ev.TicketReinstated(at=now, ticket=ticket.to_dict(), by=by, ahead=ahead, waiting=self.waiting_counts())
        )
        return Result(out, ticket)

    # ---- the configuration ------------------------------------------------------------------------

    def check_reconfigure(self, new: HallConfig) -> None:
        """A new configuration may not drop a service someone waits for or a window someone works at."""
        codes = {s.code for s in new.services}
        waiting = sorted({t.service for t in self.tickets.values() if t.service not in codes})
        if waiting:
            raise DomainError(
                "service_in_use",
                f"服务 {'、'.join(waiting)} 还有未办结的号，不能删除。 / Services {', '.join(waiting)} still have open"
                " tickets; they cannot be removed now.",
            )
        numbers = {w.number for w in new.windows}
        working = sorted(n for n, ws in self.windows.items() if n not in numbers and ws.status != CLOSED)
        if working:
            raise DomainError(
                "window_in_use",
                f"{'、'.join(map(str, working))}号窗口有人签到，不能删除。 / Windows {working} are signed in; they"
                " cannot be removed now.",
            )
        targets = {t.target_window for t in self.tickets.values() if t.target_window is not None}
        awaited = sorted(targets - numbers)
        if awaited:
            raise DomainError(
                "window_awaited",
                f"有群众被转到{'、'.join(map(str, awaited))}号窗口等候，不能删除（先改转其他窗口）。 / Citizens transferred"
                f" to windows {awaited} wait for them; move those transfers first.",
            )

    # ---- the manager ----------------------------------------------------------------------------

    def set_service_open(self, service: str, is_open: bool, now: dt.datetime) -> Result:
        out = self._begin(now)
        if self.config.service(service) is None:
            raise DomainError(
                "unknown_service", f"没有代码为 {service!r} 的服务。 / There is no service {service!r}.", 404
            )
        if is_open:
            self.closed_services.discard(service)
            out.append(ev.ServiceOpened(at=now, service=service))
        else:
            self.closed_services.add(service)
            out.append(ev.ServiceClosed(at=now, service=service))
        return Result(out)

    # ---- helpers --------------------------------------------------------------------------------

    def _enqueue(self, ticket: Ticket) -> None:
        if ticket.target_window is not None:
            self.window_heads[ticket.target_window].add(ticket)
            return
        q = self.queues[ticket.service]
        if ticket.status is Status.TRANSFERRED or (ticket.reinstated and self.config.missed_after == 0):
            q.head.add(ticket)
        elif ticket.priority:
            q.priority.add(ticket)
        else:
            q.normal.add(ticket)

    def _dequeue(self, ticket: Ticket) -> None:
        self.queues[ticket.service].remove(ticket.id)
        if ticket.target_window is not None:
            self.window_heads[ticket.target_window].pop(ticket.id)

    def _call_order(self, window: int) -> Iterable[Ticket]:
        cfg: Window = self._window_cfg(window)
        return call_order(
            self.window_heads[window],
            [self.queues[s] for s in cfg.services],
            [[self.queues[s] for s in level] for level in cfg.levels],
            policy=self.config.priority_policy,
            interleave=self.config.priority_interleave,
            streak=self.windows[window].priority_streak,
        )

    def _pick(self, window: int) -> Ticket | None:
        """The next ticket for a window: the first of its call order."""
        return next(iter(self._call_order(window)), None)

    def _window_cfg(self, window: int) -> Window:
        cfg = self.config.window(window)
        if cfg is None:
            raise DomainError("unknown_window", f"没有{window}号窗口。 / There is no window {window}.", 404)
        return cfg

    def _window(self, window: int) -> WindowState:
        self._window_cfg(window)
        return self.windows[window]

    def _open_window(self, window: int) -> WindowState:
        ws = self._window(window)
        if ws.status == CLOSED:
            raise DomainError("window_closed", f"{window}号窗口未签到开放。 / Window {window} is not signed in.")
        if ws.status == PAUSED:
            raise DomainError(
                "window_paused",
                f"{window}号窗口已暂停服务（{ws.pause_reason}），请先恢复。 / Window {window} is paused; resume it first.",
            )
        return ws

    def _current(self, window: int) -> Ticket:
        ws = self._window(window)
        if not ws.current:
            raise DomainError(
                "no_current_ticket", f"{window}号窗口当前没有号。 / Window {window} has no current ticket."
            )
        return self.tickets[ws.current]

    def _ticket(self, ticket_id: str) -> Ticket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise DomainError(
                "ticket_not_open", "该号不存在或已经结束。 / That ticket does not exist or is already over.", 404
            )
        return ticket

    def _busy_message(self, ws: WindowState) -> str:
        number = self.tickets[ws.current].number if ws.current else ""
        return (
            f"{ws.number}号窗口正在办理{number}号，请先办结、转办、挂起或标记过号。"
            f" / Window {ws.number} still has ticket {number}; finish, transfer, suspend or mark it absent first."
        )
