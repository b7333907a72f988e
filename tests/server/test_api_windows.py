import pytest


def issue(client, service="HJ", **kw):
    return client.post("/api/v1/tickets", json={"service": service, **kw}).json


def test_login_wrong_pin_is_401(client):
    r = client.post("/api/v1/auth/login", json={"staff": "1001", "pin": "9999", "window": 1})
    assert r.status_code == 401 and r.json["error"] == "wrong_pin"


def test_repeated_wrong_pins_are_slowed_down(client):
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"staff": "1001", "pin": "9999", "window": 1})
    r = client.post("/api/v1/auth/login", json={"staff": "1001", "pin": "1234", "window": 1})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_pins_are_not_stored_in_plain_text(app):
    rows = app.extensions["hallq"].store.db.execute("SELECT pin_hash, pin_salt FROM staff").fetchall()
    assert rows and all(r[0].startswith("pbkdf2_sha256$") and "1234" not in r[0] for r in rows)


def test_call_needs_a_token_and_the_right_window(client, staff):
    assert client.post("/api/v1/windows/1/call").status_code == 401
    headers = staff.login("1002", 2)
    r = client.post("/api/v1/windows/1/call", headers=headers)
    assert r.status_code == 403 and r.json["error"] == "not_signed_in_here"


def test_call_with_nobody_waiting_returns_null(client, staff):
    headers = staff.login("1001", 1)
    r = client.post("/api/v1/windows/1/call", headers=headers)
    assert r.status_code == 200 and r.json["ticket"] is None


def test_full_window_flow_records_a_case_and_attendance(client, staff, app):
    t = issue(client, item="HJ-01")
    headers = staff.login("1001", 1)
    called = client.post("/api/v1/windows/1/call", headers=headers).json
    assert called["ticket"]["id"] == t["id"] and called["window"]["current_number"] == "A001"
    assert client.post("/api/v1/windows/1/recall", headers=headers).json["ticket"]["recalls"] == 1
    assert client.post("/api/v1/windows/1/start", headers=headers).json["ticket"]["status"] == "serving"
    r = client.post("/api/v1/windows/1/finish", headers=headers, json={"case_type": "承诺件"})
    assert r.status_code == 200, r.json
    assert r.json["case"]["due_date"] == "2026-11-30" and r.json["case"]["status"] == "open"
    cases = client.get("/api/v1/cases?status=open", headers=headers).json
    assert [c["number"] for c in cases] == ["A001"]
    done = client.post(f"/api/v1/cases/{cases[0]['id']}/complete", headers=headers)
    assert done.status_code == 200 and done.json["status"] == "completed"
    attendance = app.extensions["hallq"].store.attendance(app.extensions["hallq"].today())
    assert [(a["staff"], a["kind"]) for a in attendance] == [("1001", "sign_in")]


def test_call_while_busy_is_409(client, staff):
    issue(client)
    issue(client)
    headers = staff.login("1001", 1)
    client.post("/api/v1/windows/1/call", headers=headers)
    r = client.post("/api/v1/windows/1/call", headers=headers)
    assert r.status_code == 409 and r.json["error"] == "window_busy"


def test_suspend_and_take_back(client, staff):
    t = issue(client)
    headers = staff.login("1001", 1)
    client.post("/api/v1/windows/1/call", headers=headers)
    client.post("/api/v1/windows/1/suspend", headers=headers)
    detail = client.get("/api/v1/windows/1").json
    assert [s["number"] for s in detail["suspended"]] == ["A001"]
    r = client.post("/api/v1/windows/1/resume-ticket", headers=headers, json={"ticket": t["id"]})
    assert r.status_code == 200 and r.json["ticket"]["status"] == "called"


def test_transfer_to_window_keeps_the_referral_and_the_referrer_sees_it(client, staff):
    t = issue(client)
    h1 = staff.login("1001", 1)
    h2 = staff.login("1002", 2)
    client.post("/api/v1/windows/1/call", headers=h1)
    r = client.post("/api/v1/windows/1/transfer", headers=h1, json={"window": 2, "note": "社保关系转移"})
    assert r.status_code == 200 and r.json["ticket"]["status"] == "transferred"
    called = client.post("/api/v1/windows/2/call", headers=h2).json["ticket"]
    assert called["id"] == t["id"] and called["referrals"][0]["from_window"] == 1
    referred = client.get("/api/v1/windows/1").json["referred"]
    assert [(x["number"], x["status"], x["window"]) for x in referred] == [("A001", "called", 2)]


@pytest.mark.parametrize("body", [{"note": "x"}, {"service": "SB", "window": 2, "note": "x"}, {"service": "SB"}])
def test_bad_transfer_bodies_are_400(client, staff, body):
    issue(client)
    headers = staff.login("1001", 1)
    client.post("/api/v1/windows/1/call", headers=headers)
    r = client.post("/api/v1/windows/1/transfer", headers=headers, json=body)
    assert r.status_code == 400 and r.json["message"]


def test_pause_and_resume(client, staff):
    headers = staff.login("1001", 1)
    r = client.post("/api/v1/windows/1/pause", headers=headers, json={"reason": "会议"})
    assert r.json["window"]["status"] == "paused" and r.json["window"]["pause_reason"] == "会议"
    assert client.post("/api/v1/windows/1/call", headers=headers).status_code == 409
    assert client.post("/api/v1/windows/1/resume", headers=headers).json["window"]["status"] == "open"


def test_handover_invalidates_the_old_clerks_window_rights(client, staff):
    a = staff.login("1001", 1)
    staff.login("1101", 1)  # B post takes over
    r = client.post("/api/v1/windows/1/call", headers=a)
    assert r.status_code == 403


def test_logout_signs_out(client, staff, app):
    headers = staff.login("1001", 1)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.post("/api/v1/windows/1/call", headers=headers).status_code == 401
    assert client.get("/api/v1/hall").json["windows"][0]["status"] == "closed"
    kinds = [a["kind"] for a in app.extensions["hallq"].store.attendance(app.extensions["hallq"].today())]
    assert kinds == ["sign_in", "sign_out"]


def test_clerk_cannot_close_a_service(client, staff):
    headers = staff.login("1001", 1)
    assert client.post("/api/v1/services/HJ/close", headers=headers).status_code == 403


def test_token_expires(client, staff, clock):
    headers = staff.login("1001", 1)
    clock.advance(hours=13)
    r = client.post("/api/v1/windows/1/call", headers=headers)
    assert r.status_code == 401 and r.json["error"] == "token_expired"


def test_hall_state_shows_windows_and_waiting(client, staff):
    issue(client)
    headers = staff.login("1001", 1)
    client.post("/api/v1/windows/1/call", headers=headers)
    issue(client, "SB")
    state = client.get("/api/v1/hall").json
    w1 = state["windows"][0]
    assert (w1["number"], w1["status"], w1["current_number"], w1["services"]) == (1, "open", "A001", ["HJ"])
    assert state["waiting"] == {"HJ": 0, "SB": 1, "YB": 0}
