"""Kivy-side pieces of the hall screen's UI tests (imports Kivy; the presenter tests use tests/display/helpers.py):
the screen's fixed clock, a text lookup and the real DisplayApp over FakeHallApi."""

from __future__ import annotations

import datetime as dt
from typing import Any

from appkit.testing import find_by_text
from client.fake import FakeHallApi
from display.app import DisplayApp
from display.presenter import DisplayPresenter
from hardware.led import FakeSignBoard

FIXED_NOW = dt.datetime(2026, 11, 23, 9, 41)


def shows(text: str) -> bool:
    """Whether a widget on screen shows exactly `text`."""
    try:
        find_by_text(text)
    except LookupError:
        return False
    return True


def hall_screen_app(api: FakeHallApi, signs: FakeSignBoard, voice: Any, **presenter_options: Any) -> DisplayApp:
    """The hall screen app on `api` at FIXED_NOW; `presenter_options` go to DisplayPresenter as they are."""

    def make_presenter(runner, on_change):  # type: ignore[no-untyped-def]
        return DisplayPresenter(
            api,
            signs=signs,
            voice=voice,
            runner=runner,
            on_change=on_change,
            tz=api.config.tz,
            **presenter_options,
        )

    return DisplayApp(make_presenter, closers=[signs], now=lambda: FIXED_NOW)
