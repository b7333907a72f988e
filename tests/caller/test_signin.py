"""Signing in at the window, without Kivy."""

from __future__ import annotations

import pytest

from caller.common import Message
from caller.signin import SignInPresenter
from client.api import Session
from client.fake import FakeHallApi


@pytest.mark.parametrize(
    ("staff", "pin"), [("", "1234"), ("abc", "1234"), ("1001", ""), ("1001", "12"), ("1001", "12a4")]
)
def test_sign_in_refuses_malformed_input_without_asking_the_server(api: FakeHallApi, staff: str, pin: str) -> None:
    presenter = SignInPresenter(api, 1)
    presenter.submit(staff, pin)
    assert presenter.message is not None and presenter.message.kind == "error"
    assert api.token is None


def test_sign_in_with_wrong_pin_shows_the_servers_sentence(api: FakeHallApi) -> None:
    presenter = SignInPresenter(api, 1)
    presenter.submit("1001", "9999")
    assert presenter.message == Message("工号或 PIN 不正确。", "Wrong staff number or PIN.", "error")


def test_sign_in_hands_over_the_session(api: FakeHallApi) -> None:
    sessions: list[Session] = []
    SignInPresenter(api, 1, on_signed_in=sessions.append).submit("1001", "1234")
    assert sessions[0]["staff"] == "1001" and sessions[0]["window"] == 1


def test_b_post_signing_in_takes_over_the_window(api: FakeHallApi) -> None:
    SignInPresenter(api, 1).submit("1001", "1234")
    SignInPresenter(api, 1).submit("1101", "1234")
    opened = [payload for _id, name, payload in api.log if name == "window.opened"]
    assert opened[-1]["handover_from"] == "1001" and opened[-1]["post"] == "B"
