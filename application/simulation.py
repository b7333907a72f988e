"""The staffing simulation's inputs (issue 15): a day of citizens drawn from the demand model the history
generator uses (application.demand.DemandModel), or a recorded day of the hall (its tickets, who was signed in,
its pauses) turned into arrivals and shifts for core.simulation.

Drawn days follow the generator's rules: Poisson arrivals per service and minute (`DemandModel.arrival_rates`),
the kiosk's item (`item_chosen`, `item_weights`), the clerk's case type (`case_mix`) and its pace (`case_pace`)
on a log-normal handling time, the walk to the window with its recall, no-shows, transfers to another service
(20–90 s after the start, as the generator does), green-channel tickets and the few who cancel while waiting.
The generator's pauses, suspensions, late sign-ins and A/B handovers are not drawn: a plan is the windows a
hall means to open.

A recorded day keeps what the tickets say: when each was taken, for what, its walk (called → started, recalls
included), its handling (started → finished), no-shows, cancellations (after how long) and transfers (to the
service that finally served it; the time at the first window is not stored, so it is taken as
`TRANSFER_FIRST_S`). Its shifts are the windows' sign-ins and sign-outs, less the pauses the event log still
holds (the last few days' events are kept); a shift that ends after a session's end serves whoever still waits.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import multiprocessing
import random
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from application.demand import DemandModel, poisson
from core.config import HallConfig
from core.simulation import Arrival, PlanResult, Shift, Target, find_plan

TRANSFER_FIRST_S = 55.0  # a recorded transfer's time at its first window (the generator: 20–90 s)
WEEKDAYS = {1: "周一 Mon", 2: "周二 Tue", 3: "周三 Wed", 4: "周四 Thu", 5: "周五 Fri", 6: "周六 Sat", 7: "周日 Sun"}


def weekday_date(weekday: int, after: dt.date = dt.date(2026, 1, 4)) -> dt.date:
    """A date with this ISO weekday (the simulated day's date: only its weekday matters)."""
    return after + dt.timedelta(days=(weekday - after.isoweekday()) % 7)


# ---- a day from the demand model --------------------------------------------------------------------------------


def model_arrivals(config: HallConfig, weekday: int, demand: DemandModel | None = None, seed: int = 1) -> list[Arrival]:
    """One working day of this weekday's citizens, drawn from the demand model (same seed, same day)."""
    d = demand or DemandModel()
    rng = random.Random(seed * 1009 + weekday)
    shares = d.service_shares(config)
    items: dict[str, tuple[list[str], list[float]]] = {}
    for s in config.services:
        its = config.items_of(s.code)
        items[s.code] = ([i.code for i in its], [d.item_weights.get(i.case_type, 1.0) for i in its])
    out: list[Arrival] = []
    for code, rates in d.arrival_rates(config, weekday).items():
        for minute, rate in rates:
            for _ in range(poisson(rng, rate)):
                out.append(_citizen(rng, d, config, code, minute * 60 + rng.random() * 60, shares, items))
    out.sort(key=lambda a: a.at_s)
    return out


def _handling(rng: random.Random, d: DemandModel, config: HallConfig, service: str, item: str | None) -> float:
    it = config.item(item) if item else None
    own = it.case_type if it else "immediate"
    mix = d.case_mix.get(own) or {own: 1.0}
    kind = rng.choices(list(mix), weights=list(mix.values()))[0] if item else "immediate"
    sd = d.service(service)
    mean = sd.handling_mean_s * d.case_pace.get(kind, 1.0)
    sigma = sd.handling_sigma
    return min(rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma), 8 * mean)


def _walk(rng: random.Random, d: DemandModel) -> float:
    return min(180.0, max(4.0, rng.lognormvariate(math.log(d.walk_median_s), d.walk_sigma)))


def _citizen(
    rng: random.Random,
    d: DemandModel,
    config: HallConfig,
    service: str,
    at_s: float,
    shares: Mapping[str, float],
    items: Mapping[str, tuple[list[str], list[float]]],
) -> Arrival:
    codes, weights = items.get(service, ([], []))
    picked = rng.choices(codes, weights=weights)[0] if codes else None
    item = picked if picked is not None and rng.random() < d.item_chosen else None
    no_show = rng.random() < d.no_show
    walk = rng.uniform(25, 50) + (rng.uniform(40, 80) if no_show else _walk(rng, d))
    if not no_show and rng.random() < d.recall:
        walk += rng.uniform(25, 50)
    transfer_to = None
    first = 0.0
    if not no_show and rng.random() < d.transfer:
        others = {c: w for c, w in shares.items() if c != service and w > 0}
        if others:
            transfer_to = rng.choices(list(others), weights=list(others.values()))[0]
            first = rng.uniform(20, 90)
    handled = transfer_to or service
    handled_item = picked if transfer_to is None else None
    return Arrival(
        at_s=at_s,
        service=service,
        handling_s=_handling(rng, d, config, handled, handled_item),
        walk_s=walk,
        priority=rng.random() < d.green_channel,
        item=item,
        no_show=no_show,
        transfer_to=transfer_to,
        first_handling_s=first,
        cancel_after_s=rng.uniform(600, 2400) if rng.random() < d.cancel else None,
        react_s=rng.uniform(*d.react_s),
    )


# ---- a recorded day -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedDay:
    """A day as the store holds it: ticket rows, attendance rows (sign_in / sign_out at windows) and the pause
    and suspension events (name, at, payload) the event log still has."""

    day: dt.date
    tickets: Sequence[Mapping[str, Any]]
    attendance: Sequence[Mapping[str, Any]]
    pauses: Sequence[Mapping[str, Any]] = ()


def _secs(value: Any, base: dt.datetime) -> float | None:
    if value is None or value == "":
        return None
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return (when - base).total_seconds()


def recorded_arrivals(config: HallConfig, rec: RecordedDay) -> list[Arrival]:
    base = dt.datetime.combine(rec.day, dt.time(), config.tz)
    away = _suspensions(rec, base)
    out: list[Arrival] = []
    for t in rec.tickets:
        issued = _secs(t["issued_at"], base)
        if issued is None:
            continue
        service = t.get("issue_service") or t["service"]
        called, started, finished = (_secs(t.get(k), base) for k in ("called_at", "started_at", "finished_at"))
        status = t["status"]
        referrals = t.get("referrals") or []
        if isinstance(referrals, str):
            referrals = json.loads(referrals)
        item = t.get("item")
        it = config.item(item) if item else None
        if it is None or it.service != service:
            item = None
        walk = started - called if called is not None and started is not None else 15.0
        handling = finished - started if started is not None and finished is not None else 60.0
        # suspended (挂起): `started_at` is the start after the citizen came back, so called → started holds the
        # first part and the time away, when the window served others
        walk -= away.get(t["id"], 0.0)
        no_show = status == "no_show"
        if no_show and called is not None and finished is not None:
            walk = finished - called
        cancel = finished - issued if status == "cancelled" and finished is not None else None
        out.append(
            Arrival(
                at_s=issued,
                service=service,
                handling_s=max(1.0, handling),
                walk_s=max(0.0, walk),
                priority=bool(t.get("priority")),
                item=item,
                no_show=no_show,
                transfer_to=t["service"] if referrals else None,
                first_handling_s=TRANSFER_FIRST_S if referrals else 0.0,
                cancel_after_s=cancel,
            )
        )
    out.sort(key=lambda a: a.at_s)
    return out


def _payload(p: Mapping[str, Any]) -> Mapping[str, Any]:
    value = p["payload"]
    return value if isinstance(value, Mapping) else json.loads(value)


def _suspensions(rec: RecordedDay, base: dt.datetime) -> dict[str, float]:
    """Seconds each ticket spent suspended (away fetching a paper), from the event log."""
    since: dict[str, float] = {}
    out: dict[str, float] = {}
    for p in rec.pauses:
        if not p["name"].startswith("ticket."):
            continue
        tid, at = _payload(p).get("ticket", {}).get("id"), _secs(p["at"], base)
        if tid is None or at is None:
            continue
        if p["name"] == "ticket.suspended":
            since[tid] = at
        elif tid in since:
            out[tid] = out.get(tid, 0.0) + at - since.pop(tid)
    return out


def recorded_shifts(config: HallConfig, rec: RecordedDay) -> list[Shift]:
    """Each window's signed-in spans (from their first call), less its pauses; a span ending after a session's
    end extends."""
    base = dt.datetime.combine(rec.day, dt.time(), config.tz)
    spans: dict[int, list[tuple[float, float]]] = {}
    opened: dict[int, float] = {}
    rows = sorted(rec.attendance, key=lambda r: str(r["at"]))
    for r in rows:
        w, at = r.get("window"), _secs(r["at"], base)
        if w is None or at is None:
            continue
        if r["kind"] == "sign_in" and w not in opened:
            opened[w] = at
        elif r["kind"] == "sign_out" and w in opened:
            spans.setdefault(w, []).append((opened.pop(w), at))
    for w, since in opened.items():
        spans.setdefault(w, []).append((since, 86399.0))
    # a clerk signs in a few minutes early and calls from the session's start: a span serves from its first call
    calls: dict[int, list[float]] = {}
    for t in rec.tickets:
        called = _secs(t.get("called_at"), base)
        if t.get("window") is not None and called is not None:
            calls.setdefault(t["window"], []).append(called)
    for w, runs in spans.items():
        times = sorted(calls.get(w, []))
        spans[w] = [(next((c for c in times if a <= c < b), a), b) for a, b in runs]
    paused: dict[int, float] = {}
    gaps: dict[int, list[tuple[float, float]]] = {}
    for p in rec.pauses:
        if not p["name"].startswith("window."):
            continue
        w = _payload(p).get("window", {}).get("number")
        at = _secs(p["at"], base)
        if w is None or at is None:
            continue
        if p["name"] == "window.paused":
            paused[w] = at
        elif p["name"] == "window.resumed" and w in paused:
            gaps.setdefault(w, []).append((paused.pop(w), at))
    ends = sorted(s.end.hour * 3600 + s.end.minute * 60 for s in config.sessions)
    out: list[Shift] = []
    for w, runs in spans.items():
        for start, end in runs:
            pieces = [(start, end)]
            for g0, g1 in gaps.get(w, []):
                pieces = [
                    piece for a, b in pieces for piece in ((a, min(b, g0)), (max(a, g1), b)) if piece[1] > piece[0]
                ]
            for a, b in pieces:
                out.append(Shift(w, a, b, extend=b == end and any(b >= e - 60 for e in ends)))
    return sorted(out, key=lambda s: (s.start_s, s.window))


# ---- a week's plan ----------------------------------------------------------------------------------------------


def plan_weekday(
    config: HallConfig,
    weekday: int,
    target: Target,
    demand: DemandModel | None = None,
    seed: int = 1,
) -> PlanResult:
    return find_plan(config, weekday_date(weekday), model_arrivals(config, weekday, demand, seed), target)


_WEEK: tuple[HallConfig, Target, DemandModel | None, int] | None = None


def _plan_job(weekday: int) -> PlanResult:
    assert _WEEK is not None
    config, target, demand, seed = _WEEK
    return plan_weekday(config, weekday, target, demand, seed)


def plan_week(
    config: HallConfig,
    target: Target,
    demand: DemandModel | None = None,
    seed: int = 1,
    weekdays: Iterable[int] = (1, 2, 3, 4, 5),
    workers: int = 1,
) -> dict[int, PlanResult]:
    """Each weekday's plan; with `workers` > 1 the days run in forked processes (a command-line use: not inside
    the threaded server)."""
    days = list(weekdays)
    if workers <= 1 or len(days) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return {wd: plan_weekday(config, wd, target, demand, seed) for wd in days}
    global _WEEK
    _WEEK = (config, target, demand, seed)  # the forked workers inherit it (the model's tables do not pickle)
    try:
        with ProcessPoolExecutor(min(workers, len(days)), mp_context=multiprocessing.get_context("fork")) as pool:
            return dict(zip(days, pool.map(_plan_job, days), strict=True))
    finally:
        _WEEK = None


# ---- for the page and the command ---------------------------------------------------------------------------------


def hour_rows(pr: PlanResult) -> list[dict[str, Any]]:
    """One row per hour: citizens, the plan's windows (and which), waits, the queue."""
    out = []
    hours = sorted(set(pr.plan.counts) | {h.hour for h in pr.result.hours})
    for hour in hours:
        h = pr.result.hour(hour)
        out.append(
            {
                "hour": hour,
                "label": f"{hour:02d}:00–{hour + 1:02d}:00",
                "windows": pr.plan.counts.get(hour, 0),
                "open": pr.plan.open_windows(hour),
                "window_hours": round(h.windows, 2) if h else 0.0,
                "arrivals": h.arrivals if h else 0,
                "p50": h.waits.p50 if h else None,
                "p90": h.quantile_wait_s if h else None,
                "max": h.waits.max if h else None,
                "mean": h.waits.mean if h else None,
                "queue_mean": round(h.queue_mean, 2) if h else 0.0,
                "queue_max": h.queue_max if h else 0,
                "met": h is None or h.quantile_wait_s is None or h.quantile_wait_s <= pr.target.wait_s,
            }
        )
    return out


def chart_option(pr: PlanResult, title: str) -> dict[str, Any]:
    """An ECharts option: windows open per hour (bars) and the p50/p90 wait in minutes (lines), the target."""
    rows = hour_rows(pr)
    labels = [r["label"][:5] for r in rows]

    def minutes(v: float | None) -> float | None:
        return None if v is None else round(v / 60, 1)

    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "data": ["窗口 Windows", "p50 等候(分)", "p90 等候(分)", "目标 Target"]},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": [
            {"type": "value", "name": "窗口", "minInterval": 1},
            {"type": "value", "name": "分钟 min"},
        ],
        "series": [
            {"name": "窗口 Windows", "type": "bar", "data": [r["windows"] for r in rows]},
            {"name": "p50 等候(分)", "type": "line", "yAxisIndex": 1, "data": [minutes(r["p50"]) for r in rows]},
            {"name": "p90 等候(分)", "type": "line", "yAxisIndex": 1, "data": [minutes(r["p90"]) for r in rows]},
            {
                "name": "目标 Target",
                "type": "line",
                "yAxisIndex": 1,
                "symbol": "none",
                "lineStyle": {"type": "dashed"},
                "data": [pr.target.minutes for _ in rows],
            },
        ],
    }


def format_plan(pr: PlanResult, title: str) -> str:
    """The plan and its waits as plain text (the command's output)."""

    def m(v: float | None) -> str:
        return "—" if v is None else f"{v / 60:.1f}"

    lines = [
        title,
        f"目标 Target: {pr.target.label()}  · {'达到 met' if pr.met else '未达到 NOT met'}"
        f" · 窗口·小时 window-hours {pr.plan.window_hours()} · replays {pr.runs}",
        f"{'时段 hour':<13}{'窗口':>5}{'取号':>6}{'p50':>7}{'p90':>7}{'max':>7}{'排队均':>7}{'排队峰':>6}  开放窗口 windows",
    ]
    for r in hour_rows(pr):
        lines.append(
            f"{r['label']:<13}{r['windows']:>5}{r['arrivals']:>6}{m(r['p50']):>7}{m(r['p90']):>7}{m(r['max']):>7}"
            f"{r['queue_mean']:>7.1f}{r['queue_max']:>6}  {','.join(map(str, r['open'])) or '—'}"
            f"{'' if r['met'] else '  ✗'}"
        )
    w = pr.result.waits
    lines.append(
        f"全天 day: {w.n} called · p50 {m(w.p50)} · p90 {m(w.p90)} · max {m(w.max)} min · unserved {pr.result.unserved}"
    )
    return "\n".join(lines)
