"""The hall's figures (issue 15): each KPI one function over plain rows, shared by reports, exports and the
staffing simulation. Standard library only; no clock.

A `Visit` is one ticket as the reports see it (times in seconds since the epoch, or None). Definitions:

- wait (等候): called − queued, the time in the queue it was finally called from. For a ticket never transferred
  nor reinstated that is issued → called; a transferred ticket's row keeps only its last call, so its wait is the
  one at its last queue (the first window's time is its handling there, not waiting).
- handling (办理): called → finished, for tickets served (done).
- walk (到窗): called → started, for tickets that were started.
- service level (服务水平): the share of called tickets whose wait ≤ the hall's `service_level_minutes`.
- volumes: issued, served (done), no-shows, cancelled, transferred (≥ 1 referral), still open at day end (closed).
- per window/clerk: served per hour open (signed-in hours), utilisation (serving seconds ÷ signed-in seconds),
  pauses (count, seconds, by reason), transfers out (referrals from the window) and in (served after a referral),
  recalls, no-show rate (no-shows ÷ tickets called there).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Visit:
    issued_at: float
    status: str  # core.tickets.Status values
    service: str = ""
    item: str | None = None
    window: int | None = None
    staff: str | None = None
    queued_at: float | None = None
    called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    recalls: int = 0
    priority: bool = False
    transfers_from: tuple[int, ...] = ()  # windows that referred this ticket on (referrals' from_window)

    @property
    def wait_s(self) -> float | None:
        if self.called_at is None:
            return None
        return max(0.0, self.called_at - (self.queued_at if self.queued_at is not None else self.issued_at))

    @property
    def handling_s(self) -> float | None:
        if self.status != "done" or self.called_at is None or self.finished_at is None:
            return None
        return max(0.0, self.finished_at - self.called_at)

    @property
    def walk_s(self) -> float | None:
        if self.called_at is None or self.started_at is None:
            return None
        return max(0.0, self.started_at - self.called_at)


@dataclass(frozen=True)
class Stats:
    """p50, p90, max and the mean of some durations (seconds); None where there are none."""

    n: int = 0
    p50: float | None = None
    p90: float | None = None
    max: float | None = None
    mean: float | None = None


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """Nearest rank on sorted values: the smallest value with at least q of the values at or below it."""
    if not ordered:
        return None
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def stats(values: Iterable[float | None]) -> Stats:
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return Stats()
    return Stats(
        len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9), ordered[-1], sum(ordered) / len(ordered)
    )


def waits(visits: Iterable[Visit]) -> Stats:
    return stats(v.wait_s for v in visits)


def handling(visits: Iterable[Visit]) -> Stats:
    return stats(v.handling_s for v in visits)


def walks(visits: Iterable[Visit]) -> Stats:
    return stats(v.walk_s for v in visits)


def within_service_level(visits: Iterable[Visit], minutes: int) -> float | None:
    """Share of called tickets called within `minutes` of joining their queue; None when nobody was called."""
    limit = minutes * 60
    called = [w for v in visits if (w := v.wait_s) is not None]
    if not called:
        return None
    return sum(1 for w in called if w <= limit) / len(called)


@dataclass(frozen=True)
class Volumes:
    issued: int = 0
    served: int = 0
    no_shows: int = 0
    cancelled: int = 0
    transferred: int = 0
    unfinished: int = 0  # still open when the day closed


def volumes(visits: Iterable[Visit]) -> Volumes:
    issued = served = no_shows = cancelled = transferred = unfinished = 0
    for v in visits:
        issued += 1
        served += v.status == "done"
        no_shows += v.status == "no_show"
        cancelled += v.status == "cancelled"
        unfinished += v.status == "closed"
        transferred += bool(v.transfers_from)
    return Volumes(issued, served, no_shows, cancelled, transferred, unfinished)


def no_show_rate(visits: Iterable[Visit]) -> float | None:
    """No-shows ÷ tickets called (a ticket never called cannot miss its call)."""
    called = no_shows = 0
    for v in visits:
        if v.called_at is not None:
            called += 1
            no_shows += v.status == "no_show"
    return no_shows / called if called else None


def recalls(visits: Iterable[Visit]) -> int:
    return sum(v.recalls for v in visits)


def transfers_out(visits: Iterable[Visit], window: int) -> int:
    return sum(v.transfers_from.count(window) for v in visits)


def transfers_in(visits: Iterable[Visit], window: int) -> int:
    """Tickets a window took after another window referred them on."""
    return sum(1 for v in visits if v.window == window and v.transfers_from and v.called_at is not None)


def serving_s(visits: Iterable[Visit]) -> float:
    """Seconds windows spent with citizens: called → finished of every ticket that left the window."""
    return sum(
        v.finished_at - v.called_at
        for v in visits
        if v.called_at is not None and v.finished_at is not None and v.status in ("done", "no_show")
    )


def open_s(intervals: Iterable[tuple[float, float]]) -> float:
    """Seconds covered by (start, end) intervals (sign-in → sign-out), overlaps counted once."""
    total, end_seen = 0.0, -math.inf
    for start, end in sorted(intervals):
        if end <= end_seen:
            continue
        total += end - max(start, end_seen)
        end_seen = end
    return total


def served_per_hour(served: int, signed_in_s: float) -> float | None:
    return served / (signed_in_s / 3600) if signed_in_s > 0 else None


def utilisation(serving: float, signed_in_s: float) -> float | None:
    return min(1.0, serving / signed_in_s) if signed_in_s > 0 else None


@dataclass(frozen=True)
class Pauses:
    count: int = 0
    seconds: float = 0.0
    by_reason: dict[str, tuple[int, float]] = field(default_factory=dict)


def pauses(spans: Iterable[tuple[str, float, float]]) -> Pauses:
    """(reason, paused at, resumed at) → count, total seconds and both by reason."""
    count, total, by = 0, 0.0, dict[str, tuple[int, float]]()
    for reason, start, end in spans:
        s = max(0.0, end - start)
        count, total = count + 1, total + s
        n, t = by.get(reason, (0, 0.0))
        by[reason] = (n + 1, t + s)
    return Pauses(count, total, by)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
