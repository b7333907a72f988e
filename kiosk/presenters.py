"""The ticket kiosk's logic, without Kivy: screens, choices, issuing with retries, printing, idle, exit.

The app calls the actions on touches and `tick()` twice a second; after any change the presenter calls
`on_change()` and the app redraws from the public attributes. Slow calls go through the injected runner.

Rules kept here:
- A number is shown or printed only when the server issued it. One idempotency key per touch: a retry
  after a lost answer returns the same ticket, so a dead server never yields two tickets or a made-up one.
- Every item's complete guide (materials, time limit, fees, legal basis, procedure) is shown before the
  ticket is taken (一次性告知).
- A printer failure is said plainly and the ticket stays on screen with its QR code.
- Nobody touching the screen for the hall's idle time (`/hall`'s `kiosk_idle_s`, the hall file's
  `[kiosk] idle_timeout_s`) brings it back home; DEFAULT_IDLE_S only until the server first answers.
- The citizen's language and large text are theirs alone: they reset when the ticket screen closes (完成)
  and after the idle time.
- Times are the hall's (its time zone from `/hall`), never the kiosk PC's.
- A guide's sample forms uploaded as files open in a viewer (kiosk/samples.py) over the guide; a sample the
  console removes closes when the hall's new configuration arrives.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from appkit.runners import Runner, run_now
from client.api import HallApi, ServiceInfo, TicketInfo
from core.rules import split_message
from hardware.documents import Ticket as TicketDocument
from kiosk.common import OFFLINE, Bilingual, Clock, error_text, hall_zone, is_unreachable, ordered
from kiosk.receipt import PrintSink, ticket_document
from kiosk.samples import SampleButton, SampleViewer, sample_buttons

Screen = Literal["home", "items", "guide", "sample", "issuing", "ticket", "checkin", "exit"]
PrintState = Literal["none", "printing", "printed", "failed", "no_printer"]
Language = Literal["zh", "en"]

GREEN_CHANNEL = "green_channel"
APPOINTMENT = "appointment"
BOOKING_CODE_LENGTH = 6
MANAGER_ROLES = ("manager", "admin")
DEFAULT_IDLE_S = 60.0  # until the hall says (GET /hall → kiosk_idle_s)

GREEN_CHANNEL_ON: Bilingual = (
    "绿色通道：请选择业务，将为您取优先号",
    "Green channel: choose a service to get a priority ticket",
)
SERVICE_CLOSED: Bilingual = (
    "该业务暂停取号，请咨询服务台。",
    "This service is not taking tickets; please ask at the desk.",
)
NOT_A_MANAGER: Bilingual = ("需要大厅负责人的工号和 PIN。", "A hall manager's staff number and PIN are needed.")
PRINTING: Bilingual = ("正在打印号票…", "Printing your ticket…")
PRINTED: Bilingual = ("请取走您的号票", "Please take your ticket")
NO_PRINTER: Bilingual = (
    "本机不打印号票，请记住您的号码或扫码查看",
    "This kiosk does not print: note your number or scan the code",
)
PRINT_FAILED_HINT: Bilingual = (
    "您的号已取好，请记住号码或用手机扫码查看",
    "Your ticket is valid: note the number or scan the code with your phone",
)
CODE_INCOMPLETE: Bilingual = (
    f"请输入{BOOKING_CODE_LENGTH}位预约码",
    f"Enter the {BOOKING_CODE_LENGTH}-digit booking code",
)
LOADING: Bilingual = ("正在读取，请稍候…", "Loading, please wait…")
NO_SERVER: Bilingual = ("无法连接服务器，正在重试…", "Cannot reach the hall server; retrying…")
NO_WINDOW_OPEN: Bilingual = ("暂无窗口办理", "No window open")
NOT_TAKING_TICKETS: Bilingual = ("暂停取号", "Not taking tickets")


def wait_text(seconds: int, waiting: int) -> Bilingual:
    if waiting == 0:
        return ("无需等候", "No wait")
    minutes = max(1, round(seconds / 60))
    return (f"等候 {waiting} 人 · 约 {minutes} 分钟", f"{waiting} waiting · about {minutes} min")


def service_detail(service: ServiceInfo) -> Bilingual:
    """A service tile's third line: closed, no open window serves it (no estimate then), or the wait."""
    if not service["open"]:
        return NOT_TAKING_TICKETS
    if not service.get("staffed", True):
        waiting = int(service.get("waiting", 0))
        zh, en = NO_WINDOW_OPEN
        return (f"{zh} · 等候 {waiting} 人", f"{en} · {waiting} waiting") if waiting else NO_WINDOW_OPEN
    return wait_text(int(service.get("estimated_wait_s", 0)), int(service.get("waiting", 0)))


@dataclass
class PendingIssue:
    """One touch's request for a ticket; its key makes every retry return the same ticket."""

    key: str
    service: str
    item: str | None = None
    priority: bool = False
    priority_reason: str = ""
    booking_code: str = ""  # set for an appointment check-in
    retry_at: float | None = None
    attempts: int = 0


class KioskPresenter:
    def __init__(
        self,
        api: HallApi,
        *,
        public_url: str,
        printer: PrintSink | None = None,
        runner: Runner = run_now,
        clock: Clock = time.monotonic,
        retry_s: float = 3.0,
        on_change: Callable[[], None] | None = None,
        on_exit: Callable[[], None] | None = None,
    ):
        self.api, self.public_url, self.printer = api, public_url, printer
        self.runner, self.clock = runner, clock
        self.idle_s, self.retry_s = DEFAULT_IDLE_S, retry_s
        self.on_change = on_change or (lambda: None)
        self.on_exit = on_exit or (lambda: None)

        self.hall_name, self.hall_name_en = "", ""
        self.hall_phone = ""
        self.zone: dt.tzinfo = hall_zone({})  # the hall's time zone (the hall file's default until /hall answers)
        self.green_groups: Bilingual = ("老年人·残疾人·孕妇", "elderly, disabled, pregnant")  # until the hall says
        self.services: list[ServiceInfo] = []
        self.services_loaded = False
        self.offline: Bilingual | None = None  # banner while the server cannot be reached
        self.language: Language = "zh"
        self.large_text = False
        self._reset_citizen_state()
        self.last_touch = clock()
        self._services_retry_at: float | None = None
        self._exiting = False

    def _reset_citizen_state(self) -> None:
        """What one citizen chose; cleared when they finish or walk away."""
        self.screen: Screen = "home"
        self.green_channel = False
        self.service: ServiceInfo | None = None
        self.items: list[dict[str, Any]] = []
        self.item: dict[str, Any] | None = None
        self.pending: PendingIssue | None = None
        self.ticket: TicketInfo | None = None
        self.document: TicketDocument | None = None
        self.print_state: PrintState = "none"
        self.print_error = ""
        self.message: Bilingual | None = None  # an error sentence on the current screen
        self.booking_code = ""
        self.busy = False
        self.items_error: Bilingual | None = None  # why the item list is empty (said in the list itself)
        self._items_retry_at: float | None = None
        # a sample form on screen (over the guide); a fresh one per citizen: a late answer for the last is dropped
        self.viewer = SampleViewer(self.api, self.runner, lambda: self.on_change())

    # ---- start and the live service list -------------------------------------------------------

    def start(self) -> None:
        self.runner(self.api.hall_state, self._hall_loaded, lambda exc: None)
        self.refresh_services()

    def _hall_loaded(self, state: dict[str, Any]) -> None:
        self.hall_name, self.hall_name_en = state.get("name", ""), state.get("name_en", "")
        self.hall_phone = state.get("consult_phone", "")
        self.zone = hall_zone(state)
        self.idle_s = float(state.get("kiosk_idle_s") or self.idle_s)
        if state.get("green_channel"):
            self.green_groups = ("·".join(state["green_channel"]), ", ".join(state.get("green_channel_en") or []))
        self.on_change()

    def refresh_services(self) -> None:
        self.runner(self.api.services, self._services_loaded, self._services_failed)

    def _services_loaded(self, services: list[ServiceInfo]) -> None:
        self.services, self.services_loaded = services, True
        self._services_retry_at = None
        if self.pending is None:
            self.offline = None
        if not self.hall_name:
            self.runner(self.api.hall_state, self._hall_loaded, lambda exc: None)
        self.on_change()

    def _services_failed(self, exc: BaseException) -> None:
        if is_unreachable(exc):
            self.offline = OFFLINE
        self._services_retry_at = self.clock() + self.retry_s
        self.on_change()

    def on_connection(self, connected: bool, _message: str = "") -> None:
        """The event stream's status: offline banner on loss, fresh figures on return."""
        if connected:
            self.refresh_services()
        else:
            self.offline = OFFLINE
            self.on_change()

    def service_by_code(self, code: str) -> ServiceInfo | None:
        return next((s for s in self.services if s["code"] == code), None)

    # ---- choosing --------------------------------------------------------------------------------

    def toggle_green_channel(self) -> None:
        self.green_channel = not self.green_channel
        self.on_change()

    def choose_service(self, code: str) -> None:
        service = self.service_by_code(code)
        if service is None:
            return
        if not service["open"]:
            self.message = SERVICE_CLOSED
            self.on_change()
            return
        self.service, self.item, self.items, self.message = service, None, [], None
        if service.get("items", 0) == 0:
            self.take_ticket()
            return
        self.screen = "items"
        self._load_items()

    def _load_items(self) -> None:
        service = self.service
        if service is None:
            return
        self.busy, self._items_retry_at = True, None
        self.on_change()
        code = service["code"]
        self.runner(lambda: self.api.items(code), lambda items: self._items_loaded(service, items), self._items_failed)

    def _items_loaded(self, service: ServiceInfo, items: list[dict[str, Any]]) -> None:
        if service is not self.service:
            return  # the citizen has moved on
        self.busy, self.items_error = False, None
        self.items = items
        if self.item is not None:  # a guide on screen shows the hall's current version of it
            self.item = next((i for i in items if i.get("code") == self.item.get("code")), self.item)
        if self.screen == "sample" and self.viewer.sha not in {b.sha for b in sample_buttons(self.item)}:
            self.close_sample()  # the console removed (or replaced) the sample on screen
            return
        self.on_change()

    def on_configured(self) -> None:
        """The hall's configuration changed (the console): services, hall texts and an open guide are re-read."""
        self.refresh_services()
        self.runner(self.api.hall_state, self._hall_loaded, lambda exc: None)
        if self.screen in ("items", "guide", "sample") and self.service is not None:
            self._load_items()

    def _items_failed(self, exc: BaseException) -> None:
        self.busy = False
        if is_unreachable(exc):
            self.offline, self.items_error = OFFLINE, NO_SERVER  # said in the list; retried while it is shown
            self._items_retry_at = self.clock() + self.retry_s
        else:
            self.items_error = self.message = error_text(exc)
        self.on_change()

    @property
    def list_note(self) -> Bilingual | None:
        """A sentence where a list (the services at home, a service's items) would be empty: why, and what now."""
        if self.screen == "home" and not self.services:
            return NO_SERVER if self.offline else LOADING
        if self.screen == "items" and not self.items:
            return self.items_error or LOADING
        return None

    def hall_now(self) -> dt.datetime:
        """The hall's local time (for the header clock): the same zone the tickets are numbered and printed in."""
        return dt.datetime.now(self.zone)

    def choose_item(self, code: str) -> None:
        item = next((i for i in self.items if i["code"] == code), None)
        if item is None:
            return
        self.item, self.message = item, None
        self.screen = "guide"
        self.on_change()

    # ---- sample forms (填写样表) -------------------------------------------------------------------

    @property
    def sample_buttons(self) -> list[SampleButton]:
        """The open guide's "查看样表 View sample" buttons (kiosk.samples.SampleButton), in the citizen's language."""
        return sample_buttons(self.item, self.language)

    def open_sample(self, sha: str) -> None:
        button = next((b for b in sample_buttons(self.item) if b.sha == sha), None)
        if button is None or self.screen != "guide":
            return
        self.screen, self.message = "sample", None
        self.viewer.open(sha, button.name)

    def close_sample(self) -> None:
        """Back to the guide the sample belongs to."""
        self.screen = "guide" if self.item is not None else "home"
        self.viewer.close()

    def back(self) -> None:
        """One screen back: sample → guide → items → home; elsewhere home."""
        self.message = None
        if self.screen == "sample":
            self.close_sample()
        elif self.screen == "guide" and self.items:
            self.item, self.screen = None, "items"
            self.on_change()
        else:
            self.go_home()

    def go_home(self) -> None:
        self._reset_citizen_state()
        self.on_change()
        self.refresh_services()

    def finish(self) -> None:
        """完成 on the ticket screen: this citizen is done, so their language and text size go with them."""
        self.language, self.large_text = "zh", False
        self.go_home()

    # ---- taking a ticket -------------------------------------------------------------------------

    def take_ticket(self) -> None:
        """Issue a ticket for the chosen service (and item); a green-channel choice makes it a priority ticket."""
        if self.pending is not None or self.service is None:
            return  # a second touch while the first is under way
        self.pending = PendingIssue(
            key=uuid.uuid4().hex,
            service=self.service["code"],
            item=self.item["code"] if self.item else None,
            priority=self.green_channel,
            priority_reason=GREEN_CHANNEL if self.green_channel else "",
        )
        self.screen, self.message = "issuing", None
        self.on_change()
        self._send(self.pending)

    def _send(self, pending: PendingIssue) -> None:
        pending.attempts += 1
        pending.retry_at = None
        self.runner(
            lambda: self._request_ticket(pending),
            lambda answer: self._issued(pending, *answer),
            lambda exc: self._issue_failed(pending, exc),
        )

    def _request_ticket(self, pending: PendingIssue) -> tuple[TicketInfo, dict[str, Any] | None]:
        """The server's ticket, and the item guide whose materials go on it (runs on a worker)."""
        if not pending.booking_code:
            ticket = self.api.issue(
                pending.service,
                priority=pending.priority,
                priority_reason=pending.priority_reason,
                item=pending.item,
                key=pending.key,
            )
            return ticket, self.item
        ticket = self.api.check_in(pending.booking_code, key=pending.key)
        item_code = ticket.get("item")
        item = None
        if item_code:
            with contextlib.suppress(Exception):  # the ticket counts even if its guide cannot be read now
                item = next((i for i in self.api.items(ticket["service"]) if i["code"] == item_code), None)
        return ticket, item

    def _issued(self, pending: PendingIssue, ticket: TicketInfo, item: dict[str, Any] | None) -> None:
        if pending is not self.pending:
            return  # the citizen gave up (or the kiosk went idle) before the answer came
        self.pending, self.offline, self.message = None, None, None
        self.ticket, self.item = ticket, item
        self.screen = "ticket"
        self.document = ticket_document(ticket, self.hall_name, self.public_url, item, consult_phone=self.hall_phone)
        self._print(self.document)
        self.on_change()
        self.refresh_services()

    def _issue_failed(self, pending: PendingIssue, exc: BaseException) -> None:
        if pending is not self.pending:
            return
        if is_unreachable(exc):
            self.offline = OFFLINE
            pending.retry_at = self.clock() + self.retry_s  # same key: never a second ticket
        elif pending.booking_code and pending.attempts > 1 and getattr(exc, "code", "") == "booking_used":
            # Our first check-in may have gone through before the connection broke.
            self.pending, self.screen = None, "checkin"
            self.message = (
                "预约可能已签到，请到服务台核实号码。",
                "The booking may already be checked in; please ask at the desk for your number.",
            )
        else:
            self.pending = None
            self.message = error_text(exc)
            self.screen = "checkin" if pending.booking_code else ("guide" if self.item else "home")
        self.on_change()

    def cancel_issue(self) -> None:
        """The citizen stops waiting for a server that does not answer."""
        self.go_home()

    # ---- appointment check-in ------------------------------------------------------------------

    def open_check_in(self) -> None:
        self._reset_citizen_state()
        self.screen = "checkin"
        self.on_change()

    def type_digit(self, digit: str) -> None:
        if digit.isdigit() and len(self.booking_code) < BOOKING_CODE_LENGTH:
            self.booking_code += digit
            self.message = None
            self.on_change()

    def erase_digit(self) -> None:
        self.booking_code = self.booking_code[:-1]
        self.on_change()

    def set_booking_code(self, text: str) -> None:
        """From a keyboard or a scanner: keep the digits."""
        self.booking_code = "".join(c for c in text if c.isdigit())[:BOOKING_CODE_LENGTH]
        self.on_change()

    def submit_booking(self) -> None:
        if self.pending is not None:
            return
        if len(self.booking_code) != BOOKING_CODE_LENGTH:
            self.message = CODE_INCOMPLETE
            self.on_change()
            return
        self.service, self.item = None, None
        self.pending = PendingIssue(
            key=uuid.uuid4().hex, service="", priority=True, priority_reason=APPOINTMENT, booking_code=self.booking_code
        )
        self.screen, self.message = "issuing", None
        self.on_change()
        self._send(self.pending)

    # ---- printing --------------------------------------------------------------------------------

    def _print(self, document: TicketDocument) -> None:
        if self.printer is None:
            self.print_state = "no_printer"
            return
        self.print_state = "printing"
        ticket = self.ticket
        self.printer.submit(document, lambda ok, error: self._printed(ticket, ok, error))

    def _printed(self, ticket: TicketInfo | None, ok: bool, error: str | None) -> None:
        if ticket is not self.ticket:
            return  # an earlier citizen's ticket; the screen has moved on
        self.print_state = "printed" if ok else "failed"
        self.print_error = "" if ok else (error or "打印失败 / Printing failed")
        self.on_change()

    @property
    def show_qr(self) -> bool:
        """The ticket's QR code is on screen when no paper ticket came out."""
        return self.screen == "ticket" and self.print_state in ("failed", "no_printer")

    @property
    def print_status(self) -> Bilingual:
        match self.print_state:
            case "printing":
                return PRINTING
            case "printed":
                return PRINTED
            case "no_printer":
                return NO_PRINTER
            case "failed":
                return split_failure(self.print_error)
        return ("", "")

    @property
    def qr_payload(self) -> str:
        return self.document.status_url if self.document else ""

    # ---- display options -------------------------------------------------------------------------

    def switch_language(self) -> None:
        self.language = "en" if self.language == "zh" else "zh"
        self.on_change()

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text
        self.on_change()

    def text(self, pair: Bilingual) -> Bilingual:
        """(first line, second line) in the chosen language order; Chinese stays on screen either way."""
        return ordered(pair, self.language)

    # ---- idle and the clock ---------------------------------------------------------------------

    def touched(self) -> None:
        self.last_touch = self.clock()

    def tick(self) -> None:
        """Called twice a second: retries, and back home when nobody touches the screen."""
        now = self.clock()
        if self.pending is not None and self.pending.retry_at is not None and now >= self.pending.retry_at:
            self._send(self.pending)
        if self._services_retry_at is not None and now >= self._services_retry_at:
            self._services_retry_at = None
            self.refresh_services()
        if self._items_retry_at is not None and now >= self._items_retry_at and self.screen == "items":
            self._load_items()
        if now - self.last_touch >= self.idle_s and self._is_away_from_home():
            self.language, self.large_text = "zh", False
            self.go_home()

    def _is_away_from_home(self) -> bool:
        return (
            self.screen != "home"
            or self.green_channel
            or self.message is not None
            or self.language != "zh"
            or self.large_text
        )

    # ---- leaving kiosk mode ----------------------------------------------------------------------

    def request_exit(self) -> None:
        self._reset_citizen_state()
        self.screen = "exit"
        self.on_change()

    def submit_exit(self, staff: str, pin: str) -> None:
        if self._exiting:
            return
        if not staff.strip() or not pin.strip():
            self.message = NOT_A_MANAGER
            self.on_change()
            return
        self._exiting = True
        self.runner(lambda: self._verify_manager(staff.strip(), pin.strip()), self._exit_checked, self._exit_refused)

    def _verify_manager(self, staff: str, pin: str) -> dict[str, Any]:
        """Sign in only to check the PIN, then sign out again: the kiosk keeps no staff session."""
        session = dict(self.api.login(staff, pin, None))
        with contextlib.suppress(Exception):
            self.api.logout()
        return session

    def _exit_checked(self, session: dict[str, Any]) -> None:
        self._exiting = False
        if session.get("role") not in MANAGER_ROLES:
            self.message = NOT_A_MANAGER
            self.on_change()
            return
        self.on_exit()

    def _exit_refused(self, exc: BaseException) -> None:
        self._exiting = False
        code = getattr(exc, "code", "")
        self.message = NOT_A_MANAGER if code == "window_required" else error_text(exc)
        self.on_change()


def split_failure(sentence: str) -> Bilingual:
    zh, en = split_message(sentence)
    return (f"{zh}，号已取好", f"{en}; your ticket is valid" if en else "")
