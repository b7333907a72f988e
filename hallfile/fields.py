"""Field types of the hall's files, each failing with one sentence in Chinese and English."""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainValidator

from core.config import TEMPLATE_FIELDS
from hallfile.problems import invalid

T = TypeVar("T")


class Table(BaseModel):
    """A TOML table: only the keys it names, each of exactly its type (no "3" for 3)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return dt.time(int(match[1]), int(match[2]))
    raise invalid(f"时间格式应为 HH:MM，实际为 {value!r}", f"time must be HH:MM, got {value!r}")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise invalid(f"日期格式应为 YYYY-MM-DD，实际为 {value!r}", f"date must be YYYY-MM-DD, got {value!r}")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive(value: Any) -> int:
    if not _whole(value) or value < 1:
        raise invalid(f"应为正整数，实际为 {value!r}", f"must be a positive whole number, got {value!r}")
    return int(value)


def _count(value: Any) -> int:
    if not _whole(value) or value < 0:
        raise invalid(f"应为非负整数，实际为 {value!r}", f"must be a whole number ≥ 0, got {value!r}")
    return int(value)


def _text(value: str) -> str:
    if not value.strip():
        raise invalid("应为非空文字", "must be non-empty text")
    return value.strip()


def _code(value: Any) -> str:
    if isinstance(value, str) or _whole(value):
        return str(value)
    raise invalid(f"应为文字或数字，实际为 {value!r}", f"must be text or a number, got {value!r}")


Time = Annotated[dt.time, PlainValidator(_time)]
Date = Annotated[dt.date, PlainValidator(_date)]
PositiveInt = Annotated[int, PlainValidator(_positive)]
Count = Annotated[int, PlainValidator(_count)]  # a whole number ≥ 0: days, seconds, points
Text = Annotated[str, AfterValidator(_text)]  # non-empty, stripped
Code = Annotated[str, PlainValidator(_code)]  # "1001" or 1001, kept as text


def one_of(choices: Sequence[str]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in choices:
            raise invalid(
                f"应为 {' / '.join(choices)} 之一，实际为 {value!r}",
                f"must be one of {', '.join(choices)}, got {value!r}",
            )
        return value

    return AfterValidator(check)


def at_least_one(zh: str, en: str) -> AfterValidator:
    """A list that must not be empty (give the field a default so a missing key says the same)."""

    def check(values: list[T]) -> list[T]:
        if not values:
            raise invalid(zh, en)
        return values

    return AfterValidator(check)


def not_blank(zh: str, en: str) -> AfterValidator:
    def check(value: str) -> str:
        if not value.strip():
            raise invalid(zh, en)
        return value

    return AfterValidator(check)


def template(*required: str) -> AfterValidator:
    """An announcement template: only {number} and {window}, the ``required`` ones present."""

    def check(text: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:
            raise invalid("模板的花括号 { } 不成对", "the template's braces { } do not pair up") from None
        zh: list[str] = []
        en: list[str] = []
        unknown = sorted(fields - set(TEMPLATE_FIELDS))
        if unknown:
            zh.append(f"模板只能使用 {{number}} 和 {{window}}，发现 {unknown}")
            en.append(f"templates may use only {{number}} and {{window}}, found {unknown}")
        for name in required:
            if name not in fields:
                zh.append(f"模板须包含 {{{name}}}")
                en.append(f"template must contain {{{name}}}")
        if zh:
            raise invalid("；".join(zh), "; ".join(en))
        return text

    return AfterValidator(check)
