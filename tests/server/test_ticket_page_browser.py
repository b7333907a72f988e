"""The citizen's phone page (the ticket's QR code) in headless Chromium: it follows the ticket live."""

from pathlib import Path

import pytest
import requests

from tests.live import LiveServer

pytestmark = pytest.mark.slow
SHOTS = Path(__file__).resolve().parent.parent / "_shots"


@pytest.fixture
def page(browser):
    return browser.new_page(
        viewport={"width": 390, "height": 760}, bypass_csp=True
    )  # wait_for_function evaluates strings


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
        page.evaluate("document.fonts.ready.then(() => true)")  # the bundled CJK font, before the picture
        page.screenshot(path=str(SHOTS / "phone_ticket_called.png"))
        assert "A002" in page.text_content("#number")


def test_phone_page_names_where_a_transfer_went_and_hides_the_wait_when_done(tmp_path, page):
    with LiveServer(tmp_path) as server:
        api = f"{server.url}/api/v1"
        mine = requests.post(f"{api}/tickets", json={"service": "household"}, timeout=5).json()

        def login(staff: str, window: int) -> dict[str, str]:
            body = {"staff": staff, "pin": "1234", "window": window}
            token = requests.post(f"{api}/auth/login", json=body, timeout=5).json()["token"]
            return {"Authorization": f"Bearer {token}"}

        second, first = login("1002", 2), login("1001", 1)
        requests.post(f"{api}/windows/1/call", headers=first, timeout=5)
        moved = requests.post(
            f"{api}/windows/1/transfer", headers=first, json={"note": "请到2号窗口", "window": 2}, timeout=5
        )
        assert moved.status_code == 200, moved.json()
        page.goto(f"{server.url}/t/{mine['id']}")
        page.wait_for_function(
            "document.getElementById('status').textContent.includes('已转到 2 号窗口')", timeout=10_000
        )
        assert page.is_visible("#facts")
        requests.post(f"{api}/windows/2/call", headers=second, timeout=5)
        requests.post(f"{api}/windows/2/finish", headers=second, json={}, timeout=5)
        page.wait_for_function("document.getElementById('status').textContent.includes('已办结')", timeout=10_000)
        assert not page.is_visible("#facts")  # no "0 ahead / 0 min" for a finished ticket
        SHOTS.mkdir(exist_ok=True)
        page.evaluate("document.fonts.ready.then(() => true)")  # the bundled CJK font, before the picture
        page.screenshot(path=str(SHOTS / "phone_ticket_done.png"))
