"""Floor actions: each one command of the application layer (HallService), a CSRF-protected form, then back to
the live page with a plain sentence saying what happened."""

from __future__ import annotations

import re

from flask import Response, render_template, request
from werkzeug.exceptions import NotFound

from application import commands as cmd
from core.tickets import DomainError
from server.console import reads
from server.console.base import Who, console_blueprint, done, hall, page, require_window

bp = console_blueprint("floor", "/floor")

_TICKET_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def _window_field() -> int:
    raw = request.form.get("window", "").strip()
    if not raw.isdigit() or hall().config.window(int(raw)) is None:
        raise DomainError("unknown_window", f"没有{raw}号窗口。 / There is no window {raw}.", 404)
    return int(raw)


def ticket_id_of(text: str) -> str:
    """A ticket's id as typed, or read from its QR code (the phone page's link …/t/<id>)."""
    text = text.strip()
    if "/t/" in text:
        text = text.rsplit("/t/", 1)[1].split("?")[0].split("#")[0].strip("/")
    if not _TICKET_ID.match(text):
        raise DomainError(
            "bad_ticket",
            "请输入票号 ID 或扫描取号单上的二维码。 / Enter the ticket's id or scan the QR code on the ticket.",
            400,
        )
    return text


# ---- services -----------------------------------------------------------------------------------------


def _set_service(who: Who, code: str, is_open: bool) -> Response:
    service = hall()
    svc = service.config.service(code)
    if svc is None:
        raise NotFound
    service.set_service_open(code, is_open)
    if is_open:
        return done(f"已恢复{svc.name}取号。 / {svc.name_en or code} is taking tickets again.")
    return done(f"已暂停{svc.name}取号。 / {svc.name_en or code} has stopped taking tickets.")


@page(bp, "/services/<code>/open", "act.open_service", methods=("POST",))
def open_service(who: Who, code: str) -> Response:
    return _set_service(who, code, True)


@page(bp, "/services/<code>/close", "act.open_service", methods=("POST",))
def close_service(who: Who, code: str) -> Response:
    return _set_service(who, code, False)


# ---- windows ------------------------------------------------------------------------------------------


@page(bp, "/windows/pause", "act.pause_window", methods=("POST",))
def pause_window(who: Who) -> Response:
    number = _window_field()
    require_window(who, number)
    body = cmd.parse(cmd.Pause, {"reason": request.form.get("reason", "").strip()})
    hall().pause(number, body)
    return done(f"已代为暂停{number}号窗口（{body.reason}）。 / Window {number} is paused ({body.reason}).")


@page(bp, "/windows/resume", "act.pause_window", methods=("POST",))
def resume_window(who: Who) -> Response:
    number = _window_field()
    require_window(who, number)
    hall().resume(number)
    return done(f"{number}号窗口已恢复服务。 / Window {number} is serving again.")


@page(bp, "/windows/sign-out", "act.force_sign_out", methods=("POST",))
def force_sign_out(who: Who) -> Response:
    number = _window_field()
    reason = request.form.get("reason", "").strip()
    answer = hall().force_sign_out(who.session, number, reason)  # type: ignore[attr-defined]
    staff = answer.get("staff") or ""
    member = hall().config.staff_member(staff) if staff else None
    name = f"{member.name}（{staff}）" if member else staff
    if not staff:
        return done(f"{number}号窗口本来就无人签到。 / Nobody was signed in at window {number}.")
    return done(f"已将{name}从{number}号窗口签退。 / {staff} was signed out of window {number}.")


# ---- tickets ------------------------------------------------------------------------------------------


@page(bp, "/reinstate", "act.reinstate", methods=("POST",))
def reinstate(who: Who) -> Response:
    ticket_id = ticket_id_of(request.form.get("ticket", ""))
    ticket = hall().reinstate(who.session, ticket_id)
    return done(
        f"{ticket['number']}号已恢复排队，前面还有 {ticket['ahead']} 人。"
        f" / {ticket['number']} is back in its queue, {ticket['ahead']} ahead."
    )


@page(bp, "/transfers/<ticket_id>", "act.move_transfer")
def transfer_form(who: Who, ticket_id: str) -> str:
    service = hall()
    stuck = next((t for t in reads.floor(service)["stuck_transfers"] if t["id"] == ticket_id), None)
    if stuck is None:
        raise DomainError(
            "not_stuck",
            "这个号已不在滞留的转办中（可能已被叫号）。 / This ticket is no longer a stuck transfer (it may have been called).",
            404,
        )
    windows = [w for w in reads.floor(service)["windows"] if w["status"] == "open"]
    return render_template(
        "console/transfer.html",
        who=who,
        t=stuck,
        windows=windows,
        services=service.config.services,
    )


@page(bp, "/transfers/<ticket_id>", "act.move_transfer", methods=("POST",))
def move_transfer(who: Who, ticket_id: str) -> Response:
    target = request.form.get("target", "")
    note = request.form.get("note", "").strip()
    kind, _, value = target.partition(":")
    if kind == "window" and value.isdigit():
        answer = hall().move_transfer(who.session, ticket_id, window=int(value), note=note)  # type: ignore[attr-defined]
        where_zh, where_en = f"{value}号窗口", f"window {value}"
    elif kind == "service" and value:
        answer = hall().move_transfer(who.session, ticket_id, service=value, note=note)  # type: ignore[attr-defined]
        svc = hall().config.service(value)
        where_zh, where_en = (svc.name if svc else value), (svc.name_en if svc and svc.name_en else value)
    else:
        raise DomainError("bad_target", "请选择转往的服务或窗口。 / Choose a service or a window to move it to.", 400)
    number = answer.get("number", "")
    return done(f"已将{number}号移至{where_zh}。 / {number} was moved to {where_en}.")


# ---- the display's notice -----------------------------------------------------------------------------


@page(bp, "/notice", "act.set_notice", methods=("POST",))
def set_notice(who: Who) -> Response:
    text = " ".join(request.form.get("notice", "").split())
    hall().set_notice(who.session, text)  # type: ignore[attr-defined]
    if not text:
        return done("已恢复配置文件中的滚动通知。 / The display shows the hall file's notice again.")
    return done(f"综合屏滚动通知已更新：{text} / The display's notice is updated.")
