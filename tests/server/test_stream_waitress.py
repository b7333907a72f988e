"""The event stream as waitress serves it: many subscribers, clients that leave, clients that stall."""

import socket
import time

import pytest
import requests

from client.events import wait_until
from tests.live import LiveServer

pytestmark = pytest.mark.slow


def open_stream(port: int, last_id: int | None = None) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    extra = f"Last-Event-ID: {last_id}\r\n" if last_id is not None else ""
    sock.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: t\r\n{extra}\r\n".encode())
    sock.settimeout(5)
    return sock


def read_until(sock: socket.socket, needle: bytes, timeout: float = 5) -> bytes:
    data, deadline = b"", time.monotonic() + timeout
    while needle not in data and time.monotonic() < deadline:
        data += sock.recv(65536)
    return data


def subscribers(url: str) -> int:
    return requests.get(f"{url}/api/v1/health", timeout=2).json()["subscribers"]


def test_every_stream_gets_each_event_once_and_gone_clients_are_dropped(tmp_path):
    with LiveServer(tmp_path, env={"HALLQ_SSE_HEARTBEAT_S": "0.3"}) as server:
        streams = [open_stream(server.port) for _ in range(40)]
        assert wait_until(lambda: subscribers(server.url) == 40, 5)
        for s in streams[20:]:
            s.close()
        assert wait_until(lambda: subscribers(server.url) == 20, 5), "closed streams were not dropped"
        number = requests.post(f"{server.url}/api/v1/tickets", json={"service": "social"}, timeout=2).json()["number"]
        for s in streams[:20]:
            data = read_until(s, b"event: ticket.issued")
            assert data.count(b"event: ticket.issued") == 1 and number.encode() in data
            s.close()


def test_a_stalled_client_does_not_hold_up_the_others(tmp_path):
    with LiveServer(tmp_path) as server:
        stalled = open_stream(server.port)
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # and never reads
        live = open_stream(server.port)
        for _ in range(300):
            requests.post(f"{server.url}/api/v1/tickets", json={"service": "household"}, timeout=2)
        data = b""
        while data.count(b"event: ticket.issued") < 300:
            data += live.recv(1 << 16)
        assert b"A300" in data
        stalled.close()
        live.close()


def test_resume_by_last_event_id_through_waitress(tmp_path):
    with LiveServer(tmp_path) as server:
        for _ in range(5):
            requests.post(f"{server.url}/api/v1/tickets", json={"service": "civil"}, timeout=2)
        last = requests.get(f"{server.url}/api/v1/hall", timeout=2).json()["last_event_id"]
        sock = open_stream(server.port, last_id=last - 2)
        data = read_until(sock, b"D005")
        assert b"D003" not in data and data.count(b"event: ticket.issued") == 2
        sock.close()


def test_fanout_never_repeats_an_event_a_joiner_already_has():
    """A stream that joins asking for events after id N gets nothing ≤ N, even if the loop has not sent N yet."""
    import re

    from application.store import StoredEvent
    from server.broker import Broker
    from server.fanout import Subscriber, WaitressFanout

    class Channel:
        connected, total_outbufs_len = True, 0

        def __init__(self):
            self.sent = b""

        def write_soon(self, data):
            self.sent += data

    def ids(channel):
        return [int(i) for i in re.findall(rb"id: (\d+)\n", channel.sent)]

    events = [StoredEvent(i, "ticket.issued", {"n": i}) for i in range(1, 6)]
    broker = Broker(0, lambda last: [e for e in events if e.id > last])
    fan = WaitressFanout(broker)  # not started: run() is driven by hand, as waitress's loop would
    early, late = Channel(), Channel()
    fan._joining = [Subscriber(early, 0)]
    fan.run()
    broker.publish(events[:3])  # ids 1–3 committed; the loop has not run yet
    fan._joining.append(Subscriber(late, 2))  # this stream saw up to 2 elsewhere
    fan.run()
    broker.publish(events[3:])
    fan.run()
    assert ids(early) == [1, 2, 3, 4, 5]
    assert ids(late) == [3, 4, 5]
