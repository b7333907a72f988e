"""The store under load: readers that do not grow with threads, a WAL that stays small, errors logged once."""

import datetime as dt
import logging
import os
import sqlite3
import threading
import time

import pytest

from application.store import StoredEvent, StoreUnavailable
from client.events import wait_until
from server.broker import Broker
from server.logs import RepeatFilter, Throttled
from server.store import ReaderPool, SqliteStore
from tests.factories import SHANGHAI, make_config


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "hall.db")
    yield s
    s.close()


def test_readers_do_not_grow_with_threads(store):
    """Each connection holds two open files; one per server thread ran a 1,024-file limit out at 500 streams."""
    store.last_event_id()
    before = open_files()
    start = threading.Barrier(64)

    def read():
        start.wait()
        for _ in range(20):
            store.last_event_id()
            store.ticket("nope")

    threads = [threading.Thread(target=read) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert open_files() - before <= 8, "read connections grew with the threads"
    assert store.readers.opened <= store.readers.size == 4


def test_a_reader_that_cannot_be_opened_is_logged_once_not_per_request(caplog):
    def connect():
        raise sqlite3.OperationalError("unable to open database file")  # as with "Too many open files"

    pool = ReaderPool(connect, size=4)
    with caplog.at_level(logging.WARNING, logger="hallq.store"):
        for _ in range(500):
            with pytest.raises(StoreUnavailable), pool.borrow():
                pass
    assert len([r for r in caplog.records if r.name == "hallq.store"]) == 1
    assert pool.opened == 0  # the failed attempts hold no slot


def test_a_query_waits_for_a_free_reader_and_readers_are_reused(store):
    store.readers.size = 1
    seen = set()

    def read():
        for _ in range(50):
            with store.readers.borrow() as conn:
                seen.add(id(conn))
                conn.execute("SELECT 1").fetchall()

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 1 and store.readers.opened == 1


def test_wal_stays_small_under_steady_writes_and_is_truncated_when_they_pause(tmp_path):
    """An aged server had a 374 MB WAL: the once-a-second checkpoint never restarted it under steady writes."""
    limit = 8 << 20
    store = SqliteStore(tmp_path / "hall.db", wal_limit_bytes=limit, idle_truncate_s=0.5)
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
    hall = store.load_hall(make_config(), now.date())
    stop = threading.Event()

    def issue(service: str) -> str:
        """What the service does for a ticket: the hall's rules, then the events and their tables, one transaction."""
        with store.transaction():
            result = hall.issue(service, now, ticket_id=os.urandom(6).hex())
            store.save_events(result.events)
        assert result.ticket is not None
        return result.ticket.number

    def reader():  # readers beside the writer, as the server has them
        while not stop.is_set():
            store.last_event_id()
            store.recent_calls(now.date())
            time.sleep(0.001)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    largest = 0
    try:
        for i in range(8000):
            issue(("HJ", "SB", "YB")[i % 3])
            if i % 50 == 0:
                largest = max(largest, store.wal_bytes())
    finally:
        stop.set()
        for t in threads:
            t.join()
    try:
        assert largest <= 1.5 * limit, f"WAL grew to {largest / 1e6:.0f} MB"
        assert wait_until(lambda: store.wal_bytes() == 0, 5), f"WAL left at {store.wal_bytes() / 1e6:.1f} MB"
        assert issue("HJ") == "A2668"  # and the database goes on
    finally:
        store.close()


def test_publish_adds_events_without_copying_the_recent_window():
    broker = Broker(0, lambda last: [], keep=1000)
    replaced = 0
    lists = broker._snapshot
    for i in range(1, 5001):
        broker.publish([StoredEvent(i, "ticket.issued", {})])
        if broker._snapshot is not lists:
            replaced, lists = replaced + 1, broker._snapshot
    assert replaced <= 20  # once every `keep` / 4 events, not every event
    assert [e.id for e in broker.between(3999, 5000)] == list(range(4000, 5001))


def test_readers_see_every_event_once_in_order_while_publishing():
    published = []
    broker = Broker(0, lambda last: [e for e in published if e.id > last], keep=50)
    got: dict[int, list[int]] = {}

    def listen(n):
        last, mine = 0, []
        while last < 3000:
            batch = broker.after(last, timeout=2)
            mine += [e.id for e in batch]
            last = batch[-1].id if batch else last
        got[n] = mine

    threads = [threading.Thread(target=listen, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    next_id = 1
    while next_id <= 3000:
        batch = [StoredEvent(i, "x", {}) for i in range(next_id, min(3001, next_id + 1 + next_id % 7))]
        published += batch
        broker.publish(batch)
        next_id = batch[-1].id + 1
    for t in threads:
        t.join(10)
    assert all(ids == list(range(1, 3001)) for ids in got.values()) and len(got) == 6


def test_store_encodes_each_payload_once_for_the_log_and_the_stream(store):
    with store.transaction():
        stored = store.append_event("ticket.issued", dt.datetime(2026, 11, 23, 9, tzinfo=SHANGHAI), {"n": "A001"})
    assert stored.data == b'{"n":"A001"}'
    assert stored.wire == b'id: 1\nevent: ticket.issued\ndata: {"n":"A001"}\n\n'
    (again,) = store.events_after(0)
    assert again.payload == {"n": "A001"} and again.wire == stored.wire


def test_a_repeated_error_is_logged_once_a_minute_with_a_count():
    now = [0.0]
    flt = RepeatFilter(window_s=60, clock=lambda: now[0])
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    handler.addFilter(flt)
    logger = logging.getLogger("hallq.test.repeat")
    logger.addHandler(handler)
    logger.propagate = False

    def accept_fails():
        try:
            raise OSError(24, "Too many open files")
        except OSError:
            logger.exception("server accept() threw an exception")

    try:
        for _ in range(1000):
            accept_fails()
        logger.warning("something else")
        now[0] = 61.0
        accept_fails()
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records] == [
        "server accept() threw an exception",
        "something else",
        "server accept() threw an exception [and 999 more like this in the last 61 s]",
    ]


def test_throttled_logs_once_per_window(caplog):
    now = [0.0]
    throttled = Throttled(logging.getLogger("hallq.test.throttled"), window_s=60, clock=lambda: now[0])
    with caplog.at_level(logging.ERROR, logger="hallq.test.throttled"):
        for _ in range(100):
            throttled.error("disk: %s", "gone")
        now[0] = 60.0
        throttled.error("disk: %s", "gone")
    assert [r.getMessage() for r in caplog.records] == ["disk: gone", "disk: gone [and 99 more since the last report]"]
