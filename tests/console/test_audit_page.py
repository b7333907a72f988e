"""The record of who did what: director and admin read it, filter it by period and staff, export the same query
as CSV; nobody can change or delete it; a forced sign-out appears in it (also in a browser, with a screenshot)."""

from __future__ import annotations

import sqlite3

import pytest
import requests

from tests.browser import console_page, shot
from tests.console.conftest import Console
from tests.live import LiveServer


def force_sign_out(app) -> None:
    service = app.extensions["hallq"]
    service.login("1001", "1234", 1)
    m = Console(app).sign_in("9001")
    assert "签退" in m.flash(m.post("/console/floor/windows/sign-out", {"window": "1", "reason": "离岗未签退"}))


def test_a_forced_sign_out_is_on_record_and_in_the_csv(app) -> None:
    force_sign_out(app)
    d = Console(app).sign_in("9002")
    page = d.get("/console/audit").get_data(as_text=True)
    assert 'data-action="window.forced_sign_out"' in page
    assert "离岗未签退" in page and "→" in page and "1001" in page
    mine = d.get("/console/audit?staff=9001").get_data(as_text=True)
    assert "window.forced_sign_out" in mine
    assert "window.forced_sign_out" not in d.get("/console/audit?staff=9000").get_data(as_text=True)
    assert "window.forced_sign_out" not in d.get("/console/audit?since=2026-11-01&until=2026-11-20").get_data(
        as_text=True
    )
    csv = d.get("/console/audit.csv?since=2026-11-23&until=2026-11-23&staff=9001")
    assert csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "window.forced_sign_out" in text and "离岗未签退" in text


def test_only_director_and_admin_read_it(app) -> None:
    assert Console(app).sign_in("9000").get("/console/audit").status_code == 200
    for staff in ("9001", "9003", "1001"):
        assert Console(app).sign_in(staff).get("/console/audit.csv").status_code == 403


def test_nobody_edits_or_deletes_it(app) -> None:
    force_sign_out(app)
    store = app.extensions["hallq"].store
    for sql in ("UPDATE audit SET action = 'x'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"), store.transaction():
            store._writer.execute(sql)
    d = Console(app).sign_in("9002")
    assert d.post("/console/audit").status_code == 405


def test_the_director_reads_a_forced_sign_out_in_a_browser(tmp_path, browser) -> None:
    with LiveServer(tmp_path) as server:
        api = f"{server.url}/api/v1"
        requests.post(f"{api}/auth/login", json={"staff": "1002", "pin": "1234", "window": 2}, timeout=5)
        page = console_page(browser, server.url, "9001", bypass_csp=True)
        page.wait_for_selector("#who")
        response = page.request.post(  # the live page's sign-out form, as the browser sends it
            f"{server.url}/console/floor/windows/sign-out",
            form={
                "window": "2",
                "reason": "离岗未签退",
                "csrf_token": page.get_attribute("input[name=csrf_token]", "value"),
            },
        )
        assert response.ok
        page.close()
        director = console_page(browser, server.url, "9002", bypass_csp=True)
        director.wait_for_selector("#who")
        director.goto(f"{server.url}/console/audit")
        row = director.locator("#audit tr[data-action='window.forced_sign_out']")
        assert row.count() == 1
        assert "离岗未签退" in row.text_content() and "1002" in row.text_content()
        shot(director, "console_audit_forced_sign_out", full=False)
        director.close()
