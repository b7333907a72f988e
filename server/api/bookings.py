"""Appointments (预约) and the manager's service switches. Names and phones leave the server masked."""

from __future__ import annotations

import datetime as dt

from flask import Response, jsonify, request

from application import commands as cmd
from application.auth import Role, Session
from core.tickets import DomainError
from server.api import blueprint, hall, route

bp = blueprint("bookings")


@route(
    bp,
    "/bookings",
    "POST",
    "Create an appointment (预约) for a day; returns its check-in code",
    body=cmd.NewBooking,
    role=Role.MANAGER,
    status=201,
)
def create_booking(session: Session, body: cmd.NewBooking) -> tuple[Response, int]:
    booking = hall().create_booking(body.service, body.day, body.item, body.time, body.name, body.phone)
    return jsonify(booking), 201


@route(
    bp,
    "/bookings",
    "GET",
    "A day's appointments (?day=YYYY-MM-DD, default today); names and phones masked",
    role=Role.MANAGER,
)
def list_bookings(session: Session) -> Response:
    raw = request.args.get("day")
    try:
        day = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise DomainError("bad_day", "日期格式应为 YYYY-MM-DD。 / The day must be YYYY-MM-DD.", 400) from None
    return jsonify(hall().bookings(day))


@route(bp, "/bookings/<code>/cancel", "POST", "Cancel an appointment", role=Role.MANAGER)
def cancel_booking(code: str, session: Session) -> Response:
    return jsonify(hall().cancel_booking(code))


@route(bp, "/services/<code>/close", "POST", "Stop issuing tickets for a service", role=Role.MANAGER)
def close_service(code: str, session: Session) -> Response:
    return jsonify(hall().set_service_open(code, False))


@route(bp, "/services/<code>/open", "POST", "Issue tickets for a service again", role=Role.MANAGER)
def open_service(code: str, session: Session) -> Response:
    return jsonify(hall().set_service_open(code, True))
