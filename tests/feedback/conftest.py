"""The feedback ledgers on the console's test hall (tests/console/conftest.py): window 1's head is clerk 1001;
1002 and 1003 are clerks at windows 2 and 3; 9001 manager, 9002 director, 9003 supervisor, 9000 admin."""

from __future__ import annotations

from typing import Any

import pytest

from application import commands as cmd
from application.audit import Actor, acting
from application.feedback import FeedbackService, Viewer
from core.devices import LOCAL_DEVICE
from tests.browser import url  # noqa: F401 (fixture: the app on a real port)
from tests.console.conftest import app, browser, clock, console  # noqa: F401 (fixtures)

WINDOW_OF = {"1001": 1, "1002": 2, "1003": 3}
SERVICE_OF = {1: "HJ", 2: "SB", 3: "SB"}
VIEWERS = {
    "clerk": Viewer("1002", "clerk"),
    "clerk3": Viewer("1003", "clerk"),
    "window_head": Viewer("1001", "window_head", (1,)),
    "manager": Viewer("9001", "manager"),
    "director": Viewer("9002", "director"),
    "supervisor": Viewer("9003", "supervisor"),
    "admin": Viewer("9000", "admin"),
}
ROLE_OF = {"9001": "manager", "9002": "director", "9003": "supervisor", "9000": "admin"}


def serve(
    hall_app: Any, staff: str, *, item: str | None = None, booking_phone: str = "", case_type: str = "immediate"
) -> str:
    """One citizen served start to finish at `staff`'s window; returns the ticket id."""
    service = hall_app.extensions["hallq"]
    window = WINDOW_OF[staff]
    service.roll_if_due()  # a new day signs every window out
    if service.hall.windows[window].staff != staff:
        service.login(staff, "1234", window)
    code = SERVICE_OF[window]
    if booking_phone:
        booking = service.create_booking(code, service.today(), phone=booking_phone, name="张三")
        ticket = service.check_in(booking["code"], staff=True)
    else:
        ticket = service.issue(code, staff=True)
    service.call_next(window)
    service.start(window)
    finish = {"case_type": case_type, "item": item or ("HJ-01" if code == "HJ" else "SB-01")}
    service.finish(window, cmd.parse(cmd.Finish, finish))
    return str(ticket["id"])


def rate(hall_app: Any, ticket: str, score: int, reasons: list[str] | None = None, comment: str = "") -> None:
    service = hall_app.extensions["hallq"]
    window = service.find_ticket(ticket).window
    bad = reasons if reasons is not None else (["服务态度不好"] if score <= 2 else [])
    service.rate(ticket, score, bad, comment, window=window, device=LOCAL_DEVICE)


@pytest.fixture
def feedback(app: Any) -> FeedbackService:  # noqa: F811 (the fixture)
    service: FeedbackService = app.extensions["hallq.feedback"]
    return service


def as_(who: str) -> Any:
    """Act as a staff member (the audit log names her), for calls made straight to the service."""
    viewer = VIEWERS[who]
    role = "clerk" if viewer.role == "window_head" else viewer.role
    return acting(Actor(viewer.staff, role, "test"))
