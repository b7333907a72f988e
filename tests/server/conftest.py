import datetime as dt
import os
from pathlib import Path

os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")  # fast hashing in tests; production uses 200k

import pytest

from server import create_app
from tests.clock import FakeClock
from tests.factories import SHANGHAI, make_config


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def app(tmp_path, clock):
    app = create_app({"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True})
    yield app
    app.extensions["hallq"].close()


@pytest.fixture
def client(app):
    return app.test_client()


class Staff:
    def __init__(self, client):
        self.client = client

    def login(self, staff: str, window: int | None, pin: str = "1234"):
        r = self.client.post("/api/v1/auth/login", json={"staff": staff, "pin": pin, "window": window})
        assert r.status_code == 200, r.json
        return {"Authorization": f"Bearer {r.json['token']}"}


@pytest.fixture
def staff(client):
    return Staff(client)


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium); the browser test needs it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield chromium
        chromium.close()
