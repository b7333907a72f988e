"""Plain helpers shared by the kiosk and the pad presenters (no Kivy): bilingual text, errors, the clock type.

Their runner (`appkit.runners.Runner`, `run_now`) is appkit's, shared with the caller and the display.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from client.api import UNREACHABLE, ApiError
from core.rules import split_message

DEFAULT_ZONE = "Asia/Shanghai"  # the hall file's default time zone, until the hall says

# A pair of texts: Chinese first, English second.
Bilingual = tuple[str, str]

Clock = Callable[[], float]


def ordered(pair: Bilingual, language: str) -> Bilingual:
    """(first line, second line) in a language's order; Chinese stays on screen either way."""
    zh, en = pair
    return (en, zh) if language == "en" and en else (zh, en)


def error_text(exc: BaseException) -> Bilingual:
    """What to tell a citizen about a failed call, as (zh, en)."""
    if isinstance(exc, ApiError):
        return split_message(exc.message)
    return ("出现意外错误，请联系工作人员。", "Something went wrong; please ask a member of staff.")


def is_unreachable(exc: BaseException) -> bool:
    return isinstance(exc, ApiError) and exc.unreachable


OFFLINE: Bilingual = split_message(UNREACHABLE)


def hall_zone(state: Mapping[str, Any]) -> dt.tzinfo:
    """The hall's time zone from its `/hall` answer: `timezone`, else the offset of its `now`, else the default."""
    name = state.get("timezone")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    now = state.get("now")
    if isinstance(now, str):
        try:
            zone = dt.datetime.fromisoformat(now).tzinfo
        except ValueError:
            zone = None
        if zone is not None:
            return zone
    return ZoneInfo(DEFAULT_ZONE)
