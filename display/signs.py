"""Which sign hangs where, and what it shows.

Signs come from the hall configuration (each window's ``sign`` table) or from a local TOML file, so a
display PC can own its own serial ports::

    [[sign]]
    window = 3
    port = "/dev/ttyUSB0"      # or "COM3", "socket://10.0.0.7:4001", "loop://"
    protocol = "bx"            # "bx" (Onbon/仰邦 BX) or "text"
    address = 3                # default 1
    baudrate = 57600           # default 57600

What a sign shows follows the window's state: ``led_paused`` while paused, ``led_called`` while a ticket is
called or served there, ``led_idle`` otherwise (the hall's ``[announce]`` templates).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.announce import sign_text
from core.config import SIGN_PROTOCOLS, Announce, HallConfig, SignConfig

DEFAULT_LED_CALLED = "请{number}号"
DEFAULT_LED_PAUSED = "暂停服务"
DEFAULT_LED_IDLE = "{window}号窗口"
SHOWN_STATUSES = ("called", "serving")  # a ticket in these states is on the window's sign
SIGN_KEYS = {"window", "port", "protocol", "address", "baudrate", "width", "height"}

WindowSign = tuple[int, SignConfig]


class SignsFileError(ValueError):
    """Every problem found in a signs file, one sentence (Chinese / English) per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class SignTexts:
    """The three sign templates; ``text_for`` picks one from a window's state."""

    called: str = DEFAULT_LED_CALLED
    paused: str = DEFAULT_LED_PAUSED
    idle: str = DEFAULT_LED_IDLE

    @classmethod
    def from_announce(cls, announce: Announce) -> SignTexts:
        return cls(announce.led_called, announce.led_paused, announce.led_idle)

    def text_for(self, window: Mapping[str, Any]) -> str:
        """``window`` is a window view from the server (number, status, current_number, current_status)."""
        number = int(window["number"])
        if window.get("status") == "paused":
            return sign_text(self.paused, window=number)
        current = window.get("current_number")
        if current and window.get("current_status") in SHOWN_STATUSES:
            return sign_text(self.called, number=current, window=number)
        return sign_text(self.idle, window=number)


def signs_from_hall(hall: HallConfig) -> list[WindowSign]:
    """(window, sign) for every window whose configuration has a ``sign`` table."""
    return [(w.number, w.sign) for w in hall.windows if w.sign is not None]


def align_loopback_baudrates(signs: list[WindowSign]) -> list[WindowSign]:
    """``loop://`` has no line speed; give every loopback sign the first one's baud rate.

    SignBoard puts signs with the same port URL on one bus and refuses mixed baud rates; the demo hall uses
    ``loop://`` for every window (one of them at 9600), which must still start.
    """
    first: dict[str, int] = {}
    aligned = []
    for window, sign in signs:
        if sign.port.startswith("loop://"):
            sign = replace(sign, baudrate=first.setdefault(sign.port, sign.baudrate))
        aligned.append((window, sign))
    return aligned


def load_signs_file(path: str | Path) -> list[WindowSign]:
    """Read a local ``[[sign]]`` file; raises SignsFileError naming every problem."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SignsFileError([f"{file}: 找不到显示屏配置文件 / signs file not found"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SignsFileError([f"{file}: TOML 格式错误 / not valid TOML: {exc}"]) from None
    return parse_signs(data, str(file))


def parse_signs(data: Mapping[str, Any], source: str = "signs") -> list[WindowSign]:
    """The ``[[sign]]`` tables of an already parsed file."""
    rows = data.get("sign")
    if not isinstance(rows, list) or not rows:
        raise SignsFileError([f"{source}: 至少需要一个 [[sign]] 表 / at least one [[sign]] table is required"])
    problems: list[str] = []
    signs: list[WindowSign] = []
    for index, row in enumerate(rows):
        where = f"{source}: sign[{index}]"
        if not isinstance(row, dict):
            problems.append(f"{where}: 应为表格 [[sign]] / must be a table [[sign]]")
            continue
        parsed = _parse_row(row, where, problems)
        if parsed is not None:
            signs.append(parsed)
    _check_duplicates(signs, source, problems)
    if problems:
        raise SignsFileError(problems)
    return signs


def _parse_row(row: dict[str, Any], where: str, problems: list[str]) -> WindowSign | None:
    before = len(problems)
    for key in sorted(set(row) - SIGN_KEYS):
        problems.append(f"{where}.{key}: 未知的键 / unknown key (known: {', '.join(sorted(SIGN_KEYS))})")
    window = _positive_int(row, "window", where, problems, default=None)
    port = row.get("port")
    if not isinstance(port, str) or not port.strip():
        problems.append(f'{where}.port: 须填写串口，如 "/dev/ttyUSB0" / a port is required, e.g. "/dev/ttyUSB0"')
    protocol = row.get("protocol", "bx")
    if protocol not in SIGN_PROTOCOLS:
        problems.append(
            f"{where}.protocol: 应为 {' / '.join(SIGN_PROTOCOLS)}，实际为 {protocol!r} / "
            f"must be one of {', '.join(SIGN_PROTOCOLS)}, got {protocol!r}"
        )
    address = _positive_int(row, "address", where, problems, default=1)
    baudrate = _positive_int(row, "baudrate", where, problems, default=57600)
    width = _positive_int(row, "width", where, problems, default=None) if "width" in row else None
    height = _positive_int(row, "height", where, problems, default=None) if "height" in row else None
    if len(problems) > before or window is None:
        return None
    assert isinstance(port, str) and address is not None and baudrate is not None
    return window, SignConfig(
        port=port.strip(), protocol=protocol, address=address, baudrate=baudrate, width=width, height=height
    )


def _positive_int(row: dict[str, Any], key: str, where: str, problems: list[str], default: int | None) -> int | None:
    if key not in row:
        if default is None:
            problems.append(f"{where}.{key}: 缺少此项 / this key is required")
        return default
    value = row[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.append(f"{where}.{key}: 应为正整数，实际为 {value!r} / must be a positive whole number, got {value!r}")
        return None
    return value


def _check_duplicates(signs: list[WindowSign], source: str, problems: list[str]) -> None:
    windows: set[int] = set()
    places: set[tuple[str, str, int]] = set()
    for window, sign in signs:
        if window in windows:
            problems.append(f"{source}: 窗口 {window} 有两块显示屏 / window {window} has two signs")
        windows.add(window)
        place = (sign.port, sign.protocol, sign.address)
        if place in places:
            problems.append(
                f"{source}: 端口 {sign.port} 上地址 {sign.address} 重复 / "
                f"two signs share address {sign.address} on port {sign.port}"
            )
        places.add(place)


def unknown_windows(signs: list[WindowSign], hall: HallConfig | None) -> list[int]:
    """Windows named in a signs file that the hall does not have (a warning, not an error)."""
    if hall is None:
        return []
    return [window for window, _ in signs if hall.window(window) is None]
