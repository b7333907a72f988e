"""The console in headless Chromium against a real server (the demo hall): a manager signs in, watches the live
hall follow a call without reloading, and closes a service. Screenshots land in tests/_shots/."""

from __future__ import annotations

import pytest
import requests

from tests.browser import console_page, shot, sign_in
from tests.live import LiveServer

pytestmark = pytest.mark.slow


def test_a_manager_watches_a_call_arrive_and_closes_a_service(tmp_path, browser) -> None:
    with LiveServer(tmp_path) as server:
        api = f"{server.url}/api/v1"
        issued = [requests.post(f"{api}/tickets", json={"service": s}, timeout=5).json() for s in ("household",) * 3]
        requests.post(f"{api}/tickets", json={"service": "social"}, timeout=5)
        page = console_page(browser, server.url, "9001", bypass_csp=True)  # wait_for_function
        page.wait_for_selector("#windows tr[data-window='1']")
        assert "杨晓东（9001）" in page.text_content("#who")
        page.evaluate("window.__notReloaded = true")
        page.wait_for_function("document.querySelector('#waiting-chart svg') !== null")  # ECharts drew

        login = requests.post(f"{api}/auth/login", json={"staff": "1001", "pin": "1234", "window": 1}, timeout=5)
        clerk = {"Authorization": f"Bearer {login.json()['token']}"}
        called = requests.post(f"{api}/windows/1/call", headers=clerk, timeout=5).json()["ticket"]
        assert called["number"] == issued[0]["number"]
        page.wait_for_function(
            "document.querySelector(\"#windows tr[data-window='1'] td.current\").textContent.includes('A001')",
            timeout=10_000,
        )
        assert page.evaluate("window.__notReloaded === true")  # updated in place, from the event stream
        assert "张丽华" in page.text_content("#windows tr[data-window='1'] td.staff")
        assert page.text_content("#services tr[data-service='household'] td.waiting").strip() == "2"
        shot(page, "console_live_called", full=False)

        page.click("#services tr[data-service='household'] button")
        page.wait_for_selector("#flash .flash.ok")
        assert "已暂停户籍业务取号" in page.text_content("#flash")
        assert "已暂停" in page.text_content("#services tr[data-service='household'] td.open-state")
        refused = requests.post(f"{api}/tickets", json={"service": "household"}, timeout=5)
        assert refused.status_code == 409, refused.text
        shot(page, "console_service_closed", full=False)

        tablet = browser.new_page(viewport={"width": 1024, "height": 768}, bypass_csp=True)
        sign_in(tablet, server.url, "9002")  # the director: sees, no buttons
        tablet.wait_for_selector("#windows tr[data-window='1']")
        assert tablet.locator("#services button").count() == 0
        shot(tablet, "console_live_director_tablet", full=False)
        tablet.close()
        page.close()
