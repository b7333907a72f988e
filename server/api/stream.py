"""Live state and the event stream (server-sent events, resumable with Last-Event-ID)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, jsonify, request

from core.tickets import DomainError
from server import fanout
from server.api import blueprint, hall, optional_session, route
from server.broker import Broker, TooManySubscribers

bp = blueprint("stream")


def broker() -> Broker:
    b: Broker = current_app.extensions["hallq.broker"]
    return b


@route(bp, "/hall", "GET", "Live state: windows, their current tickets, waiting per service")
def hall_state() -> Response:
    return jsonify(hall().hall_state())


@route(
    bp,
    "/events",
    "GET",
    "Server-sent events; Last-Event-ID (or ?last_event_id=) resumes with no gap. Public without a token (no personal"
    " details: no notes, case records, priority reasons or booking codes); whole with a staff bearer token",
)
def events() -> Response:
    events = broker()
    staff = optional_session() is not None  # staff see events whole; screens and phones without personal details
    raw = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    if raw is None:
        last_id = events.last_id
    else:
        try:
            last_id = int(raw)
        except ValueError:
            raise DomainError(
                "bad_event_id", "Last-Event-ID 应为整数。 / Last-Event-ID must be a whole number.", 400
            ) from None
    try:
        events.subscribe()
    except TooManySubscribers:
        raise DomainError(
            "too_many_subscribers",
            "事件流连接数已满。 / Too many event-stream subscribers.",
            503,
            headers={"Retry-After": "5"},
        ) from None
    heartbeat = float(current_app.config.get("SSE_HEARTBEAT_S", 15))
    hello = f"retry: 2000\n: hallq {hall().config.name}\n\n".encode()

    def waiting_stream() -> Iterator[bytes]:
        """Any WSGI server: this request's thread waits for events and writes them."""
        nonlocal last_id
        try:
            yield hello
            while True:
                batch = events.after(last_id, timeout=heartbeat)
                if not batch:
                    yield b": keepalive\n\n"
                    continue
                last_id = batch[-1].id
                yield fanout.wire(batch, staff)  # encoded once per event, not per subscriber
        finally:
            events.unsubscribe()

    channel = fanout.channel_for(request.environ)
    fan: fanout.WaitressFanout = current_app.extensions["hallq.fanout"]

    def loop_stream() -> Iterator[bytes]:
        """waitress: after the headers its I/O loop writes the events; this thread waits for the end."""
        try:
            yield hello
            sub = fan.attach(channel, last_id, staff)
            while not sub.done.wait(600.0) and channel.connected:
                pass
            sub.done.set()
        finally:
            events.unsubscribe()

    return Response(
        loop_stream() if channel is not None else waiting_stream(),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@route(bp, "/health", "GET", "Liveness: whether the database takes writes (ok, busy, disk_full) and how many listen")
def health() -> Response:
    status = hall().health()
    status["subscribers"] = broker().subscribers
    return jsonify(status), 200 if status["ok"] else 503
