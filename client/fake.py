"""The apps' in-memory hall: the server's own command handlers over an in-memory store, no server needed.

`FakeHallApi(config)` offers the same calls as the HTTP client (client.types.HallApi) and runs them through
application.service.HallService — the code the server runs — so an app tested here meets the same rules,
sentences and error codes as on a real hall. Events go to listeners synchronously, after the command, on the
caller's thread. No rule is written in this file.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from application.auth import Role
from application.commands import WindowAction
from application.memory import MemoryStore
from application.people import honour_display
from application.service import HallService
from application.store import StoredEvent
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
)
from core.bookings import BOOKED
from core.calendar import WorkCalendar
from core.config import HallConfig
from core.devices import LOCAL_DEVICE
from core.privacy import public_payload
from core.samples import NO_SUCH_PAGE, NO_SUCH_SAMPLE, find_offered, pages_answer
from core.tickets import DomainError

T = TypeVar("T")
FAST_PIN_ITERATIONS = 1000  # an in-memory hall keeps no PIN anywhere that lasts


class _FakeListener:
    def __init__(self, api: FakeHallApi, on_event: EventCallback, staff: bool):
        self.api, self.on_event, self.staff = api, on_event, staff
        self._last = 0

    @property
    def last_event_id(self) -> int:
        return self._last

    def deliver(self, event: StoredEvent) -> None:
        self._last = event.id
        self.on_event(event.id, event.name, event.payload if self.staff else public_payload(event.payload))

    def stop(self) -> None:
        self.api._listeners.discard(self)


class FakeHallApi:
    def __init__(
        self, config: HallConfig, clock: Callable[[], dt.datetime] | None = None, calendar: WorkCalendar | None = None
    ):
        self.config = config
        self.store = MemoryStore()
        self._ids = itertools.count(1)
        self.service = HallService(
            config,
            self.store,
            clock=clock,
            calendar=calendar,
            publish=self._deliver,
            pin_iterations=FAST_PIN_ITERATIONS,
            ids=lambda: f"f{next(self._ids):06d}",
        )
        self.token: str | None = None
        self.device = LOCAL_DEVICE  # the app in-process: a device the hall trusts (tests may set a paired one)
        self.online = True  # set False to act as an unreachable server
        self._listeners: set[_FakeListener] = set()
        self.sample_images: dict[str, list[bytes]] = {}  # sha → its pages as PNGs (the server renders at upload)
        self.honour_roll: dict[str, Any] | None = None  # what honours() answers (tests set it as the server would)

    # ---- plumbing ------------------------------------------------------------------------------

    def _call(self, command: Callable[[], T]) -> T:
        if not self.online:
            raise ApiError(0, "unreachable", UNREACHABLE)
        try:
            return command()
        except DomainError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None

    def _deliver(self, events: list[StoredEvent]) -> None:
        for event in events:
            for listener in list(self._listeners):
                listener.deliver(event)

    def _is_staff(self) -> bool:
        """As the server: a valid staff token sees tickets whole, anyone else as the public may."""
        try:
            self.service.authenticate(self.token)
            return True
        except DomainError:
            return False

    def emit(self, name: str, payload: dict[str, Any]) -> None:
        """Publish an event of one's own (tests of apps use it)."""
        self.service.publish_raw(name, payload)

    def add_booking(
        self, code: str, service: str, day: dt.date | None = None, item: str | None = None, time: str = ""
    ) -> None:
        """Tests and demos: a booking as a manager would have made it (the code chosen by the test)."""
        day = day or self.service.hall.day
        row = {"code": code, "service": service, "item": item, "day": day.isoformat(), "time": time}
        with self.store.transaction():
            self.store.add_booking({**row, "name": "", "phone": "", "status": BOOKED, "created_at": ""})

    def add_sample_pages(self, sha: str, pages: list[bytes]) -> None:
        """Tests and demos: a sample form's page images, as the server keeps them after an upload."""
        self.sample_images[sha] = list(pages)

    # ---- what tests may look at -------------------------------------------------------------------------

    @property
    def hall(self) -> Any:
        return self.service.hall

    @property
    def log(self) -> list[tuple[int, str, dict[str, Any]]]:
        return [(e.id, e.name, e.payload) for e in self.store.events]

    @property
    def tickets(self) -> dict[str, dict[str, Any]]:
        return self.store.tickets

    @property
    def cases_by_id(self) -> dict[str, dict[str, Any]]:
        return self.store.case_rows

    @property
    def ratings(self) -> dict[str, dict[str, Any]]:
        return self.store.rating_rows

    # ---- the API -------------------------------------------------------------------------------

    def services(self) -> list[ServiceInfo]:
        return cast(list[ServiceInfo], self._call(self.service.services))

    def items(self, service: str | None = None) -> list[dict[str, Any]]:
        return self._call(lambda: self.service.items(service))

    def issue(
        self,
        service: str,
        priority: bool = False,
        priority_reason: str = "",
        item: str | None = None,
        key: str | None = None,
    ) -> TicketInfo:
        return cast(
            TicketInfo,
            self._call(lambda: self.service.issue(service, priority, priority_reason, item, key, device=self.device)),
        )

    def ticket(self, ticket_id: str) -> TicketInfo:
        return cast(TicketInfo, self._call(lambda: self.service.ticket(ticket_id, private=self._is_staff())))

    def cancel(self, ticket_id: str) -> TicketInfo:
        def run() -> dict[str, Any]:
            self.service.authorize(self.token, Role.CLERK)
            return self.service.cancel(ticket_id)

        return cast(TicketInfo, self._call(run))

    def reinstate(self, ticket_id: str) -> TicketInfo:
        return cast(
            TicketInfo,
            self._call(lambda: self.service.reinstate(self.service.authorize(self.token, Role.CLERK), ticket_id)),
        )

    def login(self, staff: str, pin: str, window: int | None) -> Session:
        session = cast(Session, self._call(lambda: self.service.login(staff, pin, window)))
        self.token = session["token"]
        return session

    def logout(self) -> None:
        if self.token:
            token = self.token
            self._call(lambda: self.service.logout(self.service.authorize(token, Role.CLERK)))
        self.token = None

    def window_action(self, window: int, action: str, body: dict[str, Any] | None = None) -> WindowAnswer:
        def run() -> dict[str, Any]:
            try:
                known = WindowAction(action)
            except ValueError:
                raise DomainError("not_found", "没有这个地址。 / There is no such address.", 404) from None
            self.service.authorize(self.token, Role.CLERK, window)
            return self.service.window_action(window, known, body)

        return cast(WindowAnswer, self._call(run))

    def window_detail(self, window: int) -> dict[str, Any]:
        return self._call(lambda: self.service.window_detail(window, private=self._is_staff()))

    def hall_state(self) -> dict[str, Any]:
        return self._call(self.service.hall_state)

    def rate(
        self, ticket: str, score: int, reasons: list[str] | None = None, comment: str = "", window: int | None = None
    ) -> dict[str, Any]:
        return self._call(lambda: self.service.rate(ticket, score, reasons, comment, window, device=self.device))

    def rating_levels(self) -> dict[str, Any]:
        return self._call(self.service.rating_levels)

    def cases(self, status: str | None = None, staff: str | None = None) -> list[dict[str, Any]]:
        return self._call(lambda: self.service.cases(self.service.authorize(self.token, Role.CLERK), status, staff))

    def complete_case(self, case_id: str) -> dict[str, Any]:
        return self._call(lambda: self.service.complete_case(self.service.authorize(self.token, Role.CLERK), case_id))

    def case_types(self) -> list[dict[str, Any]]:
        return self._call(self.service.case_types)

    def create_booking(
        self, service: str, day: dt.date, item: str | None = None, time: str = "", name: str = "", phone: str = ""
    ) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            self.service.authorize(self.token, Role.MANAGER)
            return self.service.create_booking(service, day, item, time, name, phone)

        return self._call(run)

    def check_in(self, code: str, key: str | None = None) -> TicketInfo:
        return cast(TicketInfo, self._call(lambda: self.service.check_in(code, key, device=self.device)))

    def due_date(self, item: str) -> str:
        return str(self._call(lambda: self.service.due_date(item))["due_date"])

    def _sample(self, sha: str) -> tuple[dict[str, Any], list[bytes]]:
        """As the server: only a sample the hall's items name now, with its pages kept."""
        sample = find_offered(self.service.config, sha)
        pages = self.sample_images.get(sha, [])
        if sample is None or not pages:
            raise DomainError("unknown_sample", NO_SUCH_SAMPLE, 404)
        return pages_answer(sample, len(pages)), pages

    def sample_pages(self, sha: str) -> dict[str, Any]:
        return self._call(lambda: self._sample(sha)[0])

    def sample_page(self, sha: str, page: int) -> bytes:
        def run() -> bytes:
            pages = self._sample(sha)[1]
            if not 1 <= page <= len(pages):
                raise DomainError("unknown_page", NO_SUCH_PAGE, 404)
            return pages[page - 1]

        return self._call(run)

    def listen(
        self, on_event: EventCallback, on_status: StatusCallback | None = None, last_event_id: int | None = None
    ) -> Listener:
        listener = _FakeListener(self, on_event, staff=self._is_staff())
        with self.service.lock:
            backlog = (
                self.store.events_after(last_event_id, limit=len(self.store.events))
                if last_event_id is not None
                else []
            )
            self._listeners.add(listener)
        if on_status:
            on_status(True, "")
        for event in backlog:
            listener.deliver(event)
        return listener

    def honours(self) -> dict[str, Any]:
        """As GET /honours: the roll tests set in ``honour_roll`` (the server's answer), else the hall's empty one."""

        def run() -> dict[str, Any]:
            if self.honour_roll is not None:
                return dict(self.honour_roll)
            return {
                "shows": list(self.config.awards.honour_roll),
                "display": honour_display(self.config.awards),
                "red_flag": None,
                "period": None,
                "windows": [],
                "staff": [],
            }

        return self._call(run)


def _conforms(api: FakeHallApi) -> HallApi:
    return api  # mypy checks that the fake offers every call of the protocol
