"""KPIs on hand-made days: an empty day, a day crossing a transfer, a ticket never called."""

from __future__ import annotations

import pytest

from core import kpis
from core.kpis import Visit

M = 60.0
T0 = 1_700_000_000.0  # 08:30 of some day


def at(minutes: float) -> float:
    return T0 + minutes * M


# A small day at windows 1 and 2:
#  A: issued 0, called 5, started 6, done 15 at window 1
#  B: issued 1, called 20 (wait 19), no-show at window 1 at 22
#  C: issued 2, called 15 at window 1, started 16, transferred at 20 to window 2, re-queued 20, called 30
#     (wait 10 at the last queue), started 31, done 40 at window 2
#  D: issued 3, never called, cancelled at 25
#  E: issued 4, never called, still waiting at the day's close
DAY = [
    Visit(at(0), "done", "household", "i1", 1, "1001", at(0), at(5), at(6), at(15)),
    Visit(at(1), "no_show", "household", None, 1, "1001", at(1), at(20), None, at(22), recalls=1),
    Visit(at(2), "done", "social", "i2", 2, "1002", at(20), at(30), at(31), at(40), transfers_from=(1,)),
    Visit(at(3), "cancelled", "household", None, None, None, at(3), None, None, at(25)),
    Visit(at(4), "closed", "social", None, None, None, at(4), None, None, at(600)),
]


@pytest.mark.parametrize(
    ("visits", "expected"),
    [
        ([], kpis.Stats()),
        (DAY, kpis.Stats(3, 10 * M, 19 * M, 19 * M, (5 + 19 + 10) * M / 3)),
        (DAY[:1], kpis.Stats(1, 5 * M, 5 * M, 5 * M, 5 * M)),
    ],
)
def test_waits(visits: list[Visit], expected: kpis.Stats) -> None:
    assert kpis.waits(visits) == expected


def test_handling_and_walk() -> None:
    assert kpis.handling(DAY) == kpis.Stats(2, 10 * M, 10 * M, 10 * M, 10 * M)
    assert kpis.walks(DAY) == kpis.Stats(2, 1 * M, 1 * M, 1 * M, 1 * M)
    assert kpis.handling([]) == kpis.Stats()


@pytest.mark.parametrize(
    ("visits", "minutes", "expected"),
    [([], 15, None), (DAY, 15, 2 / 3), (DAY, 20, 1.0), (DAY, 4, 0.0), (DAY[3:], 15, None)],
)
def test_service_level(visits: list[Visit], minutes: int, expected: float | None) -> None:
    assert kpis.within_service_level(visits, minutes) == expected


@pytest.mark.parametrize(
    ("visits", "expected"),
    [
        ([], kpis.Volumes()),
        (DAY, kpis.Volumes(issued=5, served=2, no_shows=1, cancelled=1, transferred=1, unfinished=1)),
        (DAY[3:4], kpis.Volumes(issued=1, cancelled=1)),  # a ticket never called
    ],
)
def test_volumes(visits: list[Visit], expected: kpis.Volumes) -> None:
    assert kpis.volumes(visits) == expected


def test_transfers_recalls_no_shows() -> None:
    assert kpis.transfers_out(DAY, 1) == 1 and kpis.transfers_in(DAY, 1) == 0
    assert kpis.transfers_in(DAY, 2) == 1 and kpis.transfers_out(DAY, 2) == 0
    assert kpis.recalls(DAY) == 1
    assert kpis.no_show_rate(DAY) == pytest.approx(1 / 3)
    assert kpis.no_show_rate([]) is None
    assert kpis.no_show_rate(DAY[3:]) is None  # nobody called


def test_window_figures() -> None:
    w1 = [v for v in DAY if v.window == 1]
    signed_in = kpis.open_s([(at(-5), at(60)), (at(50), at(65))])  # overlapping sign-ins count once
    assert signed_in == 70 * M
    assert kpis.serving_s(w1) == (10 + 2) * M
    assert kpis.utilisation(kpis.serving_s(w1), signed_in) == pytest.approx(12 / 70)
    assert kpis.served_per_hour(1, signed_in) == pytest.approx(60 / 70)
    assert kpis.utilisation(0, 0) is None and kpis.served_per_hour(0, 0) is None
    p = kpis.pauses([("休息", at(30), at(40)), ("会议", at(45), at(47)), ("休息", at(50), at(51))])
    assert (p.count, p.seconds) == (3, 13 * M)
    assert p.by_reason == {"休息": (2, 11 * M), "会议": (1, 2 * M)}
    assert kpis.pauses([]) == kpis.Pauses()


@pytest.mark.parametrize(
    ("values", "q", "expected"), [([], 0.5, None), ([1], 0.9, 1), ([1, 2, 3, 4], 0.5, 2), (list(range(1, 11)), 0.9, 9)]
)
def test_percentile(values: list[float], q: float, expected: float | None) -> None:
    assert kpis.percentile(values, q) == expected
