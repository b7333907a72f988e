"""Live state and the event stream (server-sent events, resumable with Last-Event-ID)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from flask import Response, current_app, jsonify, request, session

from core.devices import Device
from core.tickets import DomainError
from server import fanout
from server.api import blueprint, hall, optional_session, route
from server.broker import Broker

bp = blueprint("stream")
STREAM_POLL_S = 1.0  # how often a stream's thread looks whether its client is still there


def _console_staff() -> bool:
    """The console's live page (signed in with its cookie) holds a staff slot; it still gets the public events."""
    token = session.get("token")
    if not token:
        return False
    try:
        hall().authenticate(token)
    except DomainError:
        return False
    return True


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
    " details: no notes, case records, priority reasons or booking codes); whole with a staff bearer token. Paired"
    " devices and staff hold reserved slots; streams without a credential have a share of them and a few per address",
    device=True,
)
def events(device: Device | None) -> Response:
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
    if device is None and request.args.get("device_token"):  # a browser screen: EventSource sends no headers
        device = hall().identify_device(request.args["device_token"], request.remote_addr or "")
    slot = {"trusted": staff or device is not None or _console_staff(), "address": request.remote_addr or ""}
    devices = hall().config.devices
    try:
        events.subscribe(
            **slot, public_share=devices.public_stream_share, per_address=devices.public_streams_per_address
        )
    except DomainError as exc:
        exc.headers = {**(exc.headers or {}), "Retry-After": "5"}
        raise
    released = threading.Lock()

    def release() -> None:
        """The slot back, once: when the response is closed (the server always closes it, even if it never ran)."""
        if released.acquire(blocking=False):
            events.unsubscribe(**slot)

    heartbeat = float(current_app.config.get("SSE_HEARTBEAT_S", 15))
    hello = f"retry: 2000\n: hallq {hall().config.name}\n\n".encode()

    def waiting_stream() -> Iterator[bytes]:
        """Any WSGI server: this request's thread waits for events and writes them."""
        nonlocal last_id
        yield hello
        while True:
            batch = events.after(last_id, timeout=heartbeat)
            if not batch:
                yield b": keepalive\n\n"
                continue
            last_id = batch[-1].id
            yield fanout.wire(batch, staff)  # encoded once per event, not per subscriber

    channel = fanout.channel_for(request.environ)
    fan: fanout.WaitressFanout = current_app.extensions["hallq.fanout"]

    def loop_stream() -> Iterator[bytes]:
        """waitress: after the headers its I/O loop writes the events; this thread waits for the end."""
        yield hello
        sub = fan.attach(channel, last_id, staff)
        # waitress reads on while the stream runs (channel_request_lookahead): a client that goes away is seen at
        # once, and its slot is free within a second, not at the next heartbeat's failed write.
        while not sub.done.wait(STREAM_POLL_S) and channel.connected:
            pass
        sub.done.set()
        release()

    response = Response(
        loop_stream() if channel is not None else waiting_stream(),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
    response.call_on_close(release)
    return response


@route(bp, "/health", "GET", "Liveness: whether the database takes writes (ok, busy, disk_full) and how many listen")
def health() -> Response:
    status = hall().health()
    status["subscribers"] = broker().subscribers
    status["public_subscribers"] = broker().public_subscribers
    return jsonify(status), 200 if status["ok"] else 503
