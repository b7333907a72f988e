"""Signing in to the console with staff number and PIN (HallService.login: the same hashing and lockout as the
API), and signing out."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from application.audit import Actor, acting
from core import permissions
from core.tickets import DomainError
from server.console.base import PREFIX, NotSignedIn, console_blueprint, drop_session, hall, signed_in, source

bp = console_blueprint("auth")


def _login(staff: str, pin: str) -> dict[str, Any]:
    service = hall()
    with acting(Actor("", "public", source())):  # wrong PINs are slowed per source and per staff number
        console_login = getattr(service, "console_login", None)  # any role, a clerk too; no attendance record
        if console_login is not None:
            answer: dict[str, Any] = console_login(staff, pin)
            return answer
        return service.login(staff, pin, None)


def _next_page() -> str:
    target = request.values.get("next", "")
    if target.startswith(PREFIX) and "//" not in target and "\\" not in target:
        return target
    return ""


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | tuple[str, int] | BaseResponse:
    if request.method == "GET":
        return render_template("console/login.html", next=_next_page(), staff="")
    staff = request.form.get("staff", "").strip()
    pin = request.form.get("pin", "")
    try:
        if not staff or not pin:
            raise DomainError("invalid", "请输入工号和 PIN。 / Enter your staff number and PIN.", 400)
        answer = _login(staff, pin)
    except DomainError as exc:
        message = exc.message
        if exc.code == "window_required":  # this service signs clerks in at a window only
            message = "窗口工作人员暂时只能在呼叫器上登录。 / Clerks can sign in on the caller only for now."
        page = render_template("console/login.html", next=_next_page(), staff=staff, error=message)
        return page, exc.status
    session.clear()  # a fresh session (and CSRF token) for the signed-in user
    session.permanent = True
    session["token"] = answer["token"]
    who = signed_in()
    if not who.role:
        drop_session()
        message = "您的角色不能使用管理后台。 / Your role may not use the console."
        return render_template("console/login.html", next="", staff=staff, error=message), 403
    home = "console_live.live" if permissions.home(who.role) == "page.live" else "console_me.me"
    return redirect(_next_page() or url_for(home), code=303)


@bp.post("/logout")
def logout() -> Response:
    drop_session()
    return redirect(url_for("console_auth.login"), code=303)  # type: ignore[return-value]


@bp.get("/")
def index() -> Response:
    try:
        who = signed_in()
    except NotSignedIn:
        return redirect(url_for("console_auth.login"))  # type: ignore[return-value]
    home = "console_live.live" if permissions.home(who.role) == "page.live" else "console_me.me"
    return redirect(url_for(home))  # type: ignore[return-value]
