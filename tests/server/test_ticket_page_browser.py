"""The citizen's phone page (the ticket's QR code) in headless Chromium: it follows the ticket live."""

from pathlib import Path

import pytest
import requests

from tests.live import LiveServer

pytestmark = pytest.mark.slow
SHOTS = Path(__file__).resolve().parent.parent / "_shots"


@pytest.fixture
def page(browser):
    return browser.new_page(viewport={"width": 390, "height": 760})


def test_phone_page_turns_to_the_window_when_called(tmp_path, page):
    with LiveServer(tmp_path) as server:
        first = requests.post(f"{server.url}/api/v1/tickets", json={"service": "household"}, timeout=5).json()
        mine = requests.post(f"{server.url}/api/v1/tickets", json={"service": "household"}, timeout=5).json()
        page.goto(f"{server.url}/t/{mine['id']}")
        page.wait_for_function("document.getElementById('status').textContent.includes('等候')", timeout=10_000)
        assert page.text_content("#ahead") == "1"
        token = requests.post(
            f"{server.url}/api/v1/auth/login", json={"staff": "1001", "pin": "1234", "window": 1}, timeout=5
        ).json()["token"]
        calls = {"Authorization": f"Bearer {token}"}
        assert (
            requests.post(f"{server.url}/api/v1/windows/1/call", headers=calls, timeout=5).json()["ticket"]["id"]
            == first["id"]
        )
        page.wait_for_function("document.getElementById('ahead').textContent === '0'", timeout=10_000)
        requests.post(f"{server.url}/api/v1/windows/1/finish", headers=calls, json={}, timeout=5)
        requests.post(f"{server.url}/api/v1/windows/1/call", headers=calls, timeout=5)
        page.wait_for_function(
            "document.getElementById('status').textContent.includes('请到 1 号窗口办理')", timeout=10_000
        )
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "phone_ticket_called.png"))
        assert "A002" in page.text_content("#number")
