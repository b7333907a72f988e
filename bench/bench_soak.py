"""The server under a long load on a default open-file limit: `hallq serve` under `ulimit -n 1024` holds 500 event
streams while 8 kiosk threads issue tickets and 20 windows call and serve, for 5 minutes (--minutes).

Reports: errors (answers other than 2xx, dropped connections, streams that ended), the server's memory (RSS) after
warm-up and at the end, its threads and open files, the WAL's largest size, and call → event latency over every
stream (from the clerk pressing "call" to the event arriving on each of the 500 streams).

Targets: 0 errors; RSS flat after warm-up; the WAL bounded; call → event p99 ≤ 100 ms.
Run: python bench/bench_soak.py [--minutes 5] [--streams 500] [--windows 20] [--kiosks 8]
"""

from __future__ import annotations

import argparse
import array
import multiprocessing
import re
import selectors
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchlib import (
    Http,
    bench_hall,
    file_mb,
    issue_many,
    open_streams,
    pair_devices,
    pct,
    proc_status,
    sign_in,
    start_server,
)
from benchlib import load as load_average

CALLED = re.compile(rb"event: ticket\.called\ndata: \{[^\n]*?\"ticket\":\{\"id\":\"([0-9a-f]+)\"")


class Streams:
    """`count` event streams, read by `readers` processes (one Python thread could not keep up with 500 streams
    at this rate, and would measure itself): when each ticket.called arrived on every stream."""

    def __init__(self, port: int, count: int, display: dict[str, str], readers: int = 4):
        self.port, self.count = port, count
        self.arrivals: dict[str, list[float]] = {}
        self.ended = 0
        self.stop = multiprocessing.Event()
        self.ready = multiprocessing.Barrier(readers + 1)
        self.pipes = []
        self.procs = []
        for i in range(readers):
            mine = count // readers + (1 if i < count % readers else 0)
            ours, theirs = multiprocessing.Pipe()
            self.pipes.append(ours)
            self.procs.append(
                multiprocessing.Process(target=read_streams, args=(port, mine, display, self.stop, self.ready, theirs))
            )

    def open(self) -> None:
        for proc in self.procs:
            proc.start()
        self.ready.wait(60)  # every stream connected

    def close(self) -> None:
        self.stop.set()
        for pipe, proc in zip(self.pipes, self.procs, strict=True):
            if proc.is_alive() or pipe.poll():
                arrivals, ended = pipe.recv()
                self.ended += ended
                for ticket, times in arrivals.items():
                    self.arrivals.setdefault(ticket, []).extend(times)
            if proc.pid is not None:
                proc.join(10)


def read_streams(port: int, count: int, display: dict[str, str], stop: Any, ready: Any, out: Any) -> None:
    """In a process of its own: open `count` streams, read them until `stop`, send back the arrivals."""
    socks = open_streams(port, count, display)
    ready.wait(60)
    sel = selectors.DefaultSelector()
    buffers: dict[socket.socket, bytes] = {}
    for sock in socks:
        sel.register(sock, selectors.EVENT_READ)
        buffers[sock] = b""
    arrivals: dict[str, array.array[float]] = {}
    ended = 0
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.2):
            sock: socket.socket = key.fileobj  # type: ignore[assignment]
            try:
                chunk = sock.recv(1 << 16)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            now = time.perf_counter()  # CLOCK_MONOTONIC: the same clock in every process
            if not chunk:
                ended += 1
                sel.unregister(sock)
                continue
            data = buffers[sock] + chunk
            cut = data.rfind(b"\n\n")
            if cut < 0:
                buffers[sock] = data
                continue
            if b"ticket.called" in data:
                for match in CALLED.finditer(data, 0, cut):
                    ticket = match.group(1).decode()
                    if ticket not in arrivals:
                        arrivals[ticket] = array.array("d")
                    arrivals[ticket].append(now)
            buffers[sock] = data[cut + 2 :]
    out.send(({k: v.tolist() for k, v in arrivals.items()}, ended))
    for sock in socks:
        sock.close()


class Load:
    """Kiosks issuing at a steady rate, and windows calling (then serving) at a steady rate, until `stop`."""

    def __init__(self, port: int, kiosk: dict[str, str], tokens: dict[int, str], args: argparse.Namespace):
        self.port, self.kiosk, self.tokens, self.args = port, kiosk, tokens, args
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.sent: dict[str, float] = {}  # ticket id → when its call was sent
        self.issued = 0
        self.calls = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.kiosk_loop, args=(i,)) for i in range(args.kiosks)]
        self.threads += [threading.Thread(target=self.window_loop, args=(n,)) for n in tokens]

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    def paced(self, interval: float, phase: float, step) -> None:  # type: ignore[no-untyped-def]
        due = time.monotonic() + phase
        while not self.stop.is_set():
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                step()
            except Exception as exc:  # a refused request, a dropped connection, a timeout
                self.error(f"{type(exc).__name__}: {exc}"[:300])
            due = max(due + interval, time.monotonic() - interval)

    def kiosk_loop(self, i: int) -> None:
        h = Http(self.port, self.kiosk)

        def issue() -> None:
            status, body = h.post("/api/v1/tickets", {"service": "S"})
            if status != 201:
                raise RuntimeError(f"issue: {status} {body}")
            with self.lock:
                self.issued += 1

        interval = self.args.kiosks / self.args.issue_rate
        self.paced(interval, interval * i / self.args.kiosks, issue)

    def window_loop(self, n: int) -> None:
        h, token = Http(self.port), self.tokens[n]

        def call() -> None:
            t0 = time.perf_counter()
            status, body = h.post(f"/api/v1/windows/{n}/call", token=token)
            if status != 200:
                raise RuntimeError(f"call at {n}: {status} {body}")
            if body.get("ticket"):
                with self.lock:
                    self.sent[body["ticket"]["id"]] = t0
                    self.calls += 1
                status, body = h.post(f"/api/v1/windows/{n}/finish", {"case_type": "immediate"}, token=token)
                if status != 200:
                    raise RuntimeError(f"finish at {n}: {status} {body}")

        interval = self.args.call_interval
        self.paced(interval, interval * (n - 1) / len(self.tokens), call)

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def end(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--nofile", type=int, default=1024, help="the server's open-file limit (ulimit -n)")
    parser.add_argument("--kiosks", type=int, default=8, help="threads issuing tickets")
    parser.add_argument(
        "--issue-rate", type=float, default=None, help="tickets per second, all kiosks together (default: as called)"
    )
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--call-interval", type=float, default=1.0, help="seconds between a window's calls")
    parser.add_argument("--warm-up", type=float, default=60.0, help="seconds before memory counts as settled")
    args = parser.parse_args()
    if args.issue_rate is None:  # the queue neither grows nor empties: memory measures the server, not the queue
        args.issue_rate = args.windows / args.call_interval

    work = Path(tempfile.mkdtemp(prefix="hallq-soak-"))
    config = work / "bench-hall.toml"
    config.write_text(bench_hall(args.windows), encoding="utf-8")
    data = work / "data"
    kiosk, display = pair_devices(config, data, "kiosk", "display")
    server = start_server(data, config, nofile=args.nofile)
    assert server.proc is not None
    pid, wal = server.proc.pid, data / "hall.db-wal"
    print(
        f"HallQ soak — {time.strftime('%Y-%m-%d %H:%M')}: `hallq serve` under ulimit -n {args.nofile}, "
        f"{args.streams} event streams, {args.kiosks} kiosks at {args.issue_rate:g} tickets/s, "
        f"{args.windows} windows calling every {args.call_interval:g} s, {args.minutes:g} min; {load_average()}"
    )
    streams = Streams(server.port, args.streams, display)
    load: Load | None = None
    samples: list[tuple[float, dict[str, float], float]] = []
    try:
        issue_many(server.port, kiosk, 4 * args.windows)  # a queue to start from
        tokens = sign_in(server.port, range(1, args.windows + 1))
        streams.open()
        time.sleep(2)
        status = proc_status(pid)
        print(f"  {args.streams} streams open: {status['files']:.0f} open files, {status['threads']:.0f} threads")
        load = Load(server.port, kiosk, tokens, args)
        start = time.monotonic()
        load.start()
        end = start + args.minutes * 60
        largest_wal = 0.0
        next_sample = start
        while time.monotonic() < end:
            time.sleep(min(1.0, max(0.0, end - time.monotonic())))
            largest_wal = max(largest_wal, file_mb(wal))
            if time.monotonic() >= next_sample:
                samples.append((time.monotonic() - start, proc_status(pid), file_mb(wal)))
                next_sample += 10
        load.end()
        time.sleep(2)  # the last events arrive
        samples.append((time.monotonic() - start, proc_status(pid), file_mb(wal)))
    finally:
        streams.close()
        if load is not None:
            load.end()
        server.stop()

    assert load is not None
    print("  t (s)   RSS (MB)  threads  files  WAL (MB)")
    for t, status, wal_mb in samples[:: max(1, len(samples) // 12)] + samples[-1:]:
        print(f"  {t:5.0f}   {status['rss_mb']:8.1f}  {status['threads']:7.0f}  {status['files']:5.0f}  {wal_mb:8.1f}")
    settled = [s for s in samples if s[0] >= args.warm_up] or samples
    rss = [s[1]["rss_mb"] for s in settled]
    print(
        f"  memory after warm-up ({args.warm_up:.0f} s): {rss[0]:.1f} MB, at the end {rss[-1]:.1f} MB, "
        f"range {min(rss):.1f}–{max(rss):.1f} MB (growth {rss[-1] - rss[0]:+.1f} MB)"
    )
    print(f"  WAL: largest {max(largest_wal, max(s[2] for s in samples)):.1f} MB")
    latencies = [
        (t - load.sent[ticket]) * 1000
        for ticket, times in streams.arrivals.items()
        if ticket in load.sent
        for t in times
    ]
    expected = len(load.sent) * args.streams
    print(
        f"  {load.issued:,} tickets issued, {load.calls:,} calls; call → event over {args.streams} streams: "
        f"{len(latencies):,} deliveries of {expected:,}, p50 {pct(latencies, 50):.1f} ms, p99 {pct(latencies, 99):.1f} ms, "
        f"max {max(latencies, default=float('nan')):.1f} ms  (target p99 ≤ 100 ms)"
    )
    errors = len(load.errors) + streams.ended
    print(f"  errors: {errors} ({len(load.errors)} requests, {streams.ended} streams ended)  (target 0)")
    for e in load.errors[:5]:
        print(f"    {e}")
    print(f"  {load_average()}")
    log = server.log.read_text(errors="replace")
    print(
        f"  server log: {len(log.splitlines())} lines, {log.count('Traceback')} tracebacks, "
        f"{log.count('Too many open files')} 'Too many open files'"
    )


if __name__ == "__main__":
    main()
