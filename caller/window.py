"""The clerk's window screen as plain Python: the current ticket, the commands, the side lists, online/offline.

No Kivy here. The presenter calls the hall through an injected `HallApi`; every call goes through an injected
`runner(fn, on_done, on_error)` (appkit.runners) — the app passes one that uses a worker thread and delivers
the result on the Kivy thread, tests pass `run_now`. It tells its view to redraw through `on_change()`.

Never calling a ticket twice: a command is sent only when the window shows no ticket, one command at a time.
If the answer to a command is lost (server unreachable), it is never re-sent: the presenter marks the window
"to be checked" and re-reads GET /windows/{n} once the server answers again, so it learns what really happened.

A pause needs a reason and a transfer a note: core.rules says so (and the server refuses with the same
sentence); the presenter asks core first, so the clerk hears it before anything is sent.

The window is the clerk's only while she is signed in there: when another post takes it over (the event
`window.opened` with another staff, a command refused with `taken_over`, or a re-read showing someone else),
the presenter stops and sends the clerk back to the sign-in screen with a sentence naming who took over.
No-show (过号) asks for a second press within NO_SHOW_CONFIRM_S; missed numbers of the window's services that
the caller heard of today can be reinstated at the service desk (`api.reinstate`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from appkit.runners import Runner, run_now
from caller.common import Message, error_message, format_duration
from caller.finish_form import FinishPresenter, FinishRequest
from caller.ledger import LedgerRow, hall_calendar, ledger_rows
from client.api import ApiError, HallApi, Session, WindowAnswer
from core.calendar import WorkCalendar
from core.rules import require_pause_reason, require_transfer_note
from core.tickets import DomainError
from core.views import case_types as core_case_types

PAUSE_REASONS: tuple[tuple[str, str], ...] = (("会议", "Meeting"), ("休息", "Break"), ("培训", "Training"))
NO_SHOW_CONFIRM_S = 4.0  # the second press of 过号 must come within this many seconds
SIGNED_OUT = Message("已签退。", "Signed out.", "info")


@dataclass(frozen=True)
class Row:
    """One line of a side list: text, whether to show it in red, and the id its button acts on."""

    text: str
    key: str = ""
    alert: bool = False


@dataclass(frozen=True)
class WindowView:
    """Everything the window screen shows, ready to draw."""

    title: str
    number: str
    number_status: str
    clerk: str
    online: bool
    paused: bool
    pause_reason: str
    enabled: dict[str, bool]
    waiting: str
    next_numbers: str
    today: str
    suspended: list[Row]
    cases: list[Row]
    referred: list[Row]
    message: Message | None
    no_show_armed: bool = False  # the first press of 过号 is waiting for the second


STATUS_WORDS = {
    "called": "已呼叫 Called",
    "serving": "办理中 Serving",
    "": "空闲 Free",
}
ACTIONS = ("call", "recall", "start", "finish", "no-show", "suspend", "transfer", "pause", "resume", "sign-out")
ACTION_DONE = {
    "recall": Message("已重新呼叫。", "Called again.", "success"),
    "start": Message("开始办理。", "Service started.", "success"),
    "suspend": Message("已挂起，可在右侧列表取回。", "Suspended; take it back from the list.", "info"),
    "resume-ticket": Message("已取回挂起的号。", "Suspended ticket taken back.", "success"),
    "resume": Message("窗口恢复服务。", "The window is open again.", "success"),
}
CHOOSE_TARGET = Message("请选择转往的服务或窗口。", "Choose a service or a window.", "error")
SIGN_IN_AGAIN_CODES = ("taken_over", "not_signed_in_here")  # the window is no longer this clerk's
REFERRAL_STATUS = {
    "transferred": "等候中 waiting",
    "waiting": "等候中 waiting",
    "called": "已呼叫 called",
    "serving": "办理中 serving",
    "done": "已办结 done",
    "no_show": "过号 absent",
    "suspended": "挂起 suspended",
}


class WindowPresenter:
    """The clerk's window: the current ticket, the commands, the side lists, online/offline."""

    def __init__(
        self,
        api: HallApi,
        window: int,
        session: Session,
        runner: Runner = run_now,
        refresh_soon: Callable[[], None] | None = None,
        today: Callable[[], dt.date] | None = None,
        calendar: WorkCalendar | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.api, self.window, self.session, self.runner = api, window, session, runner
        self.refresh_soon = refresh_soon or self.refresh
        self.today = today or dt.date.today
        self.calendar = calendar or hall_calendar()
        self.clock = clock
        self.on_change: Callable[[], None] = lambda: None
        self.on_finished: Callable[[FinishRequest, dict[str, Any], dict[str, Any]], None] = lambda r, c, t: None
        self.on_signed_out: Callable[[Message | None], None] = lambda m: None
        self.detail: dict[str, Any] = {}
        self.cases: list[dict[str, Any]] = []
        self.hall: dict[str, Any] = {}
        self.items: list[dict[str, Any]] = []
        self.case_types: list[dict[str, Any]] = core_case_types()  # until the server lists them
        self.online = True
        self.busy: str | None = None  # the command in flight
        self.unsure = False  # a command's answer was lost: re-read the window before anything else
        self.message: Message | None = None
        self._refreshing = False
        self._refresh_again = False
        self.stopped = False  # signed out or taken over: nothing more is shown or sent
        self.missed: dict[str, dict[str, Any]] = {}  # today's no-shows heard of, by ticket id
        self._no_show_armed: tuple[str, float] | None = None  # (ticket id, when) of the first 过号 press
        self._armed_message: Message | None = None
        self.ledger_cases: dict[str, dict[str, Any]] = {}  # the ledger's cases as last read, by id

    def stop(self) -> None:
        """The clerk is no longer here (signed out, taken over): answers still on their way are dropped."""
        self.stopped = True
        self.on_change = lambda: None

    # -- loading
    def start(self) -> None:
        """Load the hall's reference data and the window."""

        def load() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
            return self.api.hall_state(), self.api.items(), self.api.case_types()

        self.runner(load, self._reference_loaded, self._failed_quietly)
        self.refresh()

    def _reference_loaded(self, data: tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]) -> None:
        if self.stopped:
            return
        self.hall, self.items, types = data
        self.case_types = types or core_case_types()
        self.on_change()

    def refresh(self) -> None:
        """Re-read the window and the clerk's open cases (after events, on reconnect, after a lost answer)."""
        if self.stopped or self.busy == "sign-out":  # signing out: the window is no longer read
            return
        if self._refreshing:
            self._refresh_again = True  # the read in flight may predate what changed: read once more after it
            return
        self._refreshing, self._refresh_again = True, False

        def load() -> tuple[dict[str, Any], list[dict[str, Any]]]:
            return self.api.window_detail(self.window), self.api.cases(status="open")

        self.runner(load, self._refreshed, self._refresh_failed)

    def _refreshed(self, data: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
        self._refreshing = False
        if self.stopped:
            return
        detail, self.cases = data
        if self._taken_over_by(detail.get("window") or {}):
            return
        self.detail = detail
        if self._refresh_again:
            self.refresh()
        came_back = not self.online
        if not self.online or self.unsure:
            self.message = (
                self._after_reconnect_message() if self.unsure else Message("已恢复连接。", "Back online.", "success")
            )
        self.online, self.unsure = True, False
        if not self.hall or came_back:  # windows may have opened or closed meanwhile (the transfer dialog shows them)
            self.start_reference_only()
        self.on_change()

    def start_reference_only(self) -> None:
        self.runner(
            lambda: (self.api.hall_state(), self.api.items(), self.api.case_types()),
            self._reference_loaded,
            self._failed_quietly,
        )

    def _after_reconnect_message(self) -> Message:
        number = self.current_number
        if number:
            return Message(
                f"已恢复连接，本窗口当前为 {number} 号。", f"Back online; the window has {number}.", "warning"
            )
        return Message("已恢复连接，本窗口当前没有号。", "Back online; no ticket at the window.", "warning")

    def _refresh_failed(self, exc: BaseException) -> None:
        self._refreshing = self._refresh_again = False
        if not self.stopped:
            self._handle_error(exc)

    def _failed_quietly(self, exc: BaseException) -> None:
        if isinstance(exc, ApiError) and exc.unreachable:
            self._go_offline()

    def probe(self) -> None:
        """Called every few seconds by the app: while offline, try to read the window again."""
        if not self.online and not self.stopped:
            self.refresh()

    # -- the event stream
    def on_status(self, connected: bool, _message: str = "") -> None:
        if self.stopped:
            return
        if connected:
            self.refresh()
        else:
            self._go_offline()

    def on_event(self, _event_id: int, name: str, payload: dict[str, Any]) -> None:
        if self.stopped:
            return
        window = payload.get("window")
        if isinstance(window, dict):
            self._note_window(window)
            opened_here = name == "window.opened" and window.get("number") == self.window
            if opened_here and self._taken_over_by({**window, "staff": payload.get("staff", window.get("staff"))}):
                return
        self._note_missed(name, payload)
        if name.startswith(("ticket.", "window.", "case.", "day.")):
            self.refresh_soon()

    def _note_window(self, window: dict[str, Any]) -> None:
        """Keep the hall's window list current (the transfer dialog marks closed and paused windows)."""
        windows = self.hall.get("windows")
        if not isinstance(windows, list):
            return
        for index, known in enumerate(windows):
            if known.get("number") == window.get("number"):
                windows[index] = {**known, **window}

    def _note_missed(self, name: str, payload: dict[str, Any]) -> None:
        """Today's missed numbers (过号), for the service desk's reinstate list."""
        if name == "day.rolled":
            self.missed.clear()
            return
        ticket = payload.get("ticket")
        if not name.startswith("ticket.") or not isinstance(ticket, dict) or not ticket.get("id"):
            return
        if ticket.get("status") == "no_show":
            self.missed[ticket["id"]] = ticket
        else:
            self.missed.pop(ticket["id"], None)

    def _taken_over_by(self, window: dict[str, Any]) -> bool:
        """Another clerk now works this window: stop, and send this one back to sign in, saying who."""
        staff = window.get("staff")
        if window.get("number") != self.window or not staff or staff == self.session.get("staff"):
            return False
        name = window.get("staff_name") or self._staff_name(str(staff))
        who_zh = f"{name}（{staff}）" if name else str(staff)
        who_en = f"{name} ({staff})" if name else str(staff)
        self._sign_in_again(
            Message(
                f"{self.window}号窗口已由{who_zh}接班，您已不在此窗口签到。",
                f"Window {self.window} was taken over by {who_en}; you are no longer signed in here.",
                "error",
            )
        )
        return True

    def _staff_name(self, staff: str) -> str:
        for window in self.hall.get("windows", []):
            if window.get("staff") == staff and window.get("staff_name"):
                return str(window["staff_name"])
        return ""

    def _sign_in_again(self, message: Message) -> None:
        if self.stopped:
            return
        notify = self.on_signed_out
        self.stop()
        notify(message)

    def _go_offline(self) -> None:
        if self.online:
            self.online = False
            self.on_change()

    # -- reading the state
    @property
    def current(self) -> dict[str, Any] | None:
        return self.detail.get("current")

    @property
    def current_number(self) -> str:
        return (self.current or {}).get("number", "")

    @property
    def window_status(self) -> str:
        return (self.detail.get("window") or {}).get("status", "closed")

    def enabled(self) -> dict[str, bool]:
        ready = self.online and not self.busy and not self.unsure and bool(self.detail) and not self.stopped
        status = (self.current or {}).get("status", "")
        has_ticket = status in ("called", "serving")
        is_open = self.window_status == "open"
        return {
            "call": ready and is_open and not has_ticket,
            "recall": ready and status == "called",
            "start": ready and status == "called",
            "finish": ready and has_ticket,
            "no-show": ready and status == "called",
            "suspend": ready and has_ticket,
            "transfer": ready and has_ticket,
            "pause": ready and is_open and not has_ticket,
            "resume": ready and self.window_status == "paused",
            "sign-out": ready and not has_ticket,
            "reinstate": self.online and not self.busy and not self.stopped,
        }

    def view(self) -> WindowView:
        current = self.current or {}
        window = self.detail.get("window") or {}
        waiting: dict[str, int] = self.detail.get("waiting") or {}
        names = {s["code"]: s["name"] for s in self.hall.get("services", [])}
        today = self.detail.get("today") or {}
        return WindowView(
            title=f"{self.window}号窗口 Window {self.window}",
            number=current.get("number") or "—",
            number_status=self._number_status(current),
            clerk=f"{self.session.get('name', '')}（{self.session.get('staff', '')}）",
            online=self.online,
            paused=window.get("status") == "paused",
            pause_reason=window.get("pause_reason", ""),
            enabled=self.enabled(),
            waiting="  ".join(f"{names.get(code, code)} {count}人" for code, count in waiting.items())
            + f"  共 {sum(waiting.values())} 人 waiting",
            next_numbers="  ".join(self.detail.get("next") or []) or "—",
            today=f"今日已办 {today.get('served', 0)} 件 · 平均 {format_duration(today.get('average_handling_s'))}"
            f" / served today {today.get('served', 0)}",
            suspended=[Row(f"{t['number']}  挂起 suspended", t["id"]) for t in self.detail.get("suspended") or []],
            cases=[self._case_row(c) for c in self.cases],
            referred=[self._referred_row(t) for t in self.detail.get("referred") or []],
            message=self.message if self.message != self._armed_message or self.no_show_armed else None,
            no_show_armed=self.no_show_armed,
        )

    @staticmethod
    def _number_status(current: dict[str, Any]) -> str:
        if not current:
            return STATUS_WORDS[""]
        words = STATUS_WORDS.get(current.get("status", ""), current.get("status", ""))
        extra = f" · 重呼 {current['recalls']} 次" if current.get("recalls") else ""
        mark = " · 绿色通道" if current.get("priority") else ""
        return f"{words}{extra}{mark}"

    def _case_row(self, case: dict[str, Any]) -> Row:
        kind = next((c["zh"] for c in self.case_types if c["code"] == case.get("case_type")), case.get("case_type"))
        flag = "【超期 overdue】" if case.get("overdue") else ""
        number = case.get("case_number") or case.get("number", "")
        return Row(
            f"{flag}{number} {kind} 到期 {case.get('due_date') or '—'}",
            case["id"],
            bool(case.get("overdue")),
        )

    def _referred_row(self, ticket: dict[str, Any]) -> Row:
        """A ticket this window referred on: where it went (the last referral's window or service) and how it is."""
        referral = (ticket.get("referrals") or [{}])[-1]
        names = {s["code"]: s["name"] for s in self.hall.get("services", [])}
        if referral.get("to_window"):
            place = f"{referral['to_window']}号窗口"
        elif referral.get("to_service"):
            service = referral["to_service"]
            place = names.get(service, service)
        else:
            place = names.get(ticket.get("service", ""), ticket.get("service", "")) or "排队中"
        serving = ticket.get("window")
        if (
            serving
            and ticket.get("status") in ("called", "serving", "done", "suspended")
            and f"{serving}号" not in place
        ):
            place = f"{place}（{serving}号窗口）"
        words = REFERRAL_STATUS.get(ticket.get("status", ""), ticket.get("status", ""))
        return Row(
            f"{ticket.get('number', '')} → {place} · {words}", ticket.get("id", ""), ticket.get("status") == "no_show"
        )

    # -- commands
    def call_next(self) -> None:
        if self.current:
            self._show(Message(f"请先处理 {self.current_number} 号。", "Finish the current ticket first.", "warning"))
            return
        self._command("call", None)

    def recall(self) -> None:
        self._command("recall", None)

    def start_service(self) -> None:
        self._command("start", None)

    @property
    def no_show_armed(self) -> bool:
        armed = self._no_show_armed
        return (
            armed is not None
            and armed[0] == (self.current or {}).get("id")
            and self.clock() - armed[1] <= NO_SHOW_CONFIRM_S
        )

    def no_show(self) -> None:
        """过号 needs a second press within NO_SHOW_CONFIRM_S: the first one names the number and asks again."""
        if not self.enabled()["no-show"]:
            return
        if self.no_show_armed:
            self._no_show_armed = self._armed_message = None
            self._command("no-show", None)
            return
        number = self.current_number
        self._no_show_armed = ((self.current or {}).get("id", ""), self.clock())
        self._armed_message = Message(
            f"再按一次确认 {number} 过号（F5）", f"Press again to mark {number} missed (F5)", "warning"
        )
        self._show(self._armed_message)

    # -- the service desk: missed numbers back in the queue
    def missed_here(self) -> list[dict[str, Any]]:
        """Today's missed numbers of this window's services that the caller heard of, newest first."""
        services = set((self.detail.get("window") or {}).get("services") or [])
        rows = [t for t in self.missed.values() if not services or t.get("service") in services]
        return sorted(rows, key=lambda t: t.get("finished_at") or t.get("called_at") or "", reverse=True)

    def find_missed(self, number: str) -> dict[str, Any] | None:
        number = number.strip().upper()
        return next((t for t in self.missed_here() if t.get("number", "").upper() == number), None)

    def reinstate(self, ticket_id: str) -> None:
        """恢复过号: the ticket goes back into its queue (where the hall says); the server's sentence if refused."""
        if not self.enabled()["reinstate"]:
            return
        self.busy = "reinstate"
        self.on_change()
        self.runner(lambda: self.api.reinstate(ticket_id), self._reinstated, self._command_failed)

    def _reinstated(self, ticket: dict[str, Any]) -> None:
        self.busy = None
        if self.stopped:
            return
        self.missed.pop(ticket.get("id", ""), None)
        number, ahead = ticket.get("number", ""), ticket.get("ahead", 0)
        self.message = Message(
            f"{number} 号已恢复排队，前面还有 {ahead} 人。",
            f"{number} is back in the queue; {ahead} ahead.",
            "success",
        )
        self.on_change()
        self.refresh()

    # -- the ledger (F9)
    def load_ledger(
        self, on_done: Callable[[list[LedgerRow]], None], on_error: Callable[[Message], None] | None = None
    ) -> None:
        """The clerk's ledger: open cases and today's cases with a slip, with working days left."""

        def rows(cases: list[dict[str, Any]]) -> None:
            self.ledger_cases = {c["id"]: c for c in cases}
            on_done(ledger_rows(cases, self.items, self.case_types, self.calendar, self.hall_day()))

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(error_message(exc))
            self._handle_error(exc)

        self.runner(self.api.cases, rows, failed)

    def hall_day(self) -> dt.date:
        day = self.detail.get("day") or self.hall.get("day")
        return dt.date.fromisoformat(day) if day else self.today()

    def suspend(self) -> None:
        self._command("suspend", None)

    def resume_ticket(self, ticket_id: str) -> None:
        if self.current:
            self._show(Message(f"请先处理 {self.current_number} 号。", "Finish the current ticket first.", "warning"))
            return
        self._command("resume-ticket", {"ticket": ticket_id}, gate="call")

    def pause(self, reason: str) -> None:
        try:
            reason = require_pause_reason(reason)
        except DomainError as exc:
            self._show(error_message(exc))
            return
        self._command("pause", {"reason": reason})

    def resume(self) -> None:
        self._command("resume", None)

    def toggle_pause(self, reason: str = "") -> None:
        if self.window_status == "paused":
            self.resume()
        else:
            self.pause(reason)

    def transfer(self, note: str, service: str | None = None, window: int | None = None) -> None:
        try:
            note = require_transfer_note(note)
        except DomainError as exc:
            self._show(error_message(exc))
            return
        if (service is None) == (window is None):
            self._show(CHOOSE_TARGET)
            return
        body: dict[str, Any] = {"note": note}
        body.update({"service": service} if service is not None else {"window": window})
        self._command("transfer", body)

    def finish(self, request: FinishRequest) -> None:
        body = request.body()
        body = {k: v for k, v in body.items() if v not in (None, "", [])}
        if request.due_date:
            body["due_date"] = request.due_date.isoformat()
        body.setdefault("case_type", request.case_type)
        ticket = dict(self.current or {})
        self._command("finish", body, after=lambda answer: self.on_finished(request, answer.get("case") or {}, ticket))

    def complete_case(self, case_id: str) -> None:
        if not self.online or self.busy:
            return
        self.busy = "complete"
        self.on_change()
        self.runner(lambda: self.api.complete_case(case_id), self._case_completed, self._command_failed)

    def _case_completed(self, case: dict[str, Any]) -> None:
        self.busy = None
        if self.stopped:
            return
        number = case.get("case_number") or case.get("number", "")
        self.message = Message(f"办件 {number} 已办结。", f"Case {number} completed.", "success")
        self.refresh()
        self.on_change()

    def sign_out(self) -> None:
        if self.current:
            self._show(Message("窗口还有号，请先办结、挂起或转办。", "A ticket is still at the window.", "warning"))
            return
        if self.busy:
            return
        self.busy = "sign-out"
        self.on_change()
        self.runner(self.api.logout, lambda _r: self._signed_out(), self._command_failed)

    def _signed_out(self) -> None:
        self.busy = None
        self._sign_in_again(SIGNED_OUT)

    def _command(
        self,
        action: str,
        body: dict[str, Any] | None,
        gate: str | None = None,
        after: Callable[[WindowAnswer], None] | None = None,
    ) -> None:
        if not self.online or self.unsure:
            self._show(Message("服务器未连接，暂不能操作。", "Offline: wait until the server answers.", "warning"))
            return
        if self.busy or not self.enabled().get(gate or action, False):
            return
        if action != "no-show":
            self._no_show_armed = None
        self.busy = action
        self.on_change()

        def send() -> WindowAnswer:
            return self.api.window_action(self.window, action, body)

        self.runner(send, lambda answer: self._command_done(action, body or {}, answer, after), self._command_failed)

    def _command_done(
        self, action: str, body: dict[str, Any], answer: WindowAnswer, after: Callable[[WindowAnswer], None] | None
    ) -> None:
        self.busy = None
        if self.stopped:
            return
        self.message = self._done_message(action, body, answer)
        warning = answer.get("warning")
        if warning:
            extra = Message.of(warning, "warning")
            self.message = Message(f"{self.message.zh}{extra.zh}", f"{self.message.en} {extra.en}", "warning")
        if action == "no-show" and (answer.get("ticket") or {}).get("id"):
            self._note_missed("ticket.no_show", {"ticket": answer["ticket"]})
        self._merge(answer)
        if after is not None:
            after(answer)
        self.on_change()
        self.refresh()

    def _merge(self, answer: WindowAnswer) -> None:
        """Show the answer at once (the refresh that follows fills in the rest)."""
        if not self.detail:
            return
        window = answer.get("window")
        if window:
            self.detail["window"] = window
            ticket = answer.get("ticket")
            self.detail["current"] = ticket if window.get("current") and ticket else None

    def _done_message(self, action: str, body: dict[str, Any], answer: WindowAnswer) -> Message:
        ticket = answer.get("ticket") or {}
        number = ticket.get("number", "")
        if action == "call":
            if not ticket:
                return Message("暂时没有等候的群众。", "Nobody is waiting.", "info")
            return Message(f"请 {number} 号到 {self.window} 号窗口。", f"Called {number}.", "success")
        if action == "transfer":
            return self._transfer_message(number, body)
        if action == "finish":
            return Message(f"{number} 号已办结登记。", f"{number} finished and registered.", "success")
        if action == "pause":
            return Message(f"窗口暂停服务：{body.get('reason', '')}", "The window is paused.", "info")
        if action == "no-show":
            return Message(f"{number} 号已记为过号。", f"{number} marked as missed (not present).", "info")
        return ACTION_DONE.get(action, Message("完成。", "Done.", "success"))

    def _transfer_message(self, number: str, body: dict[str, Any]) -> Message:
        if body.get("window"):
            place_zh, place_en = f"{body['window']} 号窗口", f"window {body['window']}"
        else:
            windows = self.windows_serving(body.get("service", ""))
            listed = "、".join(str(n) for n in windows) or "?"
            place_zh, place_en = f"{listed} 号窗口", f"window {', '.join(str(n) for n in windows)}"
        return Message(
            f"已转办：请告知群众 {number} 号到 {place_zh}，已优先排队。",
            f"Transferred: tell the citizen to go to {place_en}; the ticket jumps the queue.",
            "success",
        )

    def windows_serving(self, service: str) -> list[int]:
        return [w["number"] for w in self.hall.get("windows", []) if service in w.get("services", [])]

    def transfer_targets(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Services and other windows a ticket can be referred to."""
        services = list(self.hall.get("services", []))
        windows = [w for w in self.hall.get("windows", []) if w.get("number") != self.window]
        return services, windows

    def _command_failed(self, exc: BaseException) -> None:
        action, self.busy = self.busy, None
        if self.stopped:
            return
        if isinstance(exc, ApiError) and exc.unreachable and action not in (None, "complete", "sign-out", "reinstate"):
            # The command may or may not have happened: never re-send it, re-read the window when back.
            self.unsure = True
            self.message = Message(
                "连接中断，操作结果未知；恢复连接后将自动核对，请勿重复操作。",
                "Connection lost; the result is unknown and will be checked when the server is back.",
                "warning",
            )
        self._handle_error(exc)
        if isinstance(exc, ApiError) and exc.code in ("window_busy", "not_found", "no_ticket", "bad_state"):
            self.refresh()

    def _handle_error(self, exc: BaseException) -> None:
        if isinstance(exc, ApiError) and exc.unreachable:
            self.online = False
            if not self.unsure:
                self.message = Message(
                    "与服务器的连接已断开，正在重试…", "Cannot reach the hall server; retrying…", "error"
                )
            self.on_change()
            return
        if isinstance(exc, ApiError) and exc.code in SIGN_IN_AGAIN_CODES:
            self._sign_in_again(Message.of(exc.message, "error"))
            return
        if isinstance(exc, ApiError) and exc.status == 401:
            if self.busy == "sign-out":  # a read that crossed the sign-out: its answer decides what to say
                return
            self._sign_in_again(
                Message("登录已失效，请重新签到。", "Your sign-in has expired; sign in again.", "warning")
            )
            return
        self._show(error_message(exc))

    def _show(self, message: Message | None) -> None:
        self.message = message
        self.on_change()

    def item(self, code: str | None) -> dict[str, Any] | None:
        return next((i for i in self.items if i["code"] == code), None)

    def finish_form(self) -> FinishPresenter:
        return FinishPresenter(
            self.api, dict(self.current or {}), self.items, self.case_types, self.runner, today=self.today
        )
