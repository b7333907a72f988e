"""Server figures on this machine: tickets/s over HTTP, call-next latency with 50 windows,
call → event latency with 500 event-stream subscribers, and server memory.

Targets: ≥ 1,000 tickets/s, call-next p99 ≤ 20 ms, event p99 ≤ 100 ms, ≤ 200 MB.
Run: python bench/bench_server.py [--subscribers 500] [--windows 50]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import selectors
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live import LiveServer  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def bench_hall(windows: int) -> str:
    """A hall with one service served by `windows` windows, each with its own clerk."""
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
    return "\n".join(lines) + "\n"


class Http:
    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def post(self, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.conn.request("POST", path, json.dumps(body or {}), headers)
        r = self.conn.getresponse()
        return r.status, json.loads(r.read())


def tickets_per_second(port: int, threads: int, seconds: float = 4.0) -> float:
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        h = Http(port)
        while time.monotonic() < stop:
            status, _ = h.post("/api/v1/tickets", {"service": "S"})
            assert status == 201
            counts[i] += 1

    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    start = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.monotonic() - start)


def call_next_latency(port: int, windows: int, rounds: int = 20, think_s: float | None = None) -> list[float]:
    """Every window calls, finishes, calls again. think_s=None: all press at the same instant each round
    (a barrier, the worst case); otherwise each clerk pauses a random time (mean think_s) between citizens."""
    tokens = []
    for n in range(1, windows + 1):
        _, body = Http(port).post("/api/v1/auth/login", {"staff": str(1000 + n), "pin": "1234", "window": n})
        tokens.append(body["token"])
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(windows)

    def clerk(n: int) -> None:
        h = Http(port)
        rng = random.Random(n)
        mine = []
        for _ in range(rounds):
            if think_s is None:
                barrier.wait()
            else:
                time.sleep(rng.expovariate(1 / think_s))
            t0 = time.perf_counter()
            status, body = h.post(f"/api/v1/windows/{n}/call", token=tokens[n - 1])
            mine.append((time.perf_counter() - t0) * 1000)
            assert status == 200 and body["ticket"], body
            h.post(f"/api/v1/windows/{n}/finish", {"case_type": "immediate"}, token=tokens[n - 1])
        with lock:
            latencies.extend(mine)

    ts = [threading.Thread(target=clerk, args=(n,)) for n in range(1, windows + 1)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return latencies


def event_latency(port: int, subscribers: int, calls: int = 30) -> tuple[list[float], int]:
    """Open `subscribers` event streams, call tickets at window 1, and time each call's arrival on every stream.

    One thread reads all streams through a selector, so the measuring side costs little CPU beside the server.
    """
    socks = []
    for _ in range(subscribers):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
        sock.setblocking(False)
        socks.append(sock)
    sent: dict[str, float] = {}
    arrivals: list[float] = []
    per_call: dict[str, list[float]] = {}
    stop = threading.Event()
    called = re.compile(rb"event: ticket\.called\ndata: \{[^\n]*?\"ticket\":\{\"id\":\"([0-9a-f]+)\"")

    def reader() -> None:
        sel = selectors.DefaultSelector()
        buffers: dict[socket.socket, bytes] = {}
        for sock in socks:
            sel.register(sock, selectors.EVENT_READ)
            buffers[sock] = b""
        while not stop.is_set():
            for key, _ in sel.select(timeout=0.2):
                sock = key.fileobj
                try:
                    chunk = sock.recv(65536)  # type: ignore[union-attr]
                except BlockingIOError:
                    continue
                now = time.perf_counter()
                data = buffers[sock] + chunk  # type: ignore[index]
                cut = data.rfind(b"\n\n")
                if cut < 0:
                    buffers[sock] = data  # type: ignore[index]
                    continue
                for match in called.finditer(data, 0, cut):
                    t0 = sent.get(match.group(1).decode())
                    if t0 is not None:
                        arrivals.append((now - t0) * 1000)
                        per_call.setdefault(match.group(1).decode(), []).append((now - t0) * 1000)
                buffers[sock] = data[cut + 2 :]  # type: ignore[index]

    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(2.0)  # let every stream connect
    _, login = Http(port).post("/api/v1/auth/login", {"staff": "1001", "pin": "1234", "window": 1})
    h = Http(port)
    queue = [h.post("/api/v1/tickets", {"service": "Q"})[1]["id"] for _ in range(calls)]
    time.sleep(1.0)
    for expected in queue:  # window 1 calls them in issue order: the send time is known before the call
        sent[expected] = time.perf_counter()
        status, body = h.post("/api/v1/windows/1/call", token=login["token"])
        assert body["ticket"]["id"] == expected, body
        h.post("/api/v1/windows/1/finish", {"case_type": "immediate"}, token=login["token"])
        time.sleep(0.2)
    time.sleep(2.0)
    stop.set()
    thread.join()
    for sock in socks:
        sock.close()
    if os.environ.get("BENCH_DEBUG"):
        for tid in queue:
            v = sorted(per_call.get(tid, [0]))
            print(f"  call {tid}: first {v[0]:.1f} ms, median {v[len(v) // 2]:.1f} ms, last {v[-1]:.1f} ms")
    return arrivals, subscribers


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--windows", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hallq-bench-"))
    config = work / "bench-hall.toml"
    config.write_text(bench_hall(args.windows), encoding="utf-8")
    server = LiveServer(work / "data", config=config, max_subscribers=args.subscribers + 150).start()
    try:
        print(f"HallQ server bench — {time.strftime('%Y-%m-%d %H:%M')}, 2-core machine, waitress, SQLite WAL")
        for threads in (1, 8):
            print(
                f"tickets/s over HTTP, {threads} client thread(s): {tickets_per_second(server.port, threads):,.0f}  (target ≥ 1,000)"
            )
        lat = call_next_latency(server.port, args.windows)
        print(
            f"call-next, {args.windows} windows pressing at the same instant: p50 {pct(lat, 50):.1f} ms, "
            f"p99 {pct(lat, 99):.1f} ms  (target p99 ≤ 20 ms)"
        )
        lat = call_next_latency(server.port, args.windows, rounds=10, think_s=0.5)
        print(
            f"call-next, {args.windows} windows calling concurrently (≈{args.windows * 2} calls/s): "
            f"p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms  (target p99 ≤ 20 ms)"
        )
        assert server.proc is not None
        for subs in sorted({100, args.subscribers}):
            arrivals, subs = event_latency(server.port, subs)
            print(
                f"call → event at {subs} subscribers: {len(arrivals)} deliveries, p50 {pct(arrivals, 50):.1f} ms, "
                f"p99 {pct(arrivals, 99):.1f} ms, mean {statistics.mean(arrivals):.1f} ms  (target p99 ≤ 100 ms at 500)"
            )
            if subs == args.subscribers:
                rss = rss_mb(server.proc.pid)
                print(f"server memory (RSS) with {subs} subscribers connected: {rss:.0f} MB  (target ≤ 200 MB)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
