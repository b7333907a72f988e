"""Web pages: the citizen's ticket status page (opened from the ticket's QR code)."""

from __future__ import annotations

import functools
import io

from flask import Blueprint, Response, abort, current_app, render_template

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


@functools.cache
def web_font() -> bytes:
    """The bundled CJK font as a single TrueType font: browsers refuse font collections (.ttc) in @font-face."""
    from fontTools.ttLib import TTCollection

    from assets import FONT

    out = io.BytesIO()
    TTCollection(str(FONT)).fonts[0].save(out)
    return out.getvalue()


@bp.get("/static/font.ttf")
def font() -> Response:
    response = Response(web_font(), mimetype="font/ttf")
    response.cache_control.max_age = 86400
    response.cache_control.public = True
    return response
