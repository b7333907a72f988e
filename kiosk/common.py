"""Plain helpers shared by the kiosk and the pad presenters (no Kivy): workers, bilingual text, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from client.api import UNREACHABLE, ApiError

T = TypeVar("T")

# A pair of texts: Chinese first, English second.
Bilingual = tuple[str, str]

# runner(work, on_done, on_error): run `work` somewhere, then deliver its result or exception.
Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None]
Clock = Callable[[], float]


def run_now(work: Callable[[], T], on_done: Callable[[T], None], on_error: Callable[[BaseException], None]) -> None:
    """The synchronous runner: tests and benches use it; the app passes one built on appkit's run_in_worker."""
    try:
        result = work()
    except Exception as exc:  # the presenter decides what an error means
        on_error(exc)
        return
    on_done(result)


def split_sentence(message: str) -> Bilingual:
    """`"中文。 / English."` (the server's and client's error style) → ("中文。", "English.")."""
    zh, separator, en = message.partition(" / ")
    return (zh.strip(), en.strip()) if separator else (message.strip(), "")


def error_text(exc: BaseException) -> Bilingual:
    """What to tell a citizen about a failed call, as (zh, en)."""
    if isinstance(exc, ApiError):
        return split_sentence(exc.message)
    return ("出现意外错误，请联系工作人员。", "Something went wrong; please ask a member of staff.")


def is_unreachable(exc: BaseException) -> bool:
    return isinstance(exc, ApiError) and exc.unreachable


OFFLINE: Bilingual = split_sentence(UNREACHABLE)
