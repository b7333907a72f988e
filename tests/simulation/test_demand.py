"""One demand model: the history generator draws a hall's past from a recorded hall's demand
(application.demand.demand_from_history, `hallq demo --history --demand-from`), and the staffing simulation starts
from the same profile (`model_arrivals`, `hallq simulate --demand-from`)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from application.demand import DemandModel, demand_from_history
from application.history import generate_history
from application.simulation import model_arrivals, weekday_date
from server.store_staffing import recorded_demand
from tests.factories import make_config

END = dt.date(2027, 1, 15)  # a Friday
DAYS = 14
# a recorded hall unlike the defaults: more no-shows, green channel and transfers, a late-morning peak
RECORDED = replace(
    DemandModel(tickets_per_window_day=150),
    no_show=0.09,
    green_channel=0.12,
    transfer=0.06,
    hour_weights={8: 0.6, 9: 1.0, 10: 2.0, 11: 1.6, 13: 0.5, 14: 0.8, 15: 0.8, 16: 0.6},
)


@pytest.fixture(scope="module")
def recorded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recorded")
    generate_history(make_config(), path, DAYS, seed=11, end_day=END, demand=RECORDED, pin_iterations=1000)
    return path


def _tickets(path: Path) -> list[dict[str, object]]:
    db = sqlite3.connect(path / "hall.db")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM tickets")]
    finally:
        db.close()


def _profile(rows: list[dict[str, object]], tz: dt.tzinfo) -> tuple[Counter[str], Counter[int], int]:
    """Tickets per service and per clock hour, and the working days."""
    by_service: Counter[str] = Counter()
    by_hour: Counter[int] = Counter()
    for t in rows:
        by_service[str(t["issue_service"] or t["service"])] += 1
        by_hour[dt.datetime.fromisoformat(str(t["issued_at"])).astimezone(tz).hour] += 1
    return by_service, by_hour, len({t["day"] for t in rows})


def test_the_recorded_rates_come_back(recorded_dir: Path) -> None:
    config = make_config()
    model = recorded_demand(recorded_dir / "hall.db", config.tz)
    assert model.recorded and set(model.recorded) <= {1, 2, 3, 4, 5}
    assert model.no_show == pytest.approx(RECORDED.no_show, abs=0.025)
    assert model.green_channel == pytest.approx(RECORDED.green_channel, abs=0.025)
    assert model.transfer == pytest.approx(RECORDED.transfer, abs=0.025)
    for code in ("HJ", "SB"):
        assert model.service(code).handling_mean_s == pytest.approx(RECORDED.service(code).handling_mean_s, rel=0.2)
    assert model.clerk_pace and all(0.7 < p < 1.4 for p in model.clerk_pace.values())
    with pytest.raises(ValueError):
        demand_from_history([], config.tz)


def test_generator_draws_from_a_recorded_hall(recorded_dir: Path, tmp_path: Path) -> None:
    """The second hall's past, drawn from the first hall's recorded demand, has its volumes, hours and rates."""
    config = make_config()
    model = recorded_demand(recorded_dir / "hall.db", config.tz)
    generate_history(config, tmp_path, DAYS, seed=29, end_day=END, demand=model, pin_iterations=1000)
    a, b = _tickets(recorded_dir), _tickets(tmp_path)
    (sa, ha, da), (sb, hb, db) = _profile(a, config.tz), _profile(b, config.tz)
    assert da == db
    assert len(b) == pytest.approx(len(a), rel=0.08)
    for code, n in sa.items():
        assert sb[code] == pytest.approx(n, rel=0.15), code
    assert max(hb, key=hb.__getitem__) == max(ha, key=ha.__getitem__) == 10  # the recorded late-morning peak
    for hour, n in ha.items():
        if n > 100:
            assert hb[hour] == pytest.approx(n, rel=0.2), hour
    again = recorded_demand(tmp_path / "hall.db", config.tz)
    assert again.no_show == pytest.approx(model.no_show, abs=0.025)
    assert again.green_channel == pytest.approx(model.green_channel, abs=0.025)


def test_simulation_starts_from_the_generators_profile(recorded_dir: Path) -> None:
    """model_arrivals (the simulation's day) draws each service's citizens per hour from the recorded means."""
    config = make_config()
    model = recorded_demand(recorded_dir / "hall.db", config.tz)
    assert model.recorded is not None
    weekday = 3
    expected: dict[tuple[str, int], float] = {}
    for code, slots in model.recorded[weekday].items():
        for slot, n in slots.items():
            expected[(code, slot // 4)] = expected.get((code, slot // 4), 0.0) + n
    drawn: Counter[tuple[str, int]] = Counter()
    seeds = range(1, 21)
    for seed in seeds:
        for a in model_arrivals(config, weekday, model, seed):
            drawn[(a.service, int(a.at_s // 3600))] += 1
    total_expected = sum(expected.values())
    assert sum(drawn.values()) / len(seeds) == pytest.approx(total_expected, rel=0.05)
    for key, n in expected.items():
        if n >= 10:
            assert drawn[key] / len(seeds) == pytest.approx(n, rel=0.2), key
    assert {a.service for a in model_arrivals(config, weekday, model)} <= {s.code for s in config.services}
    greens = [a.priority for s in seeds for a in model_arrivals(config, weekday, model, s)]
    assert sum(greens) / len(greens) == pytest.approx(model.green_channel, abs=0.02)
    assert weekday_date(weekday).isoweekday() == weekday


def test_hallq_simulate_from_recorded_demand(recorded_dir: Path) -> None:
    """`hallq simulate --demand-from DATA` (its work: server.store_staffing.simulate_text) plans from the recorded
    demand; a directory that does not exist is refused with a sentence."""
    from click.testing import CliRunner

    from core.simulation import Target
    from server.cli import main
    from server.store_staffing import simulate_text

    text = simulate_text(
        make_config(), data=None, day=None, weekdays=[3], target=Target(15), demand_from=recorded_dir, workers=1
    )
    assert "周三 Wed 记录的需求 / recorded demand" in text and "p90" in text
    bad = CliRunner().invoke(main, ["simulate", "--demand-from", str(recorded_dir / "missing")])
    assert bad.exit_code != 0 and "does not exist" in bad.output
