"""The people pages on the console's test hall (tests/console/conftest.py): clerk 1001 heads windows 1 and 2;
a director, a supervisor and an admin besides the manager. Monday 2026-11-23 09:00 unless a test moves the clock."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.console.conftest import browser, clock, console, console_hall, hall_app  # noqa: F401 (fixtures)
from tests.factories import BASE


def people_hall(**sections: Any) -> Any:
    windows = copy.deepcopy(BASE["windows"])
    windows[0]["head"] = "1001"
    windows[1]["head"] = "1001"
    windows[1]["staff_b"] = "1101"
    return console_hall(windows=windows, **sections)


@pytest.fixture
def app(tmp_path, clock) -> Any:  # noqa: F811 (the fixture)
    with hall_app(people_hall(), tmp_path, clock) as app:
        yield app
