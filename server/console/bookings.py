"""Appointments (预约): a day's list (names and phones masked by the service), new bookings, cancelling."""

from __future__ import annotations

import datetime as dt

from flask import Response, flash, redirect, render_template, request, url_for

from application import commands as cmd
from core.tickets import DomainError
from server.console.base import Who, console_blueprint, done, hall, page

bp = console_blueprint("bookings")

STATUS = {
    "booked": ("已预约", "Booked"),
    "checked_in": ("已签到", "Checked in"),
    "cancelled": ("已取消", "Cancelled"),
    "no_show": ("未到", "No-show"),
}


def _day(raw: str | None) -> dt.date:
    if not raw:
        return hall().today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise DomainError("bad_day", "日期格式应为 YYYY-MM-DD。 / The day must be YYYY-MM-DD.", 400) from None


@page(bp, "/bookings", "page.bookings")
def bookings(who: Who) -> str:
    service = hall()
    day = _day(request.args.get("day"))
    rows = service.bookings(day)
    names = {s.code: s for s in service.config.services}
    items = {i.code: i for i in service.config.items}
    return render_template(
        "console/bookings.html",
        who=who,
        day=day,
        rows=rows,
        names=names,
        items=items,
        status=STATUS,
        services=service.config.services,
        service_items={s.code: service.config.items_of(s.code) for s in service.config.services},
        previous=day - dt.timedelta(days=1),
        following=day + dt.timedelta(days=1),
        today=service.today(),
        book_day=day
        if day > service.today() or service.config.booking_same_day
        else service.today() + dt.timedelta(days=1),
    )


@page(bp, "/bookings", "act.bookings", methods=("POST",))
def create_booking(who: Who) -> Response:
    form = request.form
    body = cmd.parse(
        cmd.NewBooking,
        {
            "service": form.get("service", ""),
            "day": form.get("day", ""),
            "item": form.get("item") or None,
            "time": form.get("time", "").strip(),
            "name": form.get("name", "").strip(),
            "phone": form.get("phone", "").strip(),
        },
    )
    booking = hall().create_booking(body.service, body.day, body.item, body.time, body.name, body.phone)
    svc = hall().config.service(body.service)
    when = f"{body.day.isoformat()} {body.time}".strip()
    flash(
        f"已预约{svc.name if svc else body.service}（{when}），签到码 {booking['code']}。"
        f" / Booked for {when}; check-in code {booking['code']}.",
        "ok",
    )
    return redirect(day_link(body.day), code=303)  # type: ignore[return-value]  # the booking's day


@page(bp, "/bookings/<code>/cancel", "act.bookings", methods=("POST",))
def cancel_booking(who: Who, code: str) -> Response:
    hall().cancel_booking(code)
    return done(f"预约 {code} 已取消。 / Booking {code} is cancelled.", default="console_bookings.bookings")


def day_link(day: dt.date) -> str:
    return url_for("console_bookings.bookings", day=day.isoformat())
