"""The reports' roll-ups are kept at the day's close (the hall service's day-close hook, registered by the reports'
console blueprint): the closed day's facts and sums; after a month's last day, the month with its histograms.
Today's facts are rebuilt when the hall has changed, at most once a minute."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")

from server import create_app  # noqa: E402
from server.store_reports import ReportStore  # noqa: E402
from tests.clock import FakeClock  # noqa: E402
from tests.factories import SHANGHAI, make_config  # noqa: E402


@pytest.fixture
def clock() -> FakeClock[dt.datetime]:
    return FakeClock(dt.datetime(2026, 2, 27, 9, 0, tzinfo=SHANGHAI))  # a Friday; Feb 28 (Sat) is the month's last


def test_day_close_keeps_the_day_and_the_month(tmp_path: Path, clock: FakeClock[dt.datetime]) -> None:
    app = create_app({"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True})
    service = app.extensions["hallq"]
    store = service.store
    try:
        client = app.test_client()
        for _ in range(3):
            assert client.post("/api/v1/tickets", json={"service": "HJ"}).status_code == 201
        clock.advance(hours=16)  # 01:00 the next day
        service.roll_if_due()  # the midnight timer's work
        assert store._rows("SELECT d FROM report_days")[0][0] == "2026-02-27"
        assert store._rows("SELECT COUNT(*) FROM report_facts WHERE d = '2026-02-27'")[0][0] == 3
        day = store._rows("SELECT issued FROM report_rollup WHERE m = '2026-02-27' AND dim = 'day' AND service = ''")
        assert day[0][0] == 3  # the day's sums
        assert store._rows("SELECT COUNT(*) FROM report_months WHERE m = '2026-02'")[0][0] == 0
        clock.advance(days=1)  # Saturday the 28th closes: the month is over
        service.roll_if_due()
        month = store._rows("SELECT issued FROM report_rollup WHERE m = '2026-02' AND dim = 'month' AND service = ''")
        assert month[0][0] == 3
        assert store._rows("SELECT level_s FROM report_months WHERE m = '2026-02'")[0][0] == 15 * 60
        assert store._rows("SELECT COUNT(*) FROM report_rhist WHERE m = '2026-02' AND measure = 'wait'")[0][0] == 0
    finally:
        service.close()


def test_today_is_rebuilt_when_the_hall_changed_at_most_once_a_minute(
    tmp_path: Path, clock: FakeClock[dt.datetime]
) -> None:
    app = create_app({"HALL_CONFIG": make_config(), "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True})
    service = app.extensions["hallq"]
    try:
        client = app.test_client()
        client.post("/api/v1/tickets", json={"service": "HJ"})
        reads = ReportStore(service.store, service.config.tz, service.writing, version=lambda: service.last_event_id)
        today = service.hall.day
        assert reads.ensure(today, today, today) == 1
        assert reads.ensure(today, today, today) == 0  # nothing happened since
        client.post("/api/v1/tickets", json={"service": "HJ"})
        assert reads.ensure(today, today, today) == 0  # changed, but rebuilt under a minute ago
        reads.today_max_age_s = 0.0
        assert reads.ensure(today, today, today) == 2
    finally:
        service.close()
