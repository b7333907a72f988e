"""The caller's tests share the test hall on the in-memory fake, at 09:00 on Monday 2026-11-23."""

from __future__ import annotations

import pytest

from client.fake import FakeHallApi
from tests.caller.helpers import CLOCK
from tests.factories import make_config


@pytest.fixture
def api() -> FakeHallApi:
    return FakeHallApi(make_config(), clock=lambda: CLOCK)
