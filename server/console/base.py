"""What every console page shares: who is signed in, the page decorator that refuses a role the table
(core/permissions.py) does not allow, the sentence shown after an action. Each view acts as the signed-in staff member (application.audit), so the
service puts her console writes on record as it does her API writes."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from application.audit import Actor, acting
from application.auth import Session
from application.service import HallService
from core import permissions
from core.tickets import DomainError

PREFIX = "/console"


@dataclass(frozen=True)
class ConsolePage:
    """One registered console route and the permission it needs (tests walk this list)."""

    endpoint: str
    rule: str
    methods: tuple[str, ...]
    permission: str


PAGES: list[ConsolePage] = []


@dataclass(frozen=True)
class Who:
    """The signed-in staff member as the console sees her."""

    session: Session
    staff: str
    name: str
    role: str  # a console role (core.permissions)
    windows: tuple[int, ...]  # the windows she heads (a window head's scope)

    def may(self, what: str) -> bool:
        return permissions.may(self.role, what)

    @property
    def own_window_only(self) -> bool:
        return self.role in permissions.OWN_WINDOW_ONLY

    def sees_window(self, number: int | None) -> bool:
        return not self.own_window_only or number in self.windows

    @property
    def role_zh(self) -> str:
        return permissions.ROLE_NAMES.get(self.role, (self.role, self.role))[0]

    @property
    def role_en(self) -> str:
        return permissions.ROLE_NAMES.get(self.role, (self.role, self.role))[1]


class NotSignedIn(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Refused(Exception):
    """A signed-in role that may not see this page or do this action (403)."""

    def __init__(self, who: Who | None = None):
        super().__init__("refused")
        self.who = who


def hall() -> HallService:
    service: HallService = current_app.extensions["hallq"]
    return service


def source() -> str:
    """Where a console request comes from, for the record of who did what."""
    return f"console {request.remote_addr or ''}".strip()


def is_poll() -> bool:
    """The live page refreshing itself: does not count as the user being active."""
    return request.headers.get("X-Console-Poll") == "1"


def signed_in() -> Who:
    """The console's signed-in staff member, or NotSignedIn. A session ends when its token expires (the hall's
    security.token_ttl_s) or after CONSOLE_IDLE_S seconds without a click (the live page refreshing itself
    does not count)."""
    service = hall()
    token = session.get("token")
    if not token:
        raise NotSignedIn("请先登录。 / Sign in first.")
    now = service.now().timestamp()
    idle = float(current_app.config.get("CONSOLE_IDLE_S") or 0)
    if idle and now - float(session.get("seen", now)) > idle:
        drop_session()
        raise NotSignedIn("长时间未操作，已自动退出，请重新登录。 / Signed out after a long idle time; sign in again.")
    try:
        s = service.authenticate(token)
    except DomainError as exc:
        session.clear()
        raise NotSignedIn(exc.message) from None
    if not is_poll():
        session["seen"] = now
    member = service.config.staff_member(s.staff)
    heads = tuple(w.number for w in service.config.headed_by(s.staff))
    role = permissions.console_role(s.role, bool(heads)) or ""
    return Who(s, s.staff, member.name if member else s.staff, role, heads)


def drop_session() -> None:
    """Forget the console's sign-in (the service's session too, when it is still there)."""
    token = session.get("token")
    session.clear()
    if token:
        service = hall()
        with contextlib.suppress(DomainError):  # already expired or signed out elsewhere
            service.logout(service.authenticate(token))


def page(
    bp: Blueprint, rule: str, permission: str, methods: tuple[str, ...] = ("GET",)
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a console view that needs `permission` (core.permissions); the view gets `who=`."""
    if permission not in permissions.PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = f"{bp.name}.{view.__name__}"
        PAGES.append(ConsolePage(endpoint, f"{bp.url_prefix or ''}{rule}", methods, permission))

        @functools.wraps(view)
        def handler(**kwargs: Any) -> Any:
            with acting(Actor("", "public", source())):
                who = signed_in()
            if not who.may(permission):
                raise Refused(who)
            with acting(Actor(who.staff, who.session.role, source())):  # the service's audit log names her
                return view(who=who, **kwargs)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=handler, methods=list(methods))
        return view

    return wrap


def require_window(who: Who, number: int) -> None:
    """A window head acts on her own window only."""
    if not who.sees_window(number):
        raise Refused(who)


def back(default: str = "console_live.live") -> str:
    """Where to return after an action: the form's `back` (a console path only), else `default`."""
    target = request.form.get("back", "")
    parsed = urlparse(target)
    if target.startswith(PREFIX + "/") and not parsed.scheme and not parsed.netloc and "//" not in target:
        return target
    return url_for(default)


def done(message: str, default: str = "console_live.live") -> Response:
    """After an action: back to the page, with a plain sentence saying what happened."""
    flash(message, "ok")
    return redirect(back(default), code=303)  # type: ignore[return-value]


def console_blueprint(name: str, prefix: str = "") -> Blueprint:
    bp = Blueprint(f"console_{name}", __name__, url_prefix=PREFIX + prefix)

    @bp.errorhandler(NotSignedIn)
    def not_signed_in(exc: NotSignedIn) -> Response | tuple[str, int, dict[str, str]]:
        if request.headers.get("HX-Request"):  # a live refresh: back to the page it refreshed, after signing in
            page_path = urlparse(request.headers.get("HX-Current-URL", "")).path
            return "", 401, {"HX-Redirect": url_for("console_auth.login", next=page_path or None)}
        target = url_for("console_auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
        flash(exc.message, "error")
        return redirect(target, code=303)  # type: ignore[return-value]

    @bp.errorhandler(Refused)
    def refused(exc: Refused) -> tuple[str, int]:
        return render_template("console/refused.html", who=exc.who), 403

    @bp.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Response | tuple[str, int]:
        if exc.status == 401:
            return not_signed_in(NotSignedIn(exc.message))  # type: ignore[return-value]
        if request.method == "POST":
            flash(exc.message, "error")
            return redirect(back(), code=303)  # type: ignore[return-value]
        return render_template("console/error.html", message=exc.message), exc.status

    return bp
