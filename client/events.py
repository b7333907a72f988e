"""A server-sent-events listener that reconnects by itself and resumes where it left off.

Runs on its own thread; callbacks are called from that thread (apps hand them to their UI loop).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from client.types import EventCallback, StatusCallback

log = logging.getLogger("hallq.client.events")
DEVICE_HEADER = "X-Device-Token"


def parse_block(block: str) -> tuple[int | None, str, str]:
    """One SSE block → (id, event name, data). Comment lines (":") are ignored."""
    event_id: int | None = None
    name, data = "message", []
    for line in block.splitlines():
        if not line or line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "id":
            try:
                event_id = int(value)
            except ValueError:
                event_id = None
        elif field == "event":
            name = value
        elif field == "data":
            data.append(value)
    return event_id, name, "\n".join(data)


class EventListener:
    def __init__(
        self,
        base_url: str,
        on_event: EventCallback,
        on_status: StatusCallback | None = None,
        last_event_id: int | None = None,
        read_timeout_s: float = 45.0,
        backoff_max_s: float = 5.0,
        token: str | None = None,
        device_token: str | None = None,
    ):
        parts = urlsplit(base_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._https = parts.scheme == "https"
        self._prefix = parts.path.rstrip("/")
        self._token = token  # a staff token: events whole; without, as public screens see them
        self._device_token = device_token
        self._on_event = on_event
        self._on_status = on_status
        self._last_id = last_event_id
        self._read_timeout_s = read_timeout_s
        self._backoff_max_s = backoff_max_s
        self._stopped = threading.Event()
        self._conn: http.client.HTTPConnection | None = None
        self._thread = threading.Thread(target=self._run, name="hallq-events", daemon=True)
        self.connected = False

    @property
    def last_event_id(self) -> int:
        return self._last_id or 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stopped.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(2)
        self._thread.join(timeout)

    def _status(self, connected: bool, message: str) -> None:
        if connected != self.connected:
            self.connected = connected
            if self._on_status:
                try:
                    self._on_status(connected, message)
                except Exception:
                    log.exception("status callback failed")

    def _run(self) -> None:
        backoff = 0.2
        while not self._stopped.is_set():
            try:
                self._stream()
                backoff = 0.2
            except Exception as exc:  # a dropped connection shows up as many kinds of error
                if self._stopped.is_set():
                    break
                log.info("event stream lost: %r", exc)
            self._status(False, "正在重新连接服务器… / Reconnecting to the server…")
            self._stopped.wait(backoff)
            backoff = min(backoff * 2, self._backoff_max_s)

    def _stream(self) -> None:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=self._read_timeout_s)
        self._conn = conn
        headers = {"Accept": "text/event-stream"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if self._device_token:
            headers[DEVICE_HEADER] = self._device_token
        if self._last_id is not None:
            headers["Last-Event-ID"] = str(self._last_id)
        try:
            conn.request("GET", f"{self._prefix}/api/v1/events", headers=headers)
            response = conn.getresponse()
            if response.status != 200:
                raise http.client.HTTPException(f"event stream answered {response.status}")
            self._status(True, "")
            block: list[str] = []
            while not self._stopped.is_set():
                raw = response.readline()
                if not raw:
                    raise http.client.HTTPException("the server closed the event stream")
                line = raw.decode("utf-8").rstrip("\r\n")
                if line:
                    block.append(line)
                    continue
                if block:
                    self._dispatch("\n".join(block))
                    block = []
        finally:
            self._conn = None
            conn.close()

    def _dispatch(self, block: str) -> None:
        event_id, name, data = parse_block(block)
        if event_id is None:
            return
        if self._last_id is not None and event_id <= self._last_id:
            return  # already seen (never deliver twice)
        payload: dict[str, Any] = json.loads(data) if data else {}
        self._last_id = event_id
        try:
            self._on_event(event_id, name, payload)
        except Exception:
            log.exception("event callback failed for %s %s", event_id, name)


def wait_until(predicate: Any, timeout: float, interval: float = 0.01) -> bool:
    """Poll `predicate` until it is true or `timeout` passes (for tests and start-up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
