"""The event stream through the test client: names, ids, resume with no gap and no duplicate."""

import json

import pytest

from server import create_app
from tests.factories import make_config


@pytest.fixture
def app(tmp_path, clock):
    return create_app({"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path, "CLOCK": clock, "SSE_HEARTBEAT_S": 0.05})


def read_events(client, count, headers=None, query=""):
    """Read `count` events from the stream, then close it."""
    response = client.get("/api/v1/events" + query, headers=headers or {}, buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    out, buffer = [], ""
    chunks = iter(response.response)
    for _ in range(10_000):
        if len(out) >= count:
            break
        chunk = next(chunks)
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            fields = dict(
                line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":")
            )
            if "id" in fields:
                out.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))
    response.close()
    return out[:count]


def test_events_have_ids_names_and_payloads(client, staff):
    client.post("/api/v1/tickets", json={"service": "HJ"})
    headers = staff.login("1001", 1)
    client.post("/api/v1/windows/1/call", headers=headers)
    events = read_events(client, 3, query="?last_event_id=0")
    assert [name for _, name, _ in events] == ["ticket.issued", "window.opened", "ticket.called"]
    ids = [i for i, _, _ in events]
    assert ids == sorted(ids) and len(set(ids)) == 3
    called = events[2][2]
    assert called["ticket"]["number"] == "A001" and called["window"]["number"] == 1


def test_last_event_id_resumes_with_no_gap_and_no_duplicate(client):
    for _ in range(5):
        client.post("/api/v1/tickets", json={"service": "HJ"})
    first = read_events(client, 2, query="?last_event_id=0")
    rest = read_events(client, 3, headers={"Last-Event-ID": str(first[-1][0])})
    numbers = [e[2]["ticket"]["number"] for e in first + rest]
    assert numbers == ["A001", "A002", "A003", "A004", "A005"]


def test_resume_reads_from_the_log_when_memory_has_moved_on(app, client):
    for _ in range(4):
        client.post("/api/v1/tickets", json={"service": "SB"})
    broker = app.extensions["hallq.broker"]
    broker.forget_recent()  # as after a restart: only the database has them
    events = read_events(client, 4, query="?last_event_id=0")
    assert [e[2]["ticket"]["number"] for e in events] == ["B001", "B002", "B003", "B004"]


def test_bad_last_event_id_is_400(client):
    r = client.get("/api/v1/events", headers={"Last-Event-ID": "abc"})
    assert r.status_code == 400 and r.json["error"] == "bad_event_id"


def test_subscriber_limit_is_503(tmp_path, clock):
    app = create_app({"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path, "CLOCK": clock, "MAX_SUBSCRIBERS": 0})
    r = app.test_client().get("/api/v1/events")
    assert r.status_code == 503 and r.json["error"] == "too_many_subscribers"


def test_many_waiting_subscribers_all_wake_for_one_event():
    import threading

    from application.store import StoredEvent
    from server.broker import Broker

    broker = Broker(0, lambda last: [])
    got: list[list[int]] = []
    lock = threading.Lock()

    def listen():
        batch = broker.after(0, timeout=5)
        with lock:
            got.append([e.id for e in batch])

    threads = [threading.Thread(target=listen) for _ in range(50)]
    for t in threads:
        t.start()
    broker.publish([StoredEvent(1, "ticket.issued", {})])
    for t in threads:
        t.join(5)
    assert got == [[1]] * 50


def test_a_waiting_subscriber_times_out_with_nothing():
    from server.broker import Broker

    broker = Broker(7, lambda last: [])
    assert broker.after(7, timeout=0.05) == []
    assert broker._waiters == []  # it left no wake-up behind
