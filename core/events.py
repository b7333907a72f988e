"""Events: one small dataclass per thing that happened, named in the past tense, each declaring its fields.

Every state change in the hall yields events; the server stores them in its event log (which gives them
increasing ids) and publishes them on the event stream after commit. On the wire an event is its `name`
and its `payload()`: {"at": ISO time, then each declared field}. The wire shapes are a contract.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

TicketData = dict[str, Any]  # a ticket as Ticket.to_dict() gives it
WindowData = dict[str, Any]  # a window as Hall.window_view() gives it


@dataclass(frozen=True, kw_only=True)
class Event:
    name: ClassVar[str] = "event"
    at: dt.datetime

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"at": self.at.isoformat()}
        for f in dataclasses.fields(self)[1:]:
            data[f.name] = getattr(self, f.name)
        return data

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Event:
        names = {f.name for f in dataclasses.fields(cls)} - {"at"}
        return cls(at=dt.datetime.fromisoformat(payload["at"]), **{k: v for k, v in payload.items() if k in names})


@dataclass(frozen=True, kw_only=True)
class TicketEvent(Event):
    """Something happened to a ticket: the ticket as it is now."""

    ticket: TicketData


@dataclass(frozen=True, kw_only=True)
class WindowEvent(Event):
    """Something happened at a window: the window as it is now."""

    window: WindowData


@dataclass(frozen=True, kw_only=True)
class TicketAtWindowEvent(TicketEvent):
    window: WindowData


@dataclass(frozen=True, kw_only=True)
class TicketIssued(TicketEvent):
    name = "ticket.issued"
    ahead: int
    estimated_wait_s: int
    waiting: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class TicketCalled(TicketAtWindowEvent):
    name = "ticket.called"
    waiting: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class TicketRecalled(TicketAtWindowEvent):
    name = "ticket.recalled"


@dataclass(frozen=True, kw_only=True)
class TicketStarted(TicketAtWindowEvent):
    name = "ticket.started"


@dataclass(frozen=True, kw_only=True)
class TicketFinished(TicketAtWindowEvent):
    name = "ticket.finished"
    case: dict[str, Any]  # the case (办件) recorded, as core.cases.Case fields
    waiting: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class TicketNoShow(TicketAtWindowEvent):
    name = "ticket.no_show"


@dataclass(frozen=True, kw_only=True)
class TicketSuspended(TicketAtWindowEvent):
    name = "ticket.suspended"


@dataclass(frozen=True, kw_only=True)
class TicketResumed(TicketAtWindowEvent):
    name = "ticket.resumed"


@dataclass(frozen=True, kw_only=True)
class TicketTransferred(TicketAtWindowEvent):
    name = "ticket.transferred"
    from_window: int
    to_service: str | None
    to_window: int | None
    ahead: int
    waiting: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class TicketMoved(TicketEvent):
    """A manager moved a waiting transfer to another service or window."""

    name = "ticket.moved"
    by: str
    to_service: str | None
    to_window: int | None
    ahead: int
    waiting: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class HallConfigured(Event):
    """A new version of the hall's configuration applies: apps re-read services, items, windows, texts."""

    name = "hall.configured"
    version: int


@dataclass(frozen=True, kw_only=True)
class NoticeChanged(Event):
    """The display's scrolling notice, set in the console ("" = the hall file's own)."""

    name = "notice.changed"
    notice: str


@dataclass(frozen=True, kw_only=True)
class TicketReinstated(TicketEvent):
    """A missed number back in its queue, at the service desk."""

    name = "ticket.reinstated"
    by: str  # the staff member who did it
    ahead: int
    waiting: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class TicketCancelled(TicketEvent):
    name = "ticket.cancelled"
    waiting: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class TicketClosed(TicketEvent):
    """Still open when the day ended."""

    name = "ticket.closed"


@dataclass(frozen=True, kw_only=True)
class WindowOpened(WindowEvent):
    name = "window.opened"
    staff: str
    post: str  # "A", "B" or "" (a manager covering)
    handover_from: str | None


@dataclass(frozen=True, kw_only=True)
class WindowClosed(WindowEvent):
    name = "window.closed"
    staff: str | None = None
    reason: str  # "sign_out", "moved", "day_end"


@dataclass(frozen=True, kw_only=True)
class WindowPaused(WindowEvent):
    name = "window.paused"
    reason: str


@dataclass(frozen=True, kw_only=True)
class WindowResumed(WindowEvent):
    name = "window.resumed"


@dataclass(frozen=True, kw_only=True)
class ServiceOpened(Event):
    name = "service.opened"
    service: str


@dataclass(frozen=True, kw_only=True)
class ServiceClosed(Event):
    name = "service.closed"
    service: str


@dataclass(frozen=True, kw_only=True)
class RatingRecorded(Event):
    name = "rating.recorded"
    rating: dict[str, Any]  # public figures only: ticket, number, window, score, bad


@dataclass(frozen=True, kw_only=True)
class CaseCompleted(Event):
    name = "case.completed"
    completed: dict[str, Any]  # id, number, window, staff, status


@dataclass(frozen=True, kw_only=True)
class DayRolled(Event):
    name = "day.rolled"
    from_day: str
    to_day: str

    def payload(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "from": self.from_day, "to": self.to_day}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Event:
        return cls(at=dt.datetime.fromisoformat(payload["at"]), from_day=payload["from"], to_day=payload["to"])


EVENT_TYPES: dict[str, type[Event]] = {
    cls.name: cls
    for cls in (
        TicketIssued,
        TicketCalled,
        TicketRecalled,
        TicketStarted,
        TicketFinished,
        TicketNoShow,
        TicketSuspended,
        TicketResumed,
        TicketTransferred,
        TicketReinstated,
        TicketMoved,
        TicketCancelled,
        TicketClosed,
        WindowOpened,
        WindowClosed,
        WindowPaused,
        WindowResumed,
        ServiceOpened,
        ServiceClosed,
        NoticeChanged,
        HallConfigured,
        RatingRecorded,
        CaseCompleted,
        DayRolled,
    )
}


def parse(name: str, payload: dict[str, Any]) -> Event | None:
    """An event from the wire (name + payload) as its type; None for a name this version does not know."""
    cls = EVENT_TYPES.get(name)
    return cls.from_payload(payload) if cls is not None else None
