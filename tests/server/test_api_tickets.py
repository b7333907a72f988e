import datetime as dt

import pytest

from tests.factories import SHANGHAI


def test_services_list_waiting_and_open(client):
    client.post("/api/v1/tickets", json={"service": "HJ"})
    r = client.get("/api/v1/services")
    assert r.status_code == 200
    hj = next(s for s in r.json if s["code"] == "HJ")
    assert {k: hj[k] for k in ("code", "name", "prefix", "waiting", "open")} == {
        "code": "HJ",
        "name": "户籍业务",
        "prefix": "A",
        "waiting": 1,
        "open": True,
    }


def test_items_carry_the_complete_guide(client):
    r = client.get("/api/v1/items?service=HJ")
    assert r.status_code == 200
    (item,) = r.json
    assert item["name"] == "户口迁入"
    assert [m["name"] for m in item["materials"]] == ["居民户口簿", "居民身份证", "准予迁入证明"]
    assert item["legal_basis"] and item["fees"] == "不收费" and item["time_limit_days"] == 5


def test_items_of_unknown_service_is_400(client):
    r = client.get("/api/v1/items?service=ZZ")
    assert r.status_code == 400 and r.json["error"] == "unknown_service"


def test_issue_ticket_contract(client):
    r = client.post("/api/v1/tickets", json={"service": "HJ", "priority": False})
    assert r.status_code == 201
    body = r.json
    assert set(body) >= {"id", "number", "service", "status", "issued_at", "ahead", "estimated_wait_s"}
    assert (body["number"], body["service"], body["status"], body["ahead"]) == ("A001", "HJ", "waiting", 0)
    assert body["issued_at"].startswith("2026-11-23T09:00:00+08:00")
    second = client.post("/api/v1/tickets", json={"service": "HJ"}).json
    assert second["number"] == "A002" and second["ahead"] == 1


@pytest.mark.parametrize(
    "body, code",
    [
        ({"service": "ZZ"}, "unknown_service"),
        ({}, "invalid"),
        ({"service": "HJ", "priority": "very"}, "invalid"),
        ({"service": "HJ", "colour": "red"}, "invalid"),
        ([1, 2], "bad_json"),
    ],
)
def test_issue_bad_input_is_400_with_a_message(client, body, code):
    r = client.post("/api/v1/tickets", json=body)
    assert r.status_code == 400
    assert r.json["error"] == code and len(r.json["message"]) > 10


def test_malformed_json_is_400(client):
    r = client.post("/api/v1/tickets", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "bad_json"


def test_body_size_is_bounded(client):
    r = client.post("/api/v1/tickets", data="x" * 100_000, content_type="application/json")
    assert r.status_code == 413 and r.json["error"] == "too_large"


def test_closed_service_is_409(client, staff):
    headers = staff.login("9001", None)
    assert client.post("/api/v1/services/HJ/close", headers=headers).status_code == 200
    r = client.post("/api/v1/tickets", json={"service": "HJ"})
    assert r.status_code == 409 and r.json["error"] == "service_closed"
    client.post("/api/v1/services/HJ/open", headers=headers)
    assert client.post("/api/v1/tickets", json={"service": "HJ"}).status_code == 201


def test_get_ticket_shows_window_once_called(client, staff):
    t = client.post("/api/v1/tickets", json={"service": "HJ"}).json
    assert client.get(f"/api/v1/tickets/{t['id']}").json["window"] is None
    headers = staff.login("1001", 1)
    client.post("/api/v1/windows/1/call", headers=headers)
    got = client.get(f"/api/v1/tickets/{t['id']}").json
    assert (got["status"], got["window"], got["ahead"]) == ("called", 1, 0)


def test_unknown_ticket_is_404(client):
    r = client.get("/api/v1/tickets/nope")
    assert r.status_code == 404 and r.json["error"] == "unknown_ticket"


def test_unknown_api_path_is_json_404(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json["error"] == "not_found"


def test_numbering_restarts_at_local_midnight_not_utc(client, clock):
    client.post("/api/v1/tickets", json={"service": "HJ"})
    clock.now = dt.datetime(2026, 11, 24, 7, 59, tzinfo=SHANGHAI)  # still the 23rd in UTC
    r = client.post("/api/v1/tickets", json={"service": "HJ"})
    assert r.json["number"] == "A001"


def test_staff_can_cancel_a_waiting_ticket_but_nobody_else(client, staff):
    t = client.post("/api/v1/tickets", json={"service": "HJ"}).json
    assert client.post(f"/api/v1/tickets/{t['id']}/cancel").status_code == 401
    headers = staff.login("1001", 1)
    r = client.post(f"/api/v1/tickets/{t['id']}/cancel", headers=headers)
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    assert client.post(f"/api/v1/tickets/{t['id']}/cancel", headers=headers).status_code == 404


def test_ticket_status_page_renders_in_chinese(client):
    t = client.post("/api/v1/tickets", json={"service": "HJ"}).json
    r = client.get(f"/t/{t['id']}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "A001" in html and "户籍业务" in html and "测试镇便民服务中心" in html


def test_openapi_document_lists_the_contract(client):
    doc = client.get("/api/v1/openapi.json").json
    paths = doc["paths"]
    for path, method in [
        ("/api/v1/tickets", "post"),
        ("/api/v1/services", "get"),
        ("/api/v1/windows/{n}/call", "post"),
        ("/api/v1/windows/{n}/transfer", "post"),
        ("/api/v1/ratings", "post"),
        ("/api/v1/events", "get"),
        ("/api/v1/hall", "get"),
        ("/api/v1/auth/login", "post"),
    ]:
        assert method in paths[path], path
    schema = doc["components"]["schemas"]["IssueTicket"]
    assert "service" in schema["required"]


def test_a_retried_request_with_the_same_key_gets_the_same_ticket(client):
    headers = {"Idempotency-Key": "kiosk1-000042"}
    first = client.post("/api/v1/tickets", json={"service": "HJ"}, headers=headers)
    again = client.post("/api/v1/tickets", json={"service": "HJ"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"] and again.json["number"] == "A001"
    assert client.post("/api/v1/tickets", json={"service": "HJ"}).json["number"] == "A002"
