"""Event-stream fan-out inside waitress's own I/O loop.

Under waitress each event-stream connection would otherwise need its request thread woken for
every event: hundreds of Python threads waking together make the last one hear of a call
hundreds of milliseconds late. Here the connections are handed to waitress's main loop (the
thread that already does all its socket I/O): one pipe wakes it, and it writes each event to
every connection in turn. The request threads only wait for their connection to end.

This leans on waitress internals (the channel behind `environ["waitress.client_disconnected"]`,
`write_soon`, the chunked framing of HTTP/1.1 responses, the socket map); `channel_for` returns
None whenever they are not as expected, and the view falls back to waiting threads.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import Any

from application.store import StoredEvent
from server.broker import Broker

log = logging.getLogger("hallq.fanout")
KEEPALIVE = b": keepalive\n\n"
MAX_BACKLOG_BYTES = 1 << 20  # a client this far behind is dropped (it reconnects and resumes by id)


def channel_for(environ: dict[str, Any]) -> Any:
    """The waitress connection of a chunked HTTP/1.1 response, or None under any other server."""
    check = environ.get("waitress.client_disconnected")
    channel = getattr(check, "__self__", None)
    needed = ("write_soon", "total_outbufs_len", "connected", "_map")
    if channel is None or not all(hasattr(channel, n) for n in needed):
        return None
    if environ.get("SERVER_PROTOCOL") != "HTTP/1.1":
        return None
    return channel


def wire(events: list[StoredEvent], staff: bool) -> bytes:
    """Staff streams get the events whole; public ones (screens, phones) without personal details."""
    return b"".join(e.wire if staff else e.public_wire for e in events)


class Subscriber:
    def __init__(self, channel: Any, last_id: int, staff: bool = False):
        self.channel = channel
        self.last_id = last_id
        self.staff = staff
        self.done = threading.Event()

    def write(self, data: bytes) -> bool:
        """Queue `data` as one chunk on the connection (runs in waitress's main loop). False when the client is gone."""
        return self.send(chunk(data))

    def send(self, framed: bytes) -> bool:
        """Send a chunk already framed by `chunk` (the same bytes for every subscriber of its kind).

        With nothing queued before it, straight to the socket (one system call: this runs for every stream at
        every event); what the socket does not take now is queued on the connection, as is everything while
        something is queued, and waitress's loop sends it when the client reads."""
        if self.done.is_set():
            return False
        channel = self.channel
        try:
            if not channel.connected or channel.total_outbufs_len > MAX_BACKLOG_BYTES:
                raise ConnectionError("client gone or not reading")
            sock = getattr(channel, "socket", None)
            if sock is not None and not channel.total_outbufs_len:  # only this loop writes to an attached stream
                try:
                    sent = sock.send(framed)
                except BlockingIOError:
                    sent = 0
                if sent == len(framed):
                    return True
                framed = framed[sent:]
            channel.write_soon(framed)
            return True
        except Exception:
            self.done.set()
            return False


def chunk(data: bytes) -> bytes:
    """`data` in HTTP/1.1 chunked framing."""
    return b"%X\r\n%s\r\n" % (len(data), data)


class WaitressFanout:
    def __init__(self, broker: Broker, heartbeat_s: float = 15.0):
        self.broker = broker
        self.heartbeat_s = heartbeat_s
        self._lock = threading.Lock()
        self._joining: list[Subscriber] = []
        self._subscribers: list[Subscriber] = []
        self._delivered = broker.last_id
        self._dispatcher: Any = None
        self._wake_fd: int | None = None
        self._beat_due = False

    def attach(self, channel: Any, last_id: int, staff: bool = False) -> Subscriber:
        sub = Subscriber(channel, last_id, staff)
        with self._lock:
            if self._dispatcher is None:
                self._start(channel._map)
            self._joining.append(sub)
        self.wake()
        return sub

    def wake(self) -> None:
        if self._wake_fd is not None:
            with contextlib.suppress(BlockingIOError):  # a full pipe: the loop is due to run anyway
                os.write(self._wake_fd, b"x")

    def _start(self, socket_map: dict[int, Any]) -> None:
        from waitress import wasyncore

        fanout = self
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)

        class Wakeup(wasyncore.file_dispatcher):  # type: ignore[misc, name-defined]
            def readable(self) -> bool:
                return True

            def writable(self) -> bool:
                return False

            def handle_read(self) -> None:
                try:
                    self.recv(65536)
                except OSError:
                    return
                fanout.run()

        self._dispatcher = Wakeup(read_fd, map=socket_map)
        self._wake_fd = write_fd
        self._delivered = self.broker.last_id
        threading.Thread(target=self._beat, name="hallq-heartbeat", daemon=True).start()

    def _beat(self) -> None:
        while True:
            time.sleep(self.heartbeat_s)
            self._beat_due = True
            self.wake()

    def run(self) -> None:
        """In waitress's main loop: welcome joiners with what they missed, then send what is new to everyone."""
        try:
            with self._lock:
                joining, self._joining = self._joining, []
            delivered, latest = self._delivered, self.broker.last_id
            for sub in joining:
                missed = self.broker.between(sub.last_id, delivered)
                if not missed or sub.write(wire(missed, sub.staff)):
                    self._subscribers.append(sub)
            new: list[StoredEvent] = self.broker.between(delivered, latest) if latest > delivered else []
            if new:
                self._send(new)
                self._delivered = new[-1].id
            if self._beat_due:
                self._beat_due = False
                beat = chunk(KEEPALIVE)
                self._subscribers = [sub for sub in self._subscribers if sub.send(beat)]
        except Exception:
            log.exception("event fan-out failed")

    def _send(self, new: list[StoredEvent]) -> None:
        data = {staff: chunk(wire(new, staff)) for staff in (False, True)}  # each kind encoded and framed once
        kept = []
        for sub in self._subscribers:
            if sub.last_id >= new[0].id:  # joined asking for events after some of these: skip what it has
                rest = [e for e in new if e.id > sub.last_id]
                ok = sub.write(wire(rest, sub.staff)) if rest else not sub.done.is_set()
            else:
                ok = sub.send(data[sub.staff])
            if ok:
                sub.last_id = new[-1].id
                kept.append(sub)
        self._subscribers = kept
