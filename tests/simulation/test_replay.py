"""The simulation replays a recorded day (the history generator's, lived through the live handlers) with that
day's real staffing, and gets that day's waits back within a stated tolerance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from application.demand import DemandModel
from application.history import generate_history
from application.simulation import RecordedDay, recorded_arrivals, recorded_shifts
from core.kpis import Visit, percentile
from core.simulation import simulate_day
from server.store_staffing import read_day, recorded_days
from tests.factories import make_config

END = dt.date(2027, 1, 6)
DEMAND = DemandModel(tickets_per_window_day=200)
# Tolerance: p50 within 90 s, p90 within 20 % or 3 min of the recorded day's (whichever is larger).
P50_TOLERANCE_S = 90.0
P90_TOLERANCE = 0.20
P90_FLOOR_S = 180.0


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("replay")
    generate_history(make_config(), path, 7, seed=5, end_day=END, demand=DEMAND, pin_iterations=1000)
    return path


def recorded_waits(config: object, rec: RecordedDay) -> list[float]:
    base = dt.datetime.combine(rec.day, dt.time(), make_config().tz)
    out = []
    for t in rec.tickets:
        if t["called_at"] is None:
            continue
        called = (dt.datetime.fromisoformat(t["called_at"]) - base).total_seconds()
        queued = (dt.datetime.fromisoformat(t["queued_at"] or t["issued_at"]) - base).total_seconds()
        issued = (dt.datetime.fromisoformat(t["issued_at"]) - base).total_seconds()
        w = Visit(issued_at=issued, status=t["status"], queued_at=queued, called_at=called).wait_s
        assert w is not None
        out.append(w)
    return sorted(out)


def test_replay_matches_recorded_days(data: Path) -> None:
    config = make_config()
    days = recorded_days(data / "hall.db")
    assert len(days) == 4
    results = []
    for day in days:
        rec = read_day(data / "hall.db", day, config.tz)
        arrivals = recorded_arrivals(config, rec)
        shifts = recorded_shifts(config, rec)
        assert len(arrivals) == len(rec.tickets) > 100 and shifts
        result = simulate_day(config, day, arrivals, shifts)
        assert result.unserved == 0 and result.refused == 0
        real = recorded_waits(config, rec)
        sim = sorted(w for v in result.visits if (w := v.wait_s) is not None)
        real50, real90 = percentile(real, 0.5), percentile(real, 0.9)
        sim50, sim90 = percentile(sim, 0.5), percentile(sim, 0.9)
        assert real50 is not None and real90 is not None and sim50 is not None and sim90 is not None
        print(day, len(real), len(sim), f"p50 {real50:.0f}/{sim50:.0f}", f"p90 {real90:.0f}/{sim90:.0f}")
        results.append((day, real50, sim50, real90, sim90))
    for day, real50, sim50, real90, sim90 in results:
        assert abs(sim50 - real50) <= P50_TOLERANCE_S, (day, real50, sim50)
        assert abs(sim90 - real90) <= max(P90_FLOOR_S, P90_TOLERANCE * real90), (day, real90, sim90)


def test_simulate_text_for_a_recorded_day(data: Path) -> None:
    from core.simulation import Target
    from server.store_staffing import simulate_text

    text = simulate_text(make_config(), data=data, day=END, weekdays=[], target=Target(10))
    assert "2027-01-06" in text and "p90" in text and "08:00–09:00" in text


def test_hallq_simulate_command_prints_the_plan() -> None:
    from click.testing import CliRunner

    from server.cli import main

    result = CliRunner().invoke(main, ["simulate", "--weekday", "5", "--tickets-per-window-day", "60"])
    assert result.exit_code == 0, result.output
    assert "周五 Fri" in result.output and "目标 Target: p90 ≤ 15 min" in result.output
    assert "达到 met" in result.output
