"""Report timings on a year of a 20-window county hall (≈ 1 million tickets), targets: any monthly report
≤ 500 ms, a whole year ≤ 2 s (issue 15).

The year is made once by the history generator (application.history.generate_history through the hall's own
handlers; about 15 minutes) into `--data` (default /tmp/hallq-bench-reports/data) and reused by later runs. How
the reports stay fast — facts kept per ticket at each day's close, complete months rolled up per cut with their
histograms — is in server/store_reports.py's docstring.

Prints, for a month (`--month`) and for the whole year, each cut (hour, weekday, day, month, service, item, window,
clerk):
- server-side (application.reports.build over the real ReportStore): cold = the first report on a freshly opened
  database connection (SQLite's page cache empty; the OS file cache as it is), warm = `--repeat` more, p50 / max;
- through the console's HTTP page (GET /console/reports on a real `hallq serve`, signed in as the manager): cold =
  the first request for that report after the server started, warm p50 / max; each of the four reports (volumes,
  waits, windows and clerks, service quality — the last reads the case register's on-time rate and the complaint
  ledger, application.oversight) by window; and the Excel export, warm.
Before that, the one-time backfill an existing database pays on first use (facts and month roll-ups), if not done.

Run: .venv/bin/python bench/bench_reports.py [--data DIR] [--month 2025-03] [--repeat 5] [--no-http]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from application import reports  # noqa: E402
from application.history import generate_history, wider_hall  # noqa: E402
from assets import DEMO_HALL  # noqa: E402
from hallfile import load_hall  # noqa: E402
from server.store import SqliteStore  # noqa: E402
from server.store_reports import ReportStore  # noqa: E402

MONTH_TARGET_MS = 500.0
YEAR_TARGET_MS = 2000.0
END = dt.date(2025, 12, 31)
CUTS = tuple(reports.CUT_NAMES)


def ms(seconds: float) -> float:
    return seconds * 1000


def line(label: str, cold: float, warm: list[float], target: float) -> str:
    worst = max([cold, *warm])
    mark = "ok" if worst <= target else "OVER"
    return (
        f"  {label:<8} cold {cold:7.0f} ms   warm p50 {statistics.median(warm):6.0f} ms  max {max(warm):6.0f} ms"
        f"   {mark}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/tmp/hallq-bench-reports/data", help="the year's data directory (made once)")
    ap.add_argument("--windows", type=int, default=20)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--month", default="2025-03")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-http", action="store_true", help="server-side timings only")
    args = ap.parse_args()
    config = load_hall(DEMO_HALL)
    if args.windows != len(config.windows):
        config = wider_hall(config, args.windows)
    data = Path(args.data)
    if not (data / "hall.db").exists():
        print(f"making {args.days} days of a {args.windows}-window hall into {data} (once) …", flush=True)
        t = time.perf_counter()
        r = generate_history(config, data, args.days, seed=1, end_day=END)
        print(f"  {r.tickets:,} tickets in {time.perf_counter() - t:.0f} s", flush=True)
    store = SqliteStore(data / "hall.db")
    lo, hi = (dt.date.fromisoformat(d) for d in store._rows("SELECT MIN(day), MAX(day) FROM tickets")[0])
    year = (max(lo, hi - dt.timedelta(days=364)).replace(day=1), hi)  # the data's last 365 days, from a 1st
    today = hi + dt.timedelta(days=1)
    m0 = dt.date.fromisoformat(f"{args.month}-01")
    month = (m0, (m0.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1))
    level_s = config.reports.service_level_minutes * 60

    tickets = store._rows("SELECT COUNT(*) FROM tickets")[0][0]
    print(f"{config.name}: {len(config.windows)} windows, {tickets:,} tickets, {year[0]} – {year[1]}")
    reads = ReportStore(store, config.tz, level_s=level_s)
    t, cpu = time.perf_counter(), time.process_time()
    written = reads.ensure(year[0], year[1], today, level_s)
    print(
        f"first use (backfill of facts and month roll-ups): {time.perf_counter() - t:.1f} s wall,"
        f" {time.process_time() - cpu:.1f} s CPU, {written:,} fact rows written (0: kept already)"
    )
    store.close()

    print("server-side, application.reports.build:")
    current = (hi.replace(day=1), hi)
    for name, (first, last), target, on in (
        (f"month {args.month}", month, MONTH_TARGET_MS, today),
        (
            f"month in progress {current[0]} – {hi} (today: {hi}; cold: its facts rebuilt, warm: within a minute)",
            current,
            MONTH_TARGET_MS,
            hi,
        ),
        (f"year {year[0]} – {year[1]}", year, YEAR_TARGET_MS, today),
    ):
        print(f" {name} (target ≤ {target:.0f} ms)")
        if on == hi:  # the last day as today: not kept yet, its facts rebuilt by the first report (as live)
            db = sqlite3.connect(data / "hall.db")
            with db:
                db.execute("DELETE FROM report_days WHERE d = ?", (hi.isoformat(),))
            db.close()
        for cut in CUTS:
            store = SqliteStore(data / "hall.db")  # a fresh connection: SQLite's page cache empty
            reads = ReportStore(store, config.tz, level_s=level_s, version=lambda: 1)  # as the server makes it
            times = []
            for _ in range(args.repeat + 1):
                t = time.perf_counter()
                reports.build(reads, config, first, last, cut, on)
                times.append(ms(time.perf_counter() - t))
            store.close()
            print(line(cut, times[0], times[1:], target), flush=True)
    if not args.no_http:
        http(args, config, data, month, year)


def http(args: argparse.Namespace, config: object, data: Path, month: tuple[dt.date, dt.date], year: tuple) -> None:
    os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")
    from bench_console import console_session, wide_hall_file

    from tests.live import LiveServer

    with tempfile.TemporaryDirectory(prefix="hallq-bench-reports-") as tmp:
        hall_file = DEMO_HALL if args.windows == 10 else Path(tmp) / "hall.toml"
        if hall_file != DEMO_HALL:
            wide_hall_file(args.windows, hall_file)
        with LiveServer(data, config=hall_file) as server:
            session = console_session(server.url, "9001")
            print("through the console, GET /console/reports (HTTP, signed in):")
            for name, (first, last), target in (
                (f"month {args.month}", month, MONTH_TARGET_MS),
                (f"year {year[0]} – {year[1]}", year, YEAR_TARGET_MS),
            ):
                print(f" {name} (target ≤ {target:.0f} ms)")
                for cut in CUTS:
                    url = f"{server.url}/console/reports?from={first}&to={last}&cut={cut}"
                    times = []
                    for _ in range(args.repeat + 1):
                        t = time.perf_counter()
                        r = session.get(url, timeout=120)
                        times.append(ms(time.perf_counter() - t))
                        assert r.status_code == 200, r.text[:300]
                    print(line(cut, times[0], times[1:], target), flush=True)
                for view in ("volumes", "waits", "windows", "quality"):  # the four reports, by window
                    url = f"{server.url}/console/reports?from={first}&to={last}&cut=window&view={view}"
                    times = []
                    for _ in range(args.repeat + 1):
                        t = time.perf_counter()
                        r = session.get(url, timeout=300)
                        times.append(ms(time.perf_counter() - t))
                        assert r.status_code == 200, r.text[:300]
                    print(line(f"{view}/w", times[0], times[1:], target), flush=True)
                xlsx = []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    r = session.get(
                        f"{server.url}/console/reports/export.xlsx?from={first}&to={last}&cut=day", timeout=120
                    )
                    xlsx.append(ms(time.perf_counter() - t))
                    assert r.status_code == 200 and r.content[:2] == b"PK"
                print(f"  Excel (by day) warm p50 {statistics.median(xlsx):.0f} ms  max {max(xlsx):.0f} ms")


if __name__ == "__main__":
    main()
