"""The hall server: a Flask app factory over the hall service and its store."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from werkzeug.exceptions import MethodNotAllowed

from application.store import StoreUnavailable
from core.config import HallConfig
from core.tickets import DomainError
from hallfile import load_hall

if TYPE_CHECKING:
    from application.service import HallService

log = logging.getLogger("hallq.server")


def start_midnight_roll(service: HallService) -> Callable[[], None]:
    """Close the day at the hall's local midnight even if nothing happens then (not at the first command after)."""
    stop = threading.Event()

    def run() -> None:
        while True:
            now = service.now()
            local = now.astimezone(service.config.tz)
            midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0, 0, 1), local.tzinfo)
            if stop.wait(min(max((midnight - local).total_seconds(), 1.0), 600.0)):
                return
            try:
                service.roll_if_due()
            except Exception:  # a busy database: try again at the next wake-up
                log.exception("the day could not be closed yet")

    threading.Thread(target=run, name="hallq-midnight", daemon=True).start()
    return stop.set


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Defaults, then HALLQ_* environment settings, then the test's overrides.

    Needs HALL_CONFIG (a path or a loaded HallConfig) and DATA_DIR (created if missing).
    """
    from application.auth import DEFAULT_PIN_ITERATIONS
    from application.service import HallService
    from server import api, console, display_page, jsonprovider, pages
    from server.broker import Broker
    from server.datadir import DataDir
    from server.fanout import WaitressFanout
    from server.store import SqliteStore

    app = Flask(__name__)
    app.config.from_mapping(
        HALL_CONFIG=None,
        DATA_DIR=None,
        CLOCK=None,
        SYNCHRONOUS="NORMAL",
        PIN_ITERATIONS=DEFAULT_PIN_ITERATIONS,
        WRITE_WAIT_S=5,  # a command waits this long for another process's database lock, then answers 503
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_SUBSCRIBERS=1000,
        SSE_HEARTBEAT_S=15,
        JSON_AS_ASCII=False,
        SECRET_KEY=None,  # signs the console's cookie; None: a key kept in the data directory (console.key)
        SESSION_COOKIE_NAME="hallq_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,  # True (HALLQ_SESSION_COOKIE_SECURE=true) when served over HTTPS
        CONSOLE_IDLE_S=30 * 60,  # the console signs out after this long without a click (0: never)
    )
    app.config.from_prefixed_env("HALLQ")
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    jsonprovider.install(app)  # the same answers, encoded by orjson

    config = app.config["HALL_CONFIG"]
    if not isinstance(config, HallConfig):
        load_hall(config)  # a wrong file is named before anything is created
    data_dir = DataDir(Path(app.config["DATA_DIR"] or "hallq-data")).open()  # DataDirError says what is wrong
    store = SqliteStore(
        data_dir.database, synchronous=app.config["SYNCHRONOUS"], write_wait_s=float(app.config["WRITE_WAIT_S"])
    )
    from server.store_config import configuration_at_start

    # the newest configuration version stored in the database; at the first start the hall file becomes version 1
    try:
        hall_config: HallConfig = configuration_at_start(
            config, store, (app.config["CLOCK"] or (lambda: dt.datetime.now(dt.UTC)))().isoformat()
        )
    except Exception:
        store.close()
        data_dir.close()
        raise
    broker = Broker(store.last_event_id(), store.events_after, max_subscribers=app.config["MAX_SUBSCRIBERS"])
    service = HallService(
        hall_config,
        store,
        clock=app.config["CLOCK"],
        publish=broker.publish,
        pin_iterations=int(app.config["PIN_ITERATIONS"]),
    )
    data_dir.secure()
    service.on_close(data_dir.close)
    service.on_close(start_midnight_roll(service))
    fan = WaitressFanout(broker, heartbeat_s=float(app.config["SSE_HEARTBEAT_S"]))
    broker.on_publish.append(fan.wake)
    app.extensions["hallq"] = service
    app.extensions["hallq.broker"] = broker
    app.extensions["hallq.fanout"] = fan
    from application.feedback import FeedbackService  # 好差评, rectifications, complaints, surveys (issue 12)
    from server import feedback_pages
    from server.store_feedback import FeedbackStore

    app.extensions["hallq.feedback"] = FeedbackService(service, FeedbackStore(store), warm=not app.testing)
    from application.oversight import OversightService  # register, extensions, summaries, inspections (issue 13)
    from server.store_oversight import OversightStore

    app.extensions["hallq.oversight"] = OversightService(service, OversightStore(store), extensions=app.extensions)
    from application.people import People  # attendance, leave, scores, warnings, awards (issue 14)
    from server.store_people import SqlitePeopleStore

    app.extensions["hallq.people"] = People(service, SqlitePeopleStore(store), app.extensions)

    api.register(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(display_page.bp)
    app.register_blueprint(feedback_pages.bp)  # /public/ratings (好差评公示), /s/<ticket> (survey), /t/<ticket>/rate
    console.init_app(app, data_dir.path)  # /console; its secret key and cookie settings come from app.config
    from server.console import people as console_people

    app.register_blueprint(console_people.public)  # /honours: the public honour roll (光荣榜, issue 14)

    @app.errorhandler(DomainError)
    def refused(exc: DomainError) -> Response | tuple[str, int]:
        if request.path.startswith("/api/"):
            return api.error_response(exc.status, exc.code, exc.message, exc.headers)
        return exc.message, exc.status

    @app.errorhandler(StoreUnavailable)
    def unavailable(exc: StoreUnavailable) -> Response | tuple[str, int]:
        """A read that found no database connection (the pool could not open one): busy, try again."""
        from application.service import refused_write

        return refused(refused_write(exc))

    @app.errorhandler(404)
    def not_found(_: Exception) -> Response | tuple[str, int]:
        if request.path.startswith("/api/"):
            return api.error_response(404, "not_found", "没有这个地址。 / There is no such address.")
        return "404 没有这个页面 / Not found", 404

    @app.errorhandler(405)
    def not_allowed(exc: MethodNotAllowed) -> Response | tuple[str, int, dict[str, str]]:
        allow = {"Allow": ", ".join(sorted(exc.valid_methods or []))}
        if request.path.startswith("/api/"):
            return api.error_response(
                405,
                "method_not_allowed",
                f"此地址不接受 {request.method}。 / {request.method} is not allowed here.",
                allow,
            )
        return "405", 405, allow

    @app.after_request
    def security_headers(response: Response) -> Response:
        """Pages load only the hall's own files and are never framed by another site."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'self'",
            )
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.errorhandler(413)
    def too_large(_: Exception) -> Response:
        return api.error_response(413, "too_large", "请求体太大。 / The request body is too large.")

    @app.errorhandler(500)
    def server_error(_: Exception) -> Response | tuple[str, int]:
        if request.path.startswith("/api/"):
            return api.error_response(
                500, "server_error", "服务器内部错误，已记录。 / Internal error; it has been logged."
            )
        return "500", 500

    return app
