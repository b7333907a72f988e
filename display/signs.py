"""Which sign hangs where, and what it shows.

Signs come from the hall configuration (each window's ``sign`` table) or from a local ``[[sign]]`` file, so a
display PC can own its own serial ports (read and checked by ``hallfile.load_signs``; its format is described
there).

What a sign shows follows the window's state: ``led_called`` while a ticket is called or served there,
``led_idle`` while the window is open and free (``led_red_flag``, e.g. "流动红旗 3号窗口", instead while the window holds
the month's red flag: core.scoring.idle_sign_template), and ``led_paused`` while it is paused or closed (nobody signed in:
the window does not serve, so its sign must not read "3号窗口" as if it did) — the hall's ``[announce]`` templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from core.announce import sign_text
from core.config import (
    DEFAULT_LED_CALLED,
    DEFAULT_LED_IDLE,
    DEFAULT_LED_PAUSED,
    DEFAULT_LED_RED_FLAG,
    Announce,
    HallConfig,
    SignConfig,
)
from core.scoring import idle_sign_template

SHOWN_STATUSES = ("called", "serving")  # a ticket in these states is on the window's sign

WindowSign = tuple[int, SignConfig]


@dataclass(frozen=True)
class SignTexts:
    """The sign templates; ``text_for`` picks one from a window's state. A closed window shows ``closed``, by
    default the not-serving text ``paused`` (the hall's ``led_paused``)."""

    called: str = DEFAULT_LED_CALLED
    paused: str = DEFAULT_LED_PAUSED
    idle: str = DEFAULT_LED_IDLE
    closed: str = ""  # "": the same as paused
    red_flag: str = DEFAULT_LED_RED_FLAG  # idle, at a window holding the red flag ("": as any idle window)
    flag_windows: frozenset[int] = frozenset()  # the windows holding the red flag now (from the honour roll)

    @classmethod
    def from_announce(cls, announce: Announce) -> SignTexts:
        return cls(announce.led_called, announce.led_paused, announce.led_idle, red_flag=announce.led_red_flag)

    def text_for(self, window: Mapping[str, Any]) -> str:
        """``window`` is a window view from the server (number, status, current_number, current_status)."""
        number = int(window["number"])
        if window.get("status") == "paused":
            return sign_text(self.paused, window=number)
        if window.get("status") == "closed":
            return sign_text(self.closed or self.paused, window=number)
        current = window.get("current_number")
        if current and window.get("current_status") in SHOWN_STATUSES:
            return sign_text(self.called, number=current, window=number)
        return sign_text(idle_sign_template(number, self.flag_windows, self.idle, self.red_flag), window=number)


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


def unknown_windows(signs: list[WindowSign], hall: HallConfig | None) -> list[int]:
    """Windows named in a signs file that the hall does not have (a warning, not an error)."""
    if hall is None:
        return []
    return [window for window, _ in signs if hall.window(window) is None]
