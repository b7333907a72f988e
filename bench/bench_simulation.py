"""The staffing simulation (issue 15): one simulated day of a 20-window hall through the real core.hall.Hall
(target ≤ 1 s) and the window-count search for a week (target ≤ 30 s).

The 20-window hall is the demo hall's 10 windows twice over (application.history.wider_hall); the day is the
demand model's (application.demand.DemandModel, `--volume` tickets per window and day) with every window open
all day. The week is Monday–Friday's plans for a p90 ≤ `--target` minutes, the days in `--workers` processes.
Prints tickets, wall and CPU seconds, replays per day and the plans' window-hours.

Run: .venv/bin/python bench/bench_simulation.py [--windows 20] [--volume 150] [--target 15] [--workers 2]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.demand import DemandModel  # noqa: E402
from application.history import wider_hall  # noqa: E402
from application.simulation import model_arrivals, plan_week, weekday_date  # noqa: E402
from assets import DEMO_HALL  # noqa: E402
from core.simulation import Plan, Target, simulate_day, window_order  # noqa: E402
from hallfile import load_hall  # noqa: E402

DAY_TARGET_S = 1.0
WEEK_TARGET_S = 30.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--windows", type=int, default=20)
    ap.add_argument("--volume", type=float, default=150.0, help="tickets per window and day")
    ap.add_argument("--target", type=float, default=15.0, help="p90 wait target, minutes")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    config = wider_hall(load_hall(DEMO_HALL), args.windows)
    demand = DemandModel(tickets_per_window_day=args.volume)

    print(f"one day, {args.windows} windows open all day (target ≤ {DAY_TARGET_S:.0f} s):")
    for weekday in (1, 3, 5):
        arrivals = model_arrivals(config, weekday, demand)
        hours = {int(a.at_s // 3600) for a in arrivals}
        plan = Plan(window_order(config, arrivals), {h: args.windows for h in hours})
        wall, cpu = time.perf_counter(), time.process_time()
        result = simulate_day(config, weekday_date(weekday), arrivals, plan.shifts())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        p90 = (result.waits.p90 or 0) / 60
        print(f"  weekday {weekday}: {len(arrivals):,} tickets, {wall:.2f} s wall, {cpu:.2f} s CPU, p90 {p90:.1f} min")

    print(f"a week's window-count search (target ≤ {WEEK_TARGET_S:.0f} s), {args.workers} worker(s):")
    wall, cpu, kids = time.perf_counter(), time.process_time(), _children_cpu()
    plans = plan_week(config, Target(args.target), demand, workers=args.workers)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu + _children_cpu() - kids
    for weekday, pr in plans.items():
        print(
            f"  weekday {weekday}: {'met' if pr.met else 'NOT met'}, {pr.runs} replays,"
            f" {pr.plan.window_hours()} window-hours, {pr.plan.counts}"
        )
    print(f"  week: {wall:.1f} s wall, {cpu:.1f} s CPU (all processes; wall ≈ CPU ÷ workers on an idle machine)")


if __name__ == "__main__":
    main()
