"""Appointments (预约服务): a booked citizen checks in at the kiosk and gets a priority ticket."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.calendar import WorkCalendar
from core.tickets import DomainError

BOOKED, CHECKED_IN, CANCELLED, NO_SHOW = "booked", "checked_in", "cancelled", "no_show"


@dataclass(frozen=True)
class Booking:
    code: str
    service: str
    day: dt.date
    status: str = BOOKED
    item: str | None = None
    time: str = ""  # "09:30", the agreed time
    ticket: str | None = None


def check_in(booking: Booking | None, today: dt.date) -> Booking:
    """Validate a check-in; the caller then issues the priority ticket."""
    if booking is None:
        raise DomainError(
            "unknown_booking",
            "没有找到这个预约码，请核对后重新输入。 / No booking has this code; check it and try again.",
            404,
        )
    if booking.status == CHECKED_IN:
        raise DomainError("booking_used", "这个预约已经签到取号。 / This booking has already been checked in.")
    if booking.status == CANCELLED:
        raise DomainError("booking_cancelled", "这个预约已取消。 / This booking was cancelled.")
    if booking.day != today:
        raise DomainError(
            "booking_not_today",
            f"这个预约的日期是 {booking.day.isoformat()}，不是今天。 / This booking is for {booking.day.isoformat()}, not today.",
        )
    return booking


def check_new_booking(
    day: dt.date,
    today: dt.date,
    service_exists: bool,
    calendar: WorkCalendar,
    max_workdays: int = 5,
    same_day: bool = True,
    workdays_only: bool = True,
) -> None:
    """A booking is for a working day from today (or tomorrow) up to `max_workdays` working days ahead.

    `workdays_only=False` (a hall that does not enforce its hours, like the demo) also takes other days.
    """
    if not service_exists:
        raise DomainError("unknown_service", "没有这个服务。 / There is no such service.", 400)
    earliest = today if same_day else today + dt.timedelta(days=1)
    if day < earliest:
        raise DomainError("bad_day", "预约日期太早。 / That day is too early to book.", 400)
    if workdays_only and not calendar.is_workday(day):
        raise DomainError("bad_day", f"{day.isoformat()} 不是工作日。 / {day.isoformat()} is not a working day.", 400)
    if calendar.workdays_between(today, day) > max_workdays:
        raise DomainError(
            "bad_day",
            f"最多提前 {max_workdays} 个工作日预约。 / Book at most {max_workdays} working days ahead.",
            400,
        )
