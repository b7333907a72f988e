"""Erlang C, and the simulation against it on a single-service M/M/c case (issue 15)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from core.simulation import (
    Arrival,
    Plan,
    Shift,
    Target,
    erlang_c,
    erlang_c_mean_wait,
    erlang_c_servers,
    erlang_c_wait_above,
    find_plan,
    simulate_day,
)
from tests.factories import make_config

ONE = [{"code": "HJ", "name": "户籍业务", "name_en": "Household", "prefix": "A"}]
STAFF = [{"code": f"10{i:02d}", "name": f"窗口{i}", "role": "clerk", "pin": "1234"} for i in range(1, 9)]


def single_service_hall(windows: int) -> object:
    return make_config(
        services=ONE,
        items=[],
        windows=[
            {"number": i, "name": f"{i}号窗口", "services": ["HJ"], "staff_a": f"10{i:02d}"}
            for i in range(1, windows + 1)
        ],
        staff=STAFF,
    )


def test_erlang_c_known_values() -> None:
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = ρ
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 3.0) == 1.0 and erlang_c(0, 0.1) == 1.0 and erlang_c(3, 0.0) == 0.0
    # M/M/1, λ = 1/120 s, mean service 60 s: Wq = ρ / (μ − λ) = 0.5 / (1/60 − 1/120) = 60 s
    assert erlang_c_mean_wait(1, 1 / 120, 60) == pytest.approx(60.0)
    assert erlang_c_wait_above(1, 1 / 120, 60, 0) == pytest.approx(0.5)
    c = erlang_c_servers(0.2, 60, 60, 0.9)  # 12 erlangs
    assert erlang_c_wait_above(c, 0.2, 60, 60) <= 0.1 < erlang_c_wait_above(c - 1, 0.2, 60, 60)
    assert erlang_c_servers(0.0, 60, 60) == 0


# The cross-check: Poisson arrivals and exponential handling at one service, no walk, no reaction time, no
# priorities, no no-shows or transfers: the replay's mean wait (after the first hour) is within 10 % of Erlang C's.
TOLERANCE = 0.10


def test_simulation_matches_erlang_c_on_mm_c() -> None:
    servers, mean_s, rho = 3, 60.0, 0.75
    lam = rho * servers / mean_s
    config = single_service_hall(servers)
    waits: list[float] = []
    for seed in range(12):
        rng = random.Random(seed)
        t, arrivals = 0.0, []
        while True:
            t += rng.expovariate(lam)
            if t > 20 * 3600:
                break
            arrivals.append(Arrival(t, "HJ", handling_s=rng.expovariate(1 / mean_s), walk_s=0.0, react_s=0.0))
        shifts = [Shift(w, 0.0, 20 * 3600, extend=True) for w in range(1, servers + 1)]
        result = simulate_day(config, dt.date(2026, 11, 23), arrivals, shifts)  # type: ignore[arg-type]
        assert result.unserved == 0
        waits += [w for v in result.visits if v.issued_at >= 3600 and (w := v.wait_s) is not None]
    simulated = sum(waits) / len(waits)
    formula = erlang_c_mean_wait(servers, lam, mean_s)
    assert abs(simulated - formula) <= TOLERANCE * formula, (simulated, formula)
    share_waiting = sum(1 for w in waits if w > 1e-9) / len(waits)
    assert abs(share_waiting - erlang_c(servers, lam * mean_s)) < 0.05


def test_find_plan_meets_the_target_with_the_fewest_windows() -> None:
    config = single_service_hall(8)
    rng = random.Random(3)
    arrivals = []
    for hour, per_hour in ((9, 150), (10, 60), (11, 20)):
        for _ in range(per_hour):
            arrivals.append(Arrival(hour * 3600 + rng.random() * 3600, "HJ", rng.expovariate(1 / 60), walk_s=10))
    day = dt.date(2026, 11, 23)
    target = Target(minutes=5)
    pr = find_plan(config, day, arrivals, target)  # type: ignore[arg-type]
    assert pr.met and not pr.result.failing_hours(target)
    assert pr.plan.counts[9] > pr.plan.counts[10] >= pr.plan.counts[11] >= 1
    for hour in pr.plan.counts:  # one window fewer in any hour misses the target
        if pr.plan.counts[hour] > 1:
            fewer = Plan(pr.plan.order, {**pr.plan.counts, hour: pr.plan.counts[hour] - 1})
            worse = simulate_day(config, day, arrivals, fewer.shifts())  # type: ignore[arg-type]
            assert worse.failing_hours(target), hour


def test_week_search_plan_meets_the_target_and_no_hour_can_spare_a_window() -> None:
    """A multi-service hall's day (the demo hall, the demand model's citizens): the searched plan meets the target
    in every hour, and one window fewer in any hour that has more than it needs to cover its services fails it."""
    from application.demand import DemandModel
    from application.simulation import model_arrivals, plan_weekday, weekday_date
    from assets import DEMO_HALL
    from core.simulation import window_order
    from hallfile import load_hall

    config = load_hall(DEMO_HALL)
    demand = DemandModel(tickets_per_window_day=120)
    target = Target(minutes=15)
    pr = plan_weekday(config, 3, target, demand)
    assert pr.met and not pr.result.failing_hours(target)
    assert pr.plan.window_hours() < len(config.windows) * len(pr.plan.counts)  # fewer than every window all day
    arrivals = model_arrivals(config, 3, demand)
    assert pr.plan.order == window_order(config, arrivals)
    tried = 0
    for hour, n in sorted(pr.plan.counts.items()):
        fewer = Plan(pr.plan.order, {**pr.plan.counts, hour: n - 1})
        services = {a.service for a in arrivals if int(a.at_s // 3600) == hour}
        covered = set().union(*(set(config.window(w).services) for w in fewer.open_windows(hour)))  # type: ignore[union-attr]
        if n <= 1 or not services <= covered:
            continue  # at its floor: fewer windows would leave a service unserved
        tried += 1
        worse = simulate_day(config, weekday_date(3), arrivals, fewer.shifts())
        assert worse.failing_hours(target), (hour, n)
    assert tried >= 3
