"""LED sign latency: show(text) called → the frame's last byte has come out of the port (target p50/p99 ≤ 300 ms).

Runs on a socat pseudo-terminal pair: the SignBus writes one end, a reader thread reads the other and notes when
each whole frame has arrived, which is no earlier than "fully written to the port". Scenarios:
- spaced-bx / spaced-text: one show at a time, the hall's normal rhythm, for each protocol;
- shared-line: four signs on one line all told at once (a burst of calls), figures per sign;
- call cost: how long show() itself keeps the caller's thread (encoding + queueing).
A pty moves bytes at memory speed; the printed wire time is what a real 57600 8N1 line adds (for shared-line:
all four frames, which the last sign in a burst waits for).

Run: /tmp/venv/bin/python bench/bench_sign.py [--calls 300]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import serial

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware.led import Sign, SignBus  # noqa: E402
from hardware.led_protocols import encode  # noqa: E402

TARGET_MS = 300.0
BAUD = 57600


class Reader(threading.Thread):
    """Reads the far end of the pty; wait_for(frame) returns when the frame arrived."""

    def __init__(self, path: str) -> None:
        super().__init__(daemon=True)
        self.port = serial.Serial(path, timeout=0.05)
        self.buffer = bytearray()
        self.last_arrival = 0.0
        self.cond = threading.Condition()
        self.stopping = False

    def run(self) -> None:
        while not self.stopping:
            chunk = self.port.read(self.port.in_waiting or 1)  # returns as soon as bytes are there
            if chunk:
                with self.cond:
                    self.buffer += chunk
                    self.last_arrival = time.perf_counter()
                    self.cond.notify_all()

    def wait_for(self, frame: bytes, start: int, timeout: float = 5.0) -> tuple[float, int]:
        """(arrival time, offset after the frame); raises when the frame never comes."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while (found := self.buffer.find(frame, start)) < 0:
                if not self.cond.wait(deadline - time.monotonic()):
                    raise TimeoutError(f"frame never arrived: {frame.hex(' ')}")
            return self.last_arrival, found + len(frame)

    def stop(self) -> None:
        self.stopping = True
        self.join(1)
        self.port.close()


def start_socat(folder: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    sign_end, reader_end = folder / "sign0", folder / "reader0"
    process = subprocess.Popen(
        ["socat", "-d", "-d", f"pty,raw,echo=0,link={sign_end}", f"pty,raw,echo=0,link={reader_end}"],
        stderr=subprocess.PIPE,
    )
    seen = b""
    assert process.stderr is not None
    while b"starting data transfer loop" not in seen:
        line = process.stderr.readline()
        if not line:
            raise RuntimeError(f"socat did not start: {seen.decode(errors='replace')}")
        seen += line
    return process, str(sign_end), str(reader_end)


def spaced(sign: Sign, reader: Reader, calls: int) -> tuple[list[float], list[float]]:
    latencies, call_costs = [], []
    offset = len(reader.buffer)
    for n in range(calls):
        text = f"请A{n % 1000:03d}号"
        frame = encode(sign.protocol, text, sign.address, sign.area)
        started = time.perf_counter()
        sign.show(text)
        call_costs.append(time.perf_counter() - started)
        arrived, offset = reader.wait_for(frame, offset)
        latencies.append(arrived - started)
    return latencies, call_costs


def shared_line(signs: list[Sign], reader: Reader, rounds: int) -> list[float]:
    latencies = []
    offset = len(reader.buffer)
    for n in range(rounds):
        texts = [f"请B{(n * len(signs) + k) % 1000:03d}号" for k in range(len(signs))]
        frames = [encode(s.protocol, t, s.address, s.area) for s, t in zip(signs, texts, strict=True)]
        started = time.perf_counter()
        for sign, text in zip(signs, texts, strict=True):
            sign.show(text)
        ends = []
        for frame in frames:  # the bus writes them oldest first
            arrived, end = reader.wait_for(frame, offset)
            latencies.append(arrived - started)
            ends.append(end)
        offset = max(ends)
    return latencies


def report(name: str, seconds: list[float], frame_bytes: int | None = None) -> bool:
    ms = sorted(s * 1000 for s in seconds)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    ok = p50 <= TARGET_MS and p99 <= TARGET_MS
    wire = f"  (+{frame_bytes * 10 / BAUD * 1000:.1f} ms on a {BAUD} 8N1 line)" if frame_bytes else ""
    print(
        f"{name:<22} n={len(ms):4d}  p50={p50:7.2f} ms  p99={p99:7.2f} ms  max={ms[-1]:7.2f} ms{wire}  {'OK' if ok else 'SLOW'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    if shutil.which("socat") is None:
        print("socat is not installed (apt-get install socat)")
        return 2
    with tempfile.TemporaryDirectory() as folder:
        process, sign_end, reader_end = start_socat(Path(folder))
        reader = Reader(reader_end)
        reader.start()
        bus = SignBus(sign_end, refresh_s=None)
        try:
            bx = bus.add_sign(address=1)
            text_sign = bus.add_sign(address=2, protocol="text")
            line = [bx, *(bus.add_sign(address=a) for a in (3, 4, 5))]
            bx_lat, bx_cost = spaced(bx, reader, args.calls)
            text_lat, text_cost = spaced(text_sign, reader, args.calls)
            shared = shared_line(line, reader, max(1, args.calls // len(line)))
        finally:
            bus.close()
            reader.stop()
            process.terminate()
            process.wait(5)
    print(f"show(text) → frame fully out of the port, socat pty pair, target ≤ {TARGET_MS:.0f} ms")
    results = [
        report("spaced-bx", bx_lat, len(encode("bx", "请A001号"))),
        report("spaced-text", text_lat, len(encode("text", "请A001号"))),
        report("shared-line (4 signs)", shared, 4 * len(encode("bx", "请A001号"))),
    ]
    report("show() call cost bx", bx_cost)
    report("show() call cost text", text_cost)
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
