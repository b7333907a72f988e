"""Hand-made attendance for the people tests: sign-in rows as the caller writes them, a month or a quarter at
a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from tests.factories import SHANGHAI

HOME = {"1001": 1, "1002": 2, "1003": 3}


def fill(
    service: Any,
    first: dt.date,
    last: dt.date,
    *,
    late: Mapping[tuple[str, dt.date], int] | None = None,
    away: Mapping[tuple[str, dt.date], int] | None = None,
    staff: Mapping[str, int] = HOME,
) -> int:
    """Every working day in [first, last]: each A post signs in 5 minutes before each session at her window and
    out at its end; `late[(staff, day)]` minutes late in the morning; `away[(staff, day)]` = the session she
    misses. Returns the working days filled."""
    late = late or {}
    away = away or {}
    days = 0
    with service.writing():
        day = first
        while day <= last:
            if service.calendar.is_workday(day):
                days += 1
                for code, window in staff.items():
                    for i, s in enumerate(service.config.sessions):
                        if away.get((code, day)) == i:
                            continue
                        start = dt.datetime.combine(day, s.start, SHANGHAI) - dt.timedelta(minutes=5)
                        if i == 0 and (code, day) in late:
                            start += dt.timedelta(minutes=5 + late[(code, day)])
                        end = dt.datetime.combine(day, s.end, SHANGHAI)
                        service.store.record_attendance(code, window, "sign_in", start, day, "")
                        service.store.record_attendance(code, window, "sign_out", end, day, "")
            day += dt.timedelta(days=1)
    return days
