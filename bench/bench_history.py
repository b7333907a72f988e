"""History generation: a year of a 20-window hall (≈ 1 million tickets) through the live handlers, target ≤ 10 min.

application.history.generate_history lives the hall's past day by day (HallService with a simulated clock over
the real SqliteStore, one transaction per day). The 20-window hall is the demo hall's 10 windows twice over
(application.history.wider_hall). Prints days, tickets, events, rows per table, wall and CPU seconds, tickets/s
and the database's size. CPU seconds are the fairer figure on a machine that other work shares.

Run: .venv/bin/python bench/bench_history.py [--days 365] [--windows 20] [--seed 1] [--keep-events 7] [--data DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.history import HistoryReport, generate_history, wider_hall  # noqa: E402
from assets import DEMO_HALL  # noqa: E402
from hallfile import load_hall  # noqa: E402

TARGET_S = 600.0
TABLES = ("tickets", "events", "cases", "ratings", "attendance", "bookings", "issue_keys", "sessions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365, help="calendar days, ending --end (default 365)")
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2025, 12, 31), help="last day (ISO)")
    parser.add_argument("--keep-events", type=int, default=7, help="working days of events kept (-1: all)")
    parser.add_argument("--data", help="data directory (default: a temporary one, deleted afterwards)")
    args = parser.parse_args()

    config = load_hall(str(DEMO_HALL))
    if args.windows != len(config.windows):
        config = wider_hall(config, args.windows)
    with tempfile.TemporaryDirectory(prefix="hallq-history-") as tmp:
        data = Path(args.data or tmp)
        print(f"{config.name}: {len(config.windows)} windows, {args.days} days to {args.end}, data {data}", flush=True)
        cpu0, wall0 = time.process_time(), time.perf_counter()

        def progress(day: dt.date, r: HistoryReport) -> None:
            if r.working_days % 20 == 0:
                rate = r.tickets / r.seconds if r.seconds else 0.0
                print(
                    f"  {day}  {r.working_days:4d} working days  {r.tickets:9,d} tickets  {r.seconds:7.1f} s  {rate:6.0f}/s",
                    flush=True,
                )

        report = generate_history(
            config,
            data,
            args.days,
            seed=args.seed,
            end_day=args.end,
            keep_event_days=None if args.keep_events < 0 else args.keep_events,
            progress=progress,
        )
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0  # all of it, PIN hashing included
        db = sqlite3.connect(data / "hall.db")
        rows = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
        db.close()
        size = sum(p.stat().st_size for p in data.glob("hall.db*"))

    print(
        f"days                {report.days} ({report.working_days} working days, {report.first_day} – {report.last_day})"
    )
    print(f"tickets             {report.tickets:,} ({report.served:,} served, {report.ratings:,} rated)")
    print(f"events              {report.events:,} written, {rows['events']:,} kept")
    print("rows                " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    print(f"seconds             {wall:.1f} wall, {cpu:.1f} CPU (target ≤ {TARGET_S:.0f} wall)")
    print(f"tickets/s           {report.tickets / wall:,.0f} wall, {report.tickets / cpu:,.0f} CPU")
    print(f"DB size             {size / 1e6:,.1f} MB ({size / max(1, report.tickets):,.0f} bytes a ticket)")


if __name__ == "__main__":
    main()
