"""The server on a default open-file limit (ulimit -n 1024): 500 event streams held, commands still answered,
nothing logged per request."""

import os
import resource
import socket
import subprocess
import threading
import time
from unittest import mock

import pytest
import requests

from client.events import wait_until
from server.cli import connection_budget
from tests.live import LiveServer

pytestmark = pytest.mark.slow


def limited(server: LiveServer, nofile: int) -> LiveServer:
    """Start `server` as `ulimit -n nofile` would (soft and hard: the server cannot lift it)."""
    real = subprocess.Popen

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    def popen(*args, **kwargs):
        return real(*args, preexec_fn=limit, **kwargs)

    with mock.patch.object(subprocess, "Popen", popen):
        return server.start()


def hammer(url: str, requests_each: int, threads: int = 8) -> list[str]:
    """Reads and writes from `threads` clients at once (each request lands on another of the server's threads)."""
    failures: list[str] = []

    def client(i: int) -> None:
        with requests.Session() as s:
            for k in range(requests_each):
                try:
                    if k % 5 == 0:
                        r = s.post(f"{url}/api/v1/tickets", json={"service": "household"}, timeout=10)
                        ok = r.status_code == 201
                    else:
                        r = s.get(f"{url}/api/v1/hall", timeout=10)
                        ok = r.status_code == 200
                    if not ok:
                        failures.append(f"{r.status_code} {r.text[:200]}")
                except requests.RequestException as exc:
                    failures.append(repr(exc))

    ts = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return failures


def test_500_streams_and_commands_under_a_1024_file_limit(tmp_path):
    """Each of the ~630 worker threads kept its own SQLite reader (two files): at 500 streams the server ran out of
    files, answered 205 of them, timed out tickets and logins, and logged "Too many open files" per request."""
    server = limited(LiveServer(tmp_path, max_subscribers=600), 1024)
    socks: list[socket.socket] = []
    try:
        assert server.proc is not None
        # every worker thread takes a request or more (waitress hands them out in turn)
        assert hammer(server.url, 90) == []
        for _ in range(500):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: t\r\n\r\n")
            socks.append(sock)
        assert wait_until(
            lambda: requests.get(f"{server.url}/api/v1/health", timeout=5).json()["subscribers"] == 500, 20
        )
        assert hammer(server.url, 10) == []  # commands are still answered beside 500 streams
        last = requests.post(f"{server.url}/api/v1/tickets", json={"service": "civil"}, timeout=10).json()["number"]
        for sock in socks:
            sock.settimeout(10)
            data, deadline = b"", time.monotonic() + 20
            while last.encode() not in data and time.monotonic() < deadline:
                data = data[-4096:] + sock.recv(1 << 16)
            assert last.encode() in data, "a stream did not get the last event"
        files = len(os.listdir(f"/proc/{server.proc.pid}/fd"))
        assert files < 1024 - 64, f"{files} open files"
    finally:
        for sock in socks:
            sock.close()
        server.stop()
    log = server.log.read_text(errors="replace")
    assert "Too many open files" not in log and "Traceback" not in log
    assert len(log) < 20_000, f"{len(log)} bytes of log"


def test_connections_fit_under_the_file_limit():
    assert connection_budget(32, 600, 20_000) == (732, 600)  # room for all
    connections, streams = connection_budget(32, 600, 512)
    assert connections <= 512 - 64 and streams <= connections - 32 - 100  # streams give way, commands keep room
    assert connection_budget(32, 600, None) == (732, 600)  # no limit known
