"""The live hall: every window, waiting per service, and what needs the manager now. The page follows the event
stream (/api/v1/events) and refreshes its panels (one server-rendered fragment, htmx) at each event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template

from core import events as ev
from core.hall import PAUSED
from server.console import reads
from server.console.base import Who, console_blueprint, hall, page
from server.console.oversight import live_panel

bp = console_blueprint("live")

FONT = '"HallQ CJK", "Noto Sans SC", "Microsoft YaHei", sans-serif'
LONG_WAIT_S = 30 * 60  # a queue whose first citizen has waited longer is shown in red


# events published without a core.events class (the page also refreshes every REFRESH_S seconds regardless)
EXTRA_EVENTS = ("notice.changed", "hall.configured", "device.changed")
REFRESH_S = 30


def event_names() -> list[str]:
    """Every event the hall publishes (EventSource listens by name)."""
    names: set[str] = set(EXTRA_EVENTS)
    todo: list[type[ev.Event]] = [ev.Event]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        name = getattr(cls, "name", "")
        if isinstance(name, str) and name and name != "event":
            names.add(name)
    return sorted(names)


def waiting_chart(services: list[dict[str, Any]]) -> dict[str, Any]:
    """ECharts option: waiting per service (bars), red where the first in line has waited over LONG_WAIT_S,
    grey where the service is closed."""

    def colour(s: dict[str, Any]) -> str:
        if not s["open"]:
            return "#9aa3b5"
        return "#b00020" if (s["longest_wait_s"] or 0) > LONG_WAIT_S else "#0b3d91"

    return {
        "animation": False,
        "textStyle": {"fontFamily": FONT, "fontSize": 13},
        "grid": {"left": 8, "right": 36, "top": 8, "bottom": 4, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1, "axisLabel": {"fontFamily": FONT}},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "axisLabel": {"fontFamily": FONT},
            "data": [s["name"] for s in services],
        },
        "series": [
            {
                "type": "bar",
                "name": "等候 Waiting",
                "barMaxWidth": 22,
                "label": {"show": True, "position": "right", "fontFamily": FONT},
                "data": [{"value": s["waiting"], "itemStyle": {"color": colour(s)}} for s in services],
            }
        ],
    }


def needs_look(device: dict[str, Any], scope: tuple[int, ...] | None) -> bool:
    """A paired device that is offline or reports a fault (a sign or printer), within the viewer's windows."""
    if not device.get("paired") or device.get("revoked"):
        return False
    if scope is not None and device.get("window") not in scope:
        return False
    return not device.get("online") or bool(device.get("state"))


def live_data(who: Who) -> dict[str, Any]:
    service = hall()
    floor = reads.floor(service)
    day = dt.date.fromisoformat(floor["day"])
    stats = reads.window_stats(service, day)
    windows = [{**w, **stats.get(w["number"], {})} for w in floor["windows"] if who.sees_window(w["number"])]
    scope = tuple(w["number"] for w in windows) if who.own_window_only else None
    if scope is None:
        services = floor["services"]
        stuck = floor["stuck_transfers"]
    else:
        codes = {code for w in windows for code in w["services"]}
        services = [s for s in floor["services"] if s["code"] in codes]
        stuck = [t for t in floor["stuck_transfers"] if t["to_window"] in scope or t["service"] in codes]
    devices = reads.devices(service)
    return {
        "floor": floor,
        "windows": windows,
        "services": services,
        "paused": [w for w in windows if w["status"] == PAUSED],
        "unstaffed": [w for w in windows if w["unstaffed"]],
        "stuck": stuck,
        "overdue": reads.overdue_cases(service, who.session, scope),
        "devices": None if devices is None else [d for d in devices if needs_look(d, scope)],
        "missed": reads.missed_tickets(service),
        "oversight": live_panel(who),  # patrols, due soon, overdue, extensions waiting (issue 13)
        "posts": posts_panel(who),  # A and B posts left empty, handovers, the duty window (issue 14)
        "chart": waiting_chart(services),
        "last_event_id": service.last_event_id,
    }


def posts_panel(who: Who) -> dict[str, Any] | None:
    """The people card (console/live_posts.html): posts with neither A nor B signed in during opening hours and
    since when, the day's handovers, today's duty window and who is on it; None if this app has no people service."""
    people = current_app.extensions.get("hallq.people")
    if people is None:
        return None
    panel: dict[str, Any] = people.live_posts(who.windows if who.own_window_only else None)
    return panel


@page(bp, "/live", "page.live")
def live(who: Who) -> str:
    service = hall()
    return render_template(
        "console/live.html",
        who=who,
        live=live_data(who),
        events=event_names(),
        notice=reads.notice(service),
    )


@page(bp, "/live/panels", "page.live")
def panels(who: Who) -> str:
    return render_template(
        "console/_panels.html",
        who=who,
        live=live_data(who),
    )
