"""The shapes every app sees of the hall: the errors, the answers, and the HallApi protocol.

Both the HTTP client (client.api.HttpHallApi) and the in-memory hall (client.fake.FakeHallApi) provide it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol, TypedDict


class ApiError(Exception):
    """The server refused (status ≥ 400) or could not be reached (status 0)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    @property
    def unreachable(self) -> bool:
        return self.status == 0


UNREACHABLE = "与服务器的连接已断开，正在重试… / Cannot reach the hall server; retrying…"


class ServiceInfo(TypedDict):
    code: str
    name: str
    name_en: str
    prefix: str
    description: str
    waiting: int
    open: bool
    staffed: bool
    estimated_wait_s: int
    items: int


class TicketInfo(TypedDict, total=False):
    id: str
    number: str
    service: str
    service_name: str
    service_name_en: str
    status: str
    issued_at: str
    ahead: int
    estimated_wait_s: int
    window: int | None
    priority: bool
    priority_reason: str
    item: str | None
    recalls: int
    suspended_by: int | None
    target_window: int | None
    referrals: list[dict[str, Any]]
    reinstated: int


class WindowInfo(TypedDict, total=False):
    number: int
    name: str
    status: str
    staff: str | None
    staff_name: str | None
    current: str | None
    current_number: str | None
    current_status: str | None
    pause_reason: str
    services: list[str]
    waiting: int


class WindowAnswer(TypedDict, total=False):
    ticket: TicketInfo | None
    window: WindowInfo
    case: dict[str, Any]
    warning: str


class Session(TypedDict):
    token: str
    staff: str
    name: str
    role: str
    window: int | None
    expires_in_s: int


class Listener(Protocol):
    def stop(self) -> None: ...

    @property
    def last_event_id(self) -> int: ...


EventCallback = Callable[[int, str, dict[str, Any]], None]
StatusCallback = Callable[[bool, str], None]


class HallApi(Protocol):
    """What every app may ask of the hall: the HTTP client and the in-memory fake both provide it."""

    token: str | None

    def services(self) -> list[ServiceInfo]: ...
    def items(self, service: str | None = None) -> list[dict[str, Any]]: ...
    def issue(
        self,
        service: str,
        priority: bool = False,
        priority_reason: str = "",
        item: str | None = None,
        key: str | None = None,
    ) -> TicketInfo: ...
    def ticket(self, ticket_id: str) -> TicketInfo: ...
    def cancel(self, ticket_id: str) -> TicketInfo: ...
    def reinstate(self, ticket_id: str) -> TicketInfo: ...
    def login(self, staff: str, pin: str, window: int | None) -> Session: ...
    def logout(self) -> None: ...
    def window_action(self, window: int, action: str, body: dict[str, Any] | None = None) -> WindowAnswer: ...
    def window_detail(self, window: int) -> dict[str, Any]: ...
    def hall_state(self) -> dict[str, Any]: ...
    def rate(
        self, ticket: str, score: int, reasons: list[str] | None = None, comment: str = "", window: int | None = None
    ) -> dict[str, Any]: ...
    def rating_levels(self) -> dict[str, Any]: ...
    def cases(self, status: str | None = None, staff: str | None = None) -> list[dict[str, Any]]: ...
    def complete_case(self, case_id: str) -> dict[str, Any]: ...
    def case_types(self) -> list[dict[str, Any]]: ...
    def check_in(self, code: str, key: str | None = None) -> TicketInfo: ...
    def create_booking(
        self, service: str, day: dt.date, item: str | None = None, time: str = "", name: str = "", phone: str = ""
    ) -> dict[str, Any]: ...
    def due_date(self, item: str) -> str: ...
    def sample_pages(self, sha: str) -> dict[str, Any]: ...  # a sample form's name and page count (issue 11)
    def sample_page(self, sha: str, page: int) -> bytes: ...  # one page as a PNG image, pages from 1
    def listen(
        self, on_event: EventCallback, on_status: StatusCallback | None = None, last_event_id: int | None = None
    ) -> Listener: ...
    def honours(self) -> dict[str, Any]: ...
