"""Devices (设备): the paired kiosks, rating pads, displays and callers — add one (its pairing code shown once),
rename, move to another window, revoke. Each action is a command of the application layer (HallService), on the
audit record."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request

from core.devices import DEVICE_ROLE_NAMES, DEVICE_ROLES
from core.tickets import DomainError
from server.console.base import Who, console_blueprint, done, hall, page

bp = console_blueprint("devices")

ROLE_EN = {"kiosk": "Kiosk", "pad": "Rating pad", "display": "Display", "caller": "Caller"}


def _window(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or hall().config.window(int(raw)) is None:
        raise DomainError("unknown_window", f"没有{raw}号窗口。 / There is no window {raw}.", 404)
    return int(raw)


def _render(who: Who, new: dict[str, object] | None = None, status: int = 200) -> tuple[str, int]:
    service = hall()
    return render_template(
        "console/devices/devices.html",
        who=who,
        devices=service.devices(),
        roles=[(r, DEVICE_ROLE_NAMES.get(r, r), ROLE_EN.get(r, r)) for r in DEVICE_ROLES],
        role_names=DEVICE_ROLE_NAMES,
        role_en=ROLE_EN,
        windows=service.config.windows,
        new=new,
        code_minutes=service.config.devices.code_minutes,
    ), status


@page(bp, "/devices", "page.devices")
def devices(who: Who) -> tuple[str, int]:
    return _render(who)


@page(bp, "/devices", "act.devices", methods=("POST",))
def add_device(who: Who) -> tuple[str, int]:
    """The new device's pairing code is shown on the answer page, once: it is stored hashed."""
    service = hall()
    role = request.form.get("role", "")
    device = service.create_device(role, request.form.get("name", "").strip(), _window(request.form.get("window")))
    expires = dt.datetime.fromisoformat(str(device["code_expires_at"])).astimezone(service.config.tz)
    device["expires_local"] = expires.strftime("%H:%M")
    return _render(who, new=device)


@page(bp, "/devices/<device_id>/rename", "act.devices", methods=("POST",))
def rename_device(who: Who, device_id: str) -> object:
    name = request.form.get("name", "").strip()
    if not name:
        raise DomainError("bad_name", "请填写设备名称。 / Give the device a name.", 400)
    hall().update_device(device_id, name=name[:60])
    return done(f"设备已改名为“{name}”。 / The device is now called {name}.", default="console_devices.devices")


@page(bp, "/devices/<device_id>/move", "act.devices", methods=("POST",))
def move_device(who: Who, device_id: str) -> object:
    window = _window(request.form.get("window"))
    if window is None:
        raise DomainError("bad_window", "请选择窗口。 / Choose a window.", 400)
    device = hall().update_device(device_id, window=window)
    return done(
        f"“{device['name']}”已移至{window}号窗口。 / {device['name']} now belongs to window {window}.",
        default="console_devices.devices",
    )


@page(bp, "/devices/<device_id>/revoke", "act.devices", methods=("POST",))
def revoke_device(who: Who, device_id: str) -> object:
    device = hall().revoke_device(device_id)
    return done(
        f"“{device['name']}”已吊销，它的令牌立即失效。 / {device['name']} is revoked; its token no longer works.",
        default="console_devices.devices",
    )
