def served_ticket(client, staff, window=1, staff_code="1001"):
    t = client.post("/api/v1/tickets", json={"service": "HJ"}).json
    headers = staff.login(staff_code, window)
    client.post(f"/api/v1/windows/{window}/call", headers=headers)
    client.post(f"/api/v1/windows/{window}/finish", headers=headers, json={"case_type": "immediate"})
    return t


def test_rating_a_served_ticket(client, staff):
    t = served_ticket(client, staff)
    r = client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 5, "window": 1})
    assert r.status_code == 201 and r.json["score"] == 5 and r.json["window"] == 1


def test_second_rating_is_409(client, staff):
    t = served_ticket(client, staff)
    client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 4})
    r = client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 5})
    assert r.status_code == 409 and r.json["error"] == "already_rated"


def test_unserved_ticket_is_400(client):
    t = client.post("/api/v1/tickets", json={"service": "HJ"}).json
    r = client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 5})
    assert r.status_code == 400 and r.json["error"] == "not_served"


def test_bad_score_needs_a_reason(client, staff):
    t = served_ticket(client, staff)
    r = client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 1})
    assert r.status_code == 400 and r.json["error"] == "reason_required"
    r = client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 1, "reasons": ["等候时间过长"]})
    assert r.status_code == 201


def test_score_out_of_range_is_400(client, staff):
    t = served_ticket(client, staff)
    assert client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 7}).status_code == 400


def test_pad_of_another_window_cannot_rate(client, staff):
    t = served_ticket(client, staff)
    r = client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 5, "window": 2})
    assert r.status_code == 400 and r.json["error"] == "wrong_window"


def test_rating_levels_never_offer_a_default(client):
    body = client.get("/api/v1/ratings/levels").json
    assert [lv["zh"] for lv in body["levels"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert "default" not in body and body["timeout_s"] > 0
