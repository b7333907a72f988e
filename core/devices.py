"""Paired devices (设备配对): which device may do what. The hall's network is not a trusted place."""

from __future__ import annotations

from dataclasses import dataclass

from core.tickets import DomainError

DEVICE_ROLES = ("kiosk", "pad", "display", "caller")
DEVICE_ROLE_NAMES = {"kiosk": "取号机", "pad": "评价器", "display": "显示屏", "caller": "呼叫器"}
LOCAL = "local"  # an app on the server's own machine, where the hall trusts it (the demo), or in-process


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    role: str  # one of DEVICE_ROLES, or LOCAL
    window: int | None  # pads and callers belong to a window


LOCAL_DEVICE = Device("local", "本机 / this machine", LOCAL, None)


def check_new_device(role: str, window: int | None, window_exists: bool) -> None:
    if role not in DEVICE_ROLES:
        raise DomainError(
            "bad_device_role",
            f"设备类型应为：{'、'.join(DEVICE_ROLE_NAMES.values())}。 / A device is one of {', '.join(DEVICE_ROLES)}.",
            400,
        )
    if role in ("pad", "caller") and window is None:
        raise DomainError(
            "window_required", "评价器和呼叫器须指定窗口。 / A rating pad or a caller belongs to a window.", 400
        )
    if window is not None and not window_exists:
        raise DomainError("unknown_window", f"没有{window}号窗口。 / There is no window {window}.", 400)


def rating_window(device: Device | None, pairing_required: bool, asked: int | None) -> int | None:
    """The window a rating comes from: the pad's own (its pairing), never what a request says.

    Only a pad paired with a window may rate (the window that served the ticket is checked by core.ratings);
    an app the hall trusts (LOCAL) says its window itself.
    """
    if device is not None and device.role == "pad":
        return device.window
    if device is not None and device.role == LOCAL or not pairing_required:
        return asked
    raise DomainError(
        "device_required",
        "只有已配对的窗口评价器可以提交评价。 / Only a rating pad paired with the window may record a rating.",
        403,
    )


def check_may_issue(device: Device | None, pairing_required: bool, staff: bool) -> None:
    """Tickets come from paired kiosks (and staff at the service desk)."""
    if staff or not pairing_required or (device is not None and device.role in ("kiosk", LOCAL)):
        return
    raise DomainError(
        "device_required", "只有已配对的取号机可以取号。 / Only a paired ticket kiosk may issue tickets.", 403
    )


def check_may_listen(
    *,
    trusted: bool,
    capacity: int,
    open_total: int,
    open_public: int,
    open_here: int,
    public_share: float,
    per_address: int,
) -> None:
    """Whether one more event stream may open. Paired devices and staff (`trusted`) may take any free slot; streams
    without a credential (phone pages, anyone on the network) only their share of the slots (the rest is kept for
    the hall's own screens, callers and pads) and a few per address, so nobody can cut off the displays."""
    full = DomainError(
        "too_many_subscribers",
        "事件流连接数已满，请稍后再试。 / Too many event-stream subscribers; try again shortly.",
        503,
    )
    if open_total >= capacity:
        raise full
    if trusted:
        return
    if open_public >= int(capacity * public_share):
        raise full
    if open_here >= per_address:
        raise DomainError(
            "too_many_streams_here",
            f"此地址的事件流连接已达上限（{per_address}个）。 / This address already has {per_address} event streams open.",
            429,
        )
