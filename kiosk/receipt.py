"""The printed ticket: the server's answer (and the chosen item's guide) → a hardware.documents.Ticket."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, Protocol

from client.api import TicketInfo
from core.config import Material
from hardware.documents import Document, Ticket
from hardware.printer import OnDone

PRIORITY_LABELS = {"green_channel": "绿色通道", "appointment": "预约"}


class PrintSink(Protocol):
    """Where ticket documents go: hardware.printer.PrintWorker, or anything with the same `submit`."""

    def submit(self, doc: Document, on_done: OnDone | None = None, copies: int = 1) -> None: ...


def status_url(public_url: str, ticket_id: str) -> str:
    """The QR payload: the phone page with the ticket's live status."""
    return f"{public_url.rstrip('/')}/t/{ticket_id}"


def wait_minutes(ticket: TicketInfo) -> int | None:
    """Whole minutes to wait, rounded up; 0 when nobody is ahead; None when the server gave no estimate."""
    seconds = ticket.get("estimated_wait_s")
    if seconds is None:
        return None
    if ticket.get("ahead", 0) == 0:
        return 0
    return max(1, math.ceil(seconds / 60))


def materials_of(item: Mapping[str, Any] | None) -> tuple[Material, ...]:
    if not item:
        return ()
    return tuple(
        Material(m.get("name", ""), m.get("copies", "") or "", m.get("note", "") or "")
        for m in item.get("materials", [])
    )


def priority_label(ticket: TicketInfo) -> str:
    if not ticket.get("priority"):
        return ""
    return PRIORITY_LABELS.get(ticket.get("priority_reason", ""), "优先")


def ticket_document(
    ticket: TicketInfo, hall_name: str, public_url: str, item: Mapping[str, Any] | None = None, consult_phone: str = ""
) -> Ticket:
    """Everything the printed ticket says, from what the server answered (never a number of our own)."""
    issued_at = dt.datetime.fromisoformat(ticket["issued_at"])
    return Ticket(
        hall_name=hall_name,
        number=ticket["number"],
        service_name=ticket.get("service_name", ""),
        service_name_en=ticket.get("service_name_en", ""),
        people_ahead=max(0, int(ticket.get("ahead", 0))),
        wait_minutes=wait_minutes(ticket),
        issued_at=issued_at.replace(tzinfo=None),
        status_url=status_url(public_url, ticket["id"]),
        priority_label=priority_label(ticket),
        item_name=str(item.get("name", "")) if item else "",
        materials=materials_of(item),
        consult_phone=(str(item.get("consult_phone", "")) if item else "") or consult_phone,
    )
