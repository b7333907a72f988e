"""The staffing simulation (排班测算, issue 15): a day replayed through the real `core.hall.Hall` on a simulated clock,
the fewest open windows per hour that meet a wait target, and the Erlang C formula to cross-check it.

Standard library only. Times are seconds after the day's local midnight.

The replay: each `Arrival` takes a ticket (`Hall.issue`) at its time; each window is open during its `Shift`s
(`Hall.sign_in` / `Hall.sign_out`) and, whenever its clerk is free, calls (`Hall.call_next`: the live hall's
routing, levels, green channel and transfers-first order). The citizen walks to the window (`walk_s`, then
`Hall.start`) or never comes (`Hall.no_show` after `walk_s`); handling takes `handling_s` (`Hall.finish`), or the
first window refers the citizen to another service after `first_handling_s` (`Hall.transfer`: the head of that
queue, as live); the clerk calls again `react_s` later. A citizen with `cancel_after_s` gives up (`Hall.cancel`)
if still waiting then. A shift with `extend` (延时服务: the session's end) stays open until nobody waits for its
window. Waits are `core.kpis` waits (called − queued: a transfer's wait is the one at its last queue), by the hour
the ticket was taken.

The plan search (`find_plan`): windows open in a fixed order (the one that spreads the hall's services best,
`window_order`); an hour with n windows opens the first n. It starts each hour from Erlang C on the hour's pooled
arrivals, replays, raises the earliest hour that misses the target (or the latest earlier hour when that one is
full: its backlog) — by more the further it misses — until every hour meets it; then it bisects every hour's
count at once between its floor and that count (a failing trial blames the hours it fails in; the others try
again), and last tries one window fewer in each hour refused only beside others (`_trim`). The plan fits
the day it was searched on (one draw of the demand model, or the recorded day).

Erlang C (M/M/c) and the simulation differ, by design:
- Erlang C pools every citizen and every clerk; a hall's windows serve some services only, so a service with one
  window waits as M/M/1 even when other windows idle — the simulation waits longer than the formula.
- priorities (green channel first, transfers to the head of their queue) reorder the queue: the mean wait is the
  same for equal service times, the percentiles are not;
- transfers add a second visit (and a second wait) that the formula does not know; no-shows occupy a window for
  the recall time only; walk time and the clerk's reaction add to every service time;
- abandonment (a citizen who cancels) shortens the queue (Erlang A, not C);
- handling is log-normal, not exponential: with the same mean and a smaller spread, waits are shorter
  (Pollaczek–Khinchine: the mean wait scales with (1 + cv²) / 2);
- the formula is the steady state of an endless day; a hall's day starts empty, has rushes and a lunch break, and
  ends by serving whoever still waits.
With exponential handling, one service, no walk or reaction time and no priorities the two agree (a test holds
them within 10 %).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from core.calendar import WorkCalendar
from core.config import HallConfig, Window
from core.hall import Hall
from core.kpis import Stats, Visit, percentile, stats
from core.permissions import may_cover_window
from core.tickets import DomainError, Status, Ticket

HOUR = 3600.0


# ---- Erlang C (M/M/c) ---------------------------------------------------------------------------------------


def erlang_c(servers: int, offered: float) -> float:
    """P(a citizen waits) in M/M/c with offered load `offered` = λ × mean service time (erlangs); 1.0 when the
    load reaches the servers (the queue grows without end)."""
    if servers <= 0 or offered >= servers:
        return 1.0
    if offered <= 0:
        return 0.0
    b = 1.0  # Erlang B by its recurrence (no factorials: stable for hundreds of servers)
    for k in range(1, servers + 1):
        b = offered * b / (k + offered * b)
    return b / (1 - (offered / servers) * (1 - b))


def erlang_c_mean_wait(servers: int, arrivals_per_s: float, mean_service_s: float) -> float:
    """The mean wait in queue (seconds) of M/M/c: P(wait) / (cμ − λ); infinite when overloaded."""
    offered = arrivals_per_s * mean_service_s
    if offered >= servers:
        return math.inf
    return erlang_c(servers, offered) / (servers / mean_service_s - arrivals_per_s)


def erlang_c_wait_above(servers: int, arrivals_per_s: float, mean_service_s: float, wait_s: float) -> float:
    """P(wait > wait_s) in M/M/c: P(wait) × e^(−(cμ − λ) t)."""
    offered = arrivals_per_s * mean_service_s
    if offered >= servers:
        return 1.0
    return erlang_c(servers, offered) * math.exp(-(servers / mean_service_s - arrivals_per_s) * wait_s)


def erlang_c_servers(
    arrivals_per_s: float, mean_service_s: float, wait_s: float, quantile: float = 0.9, limit: int = 1000
) -> int:
    """The fewest servers whose `quantile` wait is at most `wait_s` (0 when nobody comes)."""
    if arrivals_per_s <= 0:
        return 0
    c = max(1, math.floor(arrivals_per_s * mean_service_s))
    while c < limit and erlang_c_wait_above(c, arrivals_per_s, mean_service_s, wait_s) > 1 - quantile:
        c += 1
    return c


# ---- the inputs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """One citizen: when she takes her ticket, for what, and what happens at the window."""

    at_s: float  # seconds after the local midnight
    service: str
    handling_s: float  # started → finished at the window that serves her (after a transfer: the second one)
    walk_s: float = 15.0  # called → started; for a no-show, called → marked absent (the recalls)
    priority: bool = False  # green channel (绿色通道)
    item: str | None = None
    no_show: bool = False
    transfer_to: str | None = None  # the first window refers her to this service ...
    first_handling_s: float = 0.0  # ... after this long at it (started → transferred)
    cancel_after_s: float | None = None  # gives up if still waiting this long after taking the ticket
    react_s: float = 4.0  # after she leaves, the clerk calls the next this much later


@dataclass(frozen=True)
class Shift:
    """A window open from `start_s` to `end_s` (a clerk signed in); with `extend` it stays past the end while
    anyone waits for it (延时服务), as the hall's clerks do at a session's end."""

    window: int
    start_s: float
    end_s: float
    extend: bool = False


@dataclass(frozen=True)
class Target:
    """ "The `quantile` wait of the citizens who take a ticket in each hour is at most `minutes`"."""

    minutes: float = 15.0
    quantile: float = 0.9

    @property
    def wait_s(self) -> float:
        return self.minutes * 60

    def label(self) -> str:
        return f"p{round(self.quantile * 100)} ≤ {self.minutes:g} min"


# ---- the result --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HourFigures:
    """One hour (and one service, or "" for all): the citizens who took a ticket then and the queue then."""

    hour: int
    service: str
    arrivals: int
    waits: Stats
    quantile_wait_s: float | None  # the target's quantile (p90 by default)
    queue_mean: float  # time-average waiting in the hour
    queue_max: int
    windows: float  # window-hours open in the hour (all services only; 0 per service)


@dataclass
class DayResult:
    visits: list[Visit]
    hours: list[HourFigures]  # all services, by hour
    by_service: list[HourFigures]  # by hour and service
    waits: Stats  # the whole day
    unserved: int  # still waiting when the replay ended (no window ever served their service)
    refused: int  # arrivals the hall refused (an unknown service or item)
    last_s: float  # when the last window closed
    quantile: float = 0.9

    def hour(self, hour: int) -> HourFigures | None:
        return next((h for h in self.hours if h.hour == hour), None)

    def failing_hours(self, target: Target) -> list[int]:
        return [
            h.hour for h in self.hours if h.quantile_wait_s is not None and h.quantile_wait_s > target.wait_s + 1e-9
        ]


# ---- the replay -----------------------------------------------------------------------------------------------

_ARRIVE, _OPEN, _CLOSE, _FREE, _START, _END, _ABSENT, _CANCEL = range(8)


def _staffing(config: HallConfig) -> dict[int, str]:
    """A clerk for each window: its A post, else its B post, else a manager who may cover any window."""
    used: set[str] = set()
    covers = [s.code for s in config.staff if may_cover_window(s.role)]
    out: dict[int, str] = {}
    for w in config.windows:
        for code in (w.staff_a, w.staff_b, *covers):
            if code and code not in used and config.staff_member(code) is not None:
                out[w.number] = code
                used.add(code)
                break
    return out


class _QuietHall(Hall):
    """The live hall with every rule as it is; only the views its events carry for screens and phones (the waiting
    counts, the window's card) are left empty, since nobody watches a replay (a quarter of the replay's time)."""

    def waiting_counts(self) -> dict[str, int]:
        return {}

    def window_view(self, number: int) -> dict[str, Any]:
        return {"number": number}


class _Replay:
    def __init__(self, config: HallConfig, day: dt.date, quantile: float) -> None:
        self.config = replace(config, enforce_hours=False) if config.enforce_hours else config
        self.hall = _QuietHall(self.config, day)
        self.base = dt.datetime.combine(day, dt.time(), self.config.tz)
        self.calendar = WorkCalendar()
        self.quantile = quantile
        self.staff = _staffing(self.config)
        self.services = {w.number: w.services for w in self.config.windows}
        self.serving = {s.code: [w.number for w in self.config.windows_serving(s.code)] for s in self.config.services}
        self.heap: list[tuple[float, int, int, object]] = []
        self.seq = 0
        self.t = 0.0
        self.idle: set[int] = set()
        self.closing: dict[int, bool] = {}
        self.shift_of: dict[int, Shift] = {}
        self.current: dict[int, str] = {}  # window → ticket id
        self.arrival_of: dict[str, Arrival] = {}
        self.transferred: set[str] = set()
        self.waiting_since: dict[str, tuple[float, str]] = {}
        self.queue_spans: list[tuple[float, float, str]] = []
        self.open_since: dict[int, float] = {}
        self.open_spans: list[tuple[float, float]] = []
        self.done: list[Ticket] = []
        self.refused = 0
        self.cases = 0

    def at(self, t: float, kind: int, arg: object) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, arg))

    def now(self) -> dt.datetime:
        return self.base + dt.timedelta(seconds=self.t)

    def run(self, arrivals: Iterable[Arrival], shifts: Iterable[Shift]) -> DayResult:
        for i, a in enumerate(sorted(arrivals, key=lambda a: a.at_s)):
            self.at(a.at_s, _ARRIVE, (i, a))
        for s in shifts:
            if s.window in self.staff and s.end_s > s.start_s:
                self.at(s.start_s, _OPEN, s)
                self.at(s.end_s, _CLOSE, s)
        heap = self.heap
        while heap:
            self.t, _, kind, arg = heapq.heappop(heap)
            if kind == _ARRIVE:
                self._arrive(arg)  # type: ignore[arg-type]
            elif kind == _FREE:
                self._free(arg)  # type: ignore[arg-type]
            elif kind == _START:
                self._start(arg)  # type: ignore[arg-type]
            elif kind == _END:
                self._end(arg)  # type: ignore[arg-type]
            elif kind == _ABSENT:
                self._absent(arg)  # type: ignore[arg-type]
            elif kind == _OPEN:
                self._open(arg)  # type: ignore[arg-type]
            elif kind == _CLOSE:
                self._close(arg)  # type: ignore[arg-type]
            elif kind == _CANCEL:
                self._cancel(arg)  # type: ignore[arg-type]
        return self._result()

    # ---- citizens ----

    def _arrive(self, arg: tuple[int, Arrival]) -> None:
        i, a = arg
        try:
            r = self.hall.issue(
                a.service,
                self.now(),
                ticket_id=f"s{i}",
                priority=a.priority,
                priority_reason="绿色通道" if a.priority else "",
                item=a.item,
            )
        except DomainError:
            self.refused += 1
            return
        assert r.ticket is not None
        tid = r.ticket.id
        self.arrival_of[tid] = a
        self.waiting_since[tid] = (self.t, a.service)
        if a.cancel_after_s is not None:
            self.at(self.t + a.cancel_after_s, _CANCEL, tid)
        self._wake(a.service)

    def _cancel(self, tid: str) -> None:
        ticket = self.hall.tickets.get(tid)
        if ticket is None or ticket.status is not Status.WAITING:
            return
        r = self.hall.cancel(tid, self.now())
        self._left_queue(tid)
        assert r.ticket is not None
        self.done.append(r.ticket)

    def _left_queue(self, tid: str) -> None:
        since, service = self.waiting_since.pop(tid)
        self.queue_spans.append((since, self.t, service))

    # ---- windows ----

    def _has_work(self, window: int) -> bool:
        queues = self.hall.queues
        return any(len(queues[s]) for s in self.services[window]) or len(self.hall.window_heads[window]) > 0

    def _wake(self, service: str) -> None:
        idle = self.idle
        if not idle:
            return
        queue = self.hall.queues[service]
        for w in self.serving.get(service, ()):
            if w in idle:
                if not len(queue):
                    return
                idle.discard(w)
                self._free(w)

    def _free(self, window: int) -> None:
        """The clerk is free: call the next, or (her shift over) go home, or wait for someone to come."""
        if self.closing.get(window):
            shift = self.shift_of[window]
            if not (shift.extend and self._has_work(window)):
                self.hall.sign_out(window, self.now())
                self.open_spans.append((self.open_since.pop(window), self.t))
                self.closing[window] = False
                del self.shift_of[window]
                return
        if not self._has_work(window):
            self.idle.add(window)
            return
        r = self.hall.call_next(window, self.now())
        ticket = r.ticket
        assert ticket is not None
        self._left_queue(ticket.id)
        self.current[window] = ticket.id
        a = self.arrival_of[ticket.id]
        if a.no_show and ticket.id not in self.transferred:
            self.at(self.t + a.walk_s, _ABSENT, window)
        else:
            self.at(self.t + a.walk_s, _START, window)

    def _start(self, window: int) -> None:
        self.hall.start(window, self.now())
        tid = self.current[window]
        a = self.arrival_of[tid]
        first = a.transfer_to is not None and tid not in self.transferred
        self.at(self.t + (a.first_handling_s if first else a.handling_s), _END, window)

    def _end(self, window: int) -> None:
        tid = self.current.pop(window)
        a = self.arrival_of[tid]
        if a.transfer_to is not None and tid not in self.transferred:
            self.hall.transfer(window, self.now(), note=f"首问负责：转办{a.transfer_to}", service=a.transfer_to)
            self.transferred.add(tid)
            self.waiting_since[tid] = (self.t, a.transfer_to)
            self._wake(a.transfer_to)
        else:
            self.cases += 1
            r = self.hall.finish(window, self.now(), calendar=self.calendar, case_id=f"c{self.cases}")
            assert r.ticket is not None
            self.done.append(r.ticket)
        self.at(self.t + a.react_s, _FREE, window)

    def _absent(self, window: int) -> None:
        tid = self.current.pop(window)
        r = self.hall.no_show(window, self.now())
        assert r.ticket is not None
        self.done.append(r.ticket)
        self.at(self.t + self.arrival_of[tid].react_s, _FREE, window)

    def _open(self, shift: Shift) -> None:
        w = shift.window
        self.shift_of[w] = shift
        self.closing[w] = False
        if w in self.open_since:  # still serving past an earlier shift: she simply stays
            return
        self.hall.sign_in(w, self.staff[w], self.now())
        self.open_since[w] = self.t
        if w not in self.current:
            self._free(w)

    def _close(self, shift: Shift) -> None:
        w = shift.window
        if self.shift_of.get(w) is not shift:
            return
        self.closing[w] = True
        if w in self.idle:
            self.idle.discard(w)
            self._free(w)

    # ---- figures ----

    def _result(self) -> DayResult:
        end = self.t
        for since in self.open_since.values():
            self.open_spans.append((since, end))
        for tid in list(self.waiting_since):
            self._left_queue(tid)
        base = self.base

        def s(value: dt.datetime | None) -> float | None:
            return None if value is None else (value - base).total_seconds()

        tickets = [*self.done, *self.hall.tickets.values()]
        visits = [
            Visit(
                issued_at=(t.issued_at - base).total_seconds(),
                status=t.status.value,
                service=t.service,
                item=t.item,
                window=t.window,
                staff=t.staff,
                queued_at=s(t.queued_at),
                called_at=s(t.called_at),
                started_at=s(t.started_at),
                finished_at=s(t.finished_at),
                recalls=t.recalls,
                priority=t.priority,
                transfers_from=tuple(r.from_window for r in t.referrals),
            )
            for t in tickets
        ]
        unserved = sum(1 for t in self.hall.tickets.values() if t.called_at is None)
        hours, by_service = _figures(visits, self.queue_spans, self.open_spans, self.quantile)
        return DayResult(
            visits=visits,
            hours=hours,
            by_service=by_service,
            waits=stats(v.wait_s for v in visits),
            unserved=unserved,
            refused=self.refused,
            last_s=end,
            quantile=self.quantile,
        )


def _overlap(start: float, end: float, hour: int) -> float:
    return max(0.0, min(end, (hour + 1) * HOUR) - max(start, hour * HOUR))


def _figures(
    visits: Sequence[Visit],
    queue_spans: Sequence[tuple[float, float, str]],
    open_spans: Sequence[tuple[float, float]],
    quantile: float,
) -> tuple[list[HourFigures], list[HourFigures]]:
    waits: dict[tuple[int, str], list[float]] = {}
    arrivals: dict[tuple[int, str], int] = {}
    for v in visits:
        hour = int(v.issued_at // HOUR)
        w = v.wait_s
        for key in ((hour, v.service), (hour, "")):
            arrivals[key] = arrivals.get(key, 0) + 1
            if w is not None:
                found = waits.get(key)
                if found is None:
                    waits[key] = [w]
                else:
                    found.append(w)
    queue_s: dict[tuple[int, str], float] = {}
    changes: list[tuple[float, int, str]] = []
    for start, end, service in queue_spans:
        changes.append((start, 1, service))
        changes.append((end, -1, service))
        h0, h1 = int(start // HOUR), int(end // HOUR)
        if h0 == h1:  # the usual case: joined and left within the hour
            if end > start:
                for key in ((h0, service), (h0, "")):
                    queue_s[key] = queue_s.get(key, 0.0) + (end - start)
            continue
        for hour in range(h0, h1 + 1):
            part = _overlap(start, end, hour)
            if part > 0:
                for key in ((hour, service), (hour, "")):
                    queue_s[key] = queue_s.get(key, 0.0) + part
    queue_max: dict[tuple[int, str], int] = {}
    level: dict[str, int] = {}
    total = 0
    changes.sort()  # by time; at a tie, leaving (−1) before joining (+1)
    for t, delta, service in changes:
        n = level.get(service, 0) + delta
        level[service] = n
        total += delta
        hour = int(t // HOUR)
        if n > queue_max.get((hour, service), 0):
            queue_max[(hour, service)] = n
        if total > queue_max.get((hour, ""), 0):
            queue_max[(hour, "")] = total
    open_h: dict[int, float] = {}
    for start, end in open_spans:
        for hour in range(int(start // HOUR), int(end // HOUR) + 1):
            open_h[hour] = open_h.get(hour, 0.0) + _overlap(start, end, hour) / HOUR
    keys = set(arrivals) | set(queue_s) | {(h, "") for h, v in open_h.items() if v > 0}
    rows = []
    for hour, service in sorted(keys):
        ordered = sorted(waits.get((hour, service), []))
        rows.append(
            HourFigures(
                hour=hour,
                service=service,
                arrivals=arrivals.get((hour, service), 0),
                waits=stats(ordered),
                quantile_wait_s=percentile(ordered, quantile),
                queue_mean=queue_s.get((hour, service), 0.0) / HOUR,
                queue_max=queue_max.get((hour, service), 0),
                windows=open_h.get(hour, 0.0) if not service else 0.0,
            )
        )
    return [r for r in rows if not r.service], [r for r in rows if r.service]


def simulate_day(
    config: HallConfig,
    day: dt.date,
    arrivals: Iterable[Arrival],
    shifts: Iterable[Shift],
    *,
    quantile: float = 0.9,
) -> DayResult:
    """Replay one day through a fresh `Hall` (the live rules) on a simulated clock."""
    return _Replay(config, day, quantile).run(arrivals, shifts)


# ---- the plan -------------------------------------------------------------------------------------------------


def busy_s(a: Arrival) -> float:
    """Seconds of a window's time this citizen takes (both visits of a transfer)."""
    if a.no_show:
        return a.walk_s + a.react_s
    second = a.walk_s + a.handling_s + a.react_s
    return second + (a.walk_s + a.first_handling_s + a.react_s if a.transfer_to else 0.0)


def window_order(config: HallConfig, arrivals: Sequence[Arrival]) -> list[int]:
    """The order to open windows in: first windows that bring a service no earlier window serves (the busiest
    first), then each next window the one whose first-level services are the most loaded per window already
    open for them (busy services get more)."""
    load: dict[str, float] = {}
    for a in arrivals:
        load[a.service] = load.get(a.service, 0.0) + busy_s(a)
        if a.transfer_to:
            load[a.transfer_to] = load.get(a.transfer_to, 0.0) + a.handling_s
    staffed = _staffing(config)
    left = [w for w in config.windows if w.number in staffed]
    cover: dict[str, float] = {}
    order: list[int] = []
    while left:

        def score(w: Window) -> tuple[float, float]:
            first = w.levels[0] if w.levels else ()
            uncovered = sum(load.get(s, 0.0) for s in w.services if s not in cover)  # every service first
            return uncovered, sum(load.get(s, 0.0) / (1.0 + cover.get(s, 0.0)) for s in first) / max(1, len(first))

        best = max(left, key=score)
        left.remove(best)
        order.append(best.number)
        first = best.levels[0] if best.levels else ()
        for s in best.services:
            cover[s] = cover.get(s, 0.0) + (1.0 / max(1, len(first)) if s in first else 0.2)
    return order


@dataclass
class Plan:
    """Open windows per clock hour; an hour with n opens the first n of `order`."""

    order: list[int]
    counts: dict[int, int] = field(default_factory=dict)

    def open_windows(self, hour: int) -> list[int]:
        return self.order[: self.counts.get(hour, 0)]

    def shifts(self) -> list[Shift]:
        """Each window's runs of consecutive hours; a run followed by an hour with no window open (a session's
        or the day's end) extends until nobody waits for it."""
        out: list[Shift] = []
        hours = sorted(self.counts)
        if not hours:
            return out
        span = range(hours[0], hours[-1] + 2)
        for i, window in enumerate(self.order):
            start: int | None = None
            for h in span:
                on = self.counts.get(h, 0) > i
                if on and start is None:
                    start = h
                elif not on and start is not None:
                    out.append(Shift(window, start * HOUR, h * HOUR, extend=self.counts.get(h, 0) == 0))
                    start = None
        return out

    def window_hours(self) -> int:
        return sum(self.counts.values())


@dataclass
class PlanResult:
    plan: Plan
    result: DayResult
    target: Target
    met: bool
    runs: int  # replays the search took
    start: dict[int, int]  # where the search started per hour (Erlang C, or a caller's plan)


def _covering(order: Sequence[int], config: HallConfig, services: set[str]) -> int:
    """How many of the first windows in `order` it takes to serve every one of `services`."""
    left = set(services)
    for n, number in enumerate(order):
        if not left:
            return n
        w = config.window(number)
        if w is not None:
            left -= set(w.services)
    return len(order)


def find_plan(
    config: HallConfig,
    day: dt.date,
    arrivals: Sequence[Arrival],
    target: Target = Target(),
    *,
    max_runs: int = 40,
    trim: bool = True,
    trim_slack: float = 0.0,
    start: dict[int, int] | None = None,
) -> PlanResult:
    """The fewest open windows per hour whose replay meets `target` in every hour (see the module's doc)."""
    order = window_order(config, arrivals)
    n = len(order)
    by_hour: dict[int, list[Arrival]] = {}
    for a in arrivals:
        by_hour.setdefault(int(a.at_s // HOUR), []).append(a)
    floor: dict[int, int] = {}
    first: dict[int, int] = {}
    erlang: dict[int, int] = {}
    for hour, group in by_hour.items():
        floor[hour] = min(n, max(1, _covering(order, config, {a.service for a in group})))
        mean = sum(busy_s(a) for a in group) / len(group)
        erlang[hour] = erlang_c_servers(len(group) / HOUR, mean, target.wait_s, target.quantile)
        first[hour] = min(n, max(floor[hour], erlang[hour], (start or {}).get(hour, 0)))
    plan = Plan(order, dict(first))
    runs = 0

    def replay(p: Plan) -> DayResult:
        nonlocal runs
        runs += 1
        return simulate_day(config, day, arrivals, p.shifts(), quantile=target.quantile)

    result = replay(plan)
    while runs < max_runs:
        failing = result.failing_hours(target)
        if not failing:
            break
        # each failing hour gets one more window, or (full) the latest earlier hour with one to spare: its backlog
        # (by more the further it misses: half the shortfall's proportion, so the search takes a few replays)
        raise_at: dict[int, int] = {}
        for hour in failing:
            h = next((h for h in sorted(plan.counts, reverse=True) if h <= hour and plan.counts[h] < n), None)
            if h is None:
                continue
            figures = result.hour(hour)
            miss = (figures.quantile_wait_s or 0.0) / target.wait_s - 1 if figures else 0.0
            step = max(1, math.ceil(plan.counts[h] * min(miss, 1.0) / 2)) if h == hour else 1
            raise_at[h] = max(raise_at.get(h, 0), step)
        if not raise_at:  # every hour that could help is at the hall's size: the target cannot be met
            break
        for h, step in raise_at.items():
            plan.counts[h] = min(n, plan.counts[h] + step)
        result = replay(plan)
    met = not result.failing_hours(target)
    if met and trim:
        low = {h: max(floor.get(h, 0), erlang.get(h, 0) - 2) for h in plan.counts}  # Erlang C pools every window
        result = _trim(plan, result, target, low, trim_slack, replay, lambda: runs < max_runs)
    return PlanResult(plan, result, target, met, runs, first)


def _trim(
    plan: Plan,
    result: DayResult,
    target: Target,
    floor: dict[int, int],
    trim_slack: float,
    replay: Callable[[Plan], DayResult],
    may_run: Callable[[], bool],
) -> DayResult:
    """Bisect every hour's count at once, between its floor and the count that meets the target: each trial
    opens the middle count in every hour not yet settled; a trial that meets the target moves every such hour's
    upper end down; one that fails blames some hours (the failing hour, or the latest trial hour before it: its
    backlog, or else the first after it) whose lower end moves up, and the rest try again. Last, each hour that
    was only refused beside other trimmed hours is tried alone one window fewer, and again while that holds."""
    hi = dict(plan.counts)  # meets the target
    lo = {h: floor.get(h, 0) - 1 for h in hi}  # refused (or below the floor)
    alone: set[int] = set()  # hours refused alone: no need to try them alone again
    for h in hi:
        if _slack(result, h, target) < trim_slack:
            lo[h] = hi[h] - 1
    while may_run():
        trying = {h: (lo[h] + hi[h] + 1) // 2 for h in hi if hi[h] - lo[h] > 1}
        if not trying:
            break
        plan.counts.update(trying)
        trial = replay(plan)
        failing = trial.failing_hours(target)
        if not failing:
            hi.update(trying)
            result = trial
            continue
        plan.counts.update(hi)
        hours = sorted(trying)
        blame = {max((h for h in hours if h <= f), default=hours[0]) for f in failing}
        if len(trying) == 1:
            alone |= blame
        for h in blame:
            lo[h] = trying[h]
    for h in sorted(hi, key=lambda h: _slack(result, h, target), reverse=True):
        # one fewer alone, and again while that meets the target (a joint refusal proves nothing alone)
        while may_run() and h not in alone and plan.counts[h] - 1 >= floor.get(h, 0):
            plan.counts[h] -= 1
            trial = replay(plan)
            if trial.failing_hours(target):
                plan.counts[h] += 1
                break
            result = trial
    return result


def _slack(result: DayResult, hour: int, target: Target) -> float:
    h = result.hour(hour)
    if h is None or h.quantile_wait_s is None:
        return 1.0
    return 1.0 - h.quantile_wait_s / target.wait_s
