"""waitress with QuietChannel: the main loop does not spin while a request's thread sends its answer, and an answer
the client reads slowly still arrives whole (the loop sends what the thread could not)."""

import http.client
import socket
import threading
import time

import pytest
from waitress import wasyncore

from server.channel import create_server

pytestmark = pytest.mark.filterwarnings("ignore:send_bytes:DeprecationWarning")  # as `hallq serve` sets it
SIZE = 24_000_000  # more than the sockets hold, and past waitress's high-water mark (16 MB): both paths


def big_or_small(environ, start_response):
    size = SIZE if environ["PATH_INFO"] == "/big" else 100
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))])
    return [b"x" * size]


@pytest.fixture
def served(monkeypatch):
    turns = [0]
    real = wasyncore.poll2

    def counting(timeout=0.0, map=None):
        turns[0] += 1
        return real(timeout, map)

    monkeypatch.setattr(wasyncore, "poll2", counting)
    server = create_server(
        big_or_small, host="127.0.0.1", port=0, threads=4, send_bytes=1, asyncore_use_poll=True, _start=True
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port, turns
    server.close()


def test_the_loop_turns_about_once_a_request(served):
    port, turns = served
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/small")
    conn.getresponse().read()
    before = turns[0]
    for _ in range(300):
        conn.request("GET", "/small")
        assert len(conn.getresponse().read()) == 100
    assert (turns[0] - before) / 300 < 3  # waitress's own channel: ten and more turns a request


def test_a_slow_reader_gets_the_whole_answer(served):
    port, _ = served
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.5)  # the request's thread has sent what the socket took, and left the rest to the loop
    deadline = time.monotonic() + 20
    sock.settimeout(5)
    received = 0
    while received < SIZE and time.monotonic() < deadline:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        received += chunk.count(b"x")
    sock.close()
    assert received == SIZE
