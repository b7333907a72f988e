"""Texts for calls: what the voice says and what signs show, from the hall's templates."""

from __future__ import annotations

_ZH_DIGITS = "零一二三四五六七八九"
_EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def spell_ticket(number: str, lang: str = "zh") -> str:
    """Read a ticket number symbol by symbol: "A105" → "A 一 零 五" (never 一百零五)."""
    digits = _ZH_DIGITS if lang == "zh" else _EN_DIGITS
    parts = [digits[int(ch)] if ch.isdigit() else ch for ch in number]
    return " ".join(parts)


def cardinal_zh(n: int) -> str:
    """A window number read as a number: 3 → 三, 12 → 十二, 20 → 二十, 105 → 一百零五."""
    if n < 0:
        raise ValueError("window numbers are positive")
    if n < 10:
        return _ZH_DIGITS[n]
    if n < 20:
        return "十" + (_ZH_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _ZH_DIGITS[n // 10] + "十" + (_ZH_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = _ZH_DIGITS[n // 100] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + _ZH_DIGITS[rest]
        return head + (_ZH_DIGITS[rest // 10] + "十" + (_ZH_DIGITS[rest % 10] if rest % 10 else ""))
    return " ".join(_ZH_DIGITS[int(d)] for d in str(n))


def voice_text(template: str, number: str, window: int, lang: str = "zh") -> str:
    """The sentence handed to the speech engine, digits already spelled out."""
    if lang == "zh":
        return template.format(number=f" {spell_ticket(number, 'zh')} ", window=f" {cardinal_zh(window)} ").strip()
    return template.format(number=spell_ticket(number, lang), window=str(window))


def sign_text(template: str, number: str = "", window: int | str = "") -> str:
    """What a screen or LED sign shows: the template with the plain number."""
    return template.format(number=number, window=window)
