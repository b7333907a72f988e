"""Events: one small dataclass per thing that happened, named in the past tense.

Every state change in the hall yields events; the server stores them in its event log (which
gives them increasing ids) and publishes them on the event stream after commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    name: ClassVar[str] = "event"
    at: dt.datetime
    ticket: dict[str, Any] | None = None
    window: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"at": self.at.isoformat()}
        if self.ticket is not None:
            data["ticket"] = self.ticket
        if self.window is not None:
            data["window"] = self.window
        data.update(self.extra)
        return data


class TicketIssued(Event):
    name = "ticket.issued"


class TicketCalled(Event):
    name = "ticket.called"


class TicketRecalled(Event):
    name = "ticket.recalled"


class TicketStarted(Event):
    name = "ticket.started"


class TicketFinished(Event):
    name = "ticket.finished"


class TicketNoShow(Event):
    name = "ticket.no_show"


class TicketSuspended(Event):
    name = "ticket.suspended"


class TicketResumed(Event):
    name = "ticket.resumed"


class TicketTransferred(Event):
    name = "ticket.transferred"


class TicketCancelled(Event):
    name = "ticket.cancelled"


class TicketClosed(Event):
    name = "ticket.closed"


class WindowOpened(Event):
    name = "window.opened"


class WindowClosed(Event):
    name = "window.closed"


class WindowPaused(Event):
    name = "window.paused"


class WindowResumed(Event):
    name = "window.resumed"


class ServiceOpened(Event):
    name = "service.opened"


class ServiceClosed(Event):
    name = "service.closed"


class RatingRecorded(Event):
    name = "rating.recorded"


class CaseCompleted(Event):
    name = "case.completed"


class DayRolled(Event):
    name = "day.rolled"


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
        TicketCancelled,
        TicketClosed,
        WindowOpened,
        WindowClosed,
        WindowPaused,
        WindowResumed,
        ServiceOpened,
        ServiceClosed,
        RatingRecorded,
        CaseCompleted,
        DayRolled,
    )
}
