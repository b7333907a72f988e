"""The clerk's window: one route per WindowAction, each an explicit command of the service."""

from __future__ import annotations

from flask import Response, jsonify

from application import commands as cmd
from application.auth import Role, Session
from application.commands import WindowAction
from server.api import blueprint, hall, optional_session, route

bp = blueprint("windows")
A = WindowAction


@route(
    bp, f"/windows/<int:n>/{A.CALL}", "POST", "Call the next citizen (nobody waiting → ticket null)", role=Role.CLERK
)
def window_call(n: int, session: Session) -> Response:
    return jsonify(hall().call_next(n))


@route(bp, f"/windows/<int:n>/{A.RECALL}", "POST", "Call the current ticket again", role=Role.CLERK)
def window_recall(n: int, session: Session) -> Response:
    return jsonify(hall().recall(n))


@route(bp, f"/windows/<int:n>/{A.NO_SHOW}", "POST", "The called citizen did not come (过号)", role=Role.CLERK)
def window_no_show(n: int, session: Session) -> Response:
    return jsonify(hall().no_show(n))


@route(
    bp,
    f"/windows/<int:n>/{A.SUSPEND}",
    "POST",
    "Suspend the current ticket (挂起); it can be taken back later",
    role=Role.CLERK,
)
def window_suspend(n: int, session: Session) -> Response:
    return jsonify(hall().suspend(n))


@route(bp, f"/windows/<int:n>/{A.START}", "POST", "Mark that service began", role=Role.CLERK)
def window_start(n: int, session: Session) -> Response:
    return jsonify(hall().start(n))


@route(bp, f"/windows/<int:n>/{A.RESUME}", "POST", "Resume a paused window", role=Role.CLERK)
def window_resume(n: int, session: Session) -> Response:
    return jsonify(hall().resume(n))


@route(
    bp,
    f"/windows/<int:n>/{A.RESUME_TICKET}",
    "POST",
    "Take a suspended ticket back",
    body=cmd.ResumeTicket,
    role=Role.CLERK,
)
def resume_ticket(n: int, session: Session, body: cmd.ResumeTicket) -> Response:
    return jsonify(hall().resume_ticket(n, body))


@route(
    bp,
    f"/windows/<int:n>/{A.FINISH}",
    "POST",
    "Finish the current ticket, recording its case",
    body=cmd.Finish,
    role=Role.CLERK,
)
def finish(n: int, session: Session, body: cmd.Finish) -> Response:
    return jsonify(hall().finish(n, body))


@route(
    bp,
    f"/windows/<int:n>/{A.TRANSFER}",
    "POST",
    "Refer the citizen to another service or window (首问负责)",
    body=cmd.Transfer,
    role=Role.CLERK,
)
def transfer(n: int, session: Session, body: cmd.Transfer) -> Response:
    return jsonify(hall().transfer(n, body))


@route(bp, f"/windows/<int:n>/{A.PAUSE}", "POST", "Pause the window with a reason", body=cmd.Pause, role=Role.CLERK)
def pause(n: int, session: Session, body: cmd.Pause) -> Response:
    return jsonify(hall().pause(n, body))


@route(bp, "/windows/<int:n>", "GET", "What the clerk at window n sees: queue, suspended, referred, today's figures")
def window_detail(n: int) -> Response:
    return jsonify(hall().window_detail(n, private=optional_session() is not None))
