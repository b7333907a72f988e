"""Server figures on this machine, on a fresh server and on an aged one (40,000 tickets issued first):
tickets/s over HTTP; call-next latency with 10 windows calling back to back and with 50 windows calling at a
steady 2 calls/s each; the WAL and database sizes; call → event latency at 100 and 500 event-stream subscribers
and the server's memory with them.

Targets: ≥ 1,000 tickets/s with 8 client threads; call-next p99 ≤ 20 ms (10 windows back to back) and ≤ 10 ms
(50 windows, 2 calls/s each); call → event p99 ≤ 100 ms at 500 subscribers.
Run: python bench/bench_server.py [--age 40000] [--seconds 15] [--subscribers 500]
The long run under `ulimit -n 1024` (500 streams, kiosks and windows at work for 5 minutes): bench/bench_soak.py.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import selectors
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchlib import (
    Http,
    bench_hall,
    cpu_seconds,
    figures,
    file_mb,
    issue_many,
    load,
    open_streams,
    pair_devices,
    proc_status,
    sign_in,
    start_server,
)

BURST_WINDOWS = range(1, 11)  # 10 windows calling back to back
STEADY_WINDOWS = range(11, 61)  # 50 windows calling at a steady rate


def tickets_per_second(port: int, kiosk: dict[str, str], threads: int, seconds: float = 4.0) -> float:
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        h = Http(port, kiosk)
        while time.monotonic() < stop:
            status, body = h.post("/api/v1/tickets", {"service": "S"})
            assert status == 201, body
            counts[i] += 1

    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    start = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.monotonic() - start)


def keep_waiting(port: int, kiosk: dict[str, str], at_least: int) -> None:
    """Top the queue up so that no window finds it empty during a measurement."""
    _, hall = Http(port).get("/api/v1/hall")
    missing = at_least - sum(hall["waiting"].values())
    if missing > 0:
        issue_many(port, kiosk, missing)


def call_and_finish(h: Http, n: int, token: str) -> float:
    """One call at window n (timed, ms), then the citizen is served."""
    t0 = time.perf_counter()
    status, body = h.post(f"/api/v1/windows/{n}/call", token=token)
    took = (time.perf_counter() - t0) * 1000
    assert status == 200 and body["ticket"], body
    status, body = h.post(f"/api/v1/windows/{n}/finish", {"case_type": "immediate"}, token=token)
    assert status == 200, body
    return took


def _clerk_back_to_back(port: int, n: int, token: str, seconds: float, out: Any) -> None:
    """One window's clerk in a process of its own (as a caller is a machine of its own: the measuring side's
    threads would otherwise queue on one interpreter lock and add their wait to the server's)."""
    h, mine = Http(port), []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        mine.append(call_and_finish(h, n, token))
    out.send(mine)


def back_to_back(port: int, tokens: dict[int, str], seconds: float) -> tuple[list[float], float]:
    """Every window calls, finishes and calls again at once, for `seconds`: call latencies, calls/s."""
    pipes, procs = [], []
    for n, token in tokens.items():
        ours, theirs = multiprocessing.Pipe()
        procs.append(multiprocessing.Process(target=_clerk_back_to_back, args=(port, n, token, seconds, theirs)))
        pipes.append(ours)
    for proc in procs:
        proc.start()
    latencies: list[float] = [x for pipe in pipes for x in pipe.recv()]
    for proc in procs:
        proc.join()
    return latencies, len(latencies) / seconds


def steady(port: int, tokens: dict[int, str], seconds: float, per_window_s: float = 2.0) -> tuple[list[float], float]:
    """Each window calls `per_window_s` times a second, evenly (each at its own phase): call latencies, calls/s."""
    latencies: list[float] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.5
    end = start + seconds
    interval = 1 / per_window_s

    def clerk(n: int) -> None:
        h, mine = Http(port), []
        due = start + random.Random(n).uniform(0, interval)
        while due < end:
            time.sleep(max(0.0, due - time.monotonic()))
            mine.append(call_and_finish(h, n, tokens[n]))
            due = max(due + interval, time.monotonic())
        with lock:
            latencies.extend(mine)

    run_all(clerk, tokens)
    return latencies, len(latencies) / seconds


def run_all(clerk, tokens: dict[int, str]) -> None:  # type: ignore[no-untyped-def]
    ts = [threading.Thread(target=clerk, args=(n,)) for n in tokens]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def event_latency(port: int, subscribers: int, calls: int = 30) -> list[float]:
    """Open `subscribers` event streams, call tickets at window 1, and time each call's arrival on every stream.

    One thread reads all streams through a selector, so the measuring side costs little CPU beside the server.
    """
    socks = open_streams(port, subscribers, DISPLAY)
    sent: dict[str, float] = {}
    arrivals: list[float] = []
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
                buffers[sock] = data[cut + 2 :]  # type: ignore[index]

    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(2.0)  # let every stream connect
    token = sign_in(port, range(1, 2))[1]
    h = Http(port, KIOSK)
    queue = [h.post("/api/v1/tickets", {"service": "Q"})[1]["id"] for _ in range(calls)]
    time.sleep(1.0)
    for expected in queue:  # window 1 calls them in issue order (Q before S): the send time is known before the call
        sent[expected] = time.perf_counter()
        status, body = h.post("/api/v1/windows/1/call", token=token)
        assert body["ticket"]["id"] == expected, body
        h.post("/api/v1/windows/1/finish", {"case_type": "immediate"}, token=token)
        time.sleep(0.2)
    time.sleep(2.0)
    stop.set()
    thread.join()
    for sock in socks:
        sock.close()
    return arrivals


KIOSK: dict[str, str] = {}
DISPLAY: dict[str, str] = {}  # the headers of a paired display: its streams hold reserved slots


def measure(label: str, port: int, pid: int, args: argparse.Namespace) -> None:
    for threads in (1, 8):
        cpu, start = cpu_seconds(pid), time.monotonic()
        rate = tickets_per_second(port, KIOSK, threads)
        per_ticket = (cpu_seconds(pid) - cpu) * 1000 / (rate * (time.monotonic() - start))
        print(
            f"  [{label}] tickets/s over HTTP, {threads} client thread(s): {rate:,.0f}  (target ≥ 1,000 with 8); "
            f"server CPU {per_ticket:.2f} ms a ticket"
        )
    keep_waiting(port, KIOSK, 8000)
    lat, rate = back_to_back(port, sign_in(port, BURST_WINDOWS), args.seconds)
    print(
        f"  [{label}] call-next, {len(BURST_WINDOWS)} windows calling back to back ({rate:.0f} calls/s): "
        f"{figures(lat)}  (target p99 ≤ 20 ms)"
    )
    keep_waiting(port, KIOSK, 4000)
    lat, rate = steady(port, sign_in(port, STEADY_WINDOWS), args.seconds)
    print(
        f"  [{label}] call-next, {len(STEADY_WINDOWS)} windows at 2 calls/s each ({rate:.0f} calls/s): "
        f"{figures(lat)}  (target p99 ≤ 10 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--age", type=int, default=40_000, help="tickets issued to age the server (0: fresh only)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each call-next measurement")
    parser.add_argument("--subscribers", type=int, default=500, help="event streams for call → event (0: skip)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hallq-bench-"))
    config = work / "bench-hall.toml"
    config.write_text(bench_hall(max(STEADY_WINDOWS)), encoding="utf-8")
    data = work / "data"
    kiosk, display = pair_devices(config, data, "kiosk", "display")
    KIOSK.update(kiosk)
    DISPLAY.update(display)
    server = start_server(data, config, max_subscribers=max(600, args.subscribers + 100))
    assert server.proc is not None
    pid, wal, db = server.proc.pid, data / "hall.db-wal", data / "hall.db"
    try:
        print(
            f"HallQ server bench — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, waitress, SQLite WAL; {load()}"
        )
        measure("fresh", server.port, pid, args)
        print(
            f"  [fresh] WAL {file_mb(wal):.1f} MB, database {file_mb(db):.1f} MB, RSS {proc_status(pid)['rss_mb']:.0f} MB"
        )
        if args.age:
            largest = [0.0]
            done = threading.Event()

            def watch() -> None:
                while not done.wait(0.1):
                    largest[0] = max(largest[0], file_mb(wal))

            watcher = threading.Thread(target=watch)
            watcher.start()
            rate = issue_many(server.port, KIOSK, args.age)
            done.set()
            watcher.join()
            print(
                f"aged by {args.age:,} tickets ({rate:,.0f}/s): WAL at most {largest[0]:.1f} MB while issuing, "
                f"{file_mb(wal):.1f} MB after; database {file_mb(db):.1f} MB"
            )
            measure("aged", server.port, pid, args)
            time.sleep(2)
            print(
                f"  [aged] WAL {file_mb(wal):.1f} MB after a 2 s pause, database {file_mb(db):.1f} MB, "
                f"RSS {proc_status(pid)['rss_mb']:.0f} MB"
            )
        for subs in sorted({100, args.subscribers} - {0}):
            arrivals = event_latency(server.port, subs)
            print(
                f"call → event at {subs} subscribers: {len(arrivals)} deliveries, {figures(arrivals)}, "
                f"mean {statistics.mean(arrivals):.1f} ms  (target p99 ≤ 100 ms at 500)"
            )
            if subs == args.subscribers:
                status = proc_status(pid)
                print(
                    f"server with {subs} subscribers: RSS {status['rss_mb']:.0f} MB, {status['threads']:.0f} threads, "
                    f"{status['files']:.0f} open files"
                )
        print(f"done; {load()}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
