"""The app factory: settings through app.config, the store closed at the end, roles enforced as documented."""

import threading

import pytest

from server import create_app
from server.api import ROUTES, auth, bookings, cases, kiosk, stream, windows  # noqa: F401 (their routes)
from server.api.openapi import openapi_document
from tests.factories import make_config


def test_settings_come_through_app_config(tmp_path, monkeypatch):
    monkeypatch.setenv("HALLQ_PIN_ITERATIONS", "1234")
    app = create_app({"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path})
    try:
        row = app.extensions["hallq"].store.staff_credentials("1001")
        assert row["pin_hash"].startswith("pbkdf2_sha256$1234$")
    finally:
        app.extensions["hallq"].close()


def test_closing_the_service_stops_the_store(tmp_path):
    before = {t.ident for t in threading.enumerate() if t.name == "hallq-checkpoint"}
    app = create_app({"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path})
    app.extensions["hallq"].close()
    after = {t.ident for t in threading.enumerate() if t.name == "hallq-checkpoint" and t.is_alive()}
    assert after <= before


def test_the_openapi_document_states_the_security_each_route_enforces():
    doc = openapi_document()
    assert doc["paths"]["/api/v1/cases"]["get"]["security"] == [{"bearer": []}]
    assert doc["paths"]["/api/v1/auth/me"]["get"]["security"] == [{"bearer": []}]
    assert doc["paths"]["/api/v1/bookings"]["get"]["security"] == [{"bearer": []}]
    assert doc["paths"]["/api/v1/tickets"]["post"]["security"] == []


SECURED = [r for r in ROUTES if r.role is not None]


@pytest.mark.parametrize("route", SECURED, ids=[f"{r.method} {r.path}" for r in SECURED])
def test_every_secured_route_refuses_without_a_token(client, route):
    path = "/api/v1" + route.path.replace("<int:n>", "1").replace("<code>", "HJ").replace("<case_id>", "x")
    path = path.replace("<ticket_id>", "x")
    r = client.open(path, method=route.method.upper(), json={})
    assert r.status_code == 401 and r.json["error"] == "unauthorized"


def test_a_clerk_may_not_use_a_manager_route(client, staff):
    headers = staff.login("1001", 1)
    r = client.post("/api/v1/services/HJ/close", headers=headers)
    assert r.status_code == 403 and r.json["error"] == "forbidden"


def test_the_days_tickets_are_set_aside_from_the_collector_and_looked_at_again_at_the_close(monkeypatch):
    """Full collections walked every ticket of the day (72 ms with 40,000): survivors are frozen once a minute."""
    import gc

    from server import cli

    hooks, started = [], []
    monkeypatch.setattr(
        cli.threading, "Thread", lambda **kw: type("T", (), {"start": lambda self: started.append(kw)})()
    )
    service = type("S", (), {"on_day_closed": lambda self, hook: hooks.append(hook)})()
    cli._keep_collections_small(service)
    assert started and started[0]["name"] == "hallq-gc" and len(hooks) == 1
    try:
        hooks[0](None, None)  # the day's close: everything looked at once, then set aside again
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
