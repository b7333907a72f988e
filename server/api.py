"""The JSON API under /api/v1 and its event stream. Views validate, call the hall service, answer."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from pydantic import BaseModel, ValidationError

from core import views
from core.hall import Result
from core.tickets import DomainError
from server import fanout, schemas
from server.broker import TooManySubscribers
from server.hall_service import HallService
from server.store import pin_matches

bp = Blueprint("api", __name__, url_prefix="/api/v1")
ROUTES: list[dict[str, Any]] = []  # for the OpenAPI document
WRITE_ROLES = {"clerk": {"clerk", "manager", "admin"}, "manager": {"manager", "admin"}, "admin": {"admin"}}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def route(
    path: str, method: str, summary: str, body: type[BaseModel] | None = None, auth: str = "public", status: int = 200
) -> Callable[..., Any]:
    """Register a view and describe it for the OpenAPI document. `auth` is the role a write needs."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(
            {"path": path, "method": method.lower(), "summary": summary, "body": body, "auth": auth, "status": status}
        )
        return bp.route(path, methods=[method], endpoint=view.__name__)(view)

    return wrap


def hall() -> HallService:
    service: HallService = current_app.extensions["hallq"]
    return service


def parse(model: type[schemas.Body]) -> Any:
    data = request.get_json(silent=True)
    if data is None:
        if request.data:
            raise ApiError(400, "bad_json", "请求体不是有效的 JSON。 / The request body is not valid JSON.")
        data = {}
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "请求体应为 JSON 对象。 / The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise ApiError(400, "invalid", f"请求内容有误 / Invalid request: {problems}") from None


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.headers)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Response:
    return error_response(exc.status, exc.code, exc.message)


# ---- auth -----------------------------------------------------------------------------------------


class PinGuard:
    """Slows down guessing: after N wrong PINs for a staff number, that number waits."""

    def __init__(self, attempts: int, lockout_s: int):
        self.attempts, self.lockout_s = attempts, lockout_s
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, staff: str) -> int:
        with self._lock:
            fails = self._failures.get(staff, [])
            if len(fails) < self.attempts:
                return 0
            wait = self.lockout_s - (time.monotonic() - fails[-1])
            if wait <= 0:
                self._failures[staff] = fails[-(self.attempts - 1) :] if self.attempts > 1 else []
                return 0
            return int(wait) + 1

    def failed(self, staff: str) -> None:
        with self._lock:
            self._failures.setdefault(staff, []).append(time.monotonic())

    def succeeded(self, staff: str) -> None:
        with self._lock:
            self._failures.pop(staff, None)


def current_session() -> dict[str, Any]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise ApiError(401, "unauthorized", "请先登录。 / Sign in first.")
    token = header[7:].strip()
    row = hall().store.session(token)
    if row is None:
        raise ApiError(
            401, "unauthorized", "登录已失效，请重新登录。 / Your sign-in is no longer valid; sign in again."
        )
    if dt.datetime.fromisoformat(row["expires_at"]) < hall().now():
        raise ApiError(401, "token_expired", "登录已过期，请重新登录。 / Your sign-in has expired; sign in again.")
    session = dict(row)
    session["token"] = token
    g.session = session
    return session


def require(role: str, window: int | None = None) -> dict[str, Any]:
    session = current_session()
    if session["role"] not in WRITE_ROLES[role]:
        raise ApiError(403, "forbidden", "您的角色无权执行此操作。 / Your role may not do this.")
    if window is not None and session["role"] == "clerk":
        ws = hall().hall.windows.get(window)
        if session["window"] != window or ws is None or ws.staff != session["staff"]:
            raise ApiError(
                403, "not_signed_in_here", f"您没有在{window}号窗口签到。 / You are not signed in at window {window}."
            )
    return session


@route("/auth/login", "POST", "Sign in (attendance sign-in at a window)", schemas.Login)
def login() -> Response:
    body = parse(schemas.Login)
    service = hall()
    guard: PinGuard = current_app.extensions["hallq.pins"]
    wait = guard.retry_after(body.staff)
    if wait:
        raise ApiError(
            429,
            "too_many_attempts",
            f"PIN 错误次数过多，请 {wait} 秒后再试。 / Too many wrong PINs; try again in {wait} s.",
            {"Retry-After": str(wait)},
        )
    row = service.store.staff_credentials(body.staff)
    if row is None or not pin_matches(body.pin, row["pin_salt"], row["pin_hash"]):
        guard.failed(body.staff)
        raise ApiError(401, "wrong_pin", "工号或 PIN 不正确。 / Wrong staff number or PIN.")
    guard.succeeded(body.staff)
    token = secrets.token_urlsafe(32)
    if body.window is None:
        if row["role"] == "clerk":
            raise ApiError(400, "window_required", "窗口工作人员签到须选择窗口。 / A clerk signs in at a window.")
        service.sign_in_without_window(body.staff, token, row["role"])
    else:
        if service.config.window(body.window) is None:
            raise ApiError(404, "unknown_window", f"没有{body.window}号窗口。 / There is no window {body.window}.")
        service.sign_in(body.window, body.staff, token, row["role"])
    staff = service.config.staff_member(body.staff)
    return jsonify(
        {
            "token": token,
            "staff": body.staff,
            "name": staff.name if staff else row["name"],
            "role": row["role"],
            "window": body.window,
            "expires_in_s": service.config.security.token_ttl_s,
        }
    )


@route("/auth/logout", "POST", "Sign out (attendance sign-out)", auth="clerk")
def logout() -> Response:
    session = current_session()
    hall().sign_out(session["token"], session["staff"], session["window"])
    return jsonify({"ok": True})


@route("/auth/me", "GET", "Who this token belongs to")
def me() -> Response:
    session = current_session()
    return jsonify({k: session[k] for k in ("staff", "role", "window", "expires_at")})


@route("/auth/pin", "POST", "Change one's own PIN", schemas.ChangePin, auth="clerk")
def change_pin() -> Response:
    session = current_session()
    body = parse(schemas.ChangePin)
    row = hall().store.staff_credentials(session["staff"])
    if row is None or not pin_matches(body.old_pin, row["pin_salt"], row["pin_hash"]):
        raise ApiError(401, "wrong_pin", "原 PIN 不正确。 / The old PIN is wrong.")
    hall().store.set_pin(session["staff"], body.new_pin, secrets.token_bytes(16))
    return jsonify({"ok": True})


# ---- the kiosk ------------------------------------------------------------------------------------


@route("/services", "GET", "Services with how many wait and whether they take tickets")
def services() -> Response:
    service = hall()
    now = service.now()
    with service.lock:
        return jsonify(views.service_rows(service.hall, now))


@route("/items", "GET", "Items (事项) with their complete guides; ?service=CODE filters")
def items() -> Response:
    config = hall().config
    code = request.args.get("service")
    if code is not None and config.service(code) is None:
        raise ApiError(400, "unknown_service", f"没有代码为 {code!r} 的服务。 / There is no service {code!r}.")
    chosen = config.items_of(code) if code else list(config.items)
    return jsonify([views.item_view(i) for i in chosen])


@route("/items/<code>", "GET", "One item's complete guide")
def item(code: str) -> Response:
    it = hall().config.item(code)
    if it is None:
        raise ApiError(404, "unknown_item", f"没有事项 {code!r}。 / There is no item {code!r}.")
    return jsonify(views.item_view(it))


def idempotency_key() -> str | None:
    """A client's key for a request it may retry: the retry gets the first answer's ticket."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 8 <= len(key) <= 80:
        raise ApiError(
            400, "bad_idempotency_key", "Idempotency-Key 应为 8–80 个字符。 / Idempotency-Key must be 8–80 characters."
        )
    return key


@route("/tickets", "POST", "Take a ticket", schemas.IssueTicket, status=201)
def issue_ticket() -> tuple[Response, int]:
    body = parse(schemas.IssueTicket)
    key = idempotency_key()
    view = hall().issue(
        body.service, priority=body.priority, priority_reason=body.priority_reason, item=body.item, key=key
    )
    return jsonify(view), 201


@route("/tickets/<ticket_id>", "GET", "A ticket's live status")
def get_ticket(ticket_id: str) -> Response:
    ticket = hall().find_ticket(ticket_id)
    if ticket is None:
        raise ApiError(404, "unknown_ticket", "没有这个号。 / There is no such ticket.")
    return jsonify(hall().ticket_view(ticket))


@route(
    "/tickets/<ticket_id>/cancel",
    "POST",
    "Cancel a waiting ticket (the citizen gave up; staff record it)",
    auth="clerk",
)
def cancel_ticket(ticket_id: str) -> Response:
    require("clerk")  # ticket ids travel on the public event stream: cancelling needs staff
    result = hall().cancel(ticket_id)
    assert result.ticket is not None
    return jsonify(hall().ticket_view(result.ticket))


@route("/ratings", "POST", "Rate a served ticket (好差评)", schemas.RatingIn, status=201)
def rate() -> tuple[Response, int]:
    body = parse(schemas.RatingIn)
    rating = hall().rate(body.ticket, body.score, body.reasons, body.comment, body.window, body.dimensions)
    return jsonify(rating), 201


@route("/ratings/levels", "GET", "The five rating levels and the hall's reasons for a bad rating")
def rating_levels() -> Response:
    return jsonify(views.rating_levels(hall().config))


# ---- the clerk's window ---------------------------------------------------------------------------


def window_answer(result: Result, n: int) -> Response:
    service = hall()
    with service.lock:
        window = service.hall.window_view(n)
    data: dict[str, Any] = {"ticket": service.ticket_view(result.ticket) if result.ticket else None, "window": window}
    if result.case is not None:
        data["case"] = asdict(result.case)
    return jsonify(data)


def _simple_window_command(name: str, summary: str, core_name: str) -> None:
    def view(n: int) -> Response:
        require("clerk", n)
        return window_answer(hall().window_command(n, core_name), n)

    view.__name__ = f"window_{core_name}"
    route(f"/windows/<int:n>/{name}", "POST", summary, auth="clerk")(view)


for _name, _summary, _core in (
    ("call", "Call the next citizen (nobody waiting → ticket null)", "call_next"),
    ("recall", "Call the current ticket again", "recall"),
    ("no-show", "The called citizen did not come (过号)", "no_show"),
    ("suspend", "Suspend the current ticket (挂起); it can be taken back later", "suspend"),
    ("start", "Mark that service began", "start"),
    ("resume", "Resume a paused window", "resume"),
):
    _simple_window_command(_name, _summary, _core)


@route("/windows/<int:n>/resume-ticket", "POST", "Take a suspended ticket back", schemas.ResumeTicket, auth="clerk")
def resume_ticket(n: int) -> Response:
    require("clerk", n)
    body = parse(schemas.ResumeTicket)
    return window_answer(hall().resume_ticket(n, body.ticket), n)


@route("/windows/<int:n>/finish", "POST", "Finish the current ticket, recording its case", schemas.Finish, auth="clerk")
def finish(n: int) -> Response:
    require("clerk", n)
    body = parse(schemas.Finish)
    result = hall().finish(
        n,
        case_kind=body.case_type,
        item=body.item,
        due_date=body.due_date,
        due_reason=body.due_reason,
        note=body.note,
        missing_materials=body.missing_materials,
    )
    return window_answer(result, n)


@route(
    "/windows/<int:n>/transfer",
    "POST",
    "Refer the citizen to another service or window (首问负责)",
    schemas.Transfer,
    auth="clerk",
)
def transfer(n: int) -> Response:
    require("clerk", n)
    body = parse(schemas.Transfer)
    result = hall().window_command(n, "transfer", note=body.note, service=body.service, to_window=body.window)
    return window_answer(result, n)


@route("/windows/<int:n>/pause", "POST", "Pause the window with a reason", schemas.Pause, auth="clerk")
def pause(n: int) -> Response:
    require("clerk", n)
    body = parse(schemas.Pause)
    return window_answer(hall().pause(n, body.reason), n)


@route("/windows/<int:n>", "GET", "What the clerk at window n sees: queue, suspended, referred, today's figures")
def window_detail(n: int) -> Response:
    service = hall()
    if service.config.window(n) is None:
        raise ApiError(404, "unknown_window", f"没有{n}号窗口。 / There is no window {n}.")
    with service.lock:
        data = views.window_detail(service.hall, n)
    current, suspended = data["current"], data["suspended"]
    data["current"] = service.ticket_view(current) if current else None
    data["suspended"] = [service.ticket_view(t) for t in suspended]
    day = dt.date.fromisoformat(data["day"])
    data["today"] = service.store.window_day_stats(n, day)
    data["referred"] = [service.ticket_view(t) for t in service.store.referred_by(n, day)]
    return jsonify(data)


# ---- cases, managers ------------------------------------------------------------------------------


@route("/cases", "GET", "The case ledger; ?staff=&status=open&window= filter (signed-in staff)")
def cases() -> Response:
    session = current_session()
    staff = request.args.get("staff")
    if session["role"] == "clerk":
        staff = staff or session["staff"]
    status = request.args.get("status")
    window = request.args.get("window", type=int)
    rows = hall().store.cases(staff=staff, status=status, window=window)
    today = hall().today().isoformat()
    for row in rows:
        row["overdue"] = row["status"] == "open" and row["due_date"] is not None and row["due_date"] < today
    rows.sort(key=lambda r: (not r["overdue"], r["due_date"] or "9999"))
    return jsonify(rows)


@route(
    "/cases/<case_id>/complete",
    "POST",
    "Mark a promised case completed (办结) when the result is handed over",
    auth="clerk",
)
def complete_case(case_id: str) -> Response:
    session = require("clerk")
    return jsonify(hall().complete_case(case_id, session["staff"], session["role"]))


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else phone


def mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if name else ""


@route(
    "/bookings",
    "POST",
    "Create an appointment (预约) for a day; returns its check-in code",
    schemas.NewBooking,
    auth="manager",
    status=201,
)
def create_booking() -> tuple[Response, int]:
    require("manager")
    body = parse(schemas.NewBooking)
    booking = hall().create_booking(body.service, body.day, body.item, body.time, body.name, body.phone)
    booking.update(name=mask_name(booking["name"]), phone=mask_phone(booking["phone"]))
    return jsonify(booking), 201


@route("/bookings", "GET", "A day's appointments (?day=YYYY-MM-DD, default today); names and phones masked")
def list_bookings() -> Response:
    require("manager")
    raw = request.args.get("day")
    try:
        day = dt.date.fromisoformat(raw) if raw else hall().today()
    except ValueError:
        raise ApiError(400, "bad_day", "日期格式应为 YYYY-MM-DD。 / The day must be YYYY-MM-DD.") from None
    rows = hall().store.bookings(day)
    for r in rows:
        r.update(name=mask_name(r["name"]), phone=mask_phone(r["phone"]))
    return jsonify(rows)


@route(
    "/bookings/check-in",
    "POST",
    "A booked citizen checks in at the kiosk: a priority ticket",
    schemas.CheckIn,
    status=201,
)
def check_in() -> tuple[Response, int]:
    body = parse(schemas.CheckIn)
    return jsonify(hall().check_in(body.code, idempotency_key())), 201


@route("/bookings/<code>/cancel", "POST", "Cancel an appointment", auth="manager")
def cancel_booking(code: str) -> Response:
    require("manager")
    hall().cancel_booking(code)
    return jsonify({"code": code, "status": "cancelled"})


@route("/items/<code>/due-date", "GET", "The due date a case of this item accepted today would get (working days)")
def item_due_date(code: str) -> Response:
    return jsonify(hall().due_date(code))


@route("/case-types", "GET", "The case types (办件类型)")
def case_types() -> Response:
    return jsonify(views.case_types())


@route("/services/<code>/close", "POST", "Stop issuing tickets for a service", auth="manager")
def close_service(code: str) -> Response:
    require("manager")
    hall().set_service_open(code, False)
    return jsonify({"code": code, "open": False})


@route("/services/<code>/open", "POST", "Issue tickets for a service again", auth="manager")
def open_service(code: str) -> Response:
    require("manager")
    hall().set_service_open(code, True)
    return jsonify({"code": code, "open": True})


# ---- live state and the event stream ---------------------------------------------------------------


@route("/hall", "GET", "Live state: windows, their current tickets, waiting per service")
def hall_state() -> Response:
    service = hall()
    now = service.now()
    with service.lock:
        return jsonify(views.hall_state(service.hall, now, service.broker.last_id))


@route("/events", "GET", "Server-sent events; Last-Event-ID (or ?last_event_id=) resumes with no gap")
def events() -> Response:
    service = hall()
    raw = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    if raw is None:
        last_id = service.broker.last_id
    else:
        try:
            last_id = int(raw)
        except ValueError:
            raise ApiError(
                400, "bad_event_id", "Last-Event-ID 应为整数。 / Last-Event-ID must be a whole number."
            ) from None
    try:
        service.broker.subscribe()
    except TooManySubscribers:
        raise ApiError(
            503, "too_many_subscribers", "事件流连接数已满。 / Too many event-stream subscribers.", {"Retry-After": "5"}
        ) from None
    heartbeat = float(current_app.config.get("SSE_HEARTBEAT_S", 15))
    hello = f"retry: 2000\n: hallq {service.config.name}\n\n".encode()

    def waiting_stream() -> Iterator[bytes]:
        """Any WSGI server: this request's thread waits for events and writes them."""
        nonlocal last_id
        try:
            yield hello
            while True:
                batch = service.broker.after(last_id, timeout=heartbeat)
                if not batch:
                    yield b": keepalive\n\n"
                    continue
                last_id = batch[-1].id
                yield b"".join(e.wire for e in batch)  # encoded once per event, not per subscriber
        finally:
            service.broker.unsubscribe()

    channel = fanout.channel_for(request.environ)
    fan: fanout.WaitressFanout = current_app.extensions["hallq.fanout"]

    def loop_stream() -> Iterator[bytes]:
        """waitress: after the headers its I/O loop writes the events; this thread waits for the end."""
        try:
            yield hello
            sub = fan.attach(channel, last_id)
            while not sub.done.wait(600.0) and channel.connected:
                pass
            sub.done.set()
        finally:
            service.broker.unsubscribe()

    return Response(
        loop_stream() if channel is not None else waiting_stream(),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@route("/health", "GET", "Liveness: the database answers and how many listen")
def health() -> Response:
    service = hall()
    return jsonify(
        {"ok": True, "last_event_id": service.store.last_event_id(), "subscribers": service.broker.subscribers}
    )


@route("/openapi.json", "GET", "This document")
def openapi() -> Response:
    return jsonify(openapi_document())


def openapi_document() -> dict[str, Any]:
    components: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
        }
    }
    paths: dict[str, Any] = {}
    for r in ROUTES:
        path = r["path"].replace("<int:", "<").replace("<", "{").replace(">", "}")
        op: dict[str, Any] = {
            "summary": r["summary"],
            "operationId": f"{r['method']}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '').replace('-', '_')}",
            "responses": {
                str(r["status"]): {"description": "OK"},
                "default": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        }
        params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
        if params:
            op["parameters"] = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "integer" if p == "n" else "string"}}
                for p in params
            ]
        if r["body"] is not None:
            schema = r["body"].model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in schema.pop("$defs", {}).items():
                components[name] = sub
            components[r["body"].__name__] = schema
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{r['body'].__name__}"}}},
            }
        if r["auth"] != "public":
            op["security"] = [{"bearer": []}]
            op["description"] = f"Needs a bearer token of role {r['auth']} or above."
        paths.setdefault("/api/v1" + path, {})[r["method"]] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "HallQ API", "version": "1", "description": "Queue calling for a government service hall."},
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
