"""Kiosk latency: the citizen's touch on "take a ticket" → the ticket's bytes at the printer (target p50/p99 ≤ 300 ms).

The kiosk's own code path (KioskPresenter → HttpHallApi → a real `hallq serve` process → ticket document →
ESC/POS encoding on the PrintWorker thread → the printer's transport). The printer is the escpos Dummy device
(FakePrinter), so the figure is everything up to the bytes leaving for the wire; a real USB printer adds its own
transfer (~10–40 ms for an image-mode ticket at USB full speed). Both print modes and paper widths are measured.
A first ticket warms the server, the font cache and the encoder before timing starts.

Run: /tmp/venv/bin/python bench/bench_kiosk.py [--tickets 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from client.api import HttpHallApi  # noqa: E402
from hardware.printer import FakePrinter, PrintOptions, PrintWorker  # noqa: E402
from kiosk.presenters import KioskPresenter  # noqa: E402
from tests.live import LiveServer  # noqa: E402

TARGET_MS = 300.0
SERVICES = ("household", "social", "medical", "civil", "estate", "market", "general")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(url: str, options: PrintOptions, tickets: int, with_item: bool) -> list[float]:
    printer = FakePrinter(options)
    printed = threading.Event()
    timings: list[float] = []
    with PrintWorker(printer) as worker:
        kiosk = KioskPresenter(HttpHallApi(url), public_url=url, printer=worker)
        kiosk.on_change = lambda: printed.set() if kiosk.print_state in ("printed", "failed") else None
        kiosk.start()
        for index in range(tickets + 1):
            service = SERVICES[index % len(SERVICES)]
            kiosk.go_home()
            kiosk.choose_service(service)
            if with_item and kiosk.items:
                kiosk.choose_item(kiosk.items[0]["code"])
            printed.clear()
            jobs_before = len(printer.jobs)
            started = time.perf_counter()
            kiosk.take_ticket()  # the touch
            if not printed.wait(10) or len(printer.jobs) != jobs_before + 1:
                raise RuntimeError(f"ticket {index} was not printed: {kiosk.print_state} {kiosk.print_error}")
            if index:  # the first one warms up
                timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, LiveServer(Path(data)) as server:
        print(f"kiosk touch → ticket bytes at the printer, {args.tickets} tickets each, target ≤ {TARGET_MS:.0f} ms")
        print(f"{'scenario':34} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  verdict")
        for mode in ("image", "gb18030"):
            for paper in (58, 80):
                for with_item in (True, False):
                    label = f"{mode} {paper}mm {'with materials' if with_item else 'no item'}"
                    timings = measure(server.url, PrintOptions(paper_mm=paper, mode=mode), args.tickets, with_item)  # type: ignore[arg-type]
                    p50, p99 = statistics.median(timings), percentile(timings, 0.99)
                    verdict = "OK" if p99 <= TARGET_MS else "OVER TARGET"
                    print(f"{label:34} {p50:8.1f} {p99:8.1f} {max(timings):8.1f}  {verdict}")


if __name__ == "__main__":
    main()
