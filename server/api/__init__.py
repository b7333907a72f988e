"""The JSON API under /api/v1: one blueprint per area, each view thin over application.service.HallService.

`route()` registers a view, enforces the role it declares (a bearer token; at a window, a clerk must be
signed in there), parses its body with the command's pydantic model, and describes it for the OpenAPI
document (security as enforced).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from pydantic import BaseModel

from application import commands as cmd
from application.audit import Actor, acting
from application.auth import Role, Session
from application.service import HallService
from core.devices import LOCAL_DEVICE, Device
from core.tickets import DomainError

PREFIX = "/api/v1"


@dataclass(frozen=True)
class RouteDoc:
    path: str
    method: str
    summary: str
    body: type[BaseModel] | None
    role: Role | None
    status: int


ROUTES: list[RouteDoc] = []  # for the OpenAPI document


def hall() -> HallService:
    service: HallService = current_app.extensions["hallq"]
    return service


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


DEVICE_HEADER = "X-Device-Token"
LOOPBACK = ("127.", "::1", "::ffff:127.")


def current_device() -> Device | None:
    """The paired device making this request (its token in X-Device-Token); an app on the server's own machine
    where the hall trusts it (`[devices] trust_loopback`); else None."""
    token = request.headers.get(DEVICE_HEADER)
    if token:
        return hall().identify_device(token, request.remote_addr or "")
    address = request.remote_addr or ""
    if hall().config.devices.trust_loopback and address.startswith(LOOPBACK):
        return LOCAL_DEVICE
    return None


def optional_session() -> Session | None:
    """The caller's session if a valid bearer token came with the request; None for the public."""
    token = bearer_token()
    if token is None:
        return None
    try:
        return hall().authenticate(token)
    except DomainError:
        return None


def request_json() -> Any:
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise DomainError("bad_json", "请求体嵌套过深。 / The request body is nested too deeply.", 400) from None
    if data is None and request.data:
        raise DomainError("bad_json", "请求体不是有效的 JSON。 / The request body is not valid JSON.", 400)
    return data


def route(
    bp: Blueprint,
    path: str,
    method: str,
    summary: str,
    *,
    body: type[cmd.Body] | None = None,
    role: Role | None = None,
    device: bool = False,
    status: int = 200,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view. With `role`, the view gets `session=`; with `device`, `device=` (the paired device or
    None); with `body`, `body=` (validated). Every request acts as someone (application.audit.current_actor):
    the signed-in staff member, else the paired device, else the client's address."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(RouteDoc(path, method.lower(), summary, body, role, status))

        @functools.wraps(view)
        def handler(**kwargs: Any) -> Any:
            paired = current_device()
            source = f"device:{paired.id}" if paired is not None else (request.remote_addr or "")
            with acting(Actor("", "public", source)):
                session = hall().authorize(bearer_token(), role, window=kwargs.get("n")) if role else None
                if device:
                    kwargs["device"] = paired
                if session is not None:
                    kwargs["session"] = session
                if body is not None:
                    kwargs["body"] = cmd.parse(body, request_json())
                actor = Actor(session.staff, session.role, source) if session else Actor("", "public", source)
                with acting(actor):
                    return view(**kwargs)

        bp.add_url_rule(path, endpoint=view.__name__, view_func=handler, methods=[method])
        return view

    return wrap


def blueprint(name: str) -> Blueprint:
    return Blueprint(f"api_{name}", __name__, url_prefix=PREFIX)


def register(app: Flask) -> None:
    from server.api import auth, bookings, cases, devices, honours, kiosk, openapi, samples, stream, windows

    for module in (auth, kiosk, windows, cases, bookings, devices, stream, honours, samples, openapi):
        app.register_blueprint(module.bp)
