"""The year page reads closed months from their snapshots (fixed at the close) and computes only the open ones —
with the same figures as computing every month from the facts, in the averaging hall and in the other hall's
year-end deduction scheme (which reads every line of the year)."""

from __future__ import annotations

import datetime as dt

import pytest

from application.audit import Actor, acting
from tests.clock import FakeClock
from tests.console.conftest import hall_app
from tests.people.conftest import people_hall
from tests.people.helpers import fill
from tests.people.test_people_pages import at
from tests.people.test_scoring_rules import OTHER_HALL

OCT1, NOV30 = dt.date(2026, 10, 1), dt.date(2026, 11, 30)


def figures(year: dict) -> dict:
    return {
        subject: {row["key"]: (row["months"], row["score"].total, row["score"].award) for row in year[subject]}
        for subject in ("windows", "staff")
    }


@pytest.mark.parametrize("scheme", ["average", "deduct"])
def test_closed_months_from_their_snapshots_give_the_same_year(tmp_path, scheme) -> None:
    sections = {"scoring": OTHER_HALL["scoring"]} if scheme == "deduct" else {}
    clock = FakeClock(at(dt.date(2026, 12, 10), 8))  # before the day's first session
    with hall_app(people_hall(**sections), tmp_path, clock) as app:
        service, people = app.extensions["hallq"], app.extensions["hallq.people"]
        late = {
            ("1002", dt.date(2026, 10, 12)): 9,
            ("1002", dt.date(2026, 11, 3)): 4,
            ("1003", dt.date(2026, 11, 4)): 2,
        }
        away = {("1003", dt.date(2026, 10, 14)): 1}
        fill(service, dt.date(2026, 1, 1), dt.date(2026, 12, 9), late=late, away=away)
        with acting(Actor("9001", "manager", "test")):
            people.add_entry(dt.date(2026, 10, 20), "commendation", "表扬信", staff="1001", window=1)
            people.add_entry(dt.date(2026, 11, 9), "internal_criticism", "窗口卫生差", window=3)  # the window only
            computed = figures(people.year(2026))
            people.close_month("2026-10")
            people.close_month("2026-11")
        people._cache.clear()
        asked: list[tuple[dt.date, dt.date]] = []
        read_lines = people.lines

        def lines(first: dt.date, last: dt.date) -> list:
            asked.append((first, last))
            return read_lines(first, last)

        people.lines = lines
        from_snapshots = figures(people.year(2026))
        nov = people.month("2026-11")
    assert from_snapshots == computed
    assert asked and not [s for s in asked if s[0] <= NOV30 and s[1] >= OCT1]  # closed months: not read again
    staff = computed["staff"]
    if scheme == "deduct":  # 100 − 5 per late arrival − 25 per half day absent
        assert staff["1002"][1] == 90 and staff["1003"][1] == 100 - 5 - 25
    else:
        assert staff["1002"][0][9:11] == [99, 99]  # October and November: one late arrival each
    [w3] = [w for w in nov["windows"] if w["key"] == "3"]
    assert [ln["kind"] for ln in w3["lines"]].count("internal_criticism") == 1  # the window-only line, once
    assert computed["windows"]["3"][0][10] == w3["total"] == 100 + sum(ln["points"] for ln in w3["lines"]) < 100
