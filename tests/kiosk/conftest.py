"""The kiosk's and the pad's presenter tests share a settable monotonic clock and the test hall on the fake."""

from __future__ import annotations

import pytest

from client.fake import FakeHallApi
from tests.clock import FakeClock
from tests.factories import at, make_config


@pytest.fixture
def clock() -> FakeClock[float]:
    return FakeClock(1000.0)


@pytest.fixture
def api() -> FakeHallApi:
    return FakeHallApi(make_config(), clock=lambda: at(9))
