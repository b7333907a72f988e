"""Working days: weekends, official holidays, make-up workdays (调休) and the hall's own table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkCalendar:
    """Which dates are working days.

    `holidays` are days off that would otherwise be workdays; `workdays` are weekend days that
    are worked (调休). Both come from the official calendar and the hall's configuration; dates
    past what either knows fall back to plain weekends, so deadlines always compute.
    """

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    weekend: tuple[int, ...] = (6, 7)

    @classmethod
    def combine(
        cls,
        holidays: Iterable[dt.date],
        workdays: Iterable[dt.date],
        weekend: Iterable[int] = (6, 7),
    ) -> WorkCalendar:
        return cls(frozenset(holidays), frozenset(workdays), tuple(weekend))

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.isoweekday() not in self.weekend

    def add_workdays(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (the start day itself is not counted).

        With days == 0 the case is due the same day if that is a workday, else the next one.
        """
        if days < 0:
            raise ValueError("days must be ≥ 0")
        day = start
        if days == 0:
            while not self.is_workday(day):
                day += dt.timedelta(days=1)
            return day
        left = days
        while left:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        if end < start:
            return -self.workdays_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count
