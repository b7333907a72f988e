"""Shortcuts of the caller's tests: a ticket issued from the kiosk side, a clerk signed in at a window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from caller.common import Message
from caller.window import WindowPresenter
from client.fake import FakeHallApi
from core.rules import split_message
from core.tickets import DomainError
from tests.factories import at

CLOCK = at(9, 0)


def issue(api: FakeHallApi, service: str = "HJ", item: str | None = None) -> dict[str, Any]:
    """A ticket from the kiosk, leaving the clerk's session as it was."""
    token = api.token
    ticket = api.issue(service, item=item)
    api.token = token
    return dict(ticket)


def open_window(api: FakeHallApi, window: int) -> None:
    """The window's own clerk signs in there (1000 + N), leaving the caller's session as it was."""
    token = api.token
    api.login(str(1000 + window), "1234", window)
    api.token = token


def signed_in(api: FakeHallApi, window: int = 1, staff: str = "1001") -> WindowPresenter:
    session = api.login(staff, "1234", window)
    presenter = WindowPresenter(api, window, session, today=lambda: CLOCK.date())
    presenter.start()
    return presenter


def refusal(rule: Callable[[], object]) -> Message:
    """What the caller must say when core's `rule` refuses: core's own "中文 / English" sentence, split."""
    with pytest.raises(DomainError) as refused:
        rule()
    zh, en = split_message(refused.value.message)
    return Message(zh, en, "error")
