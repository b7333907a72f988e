"""Windows (窗口设置): each window's name, services in priority order, A and B posts, head and LED sign — edited in a
form; a window added or removed. Every change is a new configuration version (application/config_versions.py):
validated by hallfile first (every problem by key, the sentences of `hallq check-config`), applied without a
restart (HallService.reconfigure → `hall.configured`), with a diff and on the audit record. A window with
someone signed in (or a ticket being served) is not removed: core/hall.py check_reconfigure says so."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from core.hall import CLOSED
from core.tickets import DomainError
from hallfile.problems import ConfigError
from server.console.base import Who, console_blueprint, done, hall, page
from server.console.config import versions

bp = console_blueprint("windows")

_SPLIT = re.compile(r"[,，、\s]+")


def levels_text(services: list[Any]) -> str:
    """A window's services as the form shows them: one priority level a line, equal services on one line."""
    return "\n".join(", ".join(level) if isinstance(level, list) else str(level) for level in services)


def levels_of(text: str) -> list[Any]:
    """The form's services: a line a level (the first served first), codes on one line of equal priority."""
    levels: list[Any] = []
    for line in text.splitlines():
        codes = [c for c in _SPLIT.split(line.strip()) if c]
        if codes:
            levels.append(codes[0] if len(codes) == 1 else codes)
    return levels


def _number(raw: str) -> Any:
    raw = raw.strip()
    return int(raw) if raw.isdigit() else raw  # not a number: hallfile names it


def _row(form: MultiDict[str, str], current: dict[str, Any]) -> dict[str, Any]:
    """The window's table after the form: the fields the form holds replaced, the rest (department …) kept."""
    row = {k: v for k, v in current.items() if k not in ("name", "services", "staff_a", "staff_b", "head", "sign")}
    row["number"] = current["number"] if "number" in current else _number(form.get("number", ""))
    row["name"] = form.get("name", "").strip()
    row["services"] = levels_of(form.get("services", ""))
    for key in ("staff_a", "staff_b", "head"):
        if form.get(key, "").strip():
            row[key] = form.get(key, "").strip()
    port = form.get("sign_port", "").strip()
    if port:
        sign = dict(current.get("sign") or {})
        sign["port"] = port
        address = form.get("sign_address", "").strip()
        if address:
            sign["address"] = _number(address)
        else:
            sign.pop("address", None)
        row["sign"] = sign
    return row


def _render(
    who: Who, problems: list[str] | None = None, edited: int | str | None = None, status: int = 200
) -> tuple[str, int]:
    data = versions().data()
    windows = []
    for w in data.get("windows", []):
        sign = w.get("sign") or {}
        fields = {
            "number": w.get("number"),
            "name": w.get("name", ""),
            "services": levels_text(w.get("services", [])),
            "staff_a": w.get("staff_a", ""),
            "staff_b": w.get("staff_b", ""),
            "head": w.get("head", ""),
            "sign_port": sign.get("port", ""),
            "sign_address": sign.get("address", ""),
        }
        if problems and edited == w.get("number"):
            fields.update({k: request.form.get(k, "") for k in fields if k != "number"})
        windows.append(fields)
    live = hall()
    with live.lock:
        signed_in = {n: ws.staff for n, ws in live.hall.windows.items() if ws.staff}
    return render_template(
        "console/windows/windows.html",
        who=who,
        windows=windows,
        staff=live.config.staff,
        services=live.config.services,
        signed_in=signed_in,
        problems=problems or [],
        new=request.form if problems and edited == "new" else {},
        has_version=bool(data),
    ), status


def _saved(number: int, zh: str, en: str) -> Response:
    return done(
        f"{zh}，已保存为版本 {number} 并立即生效。 / {en}; saved as version {number}, in effect now.",
        default="console_windows.windows",
    )


def _index(data: dict[str, Any], number: int) -> int:
    for i, w in enumerate(data.get("windows", [])):
        if w.get("number") == number:
            return i
    raise NotFound


@page(bp, "/windows", "page.windows")
def windows(who: Who) -> tuple[str, int]:
    return _render(who)


@page(bp, "/windows/<int:number>", "act.windows", methods=("POST",))
def save_window(who: Who, number: int) -> Response | tuple[str, int]:
    data = versions().editable_data()
    index = _index(data, number)
    data["windows"][index] = _row(request.form, data["windows"][index])
    note = request.form.get("note", "").strip() or f"{number}号窗口设置 / window {number}'s settings"
    try:
        saved = versions().change(data, note)
    except ConfigError as exc:
        return _render(who, exc.problems, number, 400)
    return _saved(saved, f"{number}号窗口已更新", f"window {number} is updated")


@page(bp, "/windows/add", "act.windows", methods=("POST",))
def add_window(who: Who) -> Response | tuple[str, int]:
    data = versions().editable_data()
    row = _row(request.form, {})
    number = row["number"]
    if any(w.get("number") == number for w in data.get("windows", [])):
        raise DomainError("window_exists", f"{number}号窗口已存在。 / Window {number} exists already.", 409)
    data["windows"] = [*data.get("windows", []), row]
    try:
        saved = versions().change(data, f"新增{number}号窗口 / window {number} added")
    except ConfigError as exc:
        return _render(who, exc.problems, "new", 400)
    return _saved(saved, f"已新增{number}号窗口", f"window {number} is added")


@page(bp, "/windows/<int:number>/remove", "act.windows", methods=("POST",))
def remove_window(who: Who, number: int) -> Response | tuple[str, int]:
    data = versions().editable_data()
    index = _index(data, number)
    with hall().lock:
        ws = hall().hall.windows.get(number)
        busy = ws is not None and (ws.status != CLOSED or ws.current is not None)
        staff = ws.staff if ws is not None else None
    if busy:
        member = hall().config.staff_member(staff) if staff else None
        name = f"{member.name}（{staff}）" if member else (staff or "")
        raise DomainError(
            "window_in_use",
            f"{number}号窗口有{name}签到或正在办理，请先签退再删除。 / Window {number} has {staff or 'someone'} signed"
            " in or a ticket being served; sign them out before removing it.",
            409,
        )
    del data["windows"][index]
    try:
        saved = versions().change(data, f"删除{number}号窗口 / window {number} removed")
    except ConfigError as exc:
        return _render(who, exc.problems, None, 400)
    return _saved(saved, f"已删除{number}号窗口", f"window {number} is removed")
