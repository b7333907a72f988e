"""What the caller's presenters share (no Kivy): the clerk's bilingual Message, errors, durations."""

from __future__ import annotations

from dataclasses import dataclass

from client.api import ApiError
from core.rules import split_message
from core.tickets import DomainError


@dataclass(frozen=True)
class Message:
    """A sentence for the clerk: Chinese first, English second. kind: info | success | warning | error."""

    zh: str
    en: str = ""
    kind: str = "info"

    @classmethod
    def of(cls, sentence: str, kind: str = "error") -> Message:
        """Split a rule's or the server's "中文 / English" sentence."""
        zh, en = split_message(sentence)
        return cls(zh, en, kind)


def error_message(exc: BaseException) -> Message:
    """What to tell the clerk about a failed call or a rule a pre-check broke."""
    if isinstance(exc, ApiError | DomainError):
        return Message.of(exc.message, "error")
    return Message("操作失败，请重试。", f"Something went wrong: {exc}", "error")


def format_duration(seconds: float | None) -> str:
    """312 → "5分12秒"; None → "—"."""
    if seconds is None:
        return "—"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}分{secs:02d}秒" if minutes else f"{secs}秒"
