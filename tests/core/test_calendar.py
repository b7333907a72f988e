import datetime as dt

import pytest

from core.calendar import WorkCalendar

D = dt.date
# 2026 National Day: Oct 1–8 off, Sep 27 (Sun) and Oct 10 (Sat) worked
CAL = WorkCalendar.combine(
    holidays=[D(2026, 10, d) for d in range(1, 9)] + [D(2027, 1, 1)],
    workdays=[D(2026, 9, 27), D(2026, 10, 10)],
)


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 11, 23), True),  # Monday
        (D(2026, 11, 21), False),  # Saturday
        (D(2026, 10, 2), False),  # holiday on a Friday
        (D(2026, 10, 10), True),  # make-up Saturday
        (D(2027, 1, 1), False),  # the hall's own entry, past the official calendar
        (D(2027, 3, 3), True),  # plain Wednesday in 2027 still computes
    ],
)
def test_is_workday(day, expected):
    assert CAL.is_workday(day) is expected


@pytest.mark.parametrize(
    "start, days, due",
    [
        (D(2026, 11, 23), 5, D(2026, 11, 30)),  # Mon + 5 → next Mon
        (D(2026, 11, 20), 1, D(2026, 11, 23)),  # Fri + 1 → Mon
        (D(2026, 9, 30), 3, D(2026, 10, 12)),  # over National Day, counting the make-up Saturday 10-10
        (D(2026, 12, 25), 15, D(2027, 1, 18)),  # crosses into 2027 and its New Year holiday
        (D(2026, 11, 21), 0, D(2026, 11, 23)),  # same-day item on a Saturday → Monday
        (D(2026, 11, 23), 0, D(2026, 11, 23)),
    ],
)
def test_add_workdays(start, days, due):
    assert CAL.add_workdays(start, days) == due


def test_workdays_between_is_the_inverse_of_add():
    start = D(2026, 12, 20)
    for n in range(1, 40):
        assert CAL.workdays_between(start, CAL.add_workdays(start, n)) == n


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        CAL.add_workdays(D(2026, 1, 1), -1)
