"""Problems in a hall's files: one sentence each, named by key, Chinese first and English second.

Pydantic's errors are turned into the same sentences as the cross-field checks, so a hall's IT person
gets one list of everything to fix.
"""

from __future__ import annotations

import tomllib
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

Loc = tuple[int | str, ...]


class ConfigError(ValueError):
    """Raised with every problem found, one sentence per problem (``key: 中文 / English``)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def invalid(zh: str, en: str) -> PydanticCustomError:
    """What a field validator raises: pydantic keeps the key, the sentence is ours."""
    return PydanticCustomError("hallq", f"{zh} / {en}")


def problem(key: str, zh: str, en: str) -> str:
    return f"{key}: {zh} / {en}" if key else f"{zh} / {en}"


def key_of(loc: Iterable[int | str]) -> str:
    """("windows", 2, "services") → "windows[2].services"."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def read_toml(path: Path, not_found_zh: str, not_found_en: str) -> dict[str, Any]:
    """The parsed file, or ConfigError with one sentence naming the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([problem(str(path), not_found_zh, not_found_en)]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: TOML 格式错误 / not valid TOML: {exc}"]) from None
    except OSError as exc:
        raise ConfigError(
            [problem(str(path), f"无法读取文件（{exc.strerror}）", f"cannot read the file: {exc.strerror}")]
        ) from None


# ---- pydantic's errors as sentences ---------------------------------------------------------------

_KINDS = {
    "int_type": ("应为整数", "must be a whole number"),
    "int_parsing": ("应为整数", "must be a whole number"),
    "float_type": ("应为数字", "must be a number"),
    "string_type": ("应为文字", "must be text"),
    "bool_type": ("应为 true 或 false", "must be true or false"),
    "list_type": ("应为列表 [...]", "must be a list [...]"),
    "tuple_type": ("应为列表 [...]", "must be a list [...]"),
    "dict_type": ("应为表格", "must be a table"),
    "model_type": ("应为表格", "must be a table"),
    "model_attributes_type": ("应为表格", "must be a table"),
}


def problems_of(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    """Every error of a validation of ``model``, as sentences."""
    return [_sentence(error, model) for error in exc.errors()]


def _sentence(error: ErrorDetails, model: type[BaseModel]) -> str:
    loc: Loc = tuple(error["loc"])
    key, kind = key_of(loc), error["type"]
    if kind == "hallq":
        return f"{key}: {error['msg']}" if key else error["msg"]
    if kind == "missing":
        return problem(key, "缺少此项", "this key is required")
    if kind == "extra_forbidden":
        known = ", ".join(_keys_at(model, loc[:-1]))
        return problem(key, "未知的键", f"unknown key (known: {known})")
    got = _short(error["input"])
    if kind in ("model_type", "model_attributes_type", "dict_type") and len(loc) == 2 and isinstance(loc[1], int):
        rows = f"[[{loc[0]}]]"  # a row of an array of tables
        return problem(key, f"应为表格 {rows}，实际为 {got}", f"must be a table {rows}, got {got}")
    if kind in _KINDS:
        zh, en = _KINDS[kind]
        return problem(key, f"{zh}，实际为 {got}", f"{en}, got {got}")
    return problem(key, "无效的值", f"invalid value: {error['msg']}")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _keys_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the table at ``loc`` may have (for "unknown key" sentences)."""
    kind: Any = model
    for part in loc:
        kind = _unwrap(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            field = kind.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return []
            kind = field.annotation
        elif get_args(kind):
            kind = get_args(kind)[-1]  # list[X] → X, dict[str, X] → X
        else:
            return []
    kind = _unwrap(kind)
    return list(kind.model_fields) if isinstance(kind, type) and issubclass(kind, BaseModel) else []


def _unwrap(kind: Any) -> Any:
    """Annotated[X, ...] → X; X | None → X."""
    while True:
        origin = get_origin(kind)
        if origin is Annotated:
            kind = get_args(kind)[0]
        elif origin in (Union, types.UnionType):
            kind = next(arg for arg in get_args(kind) if arg is not type(None))
        else:
            return kind
