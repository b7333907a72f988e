"""The case ledger (办事登记), due dates, case types."""

from __future__ import annotations

from flask import Response, jsonify, request

from application.auth import Role, Session
from server.api import blueprint, hall, route

bp = blueprint("cases")


@route(
    bp, "/cases", "GET", "The case ledger; ?staff=&status=open&window= filter (a clerk sees her own)", role=Role.CLERK
)
def cases(session: Session) -> Response:
    return jsonify(
        hall().cases(
            session,
            status=request.args.get("status"),
            staff=request.args.get("staff"),
            window=request.args.get("window", type=int),
        )
    )


@route(
    bp,
    "/cases/<case_id>/complete",
    "POST",
    "Mark a promised case completed (办结) when the result is handed over",
    role=Role.CLERK,
)
def complete_case(case_id: str, session: Session) -> Response:
    return jsonify(hall().complete_case(session, case_id))


@route(bp, "/items/<code>/due-date", "GET", "The due date a case of this item accepted today would get (working days)")
def item_due_date(code: str) -> Response:
    return jsonify(hall().due_date(code))


@route(bp, "/case-types", "GET", "The case types (办件类型) and what each asks at finish")
def case_types() -> Response:
    return jsonify(hall().case_types())
