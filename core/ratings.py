"""好差评: the five levels, and the checks on a rating before it is recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from core.tickets import DomainError, Status, Ticket

LEVELS = {
    5: ("非常满意", "Very satisfied"),
    4: ("满意", "Satisfied"),
    3: ("基本满意", "Fairly satisfied"),
    2: ("不满意", "Dissatisfied"),
    1: ("非常不满意", "Very dissatisfied"),
}
BAD_SCORES = frozenset({1, 2})  # a 差评 asks for a reason


@dataclass(frozen=True)
class Rating:
    ticket: str
    number: str
    service: str
    window: int
    staff: str
    score: int
    reasons: tuple[str, ...]
    comment: str
    at: dt.datetime
    dimensions: dict[str, int] = field(default_factory=dict)

    @property
    def bad(self) -> bool:
        return self.score in BAD_SCORES

    def row(self) -> dict[str, Any]:
        """The rating as the ratings ledger keeps it: its reasons a list, its time ISO text."""
        return {**asdict(self), "reasons": list(self.reasons), "at": self.at.isoformat()}


def check_rating(
    ticket: Ticket,
    *,
    score: int,
    reasons: list[str],
    comment: str,
    now: dt.datetime,
    already_rated: bool,
    window: int | None = None,
    dimensions: dict[str, int] | None = None,
) -> Rating:
    """Validate a citizen's rating of a served ticket. Raises DomainError with a sentence."""
    if already_rated:
        raise DomainError(
            "already_rated",
            f"{ticket.number}号已经评价过，每次服务只能评价一次。 / Ticket {ticket.number} has already been rated.",
        )
    if ticket.status is not Status.DONE or ticket.window is None:
        raise DomainError(
            "not_served",
            f"{ticket.number}号尚未办结，不能评价。 / Ticket {ticket.number} was not served, so it cannot be rated.",
            status=400,
        )
    if window is not None and window != ticket.window:
        raise DomainError(
            "wrong_window",
            f"{ticket.number}号不是在{window}号窗口办理的。 / Ticket {ticket.number} was not served at window {window}.",
            status=400,
        )
    if score not in LEVELS:
        raise DomainError("bad_score", "评价等级应为 1–5。 / The score must be 1 to 5.", status=400)
    cleaned = [r.strip() for r in reasons if r and r.strip()]
    if score in BAD_SCORES and not cleaned and not comment.strip():
        raise DomainError(
            "reason_required",
            "不满意的评价请选择或填写原因。 / A dissatisfied rating needs a reason.",
            status=400,
        )
    for name, value in (dimensions or {}).items():
        if value not in LEVELS:
            raise DomainError("bad_score", f"{name} 的评价等级应为 1–5。 / {name} must be 1 to 5.", status=400)
    return Rating(
        ticket=ticket.id,
        number=ticket.number,
        service=ticket.service,
        window=ticket.window,
        staff=ticket.staff or "",
        score=score,
        reasons=tuple(cleaned),
        comment=comment.strip(),
        at=now,
        dimensions=dict(dimensions or {}),
    )


def satisfaction(scores: list[int]) -> float | None:
    """Share of ratings that are not bad (满意率), or None when there are none."""
    if not scores:
        return None
    return sum(1 for s in scores if s not in BAD_SCORES) / len(scores)
