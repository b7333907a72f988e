"""Signing in and out (the attendance sign-in at a window), one's own PIN."""

from __future__ import annotations

from flask import Response, jsonify

from application import commands as cmd
from application.auth import Role, Session
from server.api import blueprint, hall, route

bp = blueprint("auth")


@route(bp, "/auth/login", "POST", "Sign in (attendance sign-in at a window)", body=cmd.Login)
def login(body: cmd.Login) -> Response:
    return jsonify(hall().login(body.staff, body.pin, body.window))


@route(bp, "/auth/logout", "POST", "Sign out (attendance sign-out)", role=Role.CLERK)
def logout(session: Session) -> Response:
    hall().logout(session)
    return jsonify({"ok": True})


@route(bp, "/auth/me", "GET", "Who this token belongs to", role=Role.CLERK)
def me(session: Session) -> Response:
    return jsonify(session.to_dict())


@route(bp, "/auth/pin", "POST", "Change one's own PIN", body=cmd.ChangePin, role=Role.CLERK)
def change_pin(session: Session, body: cmd.ChangePin) -> Response:
    hall().change_pin(session, body.old_pin, body.new_pin)
    return jsonify({"ok": True})
