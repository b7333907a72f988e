"""Signing in at the window (no Kivy): staff number + PIN, the attendance sign-in; a second clerk = AB岗 handover."""

from __future__ import annotations

from collections.abc import Callable

from appkit.runners import Runner, run_now
from caller.common import Message, error_message
from client.api import HallApi, Session


class SignInPresenter:
    """Staff number + PIN at this window (the attendance sign-in; a second clerk = AB岗 handover)."""

    def __init__(
        self,
        api: HallApi,
        window: int,
        runner: Runner = run_now,
        on_signed_in: Callable[[Session], None] | None = None,
    ):
        self.api, self.window, self.runner = api, window, runner
        self.on_signed_in = on_signed_in
        self.on_change: Callable[[], None] = lambda: None
        self.busy = False
        self.message: Message | None = None

    def submit(self, staff: str, pin: str) -> None:
        staff, pin = staff.strip(), pin.strip()
        problem = self.check(staff, pin)
        if problem is not None:
            self._show(problem)
            return
        if self.busy:
            return
        self.busy = True
        self._show(Message("正在签到…", "Signing in…", "info"))
        self.runner(lambda: self.api.login(staff, pin, self.window), self._signed_in, self._failed)

    @staticmethod
    def check(staff: str, pin: str) -> Message | None:
        """What the form's text must look like before the server is asked."""
        if not staff.isdigit():
            return Message("请输入数字工号。", "Enter your staff number (digits).", "error")
        if not pin.isdigit() or len(pin) < 4:
            return Message("PIN 应为至少 4 位数字。", "The PIN is at least 4 digits.", "error")
        return None

    def _signed_in(self, session: Session) -> None:
        self.busy = False
        self._show(None)
        if self.on_signed_in:
            self.on_signed_in(session)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self._show(error_message(exc))

    def _show(self, message: Message | None) -> None:
        self.message = message
        self.on_change()
