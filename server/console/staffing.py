"""排班测算 (issue 15): how many windows per hour a weekday needs for a wait target, by replaying the demand model's
day through the real core (application/simulation.py). The URL holds the view (weekday, target)."""

from __future__ import annotations

from flask import render_template, request

from application.simulation import chart_option, hour_rows, plan_weekday
from core.simulation import Target
from server.console.base import Who, console_blueprint, hall, page

bp = console_blueprint("staffing", "/staffing")

WEEKDAYS = {1: "周一 Mon", 2: "周二 Tue", 3: "周三 Wed", 4: "周四 Thu", 5: "周五 Fri", 6: "周六 Sat", 7: "周日 Sun"}


def _number(name: str, default: float, low: float, high: float) -> float:
    try:
        return min(max(float(request.args.get(name, default)), low), high)
    except ValueError:
        return default


@page(bp, "", "page.staffing")
def staffing(who: Who) -> str:
    weekday = int(_number("weekday", 1, 1, 7))
    target = Target(minutes=_number("minutes", 15, 1, 120), quantile=_number("quantile", 0.9, 0.5, 0.99))
    result = plan_weekday(hall().config, weekday, target)
    title = f"{WEEKDAYS[weekday]} · {target}"
    return render_template(
        "console/staffing/plan.html",
        who=who,
        weekday=weekday,
        weekdays=WEEKDAYS,
        target=target,
        rows=hour_rows(result),
        chart=chart_option(result, title),
        title=title,
    )
