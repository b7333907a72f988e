"""The commands' bodies, validated with pydantic (the server's JSON and the in-memory hall's calls alike).

Their JSON Schemas feed the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.tickets import DomainError


class WindowAction(StrEnum):
    """What a clerk does at a window (the API's path segment: POST /windows/{n}/{action})."""

    CALL = "call"
    RECALL = "recall"
    NO_SHOW = "no-show"
    SUSPEND = "suspend"
    START = "start"
    RESUME = "resume"
    RESUME_TICKET = "resume-ticket"
    PAUSE = "pause"
    TRANSFER = "transfer"
    FINISH = "finish"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IssueTicket(Body):
    service: str = Field(min_length=1, max_length=20, description="Service code, e.g. HJ")
    priority: bool = Field(False, description="Green channel (elderly, disabled, pregnant, appointment)")
    priority_reason: str = Field("", max_length=40)
    item: str | None = Field(None, max_length=40, description="The item (事项) whose guide the citizen read")


class Login(Body):
    staff: str = Field(min_length=1, max_length=20)
    pin: str = Field(min_length=4, max_length=8)
    window: int | None = Field(None, ge=1, le=999)


class ResumeTicket(Body):
    ticket: str = Field(min_length=1, max_length=40)


class Finish(Body):
    case_type: str = Field(
        "immediate",
        max_length=20,
        description="immediate, promised, joint, forwarded, incomplete, returned, urgent, unowned (or 即办件 …)",
    )
    item: str | None = Field(None, max_length=40)
    due_date: dt.date | None = None
    due_reason: str = Field("", max_length=500)
    note: str = Field("", max_length=2000)
    missing_materials: list[str] = Field(default_factory=list, max_length=100)


class Transfer(Body):
    service: str | None = Field(None, max_length=20)
    window: int | None = Field(None, ge=1, le=999)
    note: str = Field(max_length=500)

    @model_validator(mode="after")
    def one_target(self) -> Transfer:
        if (self.service is None) == (self.window is None):
            raise ValueError("give either service or window / 请指定服务或窗口（二选一）")
        return self


class Pause(Body):
    reason: str = Field(min_length=1, max_length=200)


class RatingIn(Body):
    ticket: str = Field(min_length=1, max_length=40)
    score: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    reasons: list[str] = Field(default_factory=list, max_length=20)
    comment: str = Field("", max_length=1000)
    window: int | None = Field(None, ge=1, le=999, description="The pad's window; a ticket served elsewhere is refused")
    dimensions: dict[str, int] = Field(default_factory=dict, description="efficiency, competence, attitude: 1–5")


class ChangePin(Body):
    old_pin: str = Field(min_length=4, max_length=8)
    new_pin: str = Field(min_length=4, max_length=8, pattern=r"^\d{4,8}$")


class NewBooking(Body):
    service: str = Field(min_length=1, max_length=20)
    day: dt.date
    item: str | None = Field(None, max_length=40)
    time: str = Field("", pattern=r"^(\d{2}:\d{2})?$")
    name: str = Field("", max_length=40, description="Kept only as long as needed; shown masked")
    phone: str = Field("", pattern=r"^\d{0,15}$")


class NewDevice(Body):
    role: str = Field(min_length=1, max_length=20, description="kiosk, pad, display or caller")
    name: str = Field("", max_length=60)
    window: int | None = Field(None, ge=1, le=999, description="A pad's or a caller's window")


class ChangeDevice(Body):
    name: str | None = Field(None, max_length=60)
    window: int | None = Field(None, ge=1, le=999)


class Pair(Body):
    code: str = Field(min_length=6, max_length=12, pattern=r"^\d+$")


class DeviceState(Body):
    state: str = Field("", max_length=200, description="What is wrong, in a sentence; empty when all is well")


class CheckIn(Body):
    code: str = Field(min_length=4, max_length=12, pattern=r"^\d+$")


B = TypeVar("B", bound=Body)


def parse(model: type[B], data: Any) -> B:
    """Validate a body; every problem in one sentence, by field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DomainError("bad_json", "请求体应为 JSON 对象。 / The request body must be a JSON object.", 400)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise DomainError("invalid", f"请求内容有误 / Invalid request: {problems}", 400) from None
