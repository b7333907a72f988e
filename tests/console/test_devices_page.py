"""The devices page: add a device (its pairing code shown once), rename, move, revoke — each a command on record;
and in a browser against the demo hall, a pad paired in the console records a rating with its own token."""

from __future__ import annotations

import re

import requests

from tests.browser import console_page, shot
from tests.console.conftest import Console
from tests.live import LiveServer


def test_add_rename_move_revoke(app) -> None:
    c = Console(app).sign_in("9001")
    page = c.post("/console/devices", {"role": "pad", "window": "1", "name": ""})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    code = re.search(r'id="pairing-raw" hidden>(\d{8})<', html).group(1)
    assert "30 分钟内有效" in html
    device_id = c.service.devices()[0]["id"]
    assert code not in c.get("/console/devices").get_data(as_text=True)  # shown once
    token = c.client.post("/api/v1/devices/pair", json={"code": code}).get_json()["token"]
    assert token
    assert "已改名为“1号评价器A”" in c.flash(c.post(f"/console/devices/{device_id}/rename", {"name": "1号评价器A"}))
    assert "已移至2号窗口" in c.flash(c.post(f"/console/devices/{device_id}/move", {"window": "2"}))
    assert "没有9号窗口" in c.flash(c.post(f"/console/devices/{device_id}/move", {"window": "9"}))
    listed = c.get("/console/devices").get_data(as_text=True)
    assert "1号评价器A" in listed and "已配对" in listed
    assert "已吊销" in c.flash(c.post(f"/console/devices/{device_id}/revoke"))
    refused = c.client.post("/api/v1/devices/state", json={"state": ""}, headers={"X-Device-Token": token})
    assert refused.status_code == 401
    actions = [r["action"] for r in c.service.audit_log(limit=10)]
    assert {"device.created", "device.paired", "device.updated", "device.revoked"} <= set(actions)


def test_a_form_without_its_csrf_token_is_refused(app) -> None:
    c = Console(app).sign_in("9001")
    assert c.post("/console/devices", {"role": "kiosk"}, csrf=False).status_code == 400
    assert c.service.devices() == []


def test_a_pad_paired_in_the_console_records_a_rating(tmp_path, browser) -> None:
    with LiveServer(tmp_path) as server:
        api = f"{server.url}/api/v1"
        page = console_page(browser, server.url, "9001", bypass_csp=True)
        page.wait_for_selector("#who")
        page.goto(f"{server.url}/console/devices")
        page.select_option("#new-device select[name=role]", "pad")
        page.select_option("#new-device select[name=window]", "3")
        page.click("#new-device button[type=submit]")
        page.wait_for_selector("#pairing-code")
        code = page.text_content("#pairing-raw").strip()
        assert re.fullmatch(r"\d{8}", code)
        shot(page, "console_device_pairing_code", full=False)

        token = requests.post(f"{api}/devices/pair", json={"code": code}, timeout=5).json()["token"]
        pad = {"X-Device-Token": token}
        ticket = requests.post(f"{api}/tickets", json={"service": "social"}, timeout=5).json()  # the demo's kiosk
        login = requests.post(f"{api}/auth/login", json={"staff": "1003", "pin": "1234", "window": 3}, timeout=5)
        clerk = {"Authorization": f"Bearer {login.json()['token']}"}
        called = requests.post(f"{api}/windows/3/call", headers=clerk, timeout=5).json()["ticket"]
        assert called["id"] == ticket["id"]
        requests.post(f"{api}/windows/3/start", headers=clerk, timeout=5)
        finished = requests.post(f"{api}/windows/3/finish", headers=clerk, json={}, timeout=5)
        assert finished.status_code == 200, finished.text
        rated = requests.post(f"{api}/ratings", json={"ticket": ticket["id"], "score": 5}, headers=pad, timeout=5)
        assert rated.status_code == 201, rated.text
        again = requests.post(
            f"{api}/ratings", json={"ticket": ticket["id"], "score": 1}, headers={"X-Device-Token": "x"}, timeout=5
        )
        assert again.status_code == 401  # a token the hall never gave

        page.goto(f"{server.url}/console/devices")
        row = page.locator("#devices tr", has_text="3号窗口评价器")
        assert "已配对" in row.text_content() and "在线" in row.text_content() and "127.0.0.1" in row.text_content()
        shot(page, "console_device_paired_rated", full=False)
        page.close()
