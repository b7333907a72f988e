"""The ticket and its state machine, as an explicit transition table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    SUSPENDED = "suspended"
    TRANSFERRED = "transferred"  # waiting at the head of its new queue
    CANCELLED = "cancelled"
    CLOSED = "closed"  # still open when the day ended


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    SUSPEND = "suspend"
    RESUME = "resume"
    TRANSFER = "transfer"
    CANCEL = "cancel"
    CLOSE = "close"
    REINSTATE = "reinstate"  # a missed number (过号) back in its queue, at the service desk


S, A = Status, Action
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.WAITING, A.CALL): S.CALLED,
    (S.TRANSFERRED, A.CALL): S.CALLED,
    (S.CALLED, A.RECALL): S.CALLED,
    (S.CALLED, A.START): S.SERVING,
    (S.CALLED, A.FINISH): S.DONE,
    (S.SERVING, A.FINISH): S.DONE,
    (S.CALLED, A.NO_SHOW): S.NO_SHOW,
    (S.CALLED, A.SUSPEND): S.SUSPENDED,
    (S.SERVING, A.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, A.RESUME): S.CALLED,
    (S.CALLED, A.TRANSFER): S.TRANSFERRED,
    (S.SERVING, A.TRANSFER): S.TRANSFERRED,
    (S.NO_SHOW, A.REINSTATE): S.WAITING,
    (S.WAITING, A.CANCEL): S.CANCELLED,
    (S.TRANSFERRED, A.CANCEL): S.CANCELLED,
    (S.SUSPENDED, A.CANCEL): S.CANCELLED,
    (S.WAITING, A.CLOSE): S.CLOSED,
    (S.TRANSFERRED, A.CLOSE): S.CLOSED,
    (S.CALLED, A.CLOSE): S.CLOSED,
    (S.SERVING, A.CLOSE): S.CLOSED,
    (S.SUSPENDED, A.CLOSE): S.CLOSED,
}
del S, A

QUEUED = frozenset({Status.WAITING, Status.TRANSFERRED})
AT_WINDOW = frozenset({Status.CALLED, Status.SERVING})
TERMINAL = frozenset({Status.DONE, Status.NO_SHOW, Status.CANCELLED, Status.CLOSED})

_STATUS_ZH = {
    Status.WAITING: "等候中",
    Status.CALLED: "已叫号",
    Status.SERVING: "办理中",
    Status.DONE: "已办结",
    Status.NO_SHOW: "过号",
    Status.SUSPENDED: "挂起",
    Status.TRANSFERRED: "已转办",
    Status.CANCELLED: "已取消",
    Status.CLOSED: "当日已关闭",
}


def status_zh(status: Status) -> str:
    return _STATUS_ZH[status]


class DomainError(Exception):
    """A command the rules refuse. `code` is stable for APIs; the message is for people."""

    def __init__(self, code: str, message: str, status: int = 409, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.headers = headers or {}  # e.g. Retry-After


def next_status(current: Status, action: Action, number: str = "") -> Status:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise DomainError(
            "illegal_transition",
            f"{number}号当前状态为“{status_zh(current)}”，不能执行“{action.value}”。"
            f" / Ticket {number} is {current.value}; '{action.value}' is not allowed.",
        ) from None


@dataclass
class Referral:
    """A transfer on record (首问负责): who referred the citizen, where, and why."""

    from_window: int
    from_staff: str
    note: str
    at: dt.datetime
    to_service: str | None = None
    to_window: int | None = None


@dataclass
class Ticket:
    id: str
    number: str
    service: str
    day: dt.date
    seq: int
    issued_at: dt.datetime
    status: Status = Status.WAITING
    priority: bool = False
    priority_reason: str = ""
    item: str | None = None
    booking: str | None = None
    queued_at: dt.datetime | None = None
    target_window: int | None = None  # a transfer to one window
    window: int | None = None  # the window calling or serving it
    staff: str | None = None
    called_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    recalls: int = 0
    suspended_by: int | None = None
    referrals: list[Referral] = field(default_factory=list)
    reinstated: int = 0  # times a missed number was put back in its queue

    def __post_init__(self) -> None:
        if self.queued_at is None:
            self.queued_at = self.issued_at

    def apply(self, action: Action) -> None:
        self.status = next_status(self.status, action, self.number)

    @property
    def referred_by_windows(self) -> list[int]:
        return [r.from_window for r in self.referrals]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot (built by hand: this runs on every command and asdict deep-copies)."""

        def iso(v: dt.datetime | None) -> str | None:
            return v.isoformat() if v is not None else None

        return {
            "id": self.id,
            "number": self.number,
            "service": self.service,
            "day": self.day.isoformat(),
            "seq": self.seq,
            "issued_at": self.issued_at.isoformat(),
            "status": self.status.value,
            "priority": self.priority,
            "priority_reason": self.priority_reason,
            "item": self.item,
            "booking": self.booking,
            "queued_at": iso(self.queued_at),
            "target_window": self.target_window,
            "window": self.window,
            "staff": self.staff,
            "called_at": iso(self.called_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "recalls": self.recalls,
            "suspended_by": self.suspended_by,
            "reinstated": self.reinstated,
            "referrals": [
                {
                    "from_window": r.from_window,
                    "from_staff": r.from_staff,
                    "note": r.note,
                    "at": r.at.isoformat(),
                    "to_service": r.to_service,
                    "to_window": r.to_window,
                }
                for r in self.referrals
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ticket:
        def when(v: Any) -> dt.datetime | None:
            return dt.datetime.fromisoformat(v) if v else None

        return cls(
            id=data["id"],
            number=data["number"],
            service=data["service"],
            day=dt.date.fromisoformat(data["day"]),
            seq=data["seq"],
            issued_at=dt.datetime.fromisoformat(data["issued_at"]),
            status=Status(data["status"]),
            priority=bool(data["priority"]),
            priority_reason=data.get("priority_reason") or "",
            item=data.get("item"),
            booking=data.get("booking"),
            queued_at=when(data.get("queued_at")),
            target_window=data.get("target_window"),
            window=data.get("window"),
            staff=data.get("staff"),
            called_at=when(data.get("called_at")),
            started_at=when(data.get("started_at")),
            finished_at=when(data.get("finished_at")),
            recalls=data.get("recalls") or 0,
            suspended_by=data.get("suspended_by"),
            reinstated=data.get("reinstated") or 0,
            referrals=[
                Referral(
                    from_window=r["from_window"],
                    from_staff=r["from_staff"],
                    note=r["note"],
                    at=dt.datetime.fromisoformat(r["at"]),
                    to_service=r.get("to_service"),
                    to_window=r.get("to_window"),
                )
                for r in data.get("referrals") or []
            ],
        )


def format_number(prefix: str, seq: int, width: int) -> str:
    """A001 … A999, then A1000: the width grows rather than a number being reused."""
    return f"{prefix}{seq:0{width}d}"
