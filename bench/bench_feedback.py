"""好差评 pages on a year of a 20-window hall: the rating figures page for a month (target ≤ 300 ms) and the export
of a month (CSV and JSON, target ≤ 2 s), with the rectification ledger, the public page and the complaint list.

The year is written straight into the database (`fill`: ≈ 1 million served tickets with their cases, ≈ 700,000
ratings with reasons, a rectification record for every bad one in every state, complaints and visits) — the rows
the live hall writes, in a minute instead of the history generator's ten. `--data DIR` keeps (and reuses) it;
`--history DIR` measures a directory `hallq demo --history` or bench/bench_history.py made instead.

Run: .venv/bin/python bench/bench_feedback.py [--data DIR] [--windows 20] [--year 2025] [--repeat 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")

from application.calendar import official_calendar  # noqa: E402
from application.history import wider_hall  # noqa: E402
from assets import DEMO_HALL  # noqa: E402
from core import feedback as fb  # noqa: E402
from core.config import HallConfig  # noqa: E402
from hallfile import load_hall  # noqa: E402

FIGURES_TARGET_MS = 300.0
EXPORT_TARGET_S = 2.0
SCORES = {5: 0.80, 4: 0.12, 3: 0.05, 2: 0.02, 1: 0.01}


def fill(config: HallConfig, data: Path, year: int, per_window_day: int, seed: int = 1) -> dict[str, int]:
    """A year of the hall's rows, written directly (one transaction a month)."""
    from server.store import SqliteStore

    SqliteStore(data / "hall.db").close()  # create and migrate
    db = sqlite3.connect(data / "hall.db", isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA journal_mode=WAL")
    rng = random.Random(seed)
    calendar = official_calendar(config)
    tz = config.tz
    reasons = list(config.ratings.bad_reasons)
    scores, weights = list(SCORES), list(SCORES.values())
    counts = {"tickets": 0, "ratings": 0, "rectifications": 0, "complaints": 0, "visits": 0}
    windows = list(config.windows)
    items = {s.code: [i.code for i in config.items_of(s.code)] for s in config.services}
    day = dt.date(year, 1, 1)
    serial = 0
    while day.year == year:
        month_end = fb.period_of("month", day).end
        db.execute("BEGIN")
        while day < month_end:
            if calendar.is_workday(day):
                seq: dict[str, int] = {}
                case_seq = 0
                tickets, cases, ratings, rects = [], [], [], []
                for w in windows:
                    for _ in range(per_window_day):
                        service = rng.choice(w.services)
                        prefix = config.service(service).prefix  # type: ignore[union-attr]
                        seq[service] = seq.get(service, 0) + 1
                        serial += 1
                        tid = f"{serial:012x}"
                        start = dt.datetime.combine(day, dt.time(8, 30), tz) + dt.timedelta(
                            seconds=rng.randint(0, 8 * 3600)
                        )
                        called = start + dt.timedelta(seconds=rng.randint(30, 1800))
                        done = called + dt.timedelta(seconds=rng.randint(60, 900))
                        staff = w.staff_a if rng.random() < 0.9 or not w.staff_b else w.staff_b
                        item = rng.choice(items[service]) if items[service] else None
                        number = f"{prefix}{seq[service]:03d}"
                        tickets.append(
                            (
                                tid,
                                number,
                                service,
                                day.isoformat(),
                                seq[service],
                                start.isoformat(),
                                "done",
                                0,
                                "",
                                item,
                                None,
                                start.isoformat(),
                                None,
                                w.number,
                                staff,
                                called.isoformat(),
                                called.isoformat(),
                                done.isoformat(),
                                0,
                                None,
                                "[]",
                                service,
                                0,
                            )
                        )
                        case_seq += 1
                        cases.append(
                            (
                                f"c{tid}",
                                tid,
                                number,
                                service,
                                item,
                                "immediate",
                                w.number,
                                staff,
                                day.isoformat(),
                                None,
                                "completed",
                                f"{day:%Y%m%d}-{case_seq:04d}",
                                done.isoformat(),
                            )
                        )
                        if rng.random() < 0.7:
                            score = rng.choices(scores, weights)[0]
                            why = rng.sample(reasons, 1) if score <= 2 else []
                            at = done + dt.timedelta(seconds=rng.randint(3, 25))
                            ratings.append(
                                (
                                    tid,
                                    number,
                                    service,
                                    w.number,
                                    staff,
                                    score,
                                    json.dumps(why, ensure_ascii=False),
                                    "",
                                    "{}",
                                    at.isoformat(),
                                    "pad",
                                )
                            )
                            if score <= 2:
                                rects.append(
                                    rectification(
                                        rng,
                                        calendar,
                                        config,
                                        tid,
                                        number,
                                        day,
                                        at,
                                        w.number,
                                        staff,
                                        service,
                                        item,
                                        score,
                                        why,
                                    )
                                )
                db.executemany(
                    "INSERT INTO tickets (id, number, service, day, seq, issued_at, status, priority, priority_reason, "
                    "item, booking, queued_at, target_window, window, staff, called_at, started_at, finished_at, recalls, "
                    f"suspended_by, referrals, issue_service, reinstated) VALUES ({', '.join('?' * 23)})",
                    tickets,
                )
                db.executemany(
                    "INSERT INTO cases (id, ticket, number, service, item, case_type, window, staff, accepted_on, "
                    "due_date, status, case_number, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    cases,
                )
                db.executemany(
                    "INSERT INTO ratings (ticket, number, service, window, staff, score, reasons, comment, dimensions, "
                    "at, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ratings,
                )
                for row in rects:
                    cols = list(row)
                    db.execute(
                        f"INSERT INTO rectifications ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        list(row.values()),
                    )
                if rng.random() < 0.15:
                    complaint(db, rng, calendar, config, day, counts["complaints"])
                    counts["complaints"] += 1
                if rng.random() < 0.25:
                    db.execute(
                        "INSERT INTO visits (id, day, who_kind, who, how, said, plan, by, created_at) "
                        "VALUES (?, ?, 'organization', '某企业', 'visit', '希望缩短办理时间', '优化流程', '9001', ?)",
                        (f"v{day:%Y%m%d}", day.isoformat(), day.isoformat()),
                    )
                    counts["visits"] += 1
                counts["tickets"] += len(tickets)
                counts["ratings"] += len(ratings)
                counts["rectifications"] += len(rects)
            day += dt.timedelta(days=1)
        db.execute("COMMIT")
        print(
            f"  {day - dt.timedelta(days=1)}  {counts['tickets']:9,d} tickets  {counts['ratings']:8,d} ratings",
            flush=True,
        )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.close()
    return counts


def rectification(rng, calendar, config, tid, number, day, at, window, staff, service, item, score, why) -> dict:  # type: ignore[no-untyped-def]
    verify_due = fb.verify_due(day, calendar, config.ratings.verify_workdays)
    state = rng.choices(["closed", "rectified", "explained", "upheld", "rectifying", "open"], [60, 15, 15, 3, 4, 3])[0]
    row = {
        "ticket": tid,
        "number": number,
        "rated_at": at.isoformat(),
        "day": day.isoformat(),
        "window": window,
        "staff": staff,
        "service": service,
        "item": item,
        "score": score,
        "reasons": json.dumps(why, ensure_ascii=False),
        "status": state,
        "verify_due": verify_due.isoformat(),
        "contact_phone": "13800000000" if state == "closed" or rng.random() < 0.2 else "",
        "opened_at": at.isoformat(),
        "updated_at": at.isoformat(),
    }
    if state != "open":
        row.update(verified_at=at.isoformat(), verified_by=staff, verify_note="核实")
    if state in ("closed", "rectified"):
        row.update(outcome="on_the_spot", measures="加强培训", rectified_at=at.isoformat())
    if state == "explained":
        row.update(outcome="explanation")
    if state == "rectifying":
        row.update(outcome="deadline", rectify_due=fb.rectify_due(day, calendar, 15).isoformat())
    if state == "upheld":
        row.update(outcome="appeal", appeal_grounds="mistaken", appeal_upheld=1, appeal_decided_at=at.isoformat())
    if state == "closed":
        row.update(followed_up_at=at.isoformat(), follow_up_view="satisfied")
    return row


def complaint(db, rng, calendar, config, day, n) -> None:  # type: ignore[no-untyped-def]
    w = rng.choice(config.windows)
    received = dt.datetime.combine(day, dt.time(10), config.tz)
    db.execute(
        "INSERT INTO complaints (id, number, received_at, day, channel, form, name, phone, window, staff, named, route, "
        "grounds, summary, received_by, complexity, due_date, status, finding, action_taken, decided_by, decided_at, "
        "answered_at, archived_at, updated_at) VALUES (?, ?, ?, ?, 'phone', 'oral', '某某', '13900000000', ?, ?, ?, "
        "'hall', '[\"服务态度差\"]', '态度生硬', '9003', 'simple', ?, 'archived', ?, '批评教育', '9003', ?, ?, ?, ?)",
        (
            f"k{n}",
            f"TS{day:%Y%m%d}-{n % 1000:03d}",
            received.isoformat(),
            day.isoformat(),
            w.number,
            w.staff_a,
            json.dumps([w.staff_a]),
            calendar.add_workdays(day, 1).isoformat(),
            rng.choice(["founded", "unfounded"]),
            received.isoformat(),
            received.isoformat(),
            received.isoformat(),
            received.isoformat(),
        ),
    )


def measure(label: str, call, repeat: int, target: float | None = None, unit: str = "ms") -> float:  # type: ignore[no-untyped-def]
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    med = statistics.median(times)
    shown = f"{med:8.1f} ms" if unit == "ms" else f"{med / 1000:8.2f} s "
    goal = ""
    if target is not None:
        ok = (med <= target) if unit == "ms" else (med / 1000 <= target)
        goal = f"  (target ≤ {target:g} {unit}: {'ok' if ok else 'MISSED'})"
    print(
        f"{label:48s} median {shown} min {min(times):7.1f} ms max {max(times):7.1f} ms "
        f"CPU {statistics.median(cpu):7.1f} ms{goal}",
        flush=True,
    )
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="data directory: filled if empty, reused otherwise (default: temporary)")
    parser.add_argument("--history", help="measure this directory as it is (made by the history generator)")
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--per-window-day", type=int, default=200, help="served tickets per window per working day")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    config = load_hall(str(DEMO_HALL))
    if args.windows != len(config.windows):
        config = wider_hall(config, args.windows)
    with tempfile.TemporaryDirectory(prefix="hallq-feedback-") as tmp:
        data = Path(args.history or args.data or tmp)
        data.mkdir(parents=True, exist_ok=True)
        if not args.history and not (data / "hall.db").exists():
            print(
                f"filling {data}: {args.windows} windows, {args.year}, {args.per_window_day} a window a day", flush=True
            )
            t0 = time.perf_counter()
            counts = fill(config, data, args.year, args.per_window_day)
            print(f"filled in {time.perf_counter() - t0:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        db = sqlite3.connect(data / "hall.db")
        last = db.execute("SELECT MAX(day) FROM tickets").fetchone()[0]
        rows = {
            t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("tickets", "ratings", "rectifications")
        }
        db.close()
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
        month = fb.period_of("month", dt.date.fromisoformat(last)).previous()

        from server import create_app
        from tests.clock import FakeClock

        clock = FakeClock(
            dt.datetime.combine(dt.date.fromisoformat(last) + dt.timedelta(days=3), dt.time(9), config.tz)
        )
        t0 = time.perf_counter()
        # TESTING: no warm-up thread (the server computes the last year's figures beside serving); measured cold first
        app = create_app({"HALL_CONFIG": config, "DATA_DIR": str(data), "CLOCK": clock, "TESTING": True})
        print(f"server start (with the feedback ledger's catch-up): {time.perf_counter() - t0:.1f} s")
        service = app.extensions["hallq"]
        try:
            client = app.test_client()
            login = client.get("/console/login").get_data(as_text=True)
            token = login.split('name="csrf_token" value="')[1].split('"')[0]
            r = client.post("/console/login", data={"staff": "9001", "pin": "1234", "csrf_token": token})
            assert r.status_code == 303, r.get_data(as_text=True)[:300]

            def get(path: str) -> bytes:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                return response.get_data()

            print(
                f"month {month.key} ({service.store._rows('SELECT COUNT(*) AS n FROM ratings WHERE at >= ? AND at < ?', (month.start.isoformat(), month.end.isoformat()))[0]['n']:,} ratings)"
            )
            feedback = app.extensions["hallq.feedback"]
            for m in (month, month.previous()):
                with service.writing():
                    day = m.start
                    while day < m.end:
                        feedback.forget_figures(day)
                        day += dt.timedelta(days=1)
            measure(
                "figures page, month, first look (days computed)",
                lambda: get(f"/console/ratings?period={month.key}"),
                1,
            )
            for by in ("window", "staff", "item", "line"):
                measure(
                    f"figures page, month, by {by}",
                    lambda by=by: get(f"/console/ratings?period={month.key}&by={by}"),
                    args.repeat,
                    FIGURES_TARGET_MS,
                )
            quarter = fb.period_of("quarter", month.start)
            measure("figures page, quarter", lambda: get(f"/console/ratings?period={quarter.key}"), 3)
            measure(
                "figures page, day",
                lambda: get(f"/console/ratings?period={month.start + dt.timedelta(days=14)}"),
                args.repeat,
            )
            size = len(get(f"/console/ratings/export.csv?period={month.key}"))
            measure(
                f"export CSV, month ({size / 1e6:.1f} MB)",
                lambda: get(f"/console/ratings/export.csv?period={month.key}"),
                3,
                EXPORT_TARGET_S,
                "s",
            )
            size = len(get(f"/console/ratings/export.json?period={month.key}"))
            measure(
                f"export JSON, month ({size / 1e6:.1f} MB)",
                lambda: get(f"/console/ratings/export.json?period={month.key}"),
                3,
                EXPORT_TARGET_S,
                "s",
            )
            measure("public page, month", lambda: get(f"/public/ratings/{month.key}"), args.repeat)
            measure("rectification ledger, owed", lambda: get("/console/rectifications"), args.repeat)
            measure(
                "rectification ledger, month, all",
                lambda: get(f"/console/rectifications?status=&period={month.key}"),
                args.repeat,
            )
            measure("complaint ledger", lambda: get("/console/complaints"), args.repeat)
            measure("live page (with the feedback panel)", lambda: get("/console/live"), args.repeat)
            measure("visits page", lambda: get("/console/visits"), args.repeat)
        finally:
            service.close()


if __name__ == "__main__":
    main()
