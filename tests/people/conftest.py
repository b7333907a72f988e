"""The people pages on the console's test hall (tests/console/conftest.py): clerk 1001 heads windows 1 and 2;
a director, a supervisor and an admin besides the manager. Monday 2026-11-23 09:00 unless a test moves the clock."""

from __future__ import annotations

import copy
import datetime as dt
import os
from typing import Any

os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")

import pytest

from server import create_app
from tests.clock import FakeClock
from tests.console.conftest import STAFF, Console
from tests.factories import BASE, SHANGHAI, make_config


def people_hall(**sections: Any) -> Any:
    windows = copy.deepcopy(BASE["windows"])
    windows[0]["head"] = "1001"
    windows[1]["head"] = "1001"
    windows[1]["staff_b"] = "1101"
    staff = copy.deepcopy(BASE["staff"]) + [
        {"code": "9000", "name": "钱磊", "role": "admin", "pin": "1234"},
        {"code": "9002", "name": "林主任", "role": "director", "pin": "1234"},
        {"code": "9003", "name": "苏督查", "role": "supervisor", "pin": "1234"},
    ]
    sections.setdefault("devices", {"pairing_required": False})
    return make_config(windows=windows, staff=staff, **sections)


@pytest.fixture
def clock() -> FakeClock[dt.datetime]:
    return FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def app(tmp_path, clock) -> Any:
    app = create_app({"HALL_CONFIG": people_hall(), "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True})
    yield app
    app.extensions["hallq"].close()


@pytest.fixture
def console(app) -> Any:
    def make(role_or_staff: str) -> Console:
        return Console(app).sign_in(STAFF.get(role_or_staff, role_or_staff))

    return make


from tests.server.conftest import browser  # noqa: E402, F401 - headless Chromium (Debian's)
