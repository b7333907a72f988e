"""好差评 after the rating: the figures (one definition each), periods, the two-months flag, the rectification
record (整改) every bad rating opens with its deadlines, steps and who may take them, follow-up calls (回访),
satisfaction surveys (服务对象评议) and the hall's monthly visits. Complaints are in core/complaints.py.

Standard library only; no clock: every rule takes the day it is asked about and the hall's WorkCalendar.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from core.calendar import WorkCalendar
from core.ratings import BAD_SCORES, LEVELS
from core.tickets import DomainError

K = TypeVar("K")

# ---- the definitions (reports and scores reuse these, never their own) --------------------------------------


def rating_rate(rated: int, served: int) -> float | None:
    """评价率: rated ÷ served (None when nothing was served)."""
    return rated / served if served else None


def satisfaction(counts: Mapping[int, int], satisfied: Iterable[int] = (5, 4, 3)) -> float | None:
    """满意度 as the hall defines it (`[feedback] satisfied_levels`, default 非常满意 + 满意 + 基本满意) over rated;
    None when nothing was rated."""
    rated = sum(counts.values())
    if not rated:
        return None
    levels = set(satisfied)
    return sum(n for score, n in counts.items() if score in levels) / rated


def bad_rate(counts: Mapping[int, int]) -> float | None:
    """差评率: 不满意 + 非常不满意 over rated; None when nothing was rated."""
    rated = sum(counts.values())
    if not rated:
        return None
    return sum(n for score, n in counts.items() if score in BAD_SCORES) / rated


def follow_up_rate(followed_up: int, reachable: int) -> float | None:
    """回访率: bad ratings followed up ÷ bad ratings whose citizen left a way to be reached."""
    return followed_up / reachable if reachable else None


def percent(value: float | None, digits: int = 1) -> str:
    """0.98765 → "98.8%"; None → "—"."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


@dataclass
class Tally:
    """One unit's figures (a clerk, window, service, item, line, day): served, and ratings by level and reason."""

    served: int = 0
    counts: Counter[int] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def rated(self) -> int:
        return sum(self.counts.values())

    @property
    def bad(self) -> int:
        return sum(n for s, n in self.counts.items() if s in BAD_SCORES)

    def row(self, satisfied: Iterable[int] = (5, 4, 3)) -> dict[str, Any]:
        return {
            "served": self.served,
            "rated": self.rated,
            "levels": [self.counts.get(s, 0) for s in (5, 4, 3, 2, 1)],
            "bad": self.bad,
            "rating_rate": rating_rate(self.rated, self.served),
            "satisfaction": satisfaction(self.counts, satisfied),
            "bad_rate": bad_rate(self.counts),
            "reasons": self.reasons.most_common(),
        }


def tally(
    served: Iterable[tuple[K, int]],
    rated: Iterable[tuple[K, int, int]],
    reasons: Iterable[tuple[K, str]] = (),
) -> dict[K, Tally]:
    """Figures per unit from (unit, served), (unit, score, count) and (unit, reason) rows."""
    out: dict[K, Tally] = {}
    for unit, n in served:
        out.setdefault(unit, Tally()).served += n
    for unit, score, n in rated:
        out.setdefault(unit, Tally()).counts[score] += n
    for unit, reason in reasons:
        out.setdefault(unit, Tally()).reasons[reason] += 1
    return out


# ---- periods: a day, a month, a quarter --------------------------------------------------------------------

PERIOD_KINDS = {"day": ("日", "Day"), "month": ("月", "Month"), "quarter": ("季度", "Quarter")}


@dataclass(frozen=True)
class Period:
    kind: str  # "day" | "month" | "quarter"
    start: dt.date
    end: dt.date  # exclusive

    @property
    def key(self) -> str:
        """The period as the URL holds it: 2026-11-23, 2026-11, 2026-Q4."""
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def zh(self) -> str:
        if self.kind == "day":
            return f"{self.start.year}年{self.start.month}月{self.start.day}日"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def previous(self) -> Period:
        return period_of(self.kind, self.start - dt.timedelta(days=1))

    def following(self) -> Period:
        return period_of(self.kind, self.end)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end


def _month_start(year: int, month: int) -> dt.date:
    year += (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)


def period_of(kind: str, day: dt.date) -> Period:
    """The day, month or quarter that holds `day`."""
    if kind == "day":
        return Period("day", day, day + dt.timedelta(days=1))
    if kind == "month":
        return Period("month", day.replace(day=1), _month_start(day.year, day.month + 1))
    if kind == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        return Period("quarter", dt.date(day.year, first, 1), _month_start(day.year, first + 3))
    raise DomainError("bad_period", f"统计周期 {kind!r} 无效。 / Unknown period kind {kind!r}.", 400)


_PERIOD_RE = re.compile(r"(\d{4})-(?:(\d{2})-(\d{2})|(\d{2})|Q([1-4]))")


def parse_period(text: str) -> Period:
    """2026-11-23 (a day), 2026-11 (a month) or 2026-Q4 (a quarter)."""
    match = _PERIOD_RE.fullmatch(text.strip())
    try:
        if match:
            year = int(match[1])
            if match[3]:
                return period_of("day", dt.date(year, int(match[2]), int(match[3])))
            if match[4]:
                return period_of("month", dt.date(year, int(match[4]), 1))
            return period_of("quarter", dt.date(year, (int(match[5]) - 1) * 3 + 1, 1))
    except ValueError:
        pass
    raise DomainError(
        "bad_period",
        f"统计周期 {text!r} 无效，应为 2026-11-23、2026-11 或 2026-Q4。"
        f" / Unknown period {text!r}: use 2026-11-23, 2026-11 or 2026-Q4.",
        400,
    )


# ---- the flag: last, or below the hall's threshold, two months running ------------------------------------

FLAG_REASONS = {"last": ("排名末位", "last"), "below": ("低于满意度标准", "below the threshold")}


def month_marks(units: Mapping[K, tuple[int, float | None]], below: float, min_rated: int) -> dict[K, tuple[str, ...]]:
    """Per unit (rated, satisfaction) in one month: which marks it earns — "last" (the lowest satisfaction among
    the units with at least `min_rated` ratings, when two or more are ranked) and "below" (under `below`)."""
    ranked = {u: s for u, (n, s) in units.items() if n >= min_rated and s is not None}
    lowest = min(ranked.values()) if len(ranked) >= 2 else None
    marks: dict[K, tuple[str, ...]] = {}
    for unit, value in ranked.items():
        got = tuple(m for m, hit in (("last", lowest is not None and value <= lowest), ("below", value < below)) if hit)
        if got:
            marks[unit] = got
    return marks


def flagged(
    this_month: Mapping[K, tuple[int, float | None]],
    last_month: Mapping[K, tuple[int, float | None]],
    below: float,
    min_rated: int,
) -> dict[K, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Units marked (last or below) in both months: unit → (this month's marks, last month's marks)."""
    now = month_marks(this_month, below, min_rated)
    before = month_marks(last_month, below, min_rated)
    return {u: (now[u], before[u]) for u in now if u in before}


# ---- the rectification record (整改) of a bad rating ------------------------------------------------------

OPEN, VERIFIED, RECTIFYING, APPEALED, RECTIFIED, EXPLAINED, UPHELD, CLOSED = (
    "open",
    "verified",
    "rectifying",
    "appealed",
    "rectified",
    "explained",
    "upheld",
    "closed",
)
RECT_STATES: dict[str, tuple[str, str]] = {
    OPEN: ("待核实", "To verify"),
    VERIFIED: ("已核实待处理", "Verified, outcome due"),
    RECTIFYING: ("限期整改中", "Rectifying"),
    APPEALED: ("申诉待主任决定", "Appeal awaits the director"),
    RECTIFIED: ("已整改", "Rectified"),
    EXPLAINED: ("已解释说明", "Explained"),
    UPHELD: ("申诉成立（不计入统计）", "Appeal upheld (out of the figures)"),
    CLOSED: ("已回访办结", "Followed up, closed"),
}
OUTCOMES: dict[str, tuple[str, str]] = {
    "on_the_spot": ("立行立改", "Rectified on the spot"),
    "deadline": ("限期整改", "Rectification with a deadline"),
    "explanation": ("解释说明", "Explanation"),
    "appeal": ("申诉", "Appeal"),
}
APPEAL_GROUNDS: dict[str, tuple[str, str]] = {
    "mistaken": ("误评", "Rated by mistake"),
    "malicious": ("恶意评价", "Malicious rating"),
}
FOLLOW_UP_VIEWS: dict[str, tuple[str, str]] = {
    "satisfied": ("满意", "Satisfied"),
    "fair": ("基本满意", "Fairly satisfied"),
    "dissatisfied": ("不满意", "Dissatisfied"),
    "unreachable": ("未能联系上", "Could not be reached"),
}

# (state, action) → next state; every step not listed is refused
RECT_TRANSITIONS: dict[tuple[str, str], str] = {
    (OPEN, "verify"): VERIFIED,
    (VERIFIED, "on_the_spot"): RECTIFIED,
    (VERIFIED, "deadline"): RECTIFYING,
    (VERIFIED, "explanation"): EXPLAINED,
    (VERIFIED, "appeal"): APPEALED,
    (RECTIFYING, "complete"): RECTIFIED,
    (APPEALED, "uphold"): UPHELD,
    (APPEALED, "reject"): VERIFIED,  # then one of the other outcomes (an appeal is decided once)
    (RECTIFIED, "follow_up"): CLOSED,
    (EXPLAINED, "follow_up"): CLOSED,
}
RECT_ACTIONS: dict[str, tuple[str, str]] = {
    "verify": ("核实", "Verify"),
    **{k: v for k, v in OUTCOMES.items()},
    "complete": ("整改完成", "Rectification done"),
    "uphold": ("申诉成立", "Uphold the appeal"),
    "reject": ("申诉不成立", "Reject the appeal"),
    "follow_up": ("回访", "Follow up"),
}
FINISHED_STATES = frozenset({RECTIFIED, EXPLAINED, UPHELD, CLOSED})  # no more rectification owed

# who may take each step (console roles, core.permissions): "owner" = the clerk who served or the window's head
OWNER_STEPS = frozenset({"verify", "on_the_spot", "deadline", "explanation", "appeal", "complete"})
DIRECTOR_STEPS = frozenset({"uphold", "reject"})
FOLLOW_UP_ROLES = frozenset({"manager", "supervisor", "director"})
SEE_ALL_ROLES = frozenset({"admin", "director", "manager", "supervisor"})


def next_rect_state(state: str, action: str, *, appeal_decided: bool = False) -> str:
    if action == "appeal" and appeal_decided:
        raise DomainError(
            "appeal_decided",
            "该差评的申诉已经决定过，不能再次申诉。 / This rating's appeal was already decided; it cannot be appealed again.",
        )
    try:
        return RECT_TRANSITIONS[(state, action)]
    except KeyError:
        zh, en = RECT_STATES.get(state, (state, state))
        act_zh, act_en = RECT_ACTIONS.get(action, (action, action))
        raise DomainError(
            "wrong_step",
            f"整改记录处于“{zh}”，不能“{act_zh}”。 / The record is “{en}”; “{act_en}” is not possible now.",
        ) from None


def check_may_step(
    action: str, *, role: str, staff: str, heads: Sequence[int], record_staff: str, record_window: int
) -> None:
    """Who may take a step: the clerk who served and her window's head own the record (a hall manager may act for
    them); the director decides appeals; follow-up calls are made by the manager, a supervisor or the director —
    never by the clerk rated or her window head."""
    owner = staff == record_staff or record_window in heads
    if action in OWNER_STEPS:
        if owner or role == "manager":
            return
        raise DomainError(
            "forbidden",
            "只有被评价的工作人员、窗口负责人或大厅负责人可以处理。"
            " / Only the clerk rated, her window head or the hall manager may do this.",
            403,
        )
    if action in DIRECTOR_STEPS:
        if role == "director":
            return
        raise DomainError("forbidden", "申诉由中心主任决定。 / The director decides appeals.", 403)
    if action == "follow_up":
        if role in FOLLOW_UP_ROLES and not owner:
            return
        raise DomainError(
            "forbidden",
            "回访由大厅负责人、督查或中心主任进行，被评价人及其窗口负责人不能回访。"
            " / The manager, a supervisor or the director follows up; not the clerk rated or her window head.",
            403,
        )
    raise DomainError("wrong_step", f"未知的步骤 {action!r}。 / Unknown step {action!r}.", 400)


def may_see_record(*, role: str, staff: str, heads: Sequence[int], record_staff: str, record_window: int) -> bool:
    """A clerk sees her own records, a window head her windows'; the manager, supervisors, director, admin all."""
    return role in SEE_ALL_ROLES or staff == record_staff or record_window in heads


def may_call(*, role: str, staff: str, heads: Sequence[int], record_staff: str, record_window: int) -> bool:
    """The citizen's phone shows unmasked only to the one making the follow-up call."""
    owner = staff == record_staff or record_window in heads
    return role in FOLLOW_UP_ROLES and not owner


def verify_due(rated_on: dt.date, calendar: WorkCalendar, verify_workdays: int) -> dt.date:
    """核实 within the hall's verify_workdays working days of the rating (default 1)."""
    return calendar.add_workdays(rated_on, verify_workdays)


def rectify_due(decided_on: dt.date, calendar: WorkCalendar, rectify_workdays: int) -> dt.date:
    """限期整改: done within rectify_workdays working days of the outcome (default 15)."""
    return calendar.add_workdays(decided_on, rectify_workdays)


def follow_up_due(done_on: dt.date, calendar: WorkCalendar, follow_up_workdays: int) -> dt.date:
    return calendar.add_workdays(done_on, follow_up_workdays)


def check_rectify_due(chosen: dt.date | None, decided_on: dt.date, latest: dt.date) -> dt.date:
    """A deadline the owner sets: not before today, not after the hall's limit; none given: the limit."""
    if chosen is None:
        return latest
    if chosen < decided_on:
        raise DomainError("bad_due_date", "整改期限不能早于今天。 / The deadline cannot be before today.", 400)
    if chosen > latest:
        raise DomainError(
            "bad_due_date",
            f"整改期限最迟为 {latest.isoformat()}。 / The deadline can be {latest.isoformat()} at the latest.",
            400,
        )
    return chosen


def require_text(text: str, zh: str, en: str) -> str:
    if not text.strip():
        raise DomainError("note_required", f"请填写{zh}。 / {en} is required.", 400)
    return text.strip()


def overdue_step(record: Mapping[str, Any], today: dt.date) -> str:
    """The step a rectification record is late with today: "verify", "rectify", "follow_up" or ""."""
    state = record["status"]
    if state == OPEN and record.get("verify_due") and today.isoformat() > record["verify_due"]:
        return "verify"
    if state == RECTIFYING and record.get("rectify_due") and today.isoformat() > record["rectify_due"]:
        return "rectify"
    if (
        state in (RECTIFIED, EXPLAINED)
        and record.get("contact_phone")
        and record.get("follow_up_due")
        and today.isoformat() > record["follow_up_due"]
    ):
        return "follow_up"
    return ""


def due_step(record: Mapping[str, Any]) -> tuple[str, str | None]:
    """The step owed now and its due date."""
    state = record["status"]
    if state == OPEN:
        return "verify", record.get("verify_due")
    if state == VERIFIED:
        return "outcome", record.get("verify_due")
    if state == RECTIFYING:
        return "rectify", record.get("rectify_due")
    if state == APPEALED:
        return "appeal", None
    if state in (RECTIFIED, EXPLAINED) and record.get("contact_phone"):
        return "follow_up", record.get("follow_up_due")
    return "", None


def late_steps(record: Mapping[str, Any], today: dt.date) -> list[dict[str, Any]]:
    """Each deadline a record missed (done late, or still owed after its day): the scores read these."""
    out = []

    def late(step: str, due: str | None, done_at: str | None) -> None:
        if not due:
            return
        done_on = done_at[:10] if done_at else None
        if (done_on and done_on > due) or (not done_on and today.isoformat() > due):
            out.append({"step": step, "due": due, "done_on": done_on})

    late("verify", record.get("verify_due"), record.get("verified_at"))
    if record.get("outcome") == "deadline":
        late("rectify", record.get("rectify_due"), record.get("rectified_at"))
    return out


# ---- satisfaction surveys (服务对象评议) -------------------------------------------------------------------

QUESTION_KINDS = {"levels": ("五级满意度", "Five levels"), "choice": ("选择", "Choice")}
SURVEY_STATES = {"draft": ("草稿", "Draft"), "open": ("进行中", "Open"), "closed": ("已结束", "Closed")}
SURVEY_CHANNELS = {"phone": ("手机扫码", "Phone"), "kiosk": ("取号机", "Kiosk"), "pad": ("评价器", "Rating pad")}


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: str  # "levels" | "choice"
    options: tuple[str, ...] = ()  # a choice's options


def check_questionnaire(title: str, questions: Sequence[Mapping[str, Any]]) -> tuple[str, tuple[Question, ...]]:
    """A questionnaire a manager composes: a title, at least one question; a choice question has 2+ options."""
    title = require_text(title, "问卷标题", "A title")
    out: list[Question] = []
    for i, q in enumerate(questions, 1):
        text = str(q.get("text", "")).strip()
        if not text:
            continue
        kind = str(q.get("kind", "levels"))
        if kind not in QUESTION_KINDS:
            raise DomainError("bad_question", f"第{i}题的题型无效。 / Question {i} has an unknown kind.", 400)
        options = tuple(o.strip() for o in q.get("options", ()) if str(o).strip()) if kind == "choice" else ()
        if kind == "choice" and len(options) < 2:
            raise DomainError(
                "bad_question", f"第{i}题（选择题）至少需要两个选项。 / Question {i} needs two options or more.", 400
            )
        out.append(Question(f"q{len(out) + 1}", text, kind, options))
    if not out:
        raise DomainError("bad_question", "问卷至少需要一道题。 / A questionnaire needs a question.", 400)
    return title, tuple(out)


def check_survey_dates(opens_on: dt.date, closes_on: dt.date) -> None:
    if closes_on < opens_on:
        raise DomainError("bad_dates", "结束日期不能早于开始日期。 / The end cannot be before the start.", 400)


def survey_accepts(status: str, opens_on: str, closes_on: str, today: dt.date) -> bool:
    return status == "open" and opens_on <= today.isoformat() <= closes_on


def check_survey_answers(
    questions: Sequence[Question], answers: Mapping[str, Any], comment: str = ""
) -> tuple[dict[str, Any], str]:
    """An answer sheet: every question answered (levels 1–5, or one of a choice's options); a short comment."""
    out: dict[str, Any] = {}
    for q in questions:
        raw = answers.get(q.id)
        if raw in (None, ""):
            raise DomainError("answer_required", f"请回答：{q.text} / Please answer: {q.text}", 400)
        if q.kind == "levels":
            try:
                level = int(raw)
            except (TypeError, ValueError):
                level = 0
            if level not in LEVELS:
                raise DomainError("bad_answer", f"“{q.text}”的回答应为 1–5。 / Answers are 1 to 5.", 400)
            out[q.id] = level
        else:
            if raw not in q.options:
                raise DomainError("bad_answer", f"“{q.text}”没有这个选项。 / Not one of the options.", 400)
            out[q.id] = raw
    return out, comment.strip()[:500]


def survey_results(
    questions: Sequence[Question], sheets: Iterable[Mapping[str, Any]], satisfied: Iterable[int] = (5, 4, 3)
) -> list[dict[str, Any]]:
    """Per question: answers counted per level or option; for levels the mean and the satisfaction."""
    counts: dict[str, Counter[Any]] = {q.id: Counter() for q in questions}
    for sheet in sheets:
        for q in questions:
            if q.id in sheet:
                counts[q.id][sheet[q.id]] += 1
    out = []
    for q in questions:
        c = counts[q.id]
        n = sum(c.values())
        row: dict[str, Any] = {"id": q.id, "text": q.text, "kind": q.kind, "answers": n}
        if q.kind == "levels":
            row["levels"] = [(s, LEVELS[s][0], c.get(s, 0)) for s in (5, 4, 3, 2, 1)]
            row["mean"] = sum(s * k for s, k in c.items()) / n if n else None
            row["satisfaction"] = satisfaction({int(s): k for s, k in c.items()}, satisfied)
        else:
            row["options"] = [(o, c.get(o, 0)) for o in q.options]
        out.append(row)
    return out


# ---- the hall's monthly follow-up visits (回访) ----------------------------------------------------------

VISIT_WHO = {"person": ("个人", "Person"), "organization": ("企业/单位", "Organization")}
VISIT_HOW = {"visit": ("上门走访", "Visit"), "phone": ("电话回访", "Phone"), "meeting": ("座谈会", "Meeting")}


def visits_due(done: int, per_month: int) -> int:
    """How many of the month's visits are still owed."""
    return max(0, per_month - done)


# ---- the export (a file in the field mapping of provincial 好差评 platforms) -----------------------------

EXPORT_CHANNELS = {"pad": ("3", "窗口评价器"), "phone": ("2", "移动端扫码")}
# (key in the file, Chinese name, what it holds) — docs/feedback-export.md describes the same list
EXPORT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("evaluateId", "评价编号", "the rating's own id (the ticket's id; one rating per ticket)"),
    ("projectNo", "办件编号", "the case number (20261130-0042) once the ticket is finished"),
    ("taskCode", "事项编码", "the item (事项) code of the case"),
    ("taskName", "事项名称", "the item's name"),
    ("deptName", "部门名称", "the window's department/line (线口部门)"),
    ("areaCode", "行政区划代码", "[feedback] region_code"),
    ("orgCode", "服务机构代码", "[feedback] org_code (the hall)"),
    ("orgName", "服务机构名称", "the hall's name"),
    ("channel", "评价渠道", "3 = window rating pad (窗口评价器), 2 = phone (移动端扫码)"),
    ("channelName", "评价渠道名称", "the channel in words"),
    ("windowNo", "窗口编号", "the window number"),
    ("userCode", "被评价人工号", "the clerk's staff number"),
    ("userName", "被评价人", "the clerk's name"),
    ("serviceCode", "业务代码", "the queue (service) code"),
    ("ticketNo", "取号号码", "the ticket number of the day (A001)"),
    ("alternate", "评价等级", "5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意"),
    ("alternateName", "评价等级名称", "the level in words"),
    ("reasons", "差评原因", "the reasons picked, separated by ；"),
    ("evalContent", "评价内容", "the citizen's comment (ID and phone numbers masked)"),
    ("evalTime", "评价时间", "yyyy-MM-dd HH:mm:ss, the hall's local time"),
    ("rectifyState", "整改状态", "the rectification record's state (bad ratings only)"),
    ("counted", "是否计入统计", "1, or 0 when the director upheld an appeal (误评/恶意评价)"),
)
