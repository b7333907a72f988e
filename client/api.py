"""Typed calls to the hall server's JSON API (/api/v1), shared by the kiosk, caller and display.

Writes are never retried blindly: a lost answer to "call next" is found out by reading the
window, and ticket issuing carries an idempotency key so a retry returns the same ticket.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from typing import Any, cast
from urllib.parse import quote

import requests

from application.commands import WindowAction
from client.events import DEVICE_HEADER, EventListener
from client.types import (
    UNREACHABLE,
    ApiError,
    EventCallback,
    HallApi,
    Listener,
    ServiceInfo,
    Session,
    StatusCallback,
    TicketInfo,
    WindowAnswer,
    WindowInfo,
)

__all__ = [
    "UNREACHABLE",
    "ApiError",
    "EventCallback",
    "HallApi",
    "HttpHallApi",
    "Listener",
    "ServiceInfo",
    "Session",
    "StatusCallback",
    "TicketInfo",
    "WindowAnswer",
    "WindowCalls",
    "WindowInfo",
]


class WindowCalls:
    """Named window commands over `window_action`, so app code reads as the clerk speaks."""

    def __init__(self, api: HallApi, window: int):
        self.api, self.window = api, window

    def call_next(self) -> WindowAnswer:
        return self.api.window_action(self.window, WindowAction.CALL)

    def recall(self) -> WindowAnswer:
        return self.api.window_action(self.window, WindowAction.RECALL)

    def no_show(self) -> WindowAnswer:
        return self.api.window_action(self.window, WindowAction.NO_SHOW)

    def suspend(self) -> WindowAnswer:
        return self.api.window_action(self.window, WindowAction.SUSPEND)

    def start(self) -> WindowAnswer:
        return self.api.window_action(self.window, WindowAction.START)

    def resume_ticket(self, ticket: str) -> WindowAnswer:
        return self.api.window_action(self.window, WindowAction.RESUME_TICKET, {"ticket": ticket})

    def finish(
        self,
        case_type: str = "immediate",
        item: str | None = None,
        due_date: dt.date | None = None,
        due_reason: str = "",
        note: str = "",
        missing_materials: list[str] | None = None,
    ) -> WindowAnswer:
        body: dict[str, Any] = {"case_type": case_type, "note": note, "due_reason": due_reason}
        if item:
            body["item"] = item
        if due_date:
            body["due_date"] = due_date.isoformat()
        if missing_materials:
            body["missing_materials"] = list(missing_materials)
        return self.api.window_action(self.window, WindowAction.FINISH, body)

    def transfer(self, note: str, service: str | None = None, window: int | None = None) -> WindowAnswer:
        body: dict[str, Any] = {"note": note}
        if service is not None:
            body["service"] = service
        if window is not None:
            body["window"] = window
        return self.api.window_action(self.window, WindowAction.TRANSFER, body)

    def pause(self, reason: str) -> WindowAnswer:
        return self.api.window_action(self.window, WindowAction.PAUSE, {"reason": reason})

    def resume(self) -> WindowAnswer:
        return self.api.window_action(self.window, WindowAction.RESUME)

    def detail(self) -> dict[str, Any]:
        return self.api.window_detail(self.window)


SAMPLE_CACHE_BYTES = 64 * 1024 * 1024  # sample pages kept in memory (content-addressed: never stale)


class HttpHallApi:
    """The hall server over HTTP. Thread-safe for concurrent calls (one requests.Session each thread is not needed)."""

    def __init__(self, base_url: str, timeout: float = 5.0, token: str | None = None, device_token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token
        self.device_token = device_token  # this device's pairing (client.device): kiosks, pads, displays, callers
        self._http = requests.Session()
        self._pages: OrderedDict[tuple[str, int], bytes] = OrderedDict()  # sample pages, least recently used first
        self._pages_lock = threading.Lock()

    def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        raw: bool = False,
    ) -> Any:
        all_headers = dict(headers or {})
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if self.device_token:
            all_headers[DEVICE_HEADER] = self.device_token
        try:
            r = self._http.request(
                method,
                f"{self.base_url}/api/v1{path}",
                json=body,
                params=params,
                headers=all_headers,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise ApiError(0, "unreachable", UNREACHABLE) from exc
        if r.status_code >= 400:
            try:
                data = r.json()
                raise ApiError(r.status_code, data.get("error", "error"), data.get("message", r.text))
            except ValueError:
                raise ApiError(
                    r.status_code, "error", f"服务器返回 {r.status_code} / The server answered {r.status_code}"
                ) from None
        return r.content if raw else r.json()

    def services(self) -> list[ServiceInfo]:
        return cast(list[ServiceInfo], self._request("GET", "/services"))

    def items(self, service: str | None = None) -> list[dict[str, Any]]:
        return cast(
            list[dict[str, Any]], self._request("GET", "/items", params={"service": service} if service else None)
        )

    def issue(
        self,
        service: str,
        priority: bool = False,
        priority_reason: str = "",
        item: str | None = None,
        key: str | None = None,
    ) -> TicketInfo:
        body: dict[str, Any] = {"service": service, "priority": priority, "priority_reason": priority_reason}
        if item:
            body["item"] = item
        headers = {"Idempotency-Key": key or uuid.uuid4().hex}
        return cast(TicketInfo, self._request("POST", "/tickets", body, headers=headers))

    def ticket(self, ticket_id: str) -> TicketInfo:
        return cast(TicketInfo, self._request("GET", f"/tickets/{ticket_id}"))

    def cancel(self, ticket_id: str) -> TicketInfo:
        return cast(TicketInfo, self._request("POST", f"/tickets/{ticket_id}/cancel"))

    def reinstate(self, ticket_id: str) -> TicketInfo:
        return cast(TicketInfo, self._request("POST", f"/tickets/{ticket_id}/reinstate"))

    def login(self, staff: str, pin: str, window: int | None) -> Session:
        session = cast(Session, self._request("POST", "/auth/login", {"staff": staff, "pin": pin, "window": window}))
        self.token = session["token"]
        return session

    def logout(self) -> None:
        if self.token:
            self._request("POST", "/auth/logout")
        self.token = None

    def window_action(self, window: int, action: str, body: dict[str, Any] | None = None) -> WindowAnswer:
        return cast(WindowAnswer, self._request("POST", f"/windows/{window}/{action}", body))

    def window_detail(self, window: int) -> dict[str, Any]:
        return cast(dict[str, Any], self._request("GET", f"/windows/{window}"))

    def hall_state(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._request("GET", "/hall"))

    def rate(
        self, ticket: str, score: int, reasons: list[str] | None = None, comment: str = "", window: int | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"ticket": ticket, "score": score, "reasons": reasons or [], "comment": comment}
        if window is not None:
            body["window"] = window
        return cast(dict[str, Any], self._request("POST", "/ratings", body))

    def rating_levels(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._request("GET", "/ratings/levels"))

    def cases(self, status: str | None = None, staff: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("status", status), ("staff", staff)) if v}
        return cast(list[dict[str, Any]], self._request("GET", "/cases", params=params))

    def complete_case(self, case_id: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._request("POST", f"/cases/{case_id}/complete"))

    def case_types(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self._request("GET", "/case-types"))

    def check_in(self, code: str, key: str | None = None) -> TicketInfo:
        headers = {"Idempotency-Key": key or uuid.uuid4().hex}
        return cast(TicketInfo, self._request("POST", "/bookings/check-in", {"code": code}, headers=headers))

    def create_booking(
        self, service: str, day: dt.date, item: str | None = None, time: str = "", name: str = "", phone: str = ""
    ) -> dict[str, Any]:
        body = {"service": service, "day": day.isoformat(), "item": item, "time": time, "name": name, "phone": phone}
        return cast(dict[str, Any], self._request("POST", "/bookings", body))

    def due_date(self, item: str) -> str:
        return cast(str, self._request("GET", f"/items/{item}/due-date")["due_date"])

    def sample_pages(self, sha: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._request("GET", f"/samples/{quote(sha, safe='')}/pages"))

    def sample_page(self, sha: str, page: int) -> bytes:
        """A sample form's page image, kept per sample (its address is its content's SHA-256: never stale)."""
        key = (sha, int(page))
        with self._pages_lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        data = cast(bytes, self._request("GET", f"/samples/{quote(sha, safe='')}/pages/{int(page)}", raw=True))
        with self._pages_lock:
            self._pages[key] = data
            while sum(len(v) for v in self._pages.values()) > SAMPLE_CACHE_BYTES and len(self._pages) > 1:
                self._pages.popitem(last=False)
        return data

    def listen(
        self, on_event: EventCallback, on_status: StatusCallback | None = None, last_event_id: int | None = None
    ) -> Listener:
        listener = EventListener(
            self.base_url,
            on_event,
            on_status,
            last_event_id=last_event_id,
            token=self.token,
            device_token=self.device_token,
        )
        listener.start()
        return listener

    def honours(self) -> dict[str, Any]:
        """The honour roll (光荣榜) for the hall display: GET /honours (public; server/api/honours.py)."""
        return cast(dict[str, Any], self._request("GET", "/honours"))


def _conforms(api: HttpHallApi) -> HallApi:
    return api  # mypy checks that the HTTP client offers every call of the protocol
