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
