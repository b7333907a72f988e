"""Bad days: another process holding the database, a full disk, hostile bodies, two servers on one directory."""

import datetime as dt
import sqlite3
import threading
import time

import pytest

from server import create_app
from tests.factories import make_config


@pytest.fixture
def quick_app(tmp_path, clock):
    app = create_app(
        {"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True, "WRITE_WAIT_S": 0.5}
    )
    yield app
    app.extensions["hallq"].close()


def hold_write_lock(path, seconds: float, ready: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    ready.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


def test_reads_answer_and_writes_say_busy_while_another_process_holds_the_database(quick_app, tmp_path):
    client = quick_app.test_client()
    ticket = client.post("/api/v1/tickets", json={"service": "HJ"}).json
    ready = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(tmp_path / "hall.db", 3.0, ready))
    holder.start()
    ready.wait(5)
    try:
        started = time.monotonic()
        assert client.get("/api/v1/hall").status_code == 200
        assert client.get(f"/api/v1/tickets/{ticket['id']}").status_code == 200
        assert time.monotonic() - started < 0.4  # readers never wait for the write lock (WAL)
        r = client.post("/api/v1/tickets", json={"service": "HJ"})
        assert r.status_code == 503 and r.json["error"] == "busy" and int(r.headers["Retry-After"]) > 0
        health = client.get("/api/v1/health")
        assert health.status_code == 503 and health.json["database"] == "busy"
    finally:
        holder.join()
    assert client.get("/api/v1/health").json["database"] == "ok"
    again = client.post("/api/v1/tickets", json={"service": "HJ"})
    assert again.status_code == 201 and again.json["number"] == "A002"  # nothing half-written


def test_a_full_disk_is_said_plainly_and_nothing_is_lost(quick_app, tmp_path, monkeypatch):
    client = quick_app.test_client()
    last = client.post("/api/v1/tickets", json={"service": "HJ"}).json
    store = quick_app.extensions["hallq"].store
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # the next page the database needs is "disk full"
    for _ in range(200):
        filler = client.post("/api/v1/tickets", json={"service": "HJ"})
        if filler.status_code != 201:
            break
        last = filler.json
    assert filler.status_code == 507 and filler.json["error"] == "disk_full"
    assert "磁盘已满" in filler.json["message"]
    assert client.get("/api/v1/health").json["database"] == "disk_full"
    store.db.execute("PRAGMA max_page_count = 1073741823")
    after = client.post("/api/v1/tickets", json={"service": "HJ"})
    assert after.status_code == 201
    assert int(after.json["number"][1:]) == int(last["number"][1:]) + 1  # the refused one left no gap
    assert client.get(f"/api/v1/tickets/{last['id']}").status_code == 200  # acknowledged ones are all there


def test_deeply_nested_json_is_a_clear_400(client):
    r = client.post("/api/v1/tickets", data="[" * 20_000, content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "bad_json"


def test_a_second_server_on_the_same_data_directory_refuses_to_start(app, tmp_path):
    from server.datadir import DataDirError

    with pytest.raises(DataDirError, match="另一个 HallQ 服务器"):
        create_app({"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path})


def test_the_data_directory_and_database_are_private(app, tmp_path):
    assert tmp_path.stat().st_mode & 0o077 == 0 or (tmp_path / "hall.db").stat().st_mode & 0o077 == 0
    assert (tmp_path / "hall.db").stat().st_mode & 0o077 == 0


def test_a_damaged_database_is_said_plainly_at_start(tmp_path):
    from server.datadir import DataDirError

    (tmp_path / "hall.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(DataDirError, match="已损坏"):
        create_app({"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path})


def test_a_read_only_data_directory_is_said_plainly_at_start(tmp_path):
    import os

    from server.datadir import DataDirError

    if os.geteuid() == 0:
        pytest.skip("root can write anywhere; the check is for the hall's service user")
    data = tmp_path / "ro"
    data.mkdir(mode=0o500)
    with pytest.raises(DataDirError, match="不可写"):
        create_app({"HALL_CONFIG": make_config(), "DATA_DIR": data})


def test_the_cli_says_what_is_wrong_with_the_data_directory(tmp_path):
    from click.testing import CliRunner

    from assets import DEMO_HALL
    from server.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["init", "--config", str(DEMO_HALL), "--data", str(blocker / "data")])
    assert result.exit_code == 2 and "无法创建数据目录" in result.output and "Traceback" not in result.output


def test_pages_carry_security_headers_and_405_says_what_is_allowed(client):
    page = client.get("/display")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    r = client.delete("/api/v1/tickets")
    assert r.status_code == 405 and "POST" in r.headers["Allow"]


def test_the_day_closes_at_midnight_without_a_command(tmp_path, clock):
    from tests.factories import at

    clock.now = at(23, 59, second=59)  # Monday 2026-11-23, a second before midnight
    app = create_app({"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path, "CLOCK": clock})
    try:
        client = app.test_client()
        assert client.get("/api/v1/hall").json["day"] == "2026-11-23"
        clock.now = at(0, 0, day=dt.date(2026, 11, 24), second=2)
        deadline = time.monotonic() + 5
        while client.get("/api/v1/hall").json["day"] != "2026-11-24" and time.monotonic() < deadline:
            time.sleep(0.1)  # reads never roll the day: only the midnight timer can have done it
        assert client.get("/api/v1/hall").json["day"] == "2026-11-24"
    finally:
        app.extensions["hallq"].close()


def test_a_read_without_a_free_database_reader_is_a_clear_503(quick_app, monkeypatch):
    """No reader could be opened (out of files, say): the read says busy with Retry-After, not a 500 traceback."""
    client = quick_app.test_client()
    pool = quick_app.extensions["hallq"].store.readers
    monkeypatch.setattr(pool, "_idle", [])

    def cannot_open():
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(pool, "_connect", cannot_open)
    r = client.get("/api/v1/honours")
    assert r.status_code == 503 and r.json["error"] == "busy" and r.headers["Retry-After"]
    assert "数据库正忙" in r.json["message"]
