"""The console on the test hall: a director, a supervisor and an admin besides its manager; clerk 1001 heads
window 1. `console.sign_in(staff)` signs a browser-less client in and keeps its CSRF token."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")  # fast hashing in tests; production uses 200k

import pytest
import tomli_w
from flask import Flask
from flask.testing import FlaskClient

from server import create_app
from tests.clock import FakeClock
from tests.factories import BASE, SHANGHAI, hall_dict, make_config
from tests.server.conftest import browser  # noqa: F401 - headless Chromium, shared with the server's page tests

STAFF = {
    "admin": "9000",
    "director": "9002",
    "manager": "9001",
    "supervisor": "9003",
    "window_head": "1001",
    "clerk": "1002",
}


CONSOLE_STAFF = [
    {"code": "9000", "name": "钱磊", "role": "admin", "pin": "1234"},
    {"code": "9002", "name": "林主任", "role": "director", "pin": "1234"},
    {"code": "9003", "name": "苏督查", "role": "supervisor", "pin": "1234"},
]


def console_hall(*, windows: list[dict[str, Any]] | None = None, **sections: Any) -> Any:
    """The test hall with an admin, a director and a supervisor; `windows` default: the base hall's, clerk 1001
    heading window 1."""
    if windows is None:
        windows = copy.deepcopy(BASE["windows"])
        windows[0]["head"] = "1001"
    staff = copy.deepcopy(BASE["staff"]) + copy.deepcopy(CONSOLE_STAFF)
    sections.setdefault("devices", {"pairing_required": False})  # tickets come from the tests, not from kiosks
    return make_config(windows=windows, staff=staff, **sections)


def write_hall_file(directory: Path) -> Path:
    """The console's test hall as directory/hall.toml (so the first start stores version 1, word for word)."""
    data = hall_dict()
    data["windows"][0]["head"] = "1001"
    data["staff"] += copy.deepcopy(CONSOLE_STAFF)
    data.setdefault("devices", {})["pairing_required"] = False
    path = directory / "hall.toml"
    path.write_text("# the test hall\n" + tomli_w.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def clock() -> FakeClock[dt.datetime]:
    return FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))


@contextlib.contextmanager
def hall_app(config: Any, data_dir: Path, clock: FakeClock[dt.datetime], **settings: Any) -> Iterator[Flask]:
    """The server app over `config` (a HallConfig or a hall file's path) as a test app on the fake clock, closed
    when the block ends; `settings` are more of the app's settings."""
    app = create_app({"HALL_CONFIG": config, "DATA_DIR": data_dir, "CLOCK": clock, "TESTING": True, **settings})
    try:
        yield app
    finally:
        app.extensions["hallq"].close()


@pytest.fixture
def hall_file(tmp_path: Path) -> Path:
    """The test hall as a file, for the tests of configuration versions (see write_hall_file)."""
    return write_hall_file(tmp_path)


@pytest.fixture
def app(tmp_path, clock) -> Iterator[Flask]:
    with hall_app(console_hall(), tmp_path, clock) as app:
        yield app


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
