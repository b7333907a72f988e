"""Display latency: a clerk's "call next" → the window sign's frame out of the port, and → the voice starting.

Target p50/p99 ≤ 300 ms. Two set-ups:
- in-process: FakeHallApi (events delivered synchronously), the display presenter, a SignBoard on a socat pty,
  an Announcer (FakeSpeaker: "voice starts" = the announcer hands the call to the engine);
- live (default also runs it): a real `hallq serve`, the clerk calling over HTTP, the display following the SSE
  stream through client.events.EventListener — the path a hall really has.
Time starts just before the call request and ends when the whole frame has been read at the far end of the pty
(no earlier than "written") or when the announcer's on_started fires.

Run: /tmp/venv/bin/python bench/bench_display.py [--calls 200] [--skip-live]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets import DEMO_HALL  # noqa: E402
from bench.bench_sign import Reader, start_socat  # noqa: E402
from client.api import HallApi, HttpHallApi, WindowCalls  # noqa: E402
from client.fake import FakeHallApi  # noqa: E402
from core.config import SignConfig  # noqa: E402
from display.presenter import DisplayPresenter  # noqa: E402
from hallfile import load_hall  # noqa: E402
from hardware.led import SignBoard  # noqa: E402
from hardware.led_protocols import encode_bx  # noqa: E402
from hardware.speaker import Announcement, Announcer, FakeSpeaker  # noqa: E402

TARGET_MS = 300.0
WINDOW = 3
SERVICE = "social"


class VoiceStarts:
    """Notes when the announcer starts each number."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.cond = threading.Condition()

    def __call__(self, item: Announcement, _at: float) -> None:
        with self.cond:
            self.started[item.number] = time.perf_counter()
            self.cond.notify_all()

    def wait_for(self, number: str, timeout: float = 10.0) -> float:
        deadline = time.monotonic() + timeout
        with self.cond:
            while number not in self.started:
                if not self.cond.wait(deadline - time.monotonic()):
                    raise TimeoutError(f"the voice never started {number}")
            return self.started[number]


def run(
    api: HallApi, clerk: WindowCalls, sign_port: str, reader: Reader, calls: int
) -> tuple[list[float], list[float]]:
    hall = load_hall(DEMO_HALL)
    board = SignBoard([(WINDOW, SignConfig(sign_port, "bx", WINDOW))], refresh_s=None)
    voice_starts = VoiceStarts()
    announcer = Announcer(hall.announce, FakeSpeaker(), max_pending=None, max_age_s=None, on_started=voice_starts)
    presenter = DisplayPresenter(api, signs=board, voice=announcer)
    presenter.start()
    deadline = time.monotonic() + 10
    while not presenter.view().connected and time.monotonic() < deadline:
        time.sleep(0.01)
    numbers = [api.issue(SERVICE)["number"] for _ in range(calls)]
    to_sign, to_voice = [], []
    offset = len(reader.buffer)
    try:
        for n, number in enumerate(numbers):
            if n:
                clerk.no_show()
            frame = encode_bx(f"请{number}号", WINDOW)
            started = time.perf_counter()
            clerk.call_next()
            arrived, offset = reader.wait_for(frame, offset)
            to_sign.append(arrived - started)
            to_voice.append(voice_starts.wait_for(number) - started)
    finally:
        presenter.stop()
        announcer.close()
        board.close()
    return to_sign, to_voice


def in_process(sign_port: str, reader: Reader, calls: int) -> tuple[list[float], list[float]]:
    api = FakeHallApi(load_hall(DEMO_HALL))
    api.login(str(1000 + WINDOW), "1234", WINDOW)
    return run(api, WindowCalls(api, WINDOW), sign_port, reader, calls)


def live(sign_port: str, reader: Reader, calls: int) -> tuple[list[float], list[float]]:
    from tests.live import LiveServer

    with tempfile.TemporaryDirectory() as folder, LiveServer(Path(folder)) as server:
        clerk_api = HttpHallApi(server.url)
        clerk_api.login(str(1000 + WINDOW), "1234", WINDOW)
        return run(HttpHallApi(server.url), WindowCalls(clerk_api, WINDOW), sign_port, reader, calls)


def report(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    verdict = "OK" if p99 <= TARGET_MS else "OVER TARGET"
    print(f"{name:<42} n={len(ms):<4} p50={p50:7.2f} ms  p99={p99:7.2f} ms  max={ms[-1]:7.2f} ms  {verdict}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--skip-live", action="store_true", help="Only the in-process set-up.")
    args = parser.parse_args(argv)
    scenarios: list[tuple[str, Any]] = [("in-process", in_process)]
    if not args.skip_live:
        scenarios.append(("live server + SSE", live))
    print(f"call → sign bytes / voice start, {args.calls} calls each, target ≤ {TARGET_MS:.0f} ms")
    for name, scenario in scenarios:
        with tempfile.TemporaryDirectory() as folder:
            socat, sign_end, reader_end = start_socat(Path(folder))
            reader = Reader(reader_end)
            reader.start()
            try:
                to_sign, to_voice = scenario(sign_end, reader, args.calls)
            finally:
                reader.stop()
                socat.terminate()
                socat.wait(5)
        report(f"{name}: call → sign frame out", to_sign)
        report(f"{name}: call → voice starts", to_voice)


if __name__ == "__main__":
    main()
