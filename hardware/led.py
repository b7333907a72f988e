"""LED window signs: signs on serial ports, written by one worker thread per port, plus a recording fake.

How it fits together:

- ``SignBoard`` builds everything from a hall's ``[windows.sign]`` entries: one ``SignBus`` per port URL
  (signs on one RS-485 line share it, told apart by address) and one ``Sign`` per window.
- ``Sign.show(text)`` encodes the frame on the caller's thread (so text the sign cannot show fails at
  once, with a clear ``SignTextError``) and hands it to its bus; it never waits for the port.
- The bus's worker thread owns the port (``serial.serial_for_url``: ``/dev/ttyUSB0``, ``COM3``,
  ``socket://host:port``, ``loop://``). It writes one frame at a time, so frames on a shared line never
  interleave. Only the newest text per sign is kept: older, unwritten texts are dropped.
- A port that cannot be opened or written (unplugged adapter, timeout) is closed and retried with a
  backoff capped at ``retry_max_s``; its signs are marked offline. When it opens again, every sign on it
  is sent its current text. Other ports have their own threads and carry on.
- Every ``refresh_s`` seconds the current texts are sent again, so a sign that lost power (BX dynamic
  areas live in RAM) comes back without anyone noticing. The signs never answer (we ask for no reply),
  so a dead sign on a live port cannot be seen; ``online`` means "the port took the bytes".

``FakeSign`` / ``FakeSignBoard`` have the same interface and record every text and frame, for app tests.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from core.config import HallConfig, SignConfig
from hardware.led_protocols import DEFAULT_AREA, PROTOCOLS, BxArea, SignTextError, encode

__all__ = [
    "FakeSign",
    "FakeSignBoard",
    "Port",
    "Sign",
    "SignBoard",
    "SignBus",
    "SignStatus",
    "SignTextError",
    "open_serial",
]

CONNECTING, ONLINE, OFFLINE = "connecting", "online", "offline"


class Port(Protocol):
    """The part of a pyserial port the bus uses."""

    def write(self, data: bytes) -> int | None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


OpenPort = Callable[[str, int, float], Port]


def open_serial(url: str, baudrate: int, write_timeout: float) -> Port:
    """Open a real port (device path or pyserial URL). Imported lazily: pyserial is an optional dependency."""
    import serial

    port: Port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.2, write_timeout=write_timeout)
    return port


@dataclass(frozen=True)
class SignStatus:
    """What the display app shows about one sign."""

    state: str = CONNECTING  # "connecting" (nothing known yet), "online" or "offline"
    last_error: str = ""  # the latest port problem, kept after the port recovers
    shown: str | None = None  # the latest text whose bytes the port took
    wanted: str | None = None  # the latest text asked for

    @property
    def online(self) -> bool:
        return self.state == ONLINE


@dataclass(frozen=True)
class _Job:
    text: str
    frame: bytes


class Sign:
    """One sign on a bus. Made by ``SignBus.add_sign``; ``show`` returns at once."""

    def __init__(self, bus: SignBus, address: int, protocol: str, area: BxArea) -> None:
        self.bus = bus
        self.address = address
        self.protocol = protocol
        self.area = area

    def show(self, text: str) -> None:
        """Ask the sign to show ``text``; raises ``SignTextError`` at once if the sign cannot show it."""
        self.bus.submit(self, _Job(text, encode(self.protocol, text, self.address, self.area)))

    @property
    def status(self) -> SignStatus:
        return self.bus.status_of(self)

    def __repr__(self) -> str:
        return f"Sign({self.bus.url!r}, address={self.address}, protocol={self.protocol!r})"


class SignBus:
    """One serial port and the worker thread that alone writes to it."""

    def __init__(
        self,
        url: str,
        baudrate: int = 57600,
        *,
        write_timeout: float = 1.0,
        retry_initial_s: float = 0.1,
        retry_max_s: float = 2.0,
        refresh_s: float | None = 30.0,
        open_port: OpenPort = open_serial,
    ) -> None:
        if not url:
            raise ValueError("显示屏端口不能为空 / sign port must not be empty")
        self.url = url
        self.baudrate = baudrate
        self._write_timeout = write_timeout
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self._refresh_s = refresh_s
        self._open_port = open_port
        self._cond = threading.Condition()
        self._signs: list[Sign] = []
        self._pending: dict[Sign, _Job] = {}  # insertion order = writing order
        self._current: dict[Sign, _Job] = {}
        self._status: dict[Sign, SignStatus] = {}
        self._closing = False
        self._close_deadline = 0.0
        self._next_refresh = self._refresh_deadline()
        self._thread = threading.Thread(target=self._run, name=f"sign-bus {url}", daemon=True)
        self._thread.start()

    def add_sign(self, address: int = 1, protocol: str = "bx", area: BxArea = DEFAULT_AREA) -> Sign:
        """A new sign on this port; two signs of one protocol cannot share an address."""
        if protocol not in PROTOCOLS:
            raise ValueError(
                f"未知的显示屏协议 {protocol!r}，应为 {' / '.join(PROTOCOLS)} / "
                f"unknown sign protocol {protocol!r}, must be one of {', '.join(PROTOCOLS)}"
            )
        encode(protocol, "", address, area)  # checks the address and area now, not at the first show
        with self._cond:
            if any(s.address == address and s.protocol == protocol for s in self._signs):
                raise ValueError(
                    f"端口 {self.url} 上已有地址为 {address} 的 {protocol} 显示屏 / "
                    f"port {self.url} already has a {protocol} sign at address {address}"
                )
            sign = Sign(self, address, protocol, area)
            self._signs.append(sign)
            self._status[sign] = SignStatus()
        return sign

    @property
    def signs(self) -> tuple[Sign, ...]:
        with self._cond:
            return tuple(self._signs)

    def submit(self, sign: Sign, job: _Job) -> None:
        """Queue ``job`` for ``sign``, replacing any text of that sign not yet written."""
        with self._cond:
            if self._closing:
                raise RuntimeError(f"显示屏端口 {self.url} 已关闭 / sign port {self.url} is closed")
            self._pending[sign] = job
            self._current[sign] = job
            self._status[sign] = replace(self._status[sign], wanted=job.text)
            self._cond.notify_all()

    def status_of(self, sign: Sign) -> SignStatus:
        with self._cond:
            return self._status[sign]

    def close(self, timeout: float = 1.0) -> None:
        """Stop the worker after it has written what is pending (for at most ``timeout`` seconds)."""
        with self._cond:
            self._closing = True
            self._close_deadline = time.monotonic() + timeout
            self._cond.notify_all()
        self._thread.join(timeout + self._write_timeout + 1.0)

    # ---- worker thread -------------------------------------------------------------------------------

    def _run(self) -> None:
        port: Port | None = None
        delay = self._retry_initial_s
        while True:
            if port is None:
                port = self._try_open()
                if port is None:
                    if self._closing:
                        return
                    self._pause(delay)
                    delay = min(delay * 2, self._retry_max_s)
                    continue
            taken = self._take_job()
            if taken is None:
                break
            sign, job = taken
            try:
                port.write(job.frame)
                port.flush()
            except Exception as exc:
                _close_quietly(port)
                port = None
                self._mark_all(
                    OFFLINE, f"写入端口 {self.url} 失败 / writing to port {self.url} failed: {_describe(exc)}"
                )
                if self._closing:
                    return
                self._pause(delay)
                delay = min(delay * 2, self._retry_max_s)
                continue
            delay = self._retry_initial_s
            self._written(sign, job)
        _close_quietly(port)

    def _try_open(self) -> Port | None:
        try:
            port = self._open_port(self.url, self.baudrate, self._write_timeout)
        except Exception as exc:
            self._mark_all(OFFLINE, f"无法打开端口 {self.url} / cannot open port {self.url}: {_describe(exc)}")
            return None
        with self._cond:
            for sign in self._signs:  # after a reconnect every sign gets its current text again
                if sign in self._current and sign not in self._pending:
                    self._pending[sign] = self._current[sign]
            for sign in self._signs:
                self._status[sign] = replace(self._status[sign], state=ONLINE)
        return port

    def _take_job(self) -> tuple[Sign, _Job] | None:
        """The oldest pending job, waiting for one; None when the bus is closing and done."""
        with self._cond:
            while True:
                now = time.monotonic()
                if self._closing and (not self._pending or now >= self._close_deadline):
                    return None
                if self._pending:
                    sign = next(iter(self._pending))
                    return sign, self._pending[sign]
                if now >= self._next_refresh:
                    self._pending.update(self._current)
                    self._next_refresh = self._refresh_deadline()
                    continue
                wait = None if self._refresh_s is None else max(0.0, self._next_refresh - now)
                self._cond.wait(wait)

    def _written(self, sign: Sign, job: _Job) -> None:
        with self._cond:
            if self._pending.get(sign) is job:
                del self._pending[sign]
            self._status[sign] = replace(self._status[sign], state=ONLINE, shown=job.text)

    def _mark_all(self, state: str, error: str) -> None:
        with self._cond:
            for sign in self._signs:
                self._status[sign] = replace(self._status[sign], state=state, last_error=error)

    def _pause(self, seconds: float) -> None:
        """Sleep before a retry; close() cuts it short."""
        deadline = time.monotonic() + seconds
        with self._cond:
            while not self._closing and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)

    def _refresh_deadline(self) -> float:
        return float("inf") if self._refresh_s is None else time.monotonic() + self._refresh_s


def area_for(config: SignConfig, default: BxArea) -> BxArea:
    """The sign's own size where the configuration gives one, else the board's default area."""
    changes = {k: v for k, v in (("width", config.width), ("height", config.height)) if v is not None}
    return replace(default, **changes) if changes else default


class SignBoard:
    """Every window's sign, built from (window number, SignConfig) pairs or from a hall."""

    def __init__(
        self,
        signs: Iterable[tuple[int, SignConfig]],
        *,
        area: BxArea = DEFAULT_AREA,
        **bus_options: Any,
    ) -> None:
        """``bus_options`` go to every ``SignBus``: write_timeout, retry_initial_s, retry_max_s, refresh_s, open_port."""
        configs = _checked_configs(signs)
        self._buses: dict[str, SignBus] = {}
        self._signs: dict[int, Sign] = {}
        try:
            for window, config in configs:
                bus = self._buses.get(config.port)
                if bus is None:
                    bus = self._buses[config.port] = SignBus(config.port, config.baudrate, **bus_options)
                self._signs[window] = bus.add_sign(config.address, config.protocol, area_for(config, area))
        except Exception:
            self.close(timeout=0)
            raise

    @classmethod
    def from_hall(cls, hall: HallConfig, **options: Any) -> SignBoard:
        return cls(((w.number, w.sign) for w in hall.windows if w.sign is not None), **options)

    @property
    def windows(self) -> tuple[int, ...]:
        return tuple(sorted(self._signs))

    def sign(self, window: int) -> Sign | None:
        return self._signs.get(window)

    def show(self, window: int, text: str) -> bool:
        """Show ``text`` on the window's sign; False when that window has no sign."""
        sign = self._signs.get(window)
        if sign is None:
            return False
        sign.show(text)
        return True

    def status(self, window: int) -> SignStatus | None:
        sign = self._signs.get(window)
        return None if sign is None else sign.status

    def statuses(self) -> dict[int, SignStatus]:
        return {window: sign.status for window, sign in sorted(self._signs.items())}

    def close(self, timeout: float = 1.0) -> None:
        for bus in self._buses.values():
            bus.close(timeout)

    def __enter__(self) -> SignBoard:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class FakeSign:
    """Records every text and frame; ``go_offline``/``go_online`` play an unplugged sign."""

    def __init__(self, address: int = 1, protocol: str = "bx", area: BxArea = DEFAULT_AREA) -> None:
        encode(protocol, "", address, area)
        self.address = address
        self.protocol = protocol
        self.area = area
        self.texts: list[str] = []
        self.frames: list[bytes] = []
        self._status = SignStatus(state=ONLINE)

    def show(self, text: str) -> None:
        frame = encode(self.protocol, text, self.address, self.area)
        self.texts.append(text)
        self.frames.append(frame)
        shown = text if self._status.online else self._status.shown
        self._status = replace(self._status, wanted=text, shown=shown)

    @property
    def status(self) -> SignStatus:
        return self._status

    @property
    def last_text(self) -> str | None:
        return self.texts[-1] if self.texts else None

    def go_offline(self, error: str = "模拟断开 / simulated unplug") -> None:
        self._status = replace(self._status, state=OFFLINE, last_error=error)

    def go_online(self) -> None:
        self._status = replace(self._status, state=ONLINE, shown=self._status.wanted)


class FakeSignBoard:
    """``SignBoard``'s interface over ``FakeSign``s; nothing leaves the process. ``signs`` maps window → FakeSign."""

    def __init__(
        self,
        signs: Iterable[tuple[int, SignConfig]] = (),
        *,
        area: BxArea = DEFAULT_AREA,
        **_bus_options: Any,
    ) -> None:
        configs = _checked_configs(signs)
        self.signs = {
            window: FakeSign(config.address, config.protocol, area_for(config, area)) for window, config in configs
        }
        self.closed = False

    @classmethod
    def from_hall(cls, hall: HallConfig, **options: Any) -> FakeSignBoard:
        return cls(((w.number, w.sign) for w in hall.windows if w.sign is not None), **options)

    @property
    def windows(self) -> tuple[int, ...]:
        return tuple(sorted(self.signs))

    def sign(self, window: int) -> FakeSign | None:
        return self.signs.get(window)

    def show(self, window: int, text: str) -> bool:
        sign = self.signs.get(window)
        if sign is None:
            return False
        sign.show(text)
        return True

    def status(self, window: int) -> SignStatus | None:
        sign = self.signs.get(window)
        return None if sign is None else sign.status

    def statuses(self) -> dict[int, SignStatus]:
        return {window: sign.status for window, sign in sorted(self.signs.items())}

    def close(self, timeout: float = 1.0) -> None:
        self.closed = True

    def __enter__(self) -> FakeSignBoard:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _checked_configs(signs: Iterable[tuple[int, SignConfig]]) -> list[tuple[int, SignConfig]]:
    """The pairs, or a ValueError naming every problem: empty port, duplicate window, mixed baud rates."""
    configs = list(signs)
    problems: list[str] = []
    baud_of: dict[str, int] = {}
    seen: set[int] = set()
    for window, config in configs:
        if window in seen:
            problems.append(f"窗口 {window} 有两块显示屏 / window {window} has two signs")
        seen.add(window)
        if not config.port:
            problems.append(f"窗口 {window} 的显示屏缺少端口 / window {window}: sign port is empty")
        if config.protocol not in PROTOCOLS:
            problems.append(
                f"窗口 {window} 的显示屏协议 {config.protocol!r} 未知 / "
                f"window {window}: unknown sign protocol {config.protocol!r}"
            )
        first_baud = baud_of.setdefault(config.port, config.baudrate)
        if first_baud != config.baudrate:
            problems.append(
                f"端口 {config.port} 上的显示屏波特率不一致（{first_baud} 与 {config.baudrate}） / "
                f"signs on port {config.port} disagree on the baud rate ({first_baud} vs {config.baudrate})"
            )
    if problems:
        raise ValueError("\n".join(problems))
    return configs


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _close_quietly(port: Port | None) -> None:
    if port is None:
        return
    with contextlib.suppress(Exception):
        port.close()
