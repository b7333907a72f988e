"""Web pages: the citizen's ticket status page (opened from the ticket's QR code)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/t/<ticket_id>")
def ticket_page(ticket_id: str) -> str:
    service = current_app.extensions["hallq"]
    ticket = service.find_ticket(ticket_id)
    if ticket is None:
        abort(404)
    view = service.ticket_view(ticket)
    window = service.config.window(view["window"]) if view.get("window") else None
    return render_template("ticket.html", hall=service.config, t=view, window=window)


@bp.get("/")
def index() -> str:
    service = current_app.extensions["hallq"]
    return render_template("index.html", hall=service.config)


@bp.get("/static/font.ttc")
def font() -> object:
    from flask import send_file

    from assets import FONT

    return send_file(FONT, mimetype="font/collection", max_age=86400)
