"""Device pairing: only the pad paired with the serving window rates; only paired kiosks issue tickets."""

import sqlite3

import pytest

from server import create_app
from tests.factories import make_config

PAIRED_ONLY = {"devices": {"pairing_required": True, "trust_loopback": False}}


@pytest.fixture
def hall_app(tmp_path, clock):
    app = create_app({"HALL_CONFIG": make_config(**PAIRED_ONLY), "DATA_DIR": tmp_path, "CLOCK": clock})
    yield app
    app.extensions["hallq"].close()


@pytest.fixture
def client(hall_app):
    return hall_app.test_client()


def login(client, staff, window=None):
    token = client.post("/api/v1/auth/login", json={"staff": staff, "pin": "1234", "window": window}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def pair(client, manager, role, window=None):
    added = client.post("/api/v1/devices", headers=manager, json={"role": role, "window": window})
    assert added.status_code == 201, added.json
    paired = client.post("/api/v1/devices/pair", json={"code": added.json["code"]})
    assert paired.status_code == 200, paired.json
    return added.json["id"], {"X-Device-Token": paired.json["token"]}


def serve_one(client, kiosk, clerk):
    ticket = client.post("/api/v1/tickets", json={"service": "HJ"}, headers=kiosk).json
    client.post("/api/v1/windows/1/call", headers=clerk)
    client.post("/api/v1/windows/1/finish", headers=clerk, json={})
    return ticket


def test_only_the_pad_of_the_serving_window_may_rate(client):
    manager = login(client, "9001")
    _, kiosk = pair(client, manager, "kiosk")
    _, pad1 = pair(client, manager, "pad", 1)
    _, pad2 = pair(client, manager, "pad", 2)
    clerk = login(client, "1001", 1)
    tickets = [serve_one(client, kiosk, clerk) for _ in range(3)]
    stranger = client.post("/api/v1/ratings", json={"ticket": tickets[0]["id"], "score": 1, "window": 1})
    assert stranger.status_code == 403 and stranger.json["error"] == "device_required"
    other_pad = client.post("/api/v1/ratings", json={"ticket": tickets[0]["id"], "score": 1}, headers=pad2)
    assert other_pad.status_code == 400 and other_pad.json["error"] == "wrong_window"
    lying = client.post("/api/v1/ratings", json={"ticket": tickets[0]["id"], "score": 1, "window": 1}, headers=pad2)
    assert lying.status_code == 400  # the pad's window is its pairing, not what the request says
    ok = client.post("/api/v1/ratings", json={"ticket": tickets[0]["id"], "score": 5}, headers=pad1)
    assert ok.status_code == 201 and ok.json["window"] == 1


def test_tickets_come_from_paired_kiosks_and_staff(client):
    r = client.post("/api/v1/tickets", json={"service": "HJ"})
    assert r.status_code == 403 and r.json["error"] == "device_required"
    manager = login(client, "9001")
    _, pad = pair(client, manager, "pad", 1)
    assert client.post("/api/v1/tickets", json={"service": "HJ"}, headers=pad).status_code == 403
    _, kiosk = pair(client, manager, "kiosk")
    assert client.post("/api/v1/tickets", json={"service": "HJ"}, headers=kiosk).status_code == 201
    assert client.post("/api/v1/tickets", json={"service": "HJ"}, headers=manager).status_code == 201  # the desk


def test_a_code_pairs_once_and_a_revoked_device_stops_at_once(client):
    manager = login(client, "9001")
    added = client.post("/api/v1/devices", headers=manager, json={"role": "kiosk", "name": "大厅1号取号机"}).json
    assert client.post("/api/v1/devices/pair", json={"code": added["code"]}).status_code == 200
    again = client.post("/api/v1/devices/pair", json={"code": added["code"]})
    assert again.status_code == 400 and again.json["error"] == "bad_pairing_code"
    device_id, kiosk = pair(client, manager, "kiosk")
    assert client.post("/api/v1/tickets", json={"service": "HJ"}, headers=kiosk).status_code == 201
    listed = {d["id"]: d for d in client.get("/api/v1/devices", headers=manager).json}
    assert listed[device_id]["paired"] and listed[device_id]["last_seen_at"] and "token" not in str(listed)
    assert client.post(f"/api/v1/devices/{device_id}/revoke", headers=manager).status_code == 200
    r = client.post("/api/v1/tickets", json={"service": "HJ"}, headers=kiosk)
    assert r.status_code == 401 and r.json["error"] == "device_unknown"


def test_a_device_reports_its_state_and_pairing_codes_cannot_be_guessed(client):
    manager = login(client, "9001")
    device_id, kiosk = pair(client, manager, "kiosk")
    assert client.post("/api/v1/devices/state", json={"state": "打印机缺纸"}, headers=kiosk).status_code == 200
    listed = {d["id"]: d for d in client.get("/api/v1/devices", headers=manager).json}
    assert listed[device_id]["state"] == "打印机缺纸" and listed[device_id]["online"]
    answers = [client.post("/api/v1/devices/pair", json={"code": f"{n:08d}"}).status_code for n in range(15)]
    assert answers[:10] == [400] * 10 and 429 in answers[10:]


def test_device_and_booking_actions_are_on_record_and_the_record_cannot_be_changed(client, hall_app):
    import sqlite3

    manager = login(client, "9001")
    pair(client, manager, "pad", 2)
    client.post("/api/v1/services/HJ/close", headers=manager)
    admin = login(client, "9000") if hall_app.extensions["hallq"].config.staff_member("9000") else None
    record = hall_app.extensions["hallq"].audit_log()
    actions = [r["action"] for r in record]
    assert {"device.created", "device.paired", "service.closed"} <= set(actions)
    closed = next(r for r in record if r["action"] == "service.closed")
    assert closed["staff"] == "9001" and closed["target"] == "HJ"
    db = hall_app.extensions["hallq"].store.path
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        sqlite3.connect(db).execute("DELETE FROM audit")
    assert admin is None or client.get("/api/v1/audit", headers=admin).status_code == 200
    assert client.get("/api/v1/audit", headers=manager).status_code == 403


def test_a_stranger_guessing_pins_does_not_keep_the_clerk_out(client):
    stranger = {"REMOTE_ADDR": "10.0.0.66"}
    for _ in range(6):
        client.post("/api/v1/auth/login", json={"staff": "1001", "pin": "0000", "window": 1}, environ_base=stranger)
    locked = client.post(
        "/api/v1/auth/login", json={"staff": "1001", "pin": "1234", "window": 1}, environ_base=stranger
    )
    assert locked.status_code == 429
    at_her_window = {"REMOTE_ADDR": "10.0.0.1"}
    r = client.post(
        "/api/v1/auth/login", json={"staff": "1001", "pin": "1234", "window": 1}, environ_base=at_her_window
    )
    assert r.status_code == 200


def test_wrong_old_pins_are_throttled_like_sign_ins(client):
    first = login(client, "9001")
    for _ in range(6):
        client.post("/api/v1/auth/pin", headers=first, json={"old_pin": "9999", "new_pin": "4321"})
    throttled = client.post("/api/v1/auth/pin", headers=first, json={"old_pin": "1234", "new_pin": "4321"})
    assert throttled.status_code == 429


def test_changing_a_pin_signs_out_the_other_devices(client):
    first = login(client, "9001")
    second = login(client, "9001")
    assert (
        client.post("/api/v1/auth/pin", headers=first, json={"old_pin": "1234", "new_pin": "4321"}).status_code == 200
    )
    assert client.get("/api/v1/auth/me", headers=first).status_code == 200
    assert client.get("/api/v1/auth/me", headers=second).status_code == 401


def test_an_unknown_staff_number_costs_as_long_as_a_real_one(client, hall_app):
    import time

    service = hall_app.extensions["hallq"]
    service.pin_iterations = 50_000  # make the hashing dominate, as in production
    from application.auth import hash_pin

    service._dummy_hash = hash_pin("0000", bytes.fromhex(service._dummy_salt), 50_000)
    salt = bytes.fromhex(service.store.staff_credentials("1002")["pin_salt"])
    with service.writing():
        service.store.set_pin("1002", hash_pin("1234", salt, 50_000), salt.hex())

    def timed(staff):
        started = time.perf_counter()
        client.post("/api/v1/auth/login", json={"staff": staff, "pin": "0000", "window": 2})
        return time.perf_counter() - started

    real = min(timed("1002") for _ in range(3))
    unknown = min(timed("7777") for _ in range(3))
    assert unknown > real * 0.5  # both hash a PIN; the answer does not say who exists


def test_a_device_is_not_read_from_the_database_on_every_request(hall_app, client, clock, monkeypatch):
    manager = login(client, "9001")
    device_id, kiosk = pair(client, manager, "kiosk")
    store = hall_app.extensions["hallq"].store
    reads = []
    real = store.device_by
    monkeypatch.setattr(store, "device_by", lambda *a: reads.append(a) or real(*a))
    for _ in range(5):
        assert client.post("/api/v1/tickets", json={"service": "HJ"}, headers=kiosk).status_code == 201
    assert len(reads) <= 1
    # revoked beside the running server (as `hallq device revoke` does, in another process): refused within seconds
    other = sqlite3.connect(store.path, timeout=10)  # another process's connection (not the server's writer)
    with other:
        other.execute(
            "UPDATE devices SET revoked_at = ?, token_hash = NULL WHERE id = ?", (clock().isoformat(), device_id)
        )
    other.close()
    clock.advance(seconds=6)
    refused = client.post("/api/v1/tickets", json={"service": "HJ"}, headers=kiosk)
    assert refused.status_code == 401 and refused.json["error"] == "device_unknown"
