"""The clerk's window screen as plain Python: the current ticket, the commands, the side lists, online/offline.

No Kivy here. The presenter calls the hall through an injected `HallApi`; every call goes through an injected
`runner(fn, on_done, on_error)` (appkit.runners) — the app passes one that uses a worker thread and delivers
the result on the Kivy thread, tests pass `run_now`. It tells its view to redraw through `on_change()`.

Never calling a ticket twice: a command is sent only when the window shows no ticket, one command at a time.
If the answer to a command is lost (server unreachable), it is never re-sent: the presenter marks the window
"to be checked" and re-reads GET /windows/{n} once the server answers again, so it learns what really happened.

A pause needs a reason and a transfer a note: core.rules says so (and the server refuses with the same
sentence); the presenter asks core first, so the clerk hears it before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from appkit.runners import Runner, run_now
from caller.common import Message, error_message, format_duration
from caller.finish_form import FinishPresenter, FinishRequest
from client.api import ApiError, HallApi, Session, WindowAnswer
from core.rules import require_pause_reason, require_transfer_note
from core.tickets import DomainError
from core.views import case_types as core_case_types

PAUSE_REASONS: tuple[tuple[str, str], ...] = (("会议", "Meeting"), ("休息", "Break"), ("培训", "Training"))


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


STATUS_WORDS = {
    "called": "已呼叫 Called",
    "serving": "办理中 Serving",
    "": "空闲 Free",
}
ACTIONS = ("call", "recall", "start", "finish", "no-show", "suspend", "transfer", "pause", "resume", "sign-out")
ACTION_DONE = {
    "recall": Message("已重新呼叫。", "Called again.", "success"),
    "start": Message("开始办理。", "Service started.", "success"),
    "no-show": Message("已记为过号。", "Marked as not present.", "info"),
    "suspend": Message("已挂起，可在右侧列表取回。", "Suspended; take it back from the list.", "info"),
    "resume-ticket": Message("已取回挂起的号。", "Suspended ticket taken back.", "success"),
    "resume": Message("窗口恢复服务。", "The window is open again.", "success"),
}
CHOOSE_TARGET = Message("请选择转往的服务或窗口。", "Choose a service or a window.", "error")


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
    ):
        self.api, self.window, self.session, self.runner = api, window, session, runner
        self.refresh_soon = refresh_soon or self.refresh
        self.today = today or dt.date.today
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

    # -- loading
    def start(self) -> None:
        """Load the hall's reference data and the window."""

        def load() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
            return self.api.hall_state(), self.api.items(), self.api.case_types()

        self.runner(load, self._reference_loaded, self._failed_quietly)
        self.refresh()

    def _reference_loaded(self, data: tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]) -> None:
        self.hall, self.items, types = data
        self.case_types = types or core_case_types()
        self.on_change()

    def refresh(self) -> None:
        """Re-read the window and the clerk's open cases (after events, on reconnect, after a lost answer)."""
        if self._refreshing:
            self._refresh_again = True  # the read in flight may predate what changed: read once more after it
            return
        self._refreshing, self._refresh_again = True, False

        def load() -> tuple[dict[str, Any], list[dict[str, Any]]]:
            return self.api.window_detail(self.window), self.api.cases(status="open")

        self.runner(load, self._refreshed, self._refresh_failed)

    def _refreshed(self, data: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
        self._refreshing = False
        self.detail, self.cases = data
        if self._refresh_again:
            self.refresh()
        if not self.online or self.unsure:
            self.message = (
                self._after_reconnect_message() if self.unsure else Message("已恢复连接。", "Back online.", "success")
            )
        self.online, self.unsure = True, False
        if not self.hall:
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
        self._handle_error(exc)

    def _failed_quietly(self, exc: BaseException) -> None:
        if isinstance(exc, ApiError) and exc.unreachable:
            self._go_offline()

    def probe(self) -> None:
        """Called every few seconds by the app: while offline, try to read the window again."""
        if not self.online:
            self.refresh()

    # -- the event stream
    def on_status(self, connected: bool, _message: str = "") -> None:
        if connected:
            self.refresh()
        else:
            self._go_offline()

    def on_event(self, _event_id: int, name: str, payload: dict[str, Any]) -> None:
        if name.startswith(("ticket.", "window.", "case.", "day.")):
            self.refresh_soon()

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
        ready = self.online and not self.busy and not self.unsure and bool(self.detail)
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
            message=self.message,
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
        return Row(
            f"{flag}{case.get('number', '')} {kind} 到期 {case.get('due_date') or '—'}",
            case["id"],
            bool(case.get("overdue")),
        )

    @staticmethod
    def _referred_row(ticket: dict[str, Any]) -> Row:
        where = ticket.get("window") or ticket.get("target_window")
        place = f"{where}号窗口" if where else "排队中"
        words = {
            "transferred": "等候中 waiting",
            "called": "已呼叫 called",
            "serving": "办理中 serving",
            "done": "已办结 done",
            "no_show": "过号 absent",
            "suspended": "挂起 suspended",
        }.get(ticket.get("status", ""), ticket.get("status", ""))
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

    def no_show(self) -> None:
        self._command("no-show", None)

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
        self.message = Message(f"{case.get('number', '')} 号办件已办结。", "Case completed.", "success")
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
        self.on_signed_out(Message("已签退。", "Signed out.", "info"))

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
        self.busy = action
        self.on_change()

        def send() -> WindowAnswer:
            return self.api.window_action(self.window, action, body)

        self.runner(send, lambda answer: self._command_done(action, body or {}, answer, after), self._command_failed)

    def _command_done(
        self, action: str, body: dict[str, Any], answer: WindowAnswer, after: Callable[[WindowAnswer], None] | None
    ) -> None:
        self.busy = None
        self.message = self._done_message(action, body, answer)
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
        if isinstance(exc, ApiError) and exc.unreachable and action not in (None, "complete", "sign-out"):
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
        if isinstance(exc, ApiError) and exc.status == 401:
            self.on_signed_out(
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
