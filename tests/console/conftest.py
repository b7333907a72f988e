"""The console on the test hall: a director, a supervisor and an admin besides its manager; clerk 1001 heads
window 1. `console.sign_in(staff)` signs a browser-less client in and keeps its CSRF token."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from typing import Any

os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")  # fast hashing in tests; production uses 200k

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app
from tests.clock import FakeClock
from tests.factories import BASE, SHANGHAI, make_config
from tests.server.conftest import browser  # noqa: F401 - headless Chromium, shared with the server's page tests

STAFF = {
    "admin": "9000",
    "director": "9002",
    "manager": "9001",
    "supervisor": "9003",
    "window_head": "1001",
    "clerk": "1002",
}


def console_hall(**sections: Any) -> Any:
    windows = copy.deepcopy(BASE["windows"])
    windows[0]["head"] = "1001"
    staff = copy.deepcopy(BASE["staff"]) + [
        {"code": "9000", "name": "钱磊", "role": "admin", "pin": "1234"},
        {"code": "9002", "name": "林主任", "role": "director", "pin": "1234"},
        {"code": "9003", "name": "苏督查", "role": "supervisor", "pin": "1234"},
    ]
    sections.setdefault("devices", {"pairing_required": False})  # tickets come from the tests, not from kiosks
    return make_config(windows=windows, staff=staff, **sections)


@pytest.fixture
def clock() -> FakeClock[dt.datetime]:
    return FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def app(tmp_path, clock) -> Any:
    app = create_app({"HALL_CONFIG": console_hall(), "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True})
    yield app
    app.extensions["hallq"].close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Console:
    """A signed-in console user (a Flask test client with its cookie) and her CSRF token."""

    def __init__(self, app: Flask):
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.token = ""

    @property
    def service(self) -> Any:
        return self.app.extensions["hallq"]

    def sign_in(self, staff: str, pin: str = "1234") -> Console:
        role = self.service.config.staff_member(staff).role
        if role == "clerk" and not hasattr(self.service, "console_login"):
            # until the service signs a clerk in without a window: her caller's session, put in the cookie
            window = next(w.number for w in self.service.config.windows if staff in (w.staff_a, w.staff_b))
            token = self.service.login(staff, pin, window)["token"]
            with self.client.session_transaction() as session:
                session["token"] = token
        else:
            login = self.client.get("/console/login")
            r = self.client.post(
                "/console/login", data={"staff": staff, "pin": pin, "csrf_token": csrf_of(login.get_data(as_text=True))}
            )
            assert r.status_code == 303, r.get_data(as_text=True)
        self.token = csrf_of(self.client.get("/console/me").get_data(as_text=True))
        return self

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True, **kw: Any) -> Any:
        body = dict(data or {})
        if csrf:
            body["csrf_token"] = self.token
        return self.client.post(path, data=body, **kw)

    def flash(self, response: Any) -> str:
        """The sentence shown after an action (the page the action returned to)."""
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        page = self.client.get(response.headers["Location"]).get_data(as_text=True)
        found = re.findall(r'<p class="flash (?:ok|error)">(.*?)</p>', page, re.S)
        return " ".join(found)


@pytest.fixture
def console(app) -> Any:
    def make(role_or_staff: str) -> Console:
        return Console(app).sign_in(STAFF.get(role_or_staff, role_or_staff))

    return make
