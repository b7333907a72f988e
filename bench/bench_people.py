"""The monthly score page on a year of a 20-window hall: target ≤ 300 ms for all windows and staff with their lines.

1. A year of the hall's past from the history generator (application.history.generate_history), by default its
   people part alone: the clerks' days lived through the hall's own handlers — sign-ins with realistic lateness,
   early departures, handovers and B posts standing in — with no citizens (``DemandModel(tickets_per_window_day=0)``:
   seconds instead of the hour a year of tickets takes; then the red flag's "served" tie-breaker counts none).
   ``--full`` lives the tickets too; ``--synthetic`` writes sign-in rows directly; ``--data DIR`` reuses a year;
2. its people side (application.people_history.simulate_people: leave through the chain for most missed sessions,
   weekly meetings and monthly study sessions with sign-in lists, corrections, commendations);
3. GET /console/people/scores?month=… for each month (computed from the facts: attendance, leave, meetings,
   manual lines, the other ledgers' lines), the year page with every month open, then each month closed (the
   stored snapshot) and the scores pages, the quarter's award page and the year page again (closed months read
   from their snapshots). Prints median / p95 / max per page.

Run: .venv/bin/python bench/bench_people.py [--data DIR] [--end 2026-10-31] [--days 365] [--windows 20] [--full]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.demand import DemandModel  # noqa: E402
from application.history import generate_history, wider_hall  # noqa: E402
from application.people_history import simulate_people  # noqa: E402
from assets import DEMO_HALL  # noqa: E402
from core import scoring as sc  # noqa: E402
from hallfile import load_hall  # noqa: E402
from server import create_app  # noqa: E402

TARGET_MS = 300.0


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def timed(client, path: str, runs: int = 3) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:300])
    return out


def synthetic_sign_ins(config, data: Path, first: dt.date, last: dt.date, seed: int = 1) -> int:
    """A year of sign-in rows as the caller writes them: 5 % of sessions late (1–30 min), 3 % handed over to the
    B post mid-session, 2 % missed (the B post stands in), the rest 2–15 minutes early."""
    import random

    from application.calendar import official_calendar
    from server.store import SqliteStore

    rng = random.Random(seed)
    calendar = official_calendar(config)
    store = SqliteStore(data / "hall.db")
    rows = 0
    try:
        with store.transaction():
            day = first
            while day <= last:
                if calendar.is_workday(day):
                    for w in config.windows:
                        for s in config.sessions:
                            start = dt.datetime.combine(day, s.start, config.tz)
                            end = dt.datetime.combine(day, s.end, config.tz)
                            roll = rng.random()
                            who, at = w.staff_a, start - dt.timedelta(minutes=rng.uniform(2, 15))
                            if roll < 0.02 and w.staff_b:
                                who = w.staff_b
                            elif roll < 0.07:
                                at = start + dt.timedelta(minutes=rng.uniform(1, 30))
                            store.record_attendance(who, w.number, "sign_in", at, day, "")
                            rows += 1
                            if 0.07 <= roll < 0.10 and w.staff_b:
                                handover = start + dt.timedelta(minutes=rng.uniform(40, 150))
                                note = f"handover_from={who}"
                                store.record_attendance(w.staff_b, w.number, "sign_in", handover, day, note)
                                store.record_attendance(w.staff_b, w.number, "sign_out", end, day, "")
                                rows += 2
                            else:
                                out = end + dt.timedelta(minutes=rng.uniform(0, 20))
                                store.record_attendance(who, w.number, "sign_out", out, day, "")
                                rows += 1
                day += dt.timedelta(days=1)
    finally:
        store.close()
    return rows


def sign_in(client, staff: str) -> None:
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/console/login", data={"staff": staff, "pin": "1234", "csrf_token": token})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="data directory (kept; a year is generated into it if it is empty)")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 10, 31))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="write the year's sign-ins directly (lateness, handovers, B posts standing in) instead of living it: "
        "minutes instead of an hour; no tickets (the red flag's served tie-breaker then counts none)",
    )
    parser.add_argument("--full", action="store_true", help="live the year's citizens and tickets too (about an hour)")
    args = parser.parse_args()
    config = load_hall(str(DEMO_HALL))
    if args.windows != len(config.windows):
        config = wider_hall(config, args.windows)
    tmp = tempfile.TemporaryDirectory(prefix="hallq-people-")
    data = Path(args.data or tmp.name)
    first = args.end - dt.timedelta(days=args.days - 1)
    if args.synthetic and not (data / "hall.db").exists():
        t0 = time.perf_counter()
        rows = synthetic_sign_ins(config, data, first, args.end)
        print(f"synthetic sign-ins: {rows:,} rows in {time.perf_counter() - t0:.1f} s")
    elif not (data / "hall.db").exists() or os.path.getsize(data / "hall.db") < 1 << 20:
        t0 = time.perf_counter()
        demand = DemandModel() if args.full else DemandModel(tickets_per_window_day=0.0)
        report = generate_history(config, data, args.days, end_day=args.end, demand=demand)
        print(
            f"history ({'full' if args.full else 'people part: no citizens'}): {report.working_days} working days, "
            f"{report.tickets:,} tickets in {time.perf_counter() - t0:.0f} s"
        )
    clock = Clock(dt.datetime.combine(args.end + dt.timedelta(days=1), dt.time(18, 30), config.tz))
    app = create_app({"HALL_CONFIG": config, "DATA_DIR": data, "CLOCK": clock, "TESTING": True, "CONSOLE_IDLE_S": 0})
    people = app.extensions["hallq.people"]
    try:
        if not people.store.meetings(first, args.end):
            t0 = time.perf_counter()
            r = simulate_people(people, first, args.end)
            print(f"people: {r} in {time.perf_counter() - t0:.1f} s")
        client = app.test_client()
        manager = next(s.code for s in config.staff if s.role == "manager")
        sign_in(client, manager)
        months = sorted({sc.month_key(first + dt.timedelta(days=i)) for i in range(args.days)})
        months = [m for m in months if sc.month_bounds(m)[0] >= first.replace(day=1)]
        size = len(client.get(f"/console/people/scores?month={months[-1]}").data)
        rows = people.store.punches(first, args.end)
        print(
            f"{len(config.windows)} windows, {len(config.staff)} staff, {len(rows):,} attendance rows; page {size // 1024} KB"
        )
        computed = [ms for m in months for ms in timed(client, f"/console/people/scores?month={m}")]
        people._cache.clear()
        cold = [timed(client, f"/console/people/scores?month={m}", runs=1)[0] for m in months]
        people._cache.clear()
        year_open = timed(client, f"/console/people/year?year={args.end.year}", runs=1)
        clock.now = clock.now + dt.timedelta(days=10)
        for m in months:
            if people.store.closed_month(m) is None:  # a reused --data may hold closed months already
                people.close_month(m)
        sign_in(client, manager)  # ten days later: signed in again
        closed = [ms for m in months for ms in timed(client, f"/console/people/scores?month={m}")]
        quarter = timed(client, f"/console/people/awards?period={sc.quarter_of(args.end)}")
        year = timed(client, f"/console/people/year?year={args.end.year}", runs=1)

        def line(name: str, values: list[float]) -> str:
            values = sorted(values)
            p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
            return (
                f"  {name:34s} median {statistics.median(values):6.0f} ms  p95 {p95:6.0f} ms  max {values[-1]:6.0f} ms"
            )

        print(line("scores page, month computed", computed))
        print(line("scores page, month computed (cold)", cold))
        print("    cold, month by month: " + ", ".join(f"{m[5:]} {ms:.0f}" for m, ms in zip(months, cold, strict=True)))
        print(line("scores page, month closed", closed))
        print(line("award page (quarter)", quarter))
        print(line("year page, months open", year_open))
        print(line("year page, months closed", year))
        worst = max(statistics.median(computed), statistics.median(closed))
        print(f"target ≤ {TARGET_MS:.0f} ms: {'met' if worst <= TARGET_MS else 'NOT met'}")
    finally:
        app.extensions["hallq"].close()
        tmp.cleanup()


if __name__ == "__main__":
    main()
