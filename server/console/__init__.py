"""The manager's console under /console: server-rendered pages (Flask blueprints + Jinja), one blueprint per area,
each page and action allowed by one table (core/permissions.py). Live parts refresh with htmx from the event
stream; ECharts draws the charts. Both ship in server/static/vendor/ (scripts/vendor.sh): halls run offline.

Settings (app.config, or HALLQ_* in the environment): SECRET_KEY (else one is kept in the data directory, file
console.key), SESSION_COOKIE_SECURE (set it when the console is served over HTTPS), CONSOLE_IDLE_S (sign out after
this long without a click; 0: never). Every form carries a CSRF token (Flask-WTF); the JSON API, which uses
bearer tokens, is exempt.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask, Request, Response, render_template, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from core import permissions
from server.console.base import PAGES, ConsolePage

csrf = CSRFProtect()
API_PREFIX = "/api/"
STREAM_SUFFIX = "/events"


def _secret_key(data_dir: Path) -> str:
    """The key that signs console cookies: kept in the data directory (readable by the server only), so a
    restart signs nobody out."""
    path = data_dir / "console.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key


def duration(seconds: Any) -> str:
    """12 → "12秒", 754 → "12分34秒", 4000 → "1小时06分"."""
    if seconds is None or seconds == "":
        return "—"
    s = int(seconds)
    if s < 60:
        return f"{s}秒"
    if s < 3600:
        return f"{s // 60}分{s % 60:02d}秒"
    return f"{s // 3600}小时{s % 3600 // 60:02d}分"


def areas() -> tuple[ModuleType, ...]:
    """The console's blueprints, one module per area."""
    from server.console import (
        audit,
        auth,
        bookings,
        config,
        devices,
        feedback,
        floor,
        live,
        me,
        oversight,
        people,
        reports,
        samples,
        staff,
        staffing,
        windows,
    )

    return (
        *(auth, live, floor, bookings, me, feedback, people, oversight, devices, config, audit, reports, staffing),
        samples,  # an item's sample forms as files, on the configuration's item page (issue 11)
        staff,  # staff administration (issue 11)
        windows,  # windows edited in a form (issue 11)
    )


def pages() -> list[ConsolePage]:
    """Every console page and action with the permission it needs (core/permissions.py)."""
    areas()
    return list(PAGES)


class PagesOnlySessions(SecureCookieSessionInterface):
    """The signed cookie session is the console's and the pages'; the JSON API authenticates by bearer token and
    never reads it, so its requests skip the cookie's signer and its write-back (work on every ticket and call).
    The event stream reads it: the console's live page holds a staff member's stream slot."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(API_PREFIX) and not request.path.endswith(STREAM_SUFFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app: Flask, data_dir: Path) -> None:
    app.config.setdefault("CONSOLE_IDLE_S", 30 * 60)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid while the signed session lasts
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked below: every form, not the JSON API
    app.config["SESSION_COOKIE_HTTPONLY"] = True  # the console's script never reads its cookie
    service = app.extensions["hallq"]
    # the cookie lives as long as the sign-in's token (the hall's security.token_ttl_s)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=service.config.security.token_ttl_s)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(data_dir)
    csrf.init_app(app)
    app.session_interface = PagesOnlySessions()

    @app.before_request
    def check_csrf() -> None:
        """Every form posted to the server carries its CSRF token; the JSON API (bearer tokens) is exempt."""
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or request.url_rule is None:
            return
        if (request.blueprint or "").startswith("api_"):
            return
        csrf.protect()

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError) -> tuple[str, int]:
        return render_template(
            "console/error.html",
            message="表单缺少安全令牌或已过期，请刷新页面后重试。"
            " / The form is missing its security token or it has expired; reload the page and try again.",
        ), 400

    @app.context_processor
    def console_names() -> dict[str, Any]:
        return {"role_names": permissions.ROLE_NAMES, "hall": service.config}

    app.add_template_filter(duration, "duration")

    @app.template_filter("clock")
    def clock(value: str | None) -> str:
        """An ISO time as the hall's local HH:MM."""
        if not value:
            return "—"
        return dt.datetime.fromisoformat(value).astimezone(service.config.tz).strftime("%H:%M")

    for module in areas():
        app.register_blueprint(module.bp)

    @app.after_request
    def no_store(response: Response) -> Response:
        """Console pages show staff and citizens' (masked) details: never kept in a shared browser's cache."""
        if request.path.startswith("/console"):
            response.headers["Cache-Control"] = "no-store"
        return response
