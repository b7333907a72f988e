"""What the server benches share: a bench hall, a live server (optionally under an open-file limit), a small
keep-alive HTTP client, a paired kiosk, clerks signed in, percentiles, and the server's RSS, WAL and files."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live import LiveServer  # noqa: E402


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def figures(values: list[float]) -> str:
    return f"p50 {pct(values, 50):.1f} ms, p99 {pct(values, 99):.1f} ms, max {max(values, default=float('nan')):.1f} ms"


def bench_hall(windows: int) -> str:
    """A hall with one service served by `windows` windows, each with its own clerk; kiosks are paired."""
    lines = [
        '[hall]\nname = "压测大厅"\nname_en = "Bench hall"\nenforce_hours = false\nnumber_width = 4',
        'hours = [{start = "08:30", end = "17:30"}]',
        '[[services]]\ncode = "S"\nname = "综合业务"\nprefix = "A"',
        '[[services]]\ncode = "Q"\nname = "窗口业务"\nprefix = "B"',
        '[[items]]\ncode = "S-1"\nservice = "S"\nname = "事项"\nfees = "不收费"\nlegal_basis = "依据"\nmaterials = ["身份证"]',
    ]
    for n in range(1, windows + 1):
        lines.append(f'[[staff]]\ncode = "{1000 + n}"\nname = "职员{n}"\nrole = "clerk"\npin = "1234"')
        lines.append(f'[[windows]]\nnumber = {n}\nservices = ["Q", "S"]\nstaff_a = "{1000 + n}"')
    lines.append('[[staff]]\ncode = "9000"\nname = "管理员"\nrole = "admin"\npin = "1234"')
    return "\n".join(lines) + "\n"


def pair_devices(config: Path, data: Path, *roles: str) -> list[dict[str, str]]:
    """Devices paired with the hall, as `hallq device` does it (in-process, before the server starts): for each
    role the headers its requests carry. Empty where the server has no pairing."""
    os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")
    from server import create_app

    app = create_app({"HALL_CONFIG": str(config), "DATA_DIR": str(data)})
    service = app.extensions["hallq"]
    try:
        if not hasattr(service, "create_device"):
            return [{} for _ in roles]
        codes = [service.create_device(role, f"压测{role}")["code"] for role in roles]
        return [{"X-Device-Token": service.pair(code)["token"]} for code in codes]
    finally:
        service.close()


def open_streams(port: int, count: int, headers: dict[str, str]) -> list[socket.socket]:
    """`count` event streams as the hall's displays open them (their device token in `headers`: a display holds a
    reserved slot; without a credential one address gets only a few), non-blocking."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"GET /api/v1/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n{extra}\r\n".encode()
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(request)
        sock.setblocking(False)
        socks.append(sock)
    return socks


def start_server(
    data: Path, config: Path, *, nofile: int | None = None, max_subscribers: int = 600, threads: int = 32
) -> LiveServer:
    """`hallq serve` as a process; with `nofile`, under that open-file limit (soft and hard, as `ulimit -n`)."""
    server = LiveServer(data, config=config, max_subscribers=max_subscribers, threads=threads)
    if nofile is None:
        return server.start()
    real = subprocess.Popen

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        return real(*args, preexec_fn=limit, **kwargs)  # type: ignore[call-overload, no-any-return]

    with mock.patch.object(subprocess, "Popen", popen):
        return server.start()


class Http:
    """One keep-alive connection (as a kiosk or a caller holds one)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, Any]:
        headers = dict(self.headers)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            self.conn.request(method, path, json.dumps(body or {}) if method == "POST" else None, headers)
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw

    def post(self, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, Any]:
        return self.request("POST", path, body, token)

    def get(self, path: str, token: str | None = None) -> tuple[int, Any]:
        return self.request("GET", path, None, token)


def sign_in(port: int, windows: range) -> dict[int, str]:
    """Each window's clerk signed in there: window → bearer token."""
    tokens = {}
    h = Http(port)
    for n in windows:
        status, body = h.post("/api/v1/auth/login", {"staff": str(1000 + n), "pin": "1234", "window": n})
        assert status == 200, body
        tokens[n] = body["token"]
    return tokens


def issue_many(port: int, kiosk: dict[str, str], count: int, threads: int = 8, service: str = "S") -> float:
    """Issue `count` tickets from `threads` kiosks; tickets per second."""
    left = [count]
    lock = threading.Lock()

    def run() -> None:
        h = Http(port, kiosk)
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            status, body = h.post("/api/v1/tickets", {"service": service})
            assert status == 201, body

    ts = [threading.Thread(target=run) for _ in range(threads)]
    start = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return count / (time.monotonic() - start)


def proc_status(pid: int) -> dict[str, float]:
    """RSS (MB), threads and open files of a process."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            out["rss_mb"] = int(line.split()[1]) / 1024
        elif line.startswith("Threads:"):
            out["threads"] = int(line.split()[1])
    out["files"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The machine's load average (other processes share its cores: figures vary with it)."""
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def file_mb(path: Path) -> float:
    try:
        return path.stat().st_size / 1e6
    except OSError:
        return 0.0
