"""One's own figures: where one is signed in now, one's windows' figures today, one's open cases."""

from __future__ import annotations

import datetime as dt

from flask import render_template

from server.console import reads
from server.console.base import Who, console_blueprint, hall, page

bp = console_blueprint("me")


@page(bp, "/me", "page.me")
def me(who: Who) -> str:
    service = hall()
    floor = reads.floor(service)
    day = dt.date.fromisoformat(floor["day"])
    mine = {w.number for w in service.config.windows if who.staff in (w.staff_a, w.staff_b)}
    here = [w for w in floor["windows"] if w["staff"] == who.staff]
    stats = reads.window_stats(service, day)
    windows = [{**w, **stats.get(w["number"], {})} for w in floor["windows"] if w["number"] in mine]
    cases = service.cases(who.session, status="open", staff=who.staff)
    return render_template(
        "console/me.html",
        who=who,
        here=here,
        windows=windows,
        cases=cases,
        overdue=sum(1 for c in cases if c["overdue"]),
        day=day,
    )
