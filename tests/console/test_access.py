"""Every console page refuses a role that may not see it, every form refuses a request without its CSRF token,
and nobody signed out gets anything but the sign-in page."""

from __future__ import annotations

import re

import pytest

from core import permissions
from server.console import pages
from tests.console.conftest import STAFF, Console

PAGES = pages()
SAMPLE = {
    "code": "HJ",
    "ticket_id": "t0",
    "complaint_id": "c0",
    "survey_id": "s0",
    "visit_id": "v0",
    "fmt": "csv",
    "kind": "ack",
}


def url_of(rule: str) -> str:
    """The rule with a sample value for each variable (a number where the rule wants one)."""

    def sample(m: re.Match[str]) -> str:
        converter, name = m.group(1), m.group(2)
        return "1" if converter in ("int", "float") else SAMPLE.get(name, "x")

    return re.sub(r"<(?:(\w+):)?(\w+)>", sample, rule)


def test_the_console_has_its_pages(app) -> None:
    endpoints = {p.endpoint for p in PAGES}
    assert {
        "console_live.live",
        "console_bookings.bookings",
        "console_me.me",
        "console_floor.close_service",
    } <= endpoints
    ruled = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/console")}
    unguarded = ruled - endpoints
    assert unguarded == {"console_auth.login", "console_auth.logout", "console_auth.index"}


@pytest.mark.parametrize("role", sorted(STAFF))
def test_each_page_and_action_is_refused_to_a_role_the_table_does_not_allow(app, console, role) -> None:
    user = console(role)
    for page in PAGES:
        for method in page.methods:
            url = url_of(page.rule)
            r = user.get(url) if method == "GET" else user.post(url)
            allowed = permissions.may(permissions.console_role(*_staff_role(user, role)) or "", page.permission)
            if allowed:
                assert r.status_code != 403, (role, method, url)
            else:
                assert r.status_code == 403, (role, method, url, r.status_code)
                assert "无权查看" in r.get_data(as_text=True)


def _staff_role(user: Console, role: str) -> tuple[str, bool]:
    staff = STAFF[role]
    return user.service.config.staff_member(staff).role, bool(user.service.config.headed_by(staff))


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("clerk", "/console/live"),
        ("clerk", "/console/bookings"),
        ("supervisor", "/console/bookings"),
        ("window_head", "/console/bookings"),
    ],
)
def test_spot_checks_of_refused_pages(console, role, path) -> None:
    assert console(role).get(path).status_code == 403


@pytest.mark.parametrize(("role", "path"), [("supervisor", "/console/live"), ("director", "/console/bookings")])
def test_read_only_roles_see_without_buttons(console, role, path) -> None:
    html = console(role).get(path).get_data(as_text=True)
    assert "暂停取号" not in html and "新建预约" not in html and 'name="reason"' not in html


@pytest.mark.parametrize("page", [p for p in PAGES if "POST" in p.methods], ids=lambda p: p.endpoint)
def test_every_form_refuses_a_request_without_its_csrf_token(console, page) -> None:
    user = console("admin")
    r = user.post(url_of(page.rule), {"window": "1", "reason": "x", "ticket": "t0"}, csrf=False)
    assert r.status_code == 400
    assert "安全令牌" in r.get_data(as_text=True)
    wrong = user.post(url_of(page.rule), {"window": "1", "csrf_token": "forged"}, csrf=False)
    assert wrong.status_code == 400


def test_signing_in_and_out_need_the_csrf_token_too(app, console) -> None:
    client = app.test_client()
    assert client.post("/console/login", data={"staff": "9001", "pin": "1234"}).status_code == 400
    user = console("manager")
    assert user.post("/console/logout", csrf=False).status_code == 400
    assert user.get("/console/live").status_code == 200  # still signed in


def test_the_json_api_needs_no_csrf_token(client_with_token) -> None:
    client, headers = client_with_token
    assert client.post("/api/v1/services/HJ/close", headers=headers).status_code == 200


@pytest.fixture
def client_with_token(app):
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"staff": "9001", "pin": "1234", "window": None})
    return client, {"Authorization": f"Bearer {r.json['token']}"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.endpoint}-{'-'.join(p.methods)}")
def test_signed_out_every_page_sends_to_the_sign_in_page(app, page) -> None:
    client = app.test_client()
    for method in page.methods:
        if method == "GET":
            r = client.get(url_of(page.rule))
            assert r.status_code == 303 and "/console/login" in r.headers["Location"]


def test_a_live_page_refresh_after_sign_out_asks_htmx_to_go_to_the_sign_in_page(app) -> None:
    r = app.test_client().get(
        "/console/live/panels", headers={"HX-Request": "true", "HX-Current-URL": "http://hall:8080/console/live"}
    )
    assert r.status_code == 401 and r.headers["HX-Redirect"] == "/console/login?next=/console/live"
