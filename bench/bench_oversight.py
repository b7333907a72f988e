"""Oversight pages on a year of a 20-window hall: the monthly on-time rate page and a month's summary (target ≤ 300 ms
each), with the register, due list, inspections and the live page beside them.

The data: a directory `application.history.generate_history` filled (bench/bench_history.py --data DIR), or a new
one generated here (--days). Oversight's own records (rota, patrols, findings, extensions, stages) are written by
`application.oversight_history.simulate_oversight` — by the generator itself, or here for a directory generated
before it did. Pages are requested in-process through the Flask test client as the hall manager, the server's
clock set to the morning after the data's last day; each page is timed `--runs` times (the first, cold, apart).

Run: .venv/bin/python bench/bench_oversight.py --data DIR [--windows 20] [--month 2025-11] [--runs 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")

from application.calendar import official_calendar  # noqa: E402
from application.history import generate_history, wider_hall  # noqa: E402
from application.oversight_history import simulate_oversight  # noqa: E402
from assets import DEMO_HALL  # noqa: E402
from hallfile import load_hall  # noqa: E402

TARGET_MS = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a generated data directory (default: generate --days into a temporary one)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2025, 12, 31))
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--month", help="YYYY-MM (default: the last full month of the data)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    config = load_hall(str(DEMO_HALL))
    if args.windows != len(config.windows):
        config = wider_hall(config, args.windows)
    with tempfile.TemporaryDirectory(prefix="hallq-oversight-") as tmp:
        data = Path(args.data or tmp)
        if not (data / "hall.db").exists():
            print(f"generating {args.days} days of {len(config.windows)} windows into {data} …", flush=True)
            generate_history(config, data, args.days, end_day=args.end)
        run(config, data, args)


def run(config: object, data: Path, args: argparse.Namespace) -> None:
    from server import create_app

    db = sqlite3.connect(data / "hall.db")
    first_day, last_day, tickets = db.execute("SELECT MIN(day), MAX(day), COUNT(*) FROM tickets").fetchone()
    db.close()
    first, last = dt.date.fromisoformat(first_day), dt.date.fromisoformat(last_day)
    morning = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(9, 0), config.tz)  # type: ignore[attr-defined]
    app = create_app({"HALL_CONFIG": config, "DATA_DIR": str(data), "CLOCK": lambda: morning, "TESTING": True})
    service = app.extensions["hallq"]
    store = service.store
    try:
        counts = store._rows("SELECT COUNT(*) AS n FROM inspections")[0]["n"]
        if not counts:
            started = time.perf_counter()
            written = simulate_oversight(service.config, store, official_calendar(service.config), first, last, seed=1)
            print(f"oversight records written for {first} – {last} in {time.perf_counter() - started:.1f} s: {written}")
        cases = store._rows("SELECT COUNT(*) AS n, SUM(due_date IS NOT NULL) AS due FROM cases")[0]
        rows = {
            t: store._rows(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]
            for t in ("inspections", "findings", "case_extensions", "case_stages", "duty_rota")
        }
        print(
            f"data                {first} – {last}: {tickets:,} tickets, {cases['n']:,} cases ({cases['due']:,} with a due date)"
        )
        print("oversight rows      " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
        month = args.month or f"{(last.replace(day=1) - dt.timedelta(days=1)):%Y-%m}"
        client = app.test_client()
        login = client.get("/console/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', login)
        assert token is not None
        manager = next(s.code for s in service.config.staff if s.role == "manager")
        r = client.post("/console/login", data={"staff": manager, "pin": "1234", "csrf_token": token.group(1)})
        assert r.status_code == 303, r.get_data(as_text=True)[:300]
        pages = [
            ("on-time rate, month, by window", f"/console/oversight/on-time?month={month}&by=window", True),
            ("on-time rate, month, by clerk", f"/console/oversight/on-time?month={month}&by=staff", False),
            ("on-time rate, month, by item", f"/console/oversight/on-time?month={month}&by=item", False),
            ("month's summary", f"/console/oversight/summary?period=month&day={month}-15", True),
            ("week's summary", f"/console/oversight/summary?period=week&day={month}-15", False),
            ("day's summary", f"/console/oversight/summary?period=day&day={last.isoformat()}", False),
            ("register (a month, page 1)", f"/console/oversight/cases?from={month}-01&to={month}-28", False),
            ("register by case number", f"/console/oversight/cases?number={last:%Y%m%d}-0042", False),
            ("due and overdue", "/console/oversight/due", False),
            ("inspections (month)", f"/console/oversight/inspections?month={month}", False),
            ("duty rota (month)", f"/console/oversight/rota?month={month}", False),
            ("live page", "/console/live", False),
            ("month's summary, A4 PDF", f"/console/oversight/summary?period=month&day={month}-15&format=pdf", False),
        ]
        print(f"month               {month}; {args.runs} runs each (ms: cold, then median / max of the warm runs)")
        failed = False
        for name, path, targeted in pages:
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:500])
            warm = times[1:] or times
            mark = ""
            if targeted:
                ok = statistics.median(warm) <= TARGET_MS
                failed |= not ok
                mark = f"  (target ≤ {TARGET_MS:.0f}: {'ok' if ok else 'MISSED'})"
            print(
                f"  {name:32s} cold {times[0]:7.1f}   median {statistics.median(warm):7.1f}   max {max(warm):7.1f}{mark}"
            )
        if failed:
            sys.exit(1)
    finally:
        service.close()


if __name__ == "__main__":
    main()
