import datetime as dt

import pytest


def test_booking_check_in_gives_a_priority_ticket_once(client, staff):
    manager = staff.login("9001", None)
    r = client.post(
        "/api/v1/bookings",
        headers=manager,
        json={"service": "HJ", "day": "2026-11-23", "time": "09:30", "name": "王小明", "phone": "13800138000"},
    )
    assert r.status_code == 201, r.json
    booking = r.json
    assert len(booking["code"]) == 6 and booking["phone"] == "138****8000" and booking["name"] == "王**"
    client.post("/api/v1/tickets", json={"service": "HJ"})
    t = client.post("/api/v1/bookings/check-in", json={"code": booking["code"]})
    assert t.status_code == 201
    assert (t.json["priority"], t.json["priority_reason"], t.json["booking"], t.json["ahead"]) == (
        True,
        "appointment",
        booking["code"],
        0,
    )
    again = client.post("/api/v1/bookings/check-in", json={"code": booking["code"]})
    assert again.status_code == 409 and again.json["error"] == "booking_used"


def test_unknown_or_other_day_bookings_are_refused(client, staff):
    manager = staff.login("9001", None)
    assert client.post("/api/v1/bookings/check-in", json={"code": "000000"}).json["error"] == "unknown_booking"
    code = client.post("/api/v1/bookings", headers=manager, json={"service": "HJ", "day": "2026-11-25"}).json["code"]
    r = client.post("/api/v1/bookings/check-in", json={"code": code})
    assert r.status_code == 409 and r.json["error"] == "booking_not_today"


def test_only_managers_create_bookings(client, staff):
    clerk = staff.login("1001", 1)
    assert (
        client.post("/api/v1/bookings", headers=clerk, json={"service": "HJ", "day": "2026-11-23"}).status_code == 403
    )
    assert client.post("/api/v1/bookings", json={"service": "HJ", "day": "2026-11-23"}).status_code == 401


def test_bookings_in_the_past_are_refused(client, staff):
    manager = staff.login("9001", None)
    r = client.post("/api/v1/bookings", headers=manager, json={"service": "HJ", "day": "2026-11-20"})
    assert r.status_code == 400 and r.json["error"] == "bad_day"


def test_cancelled_booking_cannot_check_in(client, staff):
    manager = staff.login("9001", None)
    code = client.post("/api/v1/bookings", headers=manager, json={"service": "HJ", "day": "2026-11-23"}).json["code"]
    assert client.post(f"/api/v1/bookings/{code}/cancel", headers=manager).status_code == 200
    assert client.post("/api/v1/bookings/check-in", json={"code": code}).json["error"] == "booking_cancelled"
    listed = client.get("/api/v1/bookings?day=2026-11-23", headers=manager).json
    assert [(b["code"], b["status"]) for b in listed] == [(code, "cancelled")]


def test_item_due_date_uses_working_days(client):
    r = client.get("/api/v1/items/HJ-01/due-date")
    assert r.json == {"item": "HJ-01", "workdays": 5, "due_date": "2026-11-30"}
    assert client.get("/api/v1/items/NOPE/due-date").status_code == 404
    assert dt.date.fromisoformat(r.json["due_date"]).isoweekday() == 1


def test_a_retried_check_in_returns_the_same_ticket(client, staff):
    manager = staff.login("9001", None)
    code = client.post("/api/v1/bookings", headers=manager, json={"service": "HJ", "day": "2026-11-23"}).json["code"]
    headers = {"Idempotency-Key": "kiosk1-checkin-7"}
    first = client.post("/api/v1/bookings/check-in", json={"code": code}, headers=headers)
    again = client.post("/api/v1/bookings/check-in", json={"code": code}, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json["id"] == again.json["id"]


@pytest.mark.parametrize(
    "day, ok",
    [("2026-11-23", True), ("2026-11-30", True), ("2026-12-01", False), ("2026-11-28", False)],
)
def test_bookings_are_for_working_days_up_to_five_ahead(tmp_path, clock, day, ok):
    from server import create_app
    from tests.factories import make_config

    config = make_config(hall={"enforce_hours": True})  # a hall keeping its hours books working days only
    client = create_app({"HALL_CONFIG": config, "DATA_DIR": tmp_path, "CLOCK": clock}).test_client()
    token = client.post("/api/v1/auth/login", json={"staff": "9001", "pin": "1234"}).json["token"]
    r = client.post(
        "/api/v1/bookings", headers={"Authorization": f"Bearer {token}"}, json={"service": "HJ", "day": day}
    )
    assert (r.status_code == 201) is ok, r.json
    if not ok:
        assert r.json["error"] == "bad_day"


def test_a_booking_never_checked_in_is_a_no_show_after_its_day(client, staff, clock):
    manager = staff.login("9001", None)
    code = client.post("/api/v1/bookings", headers=manager, json={"service": "HJ", "day": "2026-11-23"}).json["code"]
    clock.now = clock.now.replace(day=24)
    client.post("/api/v1/tickets", json={"service": "HJ"})  # the first command of the new day rolls it
    manager = staff.login("9001", None)
    listed = client.get("/api/v1/bookings?day=2026-11-23", headers=manager).json
    assert [(b["code"], b["status"]) for b in listed] == [(code, "no_show")]
