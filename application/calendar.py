"""The hall's working-day calendar: weekends, the State Council calendar as far as it is known, the hall's own table."""

from __future__ import annotations

import datetime as dt
import logging

from core.calendar import WorkCalendar
from core.config import HallConfig

log = logging.getLogger("hallq")


def official_calendar(config: HallConfig) -> WorkCalendar:
    """Weekends + the State Council calendar (chinese-calendar, known to 2026) + the hall's own holidays and
    make-up workdays. Later years still compute: weekends and the hall's table."""
    holidays: set[dt.date] = set(config.calendar.holidays)
    workdays: set[dt.date] = set(config.calendar.workdays)
    if config.calendar.use_official:
        try:
            import chinese_calendar

            holidays |= {d for d in chinese_calendar.holidays if d.isoweekday() not in config.calendar.weekend}
            workdays |= set(chinese_calendar.workdays)
        except ImportError:  # pragma: no cover - the dependency is declared
            log.warning("chinese-calendar is not installed; only weekends and the hall's own holidays count")
    return WorkCalendar.combine(holidays - set(config.calendar.workdays), workdays, config.calendar.weekend)
