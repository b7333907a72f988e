"""The hall screen's state and behaviour, without Kivy: events in; screen state, sign texts and voice out.

``DisplayPresenter`` reads the hall once (GET /hall), then follows the event stream from that event id.
Every event updates the windows, the waiting counts and the recent calls; a call or recall is spoken and
the window's sign is told its new text at once, on the listener's thread (both return immediately), so the
screen's frame rate never delays a sign or a voice. After a reconnect the hall is read again to refresh
window states, but only events are ever spoken, and an event older than ``speak_max_age_s`` is shown only.
The honour roll (光荣榜: the red-flag window, the quarter's model windows and clerks; GET /honours) is read at start,
every ``refresh_s`` the hall configures (a month's or quarter's close publishes no event) and when the day rolls;
as the hall chooses it shows in place of the calls for ``show_s`` of every ``every_s`` seconds (a call brings the
calls back at once), or always in a band under the calls, a section at a time. Only names and titles are kept from it: no score, nothing
personal. The window holding the red flag gets the hall's red-flag idle text on its sign.
The recent calls start from the hall's own list (``recent_calls`` of GET /hall), so a restart keeps them; the
big "now calling" is dropped when its window pauses or closes (the call stays in the list).

Thread safety: events arrive on the listener thread, ``tick``/``view`` run on the UI thread; one lock guards
the state. ``on_change`` may be called from either thread (the app hands it to its UI loop).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from appkit.runners import Runner, run_now
from client.api import ApiError, HallApi, Listener
from display.signs import SignTexts
from hardware.led import SignStatus, SignTextError

log = logging.getLogger("hallq.display")

RECENT_CALLS = 8
SPEAK_MAX_AGE_S = 60.0
REFRESH_RETRY_S = 2.0
RECONNECTING = "正在重新连接服务器… / Reconnecting to the server…"
CONNECTING = "正在连接服务器… / Connecting to the server…"
CALL_EVENTS = ("ticket.called", "ticket.recalled")
STOP_EVENTS = ("window.paused", "window.closed")  # the big "now calling" of that window goes
REFRESH_EVENTS = ("day.rolled",)
HONOUR_RETRY_S = 60.0  # a failed read of the honour roll is tried again after this
BAND_LINE_S = 8.0  # "panel": each of the roll's lines stays this long in the band under the calls
ROLL_MODES = ("rotate", "panel", "off")
QUARTER_ZH = {"1": "一", "2": "二", "3": "三", "4": "四"}

WINDOW_STATES = {
    "paused": ("暂停服务", "Paused"),
    "closed": ("未开放", "Closed"),
    "idle": ("空闲", "Idle"),
    "called": ("请{number}", "Calling {number}"),
    "serving": ("{number} 办理中", "Serving {number}"),
}


class Signs(Protocol):
    """SignBoard / FakeSignBoard: what the presenter uses."""

    @property
    def windows(self) -> tuple[int, ...]: ...

    def show(self, window: int, text: str) -> bool: ...

    def statuses(self) -> dict[int, SignStatus]: ...


class Voice(Protocol):
    """hardware.speaker.Announcer: what the presenter uses."""

    def announce(self, number: str, window: int, recall: bool = False) -> Any: ...

    @property
    def status(self) -> Any: ...


@dataclass(frozen=True)
class CallRow:
    number: str
    window: int
    window_name: str = ""
    recall: bool = False
    time: str = ""  # HH:MM of the call, hall time

    @property
    def text(self) -> str:
        return f"{self.number} → {self.window}号窗口"

    @property
    def text_en(self) -> str:
        return f"{self.number} → Window {self.window}" + (" (again)" if self.recall else "")


@dataclass(frozen=True)
class WindowRow:
    number: int
    name: str
    state: str  # idle | called | serving | paused | closed
    current_number: str = ""
    pause_reason: str = ""

    @property
    def state_zh(self) -> str:
        return WINDOW_STATES[self.state][0].format(number=self.current_number)

    @property
    def state_en(self) -> str:
        return WINDOW_STATES[self.state][1].format(number=self.current_number)


@dataclass(frozen=True)
class WaitingRow:
    code: str
    name: str
    name_en: str
    count: int


@dataclass(frozen=True)
class HonourClerk:
    name: str
    window: str = ""  # "1号 户籍窗口"
    title: str = ""  # her title in the hall (职务), as the roll shows it


@dataclass(frozen=True)
class HonourRoll:
    """What the hall display's 光荣榜 shows: public names and titles only."""

    red_flag_month: str = ""  # "2026年10月"
    red_flag_month_en: str = ""  # "2026-10"
    red_flag: tuple[str, ...] = ()  # "3号 综合窗口"
    period: str = ""  # "2026年第三季度"
    period_en: str = ""  # "2026 Q3"
    window_title: str = ""
    staff_title: str = ""
    windows: tuple[str, ...] = ()
    staff: tuple[HonourClerk, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.red_flag or self.windows or self.staff)

    @property
    def lines(self) -> tuple[str, ...]:
        """One line per section, for the band under the calls ("panel")."""
        out = []
        if self.red_flag:
            out.append(f"流动红旗 · {self.red_flag_month}：{'、'.join(self.red_flag)}")
        if self.windows:
            out.append(f"{self.window_title or '优质服务窗口'} · {self.period}：{'、'.join(self.windows)}")
        if self.staff:
            out.append(f"{self.staff_title or '优秀服务标兵'} · {self.period}：{'、'.join(c.name for c in self.staff)}")
        return tuple(out)


@dataclass(frozen=True)
class RollDisplay:
    """How the hall shows the roll ([awards] honour_roll_display, _every_s, _show_s, _refresh_s)."""

    mode: str = "rotate"
    every_s: float = 180.0
    show_s: float = 20.0
    refresh_s: float = 600.0


def _window_label(number: Any, name: Any) -> str:
    name = str(name or "").strip()
    prefix = f"{number}号"
    if number in (None, ""):
        return name
    return name if name.startswith(prefix) else f"{prefix} {name}".strip()


def honour_roll_of(data: Mapping[str, Any]) -> tuple[HonourRoll, RollDisplay, frozenset[int]]:
    """GET /honours' answer → (the roll as shown, how it is shown, the windows holding the red flag).

    Only names and titles are taken: the red flag's score and rule and anything else the answer may carry stay
    off the public screen."""
    shown = data.get("display") or {}
    mode = str(shown.get("mode") or "rotate")
    display = RollDisplay(
        mode=mode if mode in ROLL_MODES else "rotate",
        every_s=float(shown.get("every_s") or RollDisplay.every_s),
        show_s=float(shown.get("show_s") or RollDisplay.show_s),
        refresh_s=float(shown.get("refresh_s") or RollDisplay.refresh_s),
    )
    flag = data.get("red_flag") or {}
    flag_windows = [w for w in flag.get("windows") or [] if isinstance(w, Mapping)]
    month = str(flag.get("month") or "")
    period = str(data.get("period") or "")
    year, _, quarter = period.partition("-Q")
    roll = HonourRoll(
        red_flag_month=f"{month[:4]}年{int(month[5:7])}月" if len(month) == 7 and month[5:].isdigit() else month,
        red_flag_month_en=month,
        red_flag=tuple(_window_label(w.get("number"), w.get("name")) for w in flag_windows),
        period=f"{year}年第{QUARTER_ZH[quarter]}季度" if quarter in QUARTER_ZH else period,
        period_en=f"{year} Q{quarter}" if quarter in QUARTER_ZH else period,
        window_title=str(data.get("window_title") or ""),
        staff_title=str(data.get("staff_title") or ""),
        windows=tuple(
            _window_label(w.get("number"), w.get("name")) for w in data.get("windows") or [] if isinstance(w, Mapping)
        ),
        staff=tuple(
            HonourClerk(str(c.get("name") or ""), str(c.get("window") or ""), str(c.get("title") or ""))
            for c in data.get("staff") or []
            if isinstance(c, Mapping) and c.get("name")
        ),
    )
    numbers = frozenset(int(w["number"]) for w in flag_windows if str(w.get("number", "")).isdigit())
    return roll, display, numbers


@dataclass(frozen=True)
class HallView:
    """Everything the screen shows, as one immutable snapshot."""

    name: str = ""
    name_en: str = ""
    notice: str = ""
    latest: CallRow | None = None
    call_serial: int = 0  # grows with every call or recall: the screen flashes when it changes
    recent: tuple[CallRow, ...] = ()
    windows: tuple[WindowRow, ...] = ()
    waiting: tuple[WaitingRow, ...] = ()
    connected: bool = False
    connection_message: str = ""
    warnings: tuple[str, ...] = ()
    last_event_id: int = 0
    honours: HonourRoll | None = None  # None: nothing to show (the hall shows no roll, or it is empty)
    honour_mode: str = "off"  # rotate | panel | off
    showing_honours: bool = False  # rotate: the roll stands in place of the calls now
    honour_line: str = ""  # panel: the roll's line the band shows now

    @property
    def earlier(self) -> tuple[CallRow, ...]:
        """The recent calls listed below the big one (all of them once the big one was dropped)."""
        return self.recent[1:] if self.latest is not None else self.recent


def window_state(view: Mapping[str, Any]) -> str:
    status = view.get("status")
    if status in ("paused", "closed"):
        return str(status)
    if view.get("current_number") and view.get("current_status") in ("called", "serving"):
        return str(view["current_status"])
    return "idle"


@dataclass
class _State:
    name: str = ""
    name_en: str = ""
    notice: str = ""
    services: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (name, name_en), hall order
    windows: dict[int, dict[str, Any]] = field(default_factory=dict)
    window_version: dict[int, int] = field(default_factory=dict)  # event id behind each window's state
    waiting: dict[str, int] = field(default_factory=dict)
    waiting_version: int = 0
    recent: deque[CallRow] = field(default_factory=lambda: deque(maxlen=RECENT_CALLS))
    call_serial: int = 0
    latest_dropped: bool = False  # the latest call's window paused or closed: "now calling" shows nobody
    last_event_id: int = 0  # the newest event handled (never moved by a re-read of the hall)
    connected: bool = False
    loaded: bool = False  # the hall has been read at least once
    message: str = CONNECTING
    sign_errors: dict[int, str] = field(default_factory=dict)


class DisplayPresenter:
    def __init__(
        self,
        api: HallApi,
        *,
        signs: Signs | None = None,
        voice: Voice | None = None,
        sign_texts: SignTexts | None = None,
        tz: dt.tzinfo | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        runner: Runner = run_now,
        on_change: Callable[[], None] | None = None,
        speak_max_age_s: float | None = SPEAK_MAX_AGE_S,
        extra_warnings: tuple[str, ...] = (),
        refresh_retry_s: float = REFRESH_RETRY_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.signs = signs
        self.voice = voice
        self.sign_texts = sign_texts or SignTexts()
        self.tz = tz
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.runner = runner
        self.on_change = on_change
        self.speak_max_age_s = speak_max_age_s
        self.extra_warnings = extra_warnings
        self.refresh_retry_s = refresh_retry_s
        self.listener: Listener | None = None
        self.spoken: list[tuple[int, str, int, bool]] = []  # (event id, number, window, recall) handed to the voice
        self._state = _State()
        self._sign_texts_sent: dict[int, str] = {}
        self._lock = threading.RLock()
        self._needs_refresh = False
        self._refreshing = False
        self._last_refresh_try = float("-inf")
        self._stopped = False
        self.monotonic = monotonic
        self._roll = HonourRoll()
        self._roll_display = RollDisplay()
        self._roll_epoch = monotonic()  # the rotation's cycles count from here
        self._roll_next_read = float("-inf")
        self._roll_reading = False
        self._last_call_at = float("-inf")  # monotonic time of the latest call (ends a showing roll)

    # ---- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Read the hall, then listen from its last event id (a failed read still listens, and retries)."""
        self._refreshing = True
        self._last_refresh_try = time.monotonic()
        self.runner(self.api.hall_state, self._started_with, self._start_failed)
        self.read_honours()

    def _started_with(self, state: dict[str, Any]) -> None:
        self._refreshing = False
        self.apply_snapshot(state)
        start_id = int(state.get("last_event_id") or 0)
        with self._lock:
            self._state.last_event_id = max(self._state.last_event_id, start_id)
        self._listen(start_id)

    def _start_failed(self, error: BaseException) -> None:
        self._refreshing = False
        log.warning("reading the hall failed: %s", error)
        with self._lock:
            self._needs_refresh = True
            self._state.message = _error_text(error)
        self._listen(None)
        self._changed()

    def _listen(self, last_event_id: int | None) -> None:
        if self._stopped:
            return
        self.listener = self.api.listen(self.handle_event, self.handle_status, last_event_id=last_event_id)

    def stop(self) -> None:
        self._stopped = True
        if self.listener is not None:
            self.listener.stop()
            self.listener = None

    def tick(self) -> None:
        """Called every second by the app: retries a pending re-read of the hall."""
        due = time.monotonic() - self._last_refresh_try >= self.refresh_retry_s
        if self._needs_refresh and not self._refreshing and not self._stopped and due:
            self.refresh()
        if not self._roll_reading and not self._stopped and self.monotonic() >= self._roll_next_read:
            self.read_honours()

    def read_honours(self) -> None:
        """Read the honour roll (GET /honours); again after the hall's refresh_s, or HONOUR_RETRY_S on failure."""
        if self._roll_reading:
            return
        self._roll_reading = True
        self._roll_next_read = self.monotonic() + HONOUR_RETRY_S
        self.runner(self.api.honours, self._honours_read, self._honours_failed)

    def _honours_read(self, data: dict[str, Any]) -> None:
        roll, display, flag_windows = honour_roll_of(data)
        with self._lock:
            self._roll_reading = False
            self._roll, self._roll_display = roll, display
            self._roll_next_read = self.monotonic() + display.refresh_s
            if flag_windows != self.sign_texts.flag_windows:
                self.sign_texts = replace(self.sign_texts, flag_windows=flag_windows)
                self._update_signs(list(self._state.windows.values()))
        self._changed()

    def _honours_failed(self, error: BaseException) -> None:
        self._roll_reading = False
        log.info("reading the honour roll failed: %s", error)

    def refresh(self) -> None:
        """Read the hall again (after a reconnect): window states and counts; nothing is spoken."""
        self._refreshing = True
        self._last_refresh_try = time.monotonic()
        self.runner(self.api.hall_state, self._refreshed, self._refresh_failed)

    def _refreshed(self, state: dict[str, Any]) -> None:
        self._refreshing = False
        self._needs_refresh = False
        self.apply_snapshot(state)

    def _refresh_failed(self, error: BaseException) -> None:
        self._refreshing = False
        self._needs_refresh = True
        log.info("re-reading the hall failed: %s", error)

    # ---- inputs ------------------------------------------------------------------------------------

    def apply_snapshot(self, state: Mapping[str, Any]) -> None:
        """GET /hall's answer: names, notice, services, windows, waiting (newer event states are kept)."""
        version = int(state.get("last_event_id") or 0)
        with self._lock:
            s = self._state
            s.name, s.name_en = str(state.get("name", "")), str(state.get("name_en", ""))
            s.notice = str(state.get("notice", ""))
            services = state.get("services") or []
            if services:
                s.services = {v["code"]: (v.get("name", v["code"]), v.get("name_en", "")) for v in services}
            for view in state.get("windows") or []:
                self._set_window(view, version)
            if version >= s.waiting_version and isinstance(state.get("waiting"), dict):
                s.waiting, s.waiting_version = dict(state["waiting"]), version
            if not s.recent:
                s.recent.extend(self._recent_in(state)[:RECENT_CALLS])
            self._drop_stopped_latest()
            s.loaded = True  # last_event_id is left alone: events after a re-read may still be on their way
            self._update_signs(list(s.windows.values()))
        self._changed()

    def handle_event(self, event_id: int, name: str, payload: dict[str, Any]) -> None:
        """One event from the stream (listener thread). Events already seen are ignored."""
        with self._lock:
            s = self._state
            if event_id <= s.last_event_id:
                return
            s.last_event_id = event_id
            view = payload.get("window")
            changed_window = self._set_window(view, event_id) if isinstance(view, dict) else None
            if isinstance(payload.get("waiting"), dict) and event_id > s.waiting_version:
                s.waiting, s.waiting_version = dict(payload["waiting"]), event_id
            call = self._call_from(name, payload)
            if call is not None:
                s.recent.appendleft(call)
                s.call_serial += 1
                s.latest_dropped = False
                self._last_call_at = self.monotonic()
            elif name in STOP_EVENTS:
                self._drop_stopped_latest()
            if name in REFRESH_EVENTS:
                self._needs_refresh = True
            if changed_window is not None:
                self._update_signs([changed_window], force=call is not None)
        if call is not None:
            self._speak(event_id, call, payload)
        if name in REFRESH_EVENTS:
            self.refresh()
            self.read_honours()  # a new month: the red flag may have passed on
        self._changed()

    def handle_status(self, connected: bool, message: str) -> None:
        """The listener connected or lost the stream; after a loss the hall is read again."""
        with self._lock:
            was_connected = self._state.connected
            self._state.connected = connected
            self._state.message = "" if connected else (message or RECONNECTING)
            if not connected:
                self._needs_refresh = True
        if connected and not was_connected and self._needs_refresh and not self._refreshing:
            self.refresh()
        self._changed()

    # ---- outputs -----------------------------------------------------------------------------------

    def view(self) -> HallView:
        with self._lock:
            s = self._state
            windows = tuple(self._window_row(v) for _, v in sorted(s.windows.items()))
            codes = list(s.services) + [c for c in s.waiting if c not in s.services]
            waiting = tuple(WaitingRow(c, *s.services.get(c, (c, "")), int(s.waiting.get(c, 0))) for c in codes)
            recent = tuple(s.recent)
            online = s.connected and s.loaded
            roll = None if self._roll.empty or self._roll_display.mode == "off" else self._roll
            return HallView(
                name=s.name,
                name_en=s.name_en,
                notice=s.notice,
                latest=recent[0] if recent and not s.latest_dropped else None,
                call_serial=s.call_serial,
                recent=recent,
                windows=windows,
                waiting=waiting,
                connected=online,
                connection_message="" if online else (s.message or CONNECTING),
                warnings=self.warnings(),
                last_event_id=s.last_event_id,
                honours=roll,
                honour_mode=self._roll_display.mode if roll is not None else "off",
                showing_honours=roll is not None and self._roll_showing(),
                honour_line=self._band_line(roll) if roll is not None and self._roll_display.mode == "panel" else "",
            )

    def _band_line(self, roll: HonourRoll) -> str:
        lines = roll.lines
        return lines[int((self.monotonic() - self._roll_epoch) // BAND_LINE_S) % len(lines)]

    def _roll_showing(self) -> bool:
        """Rotate: the last ``show_s`` of every ``every_s`` seconds, unless a call came since that began."""
        d = self._roll_display
        if d.mode != "rotate" or d.every_s <= 0:
            return False
        now = self.monotonic()
        phase = (now - self._roll_epoch) % d.every_s
        shown_for = phase - (d.every_s - d.show_s)
        return shown_for >= 0 and self._last_call_at < now - shown_for

    def warnings(self) -> tuple[str, ...]:
        """Start-up and device problems for the status line: voice, offline signs, texts a sign cannot show."""
        lines = list(self.extra_warnings)
        status = getattr(self.voice, "status", None) if self.voice is not None else None
        if status is not None and not status.ok:
            lines.extend(status.warnings)
        if self.signs is not None:
            for window, sign in self.signs.statuses().items():
                if sign.state == "offline":
                    lines.append(f"{window}号窗口显示屏离线，正在重试 / sign of window {window} offline, retrying")
        with self._lock:
            lines.extend(self._state.sign_errors.values())
        return tuple(lines)

    # ---- helpers -----------------------------------------------------------------------------------

    def _set_window(self, view: Mapping[str, Any], version: int) -> dict[str, Any] | None:
        """Keep the newer of what we know and ``view``; returns the view when it was taken (lock held)."""
        try:
            number = int(view["number"])
        except (KeyError, TypeError, ValueError):
            return None
        s = self._state
        if version < s.window_version.get(number, -1):
            return None
        s.windows[number] = dict(view)
        s.window_version[number] = version
        return s.windows[number]

    def _call_from(self, name: str, payload: Mapping[str, Any]) -> CallRow | None:
        if name not in CALL_EVENTS:
            return None
        ticket = payload.get("ticket") or {}
        window = ticket.get("window") or (payload.get("window") or {}).get("number")
        if not ticket.get("number") or not window:
            return None
        window_name = str((payload.get("window") or {}).get("name", ""))
        return CallRow(str(ticket["number"]), int(window), window_name, name == "ticket.recalled", self._hhmm(payload))

    def _drop_stopped_latest(self) -> None:
        """The big "now calling" goes when its window pauses or closes (lock held); the call stays in the list."""
        s = self._state
        if s.recent and window_state(s.windows.get(s.recent[0].window, {})) in ("paused", "closed"):
            s.latest_dropped = True

    def _recent_in(self, state: Mapping[str, Any]) -> list[CallRow]:
        """At start-up: the day's latest calls as the server keeps them (a restart keeps the list), newest first;
        from a server without them, the tickets now called or served."""
        calls = state.get("recent_calls")
        if not isinstance(calls, list):
            return self._calls_in(state.get("windows") or [])
        names = {int(v["number"]): str(v.get("name", "")) for v in state.get("windows") or [] if "number" in v}
        rows = []
        for call in calls:
            try:
                window = int(call["window"])
                number = str(call["number"])
            except (KeyError, TypeError, ValueError):
                continue
            rows.append(
                CallRow(number, window, names.get(window, ""), False, self._hhmm({"at": call.get("called_at")}))
            )
        return rows

    def _calls_in(self, windows: list[Mapping[str, Any]]) -> list[CallRow]:
        """At start-up: the tickets now called or served, most recent first (no announcement)."""
        rows = [
            (str(v.get("since") or ""), CallRow(str(v["current_number"]), int(v["number"]), str(v.get("name", ""))))
            for v in windows
            if window_state(v) in ("called", "serving")
        ]
        return [row for _, row in sorted(rows, key=lambda pair: pair[0], reverse=True)]

    def _hhmm(self, payload: Mapping[str, Any]) -> str:
        at = _parse_time(payload.get("at"))
        if at is None:
            return ""
        return (at.astimezone(self.tz) if self.tz else at).strftime("%H:%M")

    def _speak(self, event_id: int, call: CallRow, payload: Mapping[str, Any]) -> None:
        if self.voice is None or not self._fresh(payload):
            return
        try:
            self.voice.announce(call.number, call.window, recall=call.recall)
        except Exception:
            log.exception("announcing %s failed", call.number)
            return
        self.spoken.append((event_id, call.number, call.window, call.recall))

    def _fresh(self, payload: Mapping[str, Any]) -> bool:
        if self.speak_max_age_s is None:
            return True
        at = _parse_time(payload.get("at"))
        return at is None or (self.clock() - at).total_seconds() <= self.speak_max_age_s

    def _update_signs(self, windows: list[dict[str, Any]], force: bool = False) -> None:
        """Tell each window's sign its text when it changed (a call or recall always resends). Lock held."""
        if self.signs is None:
            return
        for view in windows:
            number = int(view["number"])
            text = self.sign_texts.text_for(view)
            if not force and self._sign_texts_sent.get(number) == text:
                continue
            try:
                shown = self.signs.show(number, text)
            except SignTextError as exc:
                self._state.sign_errors[number] = f"{number}号窗口显示屏 / sign of window {number}: {exc}"
                continue
            except Exception:
                log.exception("sign of window %s failed", number)
                continue
            if shown:
                self._sign_texts_sent[number] = text
                self._state.sign_errors.pop(number, None)

    @staticmethod
    def _window_row(view: Mapping[str, Any]) -> WindowRow:
        return WindowRow(
            number=int(view["number"]),
            name=str(view.get("name") or ""),
            state=window_state(view),
            current_number=str(view.get("current_number") or ""),
            pause_reason=str(view.get("pause_reason") or ""),
        )

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception:
                log.exception("display on_change failed")


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _error_text(error: BaseException) -> str:
    if isinstance(error, ApiError):
        return error.message
    return RECONNECTING
