"""The people side of a generated past: leave through the chain for most missed sessions, meetings with their
sign-in lists, corrections and manual lines — and the month's scores read them."""

from __future__ import annotations

import datetime as dt

import pytest

from application.history import generate_history
from application.people_history import simulate_people
from core import attendance as att
from server import create_app
from tests.clock import FakeClock
from tests.factories import SHANGHAI
from tests.people.conftest import people_hall

pytestmark = pytest.mark.slow


def test_a_generated_month_gets_leave_meetings_and_scores(tmp_path):
    config = people_hall()
    end = dt.date(2026, 11, 20)
    generate_history(config, tmp_path, 12, end_day=end, pin_iterations=1000)
    clock = FakeClock(dt.datetime(2026, 11, 21, 10, tzinfo=SHANGHAI))
    app = create_app({"HALL_CONFIG": config, "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True})
    try:
        people = app.extensions["hallq.people"]
        first = dt.date(2026, 11, 9)
        before, _ = people.records(first, end)
        absent_before = sum(1 for r in before for m in r.marks if m.counts and m.kind in (att.ABSENT, att.EARLY))
        late = sum(1 for r in before for m in r.marks if m.kind == att.LATE)
        assert late > 0  # the history's realistic lateness
        report = simulate_people(people, first, end, excused_share=0.8)
        assert report.meetings == 2 and report.leaves + report.unexcused == absent_before
        after, marks = people.records(first, end)
        absent_after = sum(1 for r in after for m in r.marks if m.counts and m.kind in (att.ABSENT, att.EARLY))
        assert absent_after == report.unexcused
        assert all(lv["leave"].status == "approved" for lv in people.leaves(first, end))
        month = people.month("2026-11")
        sources = {ln["source"] for s in month["staff"] for ln in s["lines"]}
        assert "attendance" in sources
        assert month["red_flag"] is not None and len(month["windows"]) == 3
    finally:
        app.extensions["hallq"].close()


def test_hallq_demo_history_writes_the_people_side_too(tmp_path, capsys):
    from server.cli import make_history

    config = people_hall()
    make_history(config, str(tmp_path), 14, 1)  # `hallq demo --history 14`: fourteen days up to yesterday
    said = capsys.readouterr().out
    assert "考勤台账 / People: PeopleReport(" in said
    app = create_app({"HALL_CONFIG": config, "DATA_DIR": tmp_path, "TESTING": True})
    try:
        people = app.extensions["hallq.people"]
        today = dt.datetime.now(config.tz).date()
        meetings = people.store.meetings(today - dt.timedelta(days=14), today)
        assert meetings and all(m["kind"] in ("meeting", "study") for m in meetings)  # two Mondays: one worked
        assert f"meetings={len(meetings)}" in said
        assert people.store.punches(today - dt.timedelta(days=14), today)  # the sign-ins of the lived days
    finally:
        app.extensions["hallq"].close()
