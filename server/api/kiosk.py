"""The kiosk and the rating pad: services, item guides, tickets, ratings."""

from __future__ import annotations

from flask import Response, jsonify, request

from application import commands as cmd
from application.auth import Role, Session
from core.devices import Device
from core.tickets import DomainError
from server.api import blueprint, hall, optional_session, route

bp = blueprint("kiosk")


@route(bp, "/services", "GET", "Services with how many wait and whether they take tickets")
def services() -> Response:
    return jsonify(hall().services())


@route(bp, "/items", "GET", "Items (事项) with their complete guides; ?service=CODE filters")
def items() -> Response:
    return jsonify(hall().items(request.args.get("service")))


@route(bp, "/items/<code>", "GET", "One item's complete guide")
def item(code: str) -> Response:
    return jsonify(hall().item(code))


def idempotency_key() -> str | None:
    """A client's key for a request it may retry: the retry gets the first answer's ticket."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 8 <= len(key) <= 80:
        raise DomainError(
            "bad_idempotency_key",
            "Idempotency-Key 应为 8–80 个字符。 / Idempotency-Key must be 8–80 characters.",
            400,
        )
    return key


@route(
    bp, "/tickets", "POST", "Take a ticket (a paired kiosk, or staff)", body=cmd.IssueTicket, device=True, status=201
)
def issue_ticket(body: cmd.IssueTicket, device: Device | None) -> tuple[Response, int]:
    view = hall().issue(
        body.service,
        priority=body.priority,
        priority_reason=body.priority_reason,
        item=body.item,
        key=idempotency_key(),
        device=device,
        staff=optional_session() is not None,
    )
    return jsonify(view), 201


@route(bp, "/tickets/<ticket_id>", "GET", "A ticket's live status")
def get_ticket(ticket_id: str) -> Response:
    return jsonify(hall().ticket(ticket_id, private=optional_session() is not None))


@route(
    bp,
    "/tickets/<ticket_id>/cancel",
    "POST",
    "Cancel a waiting ticket (the citizen gave up; staff record it)",
    role=Role.CLERK,  # ticket ids travel on the public event stream: cancelling needs staff
)
def cancel_ticket(ticket_id: str, session: Session) -> Response:
    return jsonify(hall().cancel(ticket_id))


@route(
    bp,
    "/tickets/<ticket_id>/reinstate",
    "POST",
    "Put a missed number (过号) back in its queue (the service desk: a manager or a clerk of a serving window)",
    role=Role.CLERK,
)
def reinstate_ticket(ticket_id: str, session: Session) -> Response:
    return jsonify(hall().reinstate(session, ticket_id))


@route(
    bp,
    "/ratings",
    "POST",
    "Rate a served ticket (好差评): only from the rating pad paired with the window that served it",
    body=cmd.RatingIn,
    device=True,
    status=201,
)
def rate(body: cmd.RatingIn, device: Device | None) -> tuple[Response, int]:
    rating = hall().rate(
        body.ticket, body.score, body.reasons, body.comment, body.window, body.dimensions, device=device
    )
    return jsonify(rating), 201


@route(bp, "/ratings/levels", "GET", "The five rating levels and the hall's reasons for a bad rating")
def rating_levels() -> Response:
    return jsonify(hall().rating_levels())


@route(
    bp,
    "/bookings/check-in",
    "POST",
    "A booked citizen checks in at the kiosk: a priority ticket",
    body=cmd.CheckIn,
    device=True,
    status=201,
)
def check_in(body: cmd.CheckIn, device: Device | None) -> tuple[Response, int]:
    staff = optional_session() is not None
    return jsonify(hall().check_in(body.code, idempotency_key(), device=device, staff=staff)), 201
