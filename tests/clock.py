"""The tests' one settable clock: seconds (time.monotonic stand-in) or a datetime (the hall's local time)."""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

T = TypeVar("T", float, dt.datetime)


class FakeClock(Generic[T]):
    """Call it for the time; set `now`, or `advance(seconds=…, minutes=…, hours=…)` it."""

    def __init__(self, start: T) -> None:
        self.now: T = start

    def __call__(self) -> T:
        return self.now

    def advance(self, seconds: float = 0, **delta: float) -> None:
        step = dt.timedelta(seconds=seconds, **delta)
        if isinstance(self.now, dt.datetime):
            self.now += step
        else:
            self.now += step.total_seconds()
