"""Device pairing (设备配对) and the record of who did what."""

from __future__ import annotations

from flask import Response, jsonify, request

from application import commands as cmd
from application.auth import Role, Session
from core.devices import Device
from core.tickets import DomainError
from server.api import blueprint, hall, route

bp = blueprint("devices")


@route(bp, "/devices", "GET", "Paired devices with their last contact and state", role=Role.MANAGER)
def list_devices(session: Session) -> Response:
    return jsonify(hall().devices())


@route(
    bp,
    "/devices",
    "POST",
    "Add a device to pair: answers its one-time pairing code (shown once)",
    body=cmd.NewDevice,
    role=Role.MANAGER,
    status=201,
)
def create_device(session: Session, body: cmd.NewDevice) -> tuple[Response, int]:
    return jsonify(hall().create_device(body.role, body.name, body.window)), 201


@route(
    bp,
    "/devices/<device_id>",
    "POST",
    "Rename a device or move it to another window",
    body=cmd.ChangeDevice,
    role=Role.MANAGER,
)
def update_device(device_id: str, session: Session, body: cmd.ChangeDevice) -> Response:
    return jsonify(hall().update_device(device_id, name=body.name, window=body.window))


@route(bp, "/devices/<device_id>/revoke", "POST", "Revoke a device: its token stops working at once", role=Role.MANAGER)
def revoke_device(device_id: str, session: Session) -> Response:
    return jsonify(hall().revoke_device(device_id))


@route(
    bp, "/devices/pair", "POST", "A device pairs with its one-time code: answers the device's own token", body=cmd.Pair
)
def pair(body: cmd.Pair) -> Response:
    return jsonify(hall().pair(body.code))


@route(
    bp,
    "/devices/state",
    "POST",
    "A paired device reports how it is (printer out of paper, a sign not answering); empty when all is well",
    body=cmd.DeviceState,
    device=True,
)
def device_state(body: cmd.DeviceState, device: Device | None) -> Response:
    if device is None or device.role == "local":
        raise DomainError(
            "device_unknown", "只有已配对的设备可以报告状态。 / Only a paired device reports its state.", 401
        )
    hall().report_device_state(device, body.state)
    return jsonify({"ok": True})


@route(
    bp, "/audit", "GET", "The record of who did what (?since=&until=&staff=); read-only for everyone", role=Role.ADMIN
)
def audit(session: Session) -> Response:
    args = request.args
    return jsonify(hall().audit_log(since=args.get("since"), until=args.get("until"), staff=args.get("staff")))
