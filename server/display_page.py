"""The hall screen in a browser (/display), for halls whose TVs have one: same content as the Kivy display.

The page reads GET /api/v1/hall once, then follows /api/v1/events with EventSource (the browser resumes with
Last-Event-ID by itself); it shows a reconnecting banner while the stream is down. Like the Kivy display it shows
the honour roll (光荣榜, GET /api/v1/honours: names and titles only) as the hall's [awards] honour_roll_display says:
in place of the calls now and then ("rotate"; a call brings the calls back at once), in a band under the calls
("panel") or not at all ("off"); it reads the roll at start, every honour_roll_refresh_s and when the day rolls.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("display_page", __name__)


@bp.get("/display")
def display() -> str:
    service = current_app.extensions["hallq"]
    return render_template("display.html", hall=service.config)
