"""A recorded day for the staffing simulation (issue 15): the day's tickets, window sign-ins and pauses, read
from a hall's database (read-only; the only SQL the simulation needs), and `hallq simulate`'s work."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace
from pathlib import Path

from application.demand import DemandModel, demand_from_history
from application.simulation import RecordedDay
from core.config import HallConfig
from core.simulation import Target


def read_day(db_path: Path | str, day: dt.date, tz: dt.tzinfo) -> RecordedDay:
    db = sqlite3.connect(f"file:{Path(db_path)}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        tickets = [dict(r) for r in db.execute("SELECT * FROM tickets WHERE day = ?", (day.isoformat(),))]
        attendance = [
            dict(r)
            for r in db.execute(
                "SELECT staff, window, kind, at FROM attendance WHERE day = ? AND kind IN ('sign_in', 'sign_out')"
                " ORDER BY at, id",
                (day.isoformat(),),
            )
        ]
        lo = dt.datetime.combine(day, dt.time(), tz).astimezone(dt.UTC).isoformat()
        hi = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC).isoformat()
        pauses = [
            dict(r)
            for r in db.execute(
                "SELECT name, at, payload FROM events"
                " WHERE name IN ('window.paused', 'window.resumed', 'ticket.suspended', 'ticket.resumed')"
                " AND at >= ? AND at < ? ORDER BY id",
                (lo, hi),
            )
        ]
    finally:
        db.close()
    return RecordedDay(day, tickets, attendance, pauses)


def recorded_days(db_path: Path | str) -> list[dt.date]:
    """The days with tickets, newest first."""
    db = sqlite3.connect(f"file:{Path(db_path)}?mode=ro", uri=True)
    try:
        return [dt.date.fromisoformat(r[0]) for r in db.execute("SELECT DISTINCT day FROM tickets ORDER BY day DESC")]
    finally:
        db.close()


def recorded_demand(db_path: Path | str, tz: dt.tzinfo, days: int = 91) -> DemandModel:
    """The demand model of a recorded hall (application.demand.demand_from_history) from its last `days` calendar
    days of tickets, each with its case's type where it has one."""
    db = sqlite3.connect(f"file:{Path(db_path)}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        last = db.execute("SELECT MAX(day) FROM tickets").fetchone()[0]
        if last is None:
            raise ValueError(f"{db_path}: 没有取号记录 / no tickets recorded")
        first = (dt.date.fromisoformat(last) - dt.timedelta(days=days - 1)).isoformat()
        rows = db.execute(
            "SELECT t.day, t.issued_at, t.called_at, t.started_at, t.finished_at, t.status, t.service,"
            " t.issue_service, t.staff, t.priority, t.referrals, t.recalls, c.case_type"
            " FROM tickets t LEFT JOIN cases c ON c.ticket = t.id WHERE t.day BETWEEN ? AND ?",
            (first, last),
        )
        return demand_from_history((dict(r) for r in rows), tz)
    finally:
        db.close()


def simulate_text(
    config: HallConfig,
    *,
    data: Path | str | None,
    day: dt.date | None,
    weekdays: list[int],
    target: Target,
    seed: int = 1,
    tickets_per_window_day: float | None = None,
    workers: int = 2,
    demand_from: Path | str | None = None,
) -> str:
    """`hallq simulate`: a recorded day's replay with its real staffing and the plan for it, or each weekday's
    plan from the demand model; as text."""
    from application.simulation import (
        WEEKDAYS,
        format_plan,
        plan_week,
        recorded_arrivals,
        recorded_shifts,
    )
    from core.simulation import find_plan, simulate_day

    if day is not None:
        if data is None:
            raise ValueError("--day needs --data")
        rec = read_day(Path(data) / "hall.db", day, config.tz)
        arrivals = recorded_arrivals(config, rec)
        if not arrivals:
            return f"{day}: 没有取号记录 / no tickets recorded that day."
        real = simulate_day(config, day, arrivals, recorded_shifts(config, rec), quantile=target.quantile)
        w = real.waits
        head = (
            f"{day} 当天实际排班的回放 / replay with the day's real staffing: {len(arrivals)} tickets ·"
            f" p50 {(w.p50 or 0) / 60:.1f} · p90 {(w.p90 or 0) / 60:.1f} · max {(w.max or 0) / 60:.1f} min"
        )
        return head + "\n\n" + format_plan(find_plan(config, day, arrivals, target), f"{day} 测算排班 / plan")
    demand = DemandModel() if demand_from is None else recorded_demand(Path(demand_from) / "hall.db", config.tz)
    source = "需求模型 / demand model" if demand_from is None else f"记录的需求 / recorded demand ({demand_from})"
    if tickets_per_window_day is not None:
        demand = replace(demand, tickets_per_window_day=tickets_per_window_day)
    plans = plan_week(config, target, demand, seed, weekdays, workers=workers)
    return "\n\n".join(format_plan(pr, f"{WEEKDAYS[wd]} {source}") for wd, pr in plans.items())
