"""The rating pad beside a window (评价器), without Kivy.

Between services it shows the window, the clerk on duty (佩证上岗), the number being served there and what
the window handles. When the event stream says a ticket was finished at this window it asks for a rating
(好差评): five levels; the two bad ones ask for a reason. Silence until the timeout records nothing — never a
default rating. The server enforces one rating per ticket and that the ticket was served at this window;
the pad only offers tickets finished here.

Reasons are buttons only (in Chinese with the hall file's English below): a pad has no keyboard, and a
citizen cannot be expected to type Chinese on a touch screen, so there is no free comment box.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from appkit.runners import Runner, run_now
from client.api import HallApi, Listener
from kiosk.common import OFFLINE, Bilingual, Clock, error_text, hall_zone, is_unreachable

PadScreen = Literal["idle", "rate", "reason", "thanks"]
PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg")
DEFAULT_TIMEOUT_S = 30.0

THANKS: Bilingual = ("感谢您的评价！", "Thank you for your rating!")
REASON_NEEDED: Bilingual = ("请选择不满意的原因", "Please choose a reason")
ALREADY_RATED: Bilingual = ("这次服务已经评价过，谢谢！", "This service has already been rated. Thank you!")
WINDOW_CLOSED: Bilingual = ("本窗口暂停服务", "This window is not in service")
WINDOW_PAUSED: Bilingual = ("本窗口暂停服务：", "This window is paused: ")


@dataclass(frozen=True)
class Level:
    score: int
    zh: str
    en: str
    bad: bool


@dataclass(frozen=True)
class Clerk:
    staff: str
    name: str
    photo: Path | None


class PadPresenter:
    def __init__(
        self,
        api: HallApi,
        window: int,
        *,
        runner: Runner = run_now,
        clock: Clock = time.monotonic,
        photos_dir: Path | None = None,
        thanks_s: float = 4.0,
        retry_s: float = 3.0,
        on_change: Callable[[], None] | None = None,
    ):
        self.api, self.window = api, window
        self.runner, self.clock = runner, clock
        self.photos_dir = photos_dir
        self.thanks_s, self.retry_s = thanks_s, retry_s
        self.on_change = on_change or (lambda: None)

        self.levels: list[Level] = []
        self.bad_reasons: list[str] = []
        self.reasons_en: dict[str, str] = {}  # a reason → its English ("" or missing: the Chinese alone)
        self.zone: dt.tzinfo = hall_zone({})
        self.serving = ""  # the number being served at this window now ("" when none)
        self.timeout_s = DEFAULT_TIMEOUT_S
        self.window_name = ""
        self.window_status = "closed"
        self.pause_reason = ""
        self.clerk: Clerk | None = None
        self.service_names: list[Bilingual] = []
        self.item_names: list[str] = []
        self.offline: Bilingual | None = None
        self.listener: Listener | None = None
        self._loaded = False
        self._load_retry_at: float | None = None
        self._reset_rating()

    def _reset_rating(self) -> None:
        self.screen: PadScreen = "idle"
        self.ticket_id = ""
        self.ticket_number = ""
        self.score: int | None = None
        self.reasons: list[str] = []
        self.message: Bilingual | None = None
        self.deadline: float | None = None
        self.sending = False
        self._send_retry_at: float | None = None

    # ---- start: levels, the window, the clerk ---------------------------------------------------

    def start(self) -> None:
        self.runner(self._load, self._loaded_ok, self._load_failed)

    def _load(self) -> dict[str, Any]:
        detail = self.api.window_detail(self.window)
        levels = self.api.rating_levels()
        services = {s["code"]: s for s in self.api.services()}
        codes = detail["window"].get("services", [])
        items = [item for code in codes for item in self.api.items(code)]
        hall = self.api.hall_state()
        return {"detail": detail, "levels": levels, "services": services, "codes": codes, "items": items, "hall": hall}

    def _loaded_ok(self, data: dict[str, Any]) -> None:
        levels = data["levels"]
        self.levels = [Level(int(x["score"]), x["zh"], x["en"], bool(x["bad"])) for x in levels["levels"]]
        self.bad_reasons = list(levels.get("bad_reasons", []))
        self.reasons_en = dict(zip(self.bad_reasons, levels.get("bad_reasons_en") or [], strict=False))
        self.zone = hall_zone(data.get("hall") or {})
        self.timeout_s = float(levels.get("timeout_s", DEFAULT_TIMEOUT_S))
        services = data["services"]
        self.service_names = [
            (services[c]["name"], services[c]["name_en"]) if c in services else (c, "") for c in data["codes"]
        ]
        self.item_names = [i["name"] for i in data["items"]]
        self.apply_window(data["detail"]["window"])
        self._loaded, self._load_retry_at, self.offline = True, None, None
        self.on_change()

    def _load_failed(self, exc: BaseException) -> None:
        self.offline = OFFLINE if is_unreachable(exc) else error_text(exc)
        self._load_retry_at = self.clock() + self.retry_s
        self.on_change()

    def apply_window(self, view: dict[str, Any]) -> None:
        """The window as the server shows it: name, status, the clerk signed in."""
        self.window_name = view.get("name", "") or self.window_name
        self.window_status = view.get("status", "closed")
        self.pause_reason = view.get("pause_reason", "") or ""
        staff = view.get("staff")
        self.clerk = Clerk(staff, view.get("staff_name") or "", self.photo_of(staff)) if staff else None
        if "current_number" in view:
            self.serving = view.get("current_number") or ""

    def photo_of(self, staff: str) -> Path | None:
        if self.photos_dir is None:
            return None
        return next(
            (p for suffix in PHOTO_SUFFIXES if (p := self.photos_dir / f"{staff}{suffix}").is_file()),
            None,
        )

    def reason_text(self, reason: str) -> Bilingual:
        """A reason's button: the Chinese, and the hall file's English below it where there is one."""
        english = self.reasons_en.get(reason, "")
        return (reason, english if english and english != reason else "")

    @property
    def serving_line(self) -> Bilingual:
        """The idle screen's line about the number at this window now."""
        if self.serving:
            return (f"正在办理 {self.serving}", f"Now serving {self.serving}")
        if self.window_status == "open" and self.clerk is not None:
            return ("等待叫号", "Waiting for the next number")
        return ("", "")

    def hall_now(self) -> dt.datetime:
        """The hall's local time (for the header clock)."""
        return dt.datetime.now(self.zone)

    @property
    def status_line(self) -> Bilingual | None:
        """A notice under the clerk's badge when the window is not serving."""
        if self.window_status == "closed" or self.clerk is None:
            return WINDOW_CLOSED
        if self.window_status == "paused":
            zh, en = WINDOW_PAUSED
            return (zh + self.pause_reason, en + self.pause_reason)
        return None

    # ---- events ------------------------------------------------------------------------------------

    def on_event(self, _event_id: int, name: str, payload: dict[str, Any]) -> None:
        view = payload.get("window")
        if isinstance(view, dict) and view.get("number") == self.window:
            self.apply_window(view)  # window events, and calls, starts and finishes here: the window as it is now
            if name != "ticket.finished":
                self.on_change()
        if name == "ticket.finished":
            ticket = payload.get("ticket") or {}
            if ticket.get("window") == self.window and ticket.get("id"):
                self.ask_rating(ticket["id"], ticket.get("number", ""))

    def on_connection(self, connected: bool, _message: str = "") -> None:
        if connected:
            self.offline = None
            if not self._loaded:
                self.start()
        else:
            self.offline = OFFLINE
        self.on_change()

    # ---- rating ----------------------------------------------------------------------------------

    def ask_rating(self, ticket_id: str, number: str) -> None:
        """A ticket was finished here: ask its citizen (an unanswered earlier request is dropped, unrated)."""
        self._reset_rating()
        self.ticket_id, self.ticket_number = ticket_id, number
        self.screen = "rate"
        self.deadline = self.clock() + self.timeout_s
        self.on_change()

    def level(self, score: int) -> Level | None:
        return next((lvl for lvl in self.levels if lvl.score == score), None)

    def choose(self, score: int) -> None:
        level = self.level(score)
        if self.screen not in ("rate", "reason") or level is None or self.sending:
            return
        self.touched()
        self.score, self.message = score, None
        if level.bad:
            self.screen = "reason"
            self.on_change()
        else:
            self.reasons = []
            self._send()

    def toggle_reason(self, reason: str) -> None:
        if reason not in self.bad_reasons:
            return
        self.touched()
        if reason in self.reasons:
            self.reasons.remove(reason)
        else:
            self.reasons.append(reason)
        self.message = None
        self.on_change()

    def back_to_levels(self) -> None:
        if self.screen == "reason" and not self.sending:
            self.touched()
            self.screen, self.score, self.message = "rate", None, None
            self.on_change()

    def submit_reason(self) -> None:
        if self.screen != "reason" or self.sending:
            return
        if not self.reasons:
            self.message = REASON_NEEDED
            self.on_change()
            return
        self._send()

    def _send(self) -> None:
        assert self.score is not None
        self.sending, self._send_retry_at = True, None
        ticket, score, reasons = self.ticket_id, self.score, list(self.reasons)
        self.on_change()
        self.runner(
            lambda: self.api.rate(ticket, score, reasons, window=self.window),
            lambda _answer: self._rated(ticket),
            lambda exc: self._rate_failed(ticket, exc),
        )

    def _rated(self, ticket: str) -> None:
        if ticket != self.ticket_id:
            return
        self._thank(THANKS)

    def _rate_failed(self, ticket: str, exc: BaseException) -> None:
        if ticket != self.ticket_id:
            return
        self.sending = False
        if is_unreachable(exc):
            self.offline = OFFLINE
            self._send_retry_at = self.clock() + self.retry_s  # the server refuses a second rating, so retrying is safe
        elif getattr(exc, "code", "") == "already_rated":
            self._thank(ALREADY_RATED)
            return
        else:
            self.message = error_text(exc)
        self.on_change()

    def _thank(self, message: Bilingual) -> None:
        self.sending, self.offline = False, None
        self.screen, self.message = "thanks", message
        self.deadline = self.clock() + self.thanks_s
        self.on_change()

    # ---- time --------------------------------------------------------------------------------------

    def touched(self) -> None:
        """Any touch while rating gives the citizen the full time again."""
        if self.screen in ("rate", "reason"):
            self.deadline = self.clock() + self.timeout_s

    def seconds_left(self) -> int:
        if self.deadline is None:
            return 0
        return max(0, round(self.deadline - self.clock()))

    def tick(self) -> None:
        now = self.clock()
        if self._send_retry_at is not None and now >= self._send_retry_at:
            self._send()
            return
        if self._load_retry_at is not None and now >= self._load_retry_at:
            self._load_retry_at = None
            self.start()
        if self.sending or self.deadline is None or now < self.deadline:
            return
        # Timed out: nothing is recorded (a silent pad never rates), or the thanks has been shown.
        self._reset_rating()
        self.on_change()
