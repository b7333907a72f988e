"""Request bodies of the JSON API, validated with pydantic; their JSON Schemas feed the OpenAPI document."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator


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


class CheckIn(Body):
    code: str = Field(min_length=4, max_length=12, pattern=r"^\d+$")
