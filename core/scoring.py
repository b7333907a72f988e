"""The monthly 100-point score (百分考核), the red flag (流动红旗), efficiency warnings (效能告诫), the year, and the
periodic awards (优质服务窗口 / 优秀服务标兵) — every number explainable line by line.

**Lines from every source.** Each window and each person starts the month at `[scoring] start` and gains or
loses by *lines*: a date, a kind (the hall's deduction table: late, early_leave, half_day_absence,
forbidden_behaviour, duty_lapse, verified_complaint, …), what happened, where it came from, who recorded it.
Each source produces its own lines where the fact is entered — attendance (core/attendance.py), the manual
entries of the manager, the complaint ledger, inspections and cases — and nothing is typed twice: a source is a
function `(first_day, last_day) -> Iterable[ScoreLine]` (`ScoreSource`). A line counts for its person (staff)
and for its window, whichever it names. Points come from the hall's table unless the source fixed them.

**The red flag tie rule.** The month's highest window score holds the flag next month. On equal scores, the
hall's `red_flag_tie` tie-breakers decide in order: "lines" (fewer deduction lines: fewer incidents), then
"served" (more citizens served in the month); windows still equal after all tie-breakers share the flag.

**Warnings.** A person with more than `late_warning_after` late arrivals and early departures in a month gets
an efficiency warning drafted (the regulations: "月累计超过3次"); so does an absence from post, and a fact a
source marks with a warning ground (a founded complaint of rudeness, an overdue case without a notice). A
window whose staff collected `window_warning_after` or more confirmed warnings in the year ("3次以上(含3次)")
gets a collective warning drafted. The manager confirms, prints or dismisses each draft.

**The year.** "average" of the months' scores, their "sum", or "deduct": `start` less every line of the year
(the other hall's 年终考核: −5 per late arrival, −50 per day of absence). Below `award_threshold`, a line of a
kind that bars the award (criticism from a higher authority) or a confirmed warning (`warning_bars_award`):
no annual award.

**Awards.** Eligible: on duty at least `min_days_on_duty` days in the period and not disqualified (a line of a
`disqualify` kind in the period). Shortlist the top N by the period's mean monthly score; final = the hall's
weights over the components (score, peer, leaders, head, ratings; each 0–100); select the top M — or, when the
hall lists grades, grade everyone on the list (A ≤ 20 %, A+B ≤ 60 %: a grade's `share` caps those at it or
better; equal finals always get the same grade, so a tie at the cap goes down together).

Pure functions over plain values.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from core.config import AwardScheme, Grade, Scoring

# every kind a line may have; points for a kind come from the hall's deductions / additions (else 0)
KINDS: dict[str, tuple[str, str]] = {
    "late": ("迟到", "Late arrival"),
    "early_leave": ("早退", "Early departure"),
    "absent_from_post": ("脱岗", "Absent from post"),
    "half_day_absence": ("旷工半天", "Half-day absence"),
    "forbidden_behaviour": ("巡查发现禁止行为", "Forbidden behaviour (inspection)"),
    "duty_lapse": ("值班窗口失职", "Duty-window lapse"),
    "verified_complaint": ("被投诉查实", "Founded complaint"),
    "internal_criticism": ("内部通报批评", "Internal criticism"),
    "higher_criticism": ("上级通报批评", "Criticism from a higher authority"),
    "commendation": ("表扬", "Commendation"),
    "overdue_case": ("窗口原因超期办件", "Overdue case caused by the window"),
    "corruption": ("吃拿卡要等不廉洁行为", "Graft (吃拿卡要)"),
    "serious_incident": ("重大安全责任事件", "Serious incident"),
    "media_exposure": ("被新闻媒体曝光", "Exposed by the media"),
    "rule_breach": ("违反审批制度改革规定", "Breach of the approval rules"),
    "other": ("其他", "Other"),
}
AWARD_BAR_KINDS = frozenset({"higher_criticism"})  # 并直接取消年终评优资格

SOURCES: dict[str, tuple[str, str]] = {
    "attendance": ("考勤", "Attendance"),
    "meeting": ("会议签到", "Meeting sign-in"),
    "manual": ("手工录入", "Manual entry"),
    "complaint": ("投诉", "Complaints"),
    "rating": ("好差评", "Ratings"),
    "inspection": ("督查", "Inspections"),
    "case": ("办件", "Cases"),
    "warning": ("效能告诫", "Warnings"),
}

GROUNDS: dict[str, tuple[str, str]] = {
    "late_early": ("上下班迟到、早退，月累计超过规定次数", "Late or early more often than allowed in a month"),
    "not_handled": ("符合规定、手续齐全不予即时办理", "A complete application not handled at once"),
    "deadline_missed": ("不按限时办结又不说明原因和时限", "A deadline missed without telling the citizen why"),
    "first_ask": ("首问责任人未尽职", "A first-asker who failed"),
    "left_post": ("擅离工作岗位或串岗聊天", "Leaving the post or chatting at another window"),
    "rude": ("作风生硬、态度粗暴，被投诉查实", "Rudeness confirmed by a founded complaint"),
    "graft": ("利用工作之便吃、拿、卡、要", "Graft (吃拿卡要)"),
    "favouritism": ("假公济私，庇护不正当竞争", "Favouritism"),
    "retaliation": ("刁难、打击、报复投诉人", "Retaliation against a complainant"),
    "other": ("其它失职、渎职行为", "Other neglect of duty"),
    "collective": ("科室工作人员累计被效能告诫达到规定次数", "Staff of the window warned the set number of times"),
}


@dataclass(frozen=True)
class ScoreLine:
    """One line of a score: what happened, when, where it came from, what it costs."""

    day: dt.date
    kind: str
    what: str
    source: str
    staff: str = ""  # counts for this person ("" : the window only)
    window: int | None = None  # counts for this window (None: the person only)
    points: int | None = None  # None: priced from the hall's table
    recorded_by: str = ""
    ref: str = ""  # the source record (a leave, a complaint, an inspection…)
    ground: str = ""  # a warning ground (GROUNDS) this fact supports

    @classmethod
    def of(cls, data: ScoreLine | Mapping[str, Any]) -> ScoreLine:
        """A line from another module: a ScoreLine, or a mapping with the same keys (day may be ISO text)."""
        if isinstance(data, ScoreLine):
            return data
        day = data["day"]
        window = data.get("window")
        return cls(
            day=dt.date.fromisoformat(day) if isinstance(day, str) else day,
            kind=str(data["kind"]),
            what=str(data.get("what", "")),
            source=str(data.get("source", "")),
            staff=str(data.get("staff") or ""),
            window=int(window) if window not in (None, "") else None,
            points=data.get("points"),
            recorded_by=str(data.get("recorded_by") or ""),
            ref=str(data.get("ref") or ""),
            ground=str(data.get("ground") or ""),
        )

    @property
    def kind_zh(self) -> str:
        return KINDS.get(self.kind, (self.kind, self.kind))[0]

    @property
    def source_zh(self) -> str:
        return SOURCES.get(self.source, (self.source, self.source))[0]


ScoreSource = Callable[[dt.date, dt.date], Iterable[ScoreLine]]


def price(line: ScoreLine, scoring: Scoring) -> int:
    """The line's points: as the source fixed them, else −deduction or +addition from the hall's tables."""
    if line.points is not None:
        return int(line.points)
    if line.kind in scoring.deductions:
        return -abs(scoring.deductions[line.kind])
    return abs(scoring.additions.get(line.kind, 0))


def priced(lines: Iterable[ScoreLine], scoring: Scoring) -> list[ScoreLine]:
    return [replace(line, points=price(line, scoring)) for line in lines]


def gather(sources: Mapping[str, ScoreSource], first: dt.date, last: dt.date, scoring: Scoring) -> list[ScoreLine]:
    """Every source's lines of [first, last], priced, in date order."""
    out: list[ScoreLine] = []
    for name, source in sources.items():
        for line in source(first, last):
            line = ScoreLine.of(line)
            if first <= line.day <= last:
                out.append(line if line.source else replace(line, source=name))
    out.sort(key=lambda ln: (ln.day, ln.source, ln.staff, ln.window or 0, ln.kind))
    return priced(out, scoring)


# ---- the month ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    subject: str  # "window" or "staff"
    key: str  # the window number or staff code, as text
    name: str
    start: int
    lines: tuple[ScoreLine, ...]
    floor: int = 0

    @property
    def total(self) -> int:
        return max(self.floor, self.start + sum(line.points or 0 for line in self.lines))

    @property
    def deductions(self) -> list[ScoreLine]:
        return [line for line in self.lines if (line.points or 0) < 0]

    @property
    def additions(self) -> list[ScoreLine]:
        return [line for line in self.lines if (line.points or 0) > 0]


def month_scores(
    lines: Sequence[ScoreLine],
    windows: Sequence[tuple[int, str]],
    staff: Sequence[tuple[str, str]],
    scoring: Scoring,
) -> tuple[list[Score], list[Score]]:
    """(windows' scores, people's scores), in the order given; each with its priced lines."""
    lines = priced(lines, scoring)
    by_window: dict[int, list[ScoreLine]] = {}
    by_staff: dict[str, list[ScoreLine]] = {}
    for line in lines:
        if line.window is not None:
            by_window.setdefault(line.window, []).append(line)
        if line.staff:
            by_staff.setdefault(line.staff, []).append(line)
    w = [
        Score("window", str(n), name, scoring.start, tuple(by_window.get(n, ())), scoring.floor) for n, name in windows
    ]
    s = [
        Score("staff", code, name, scoring.start, tuple(by_staff.get(code, ())), scoring.floor) for code, name in staff
    ]
    return w, s


def ranked(scores: Sequence[Score]) -> list[tuple[int, Score]]:
    """Highest first, with competition ranks (1, 2, 2, 4)."""
    ordered = sorted(scores, key=lambda s: (-s.total, s.key))
    out: list[tuple[int, Score]] = []
    for i, s in enumerate(ordered):
        rank = out[-1][0] if out and out[-1][1].total == s.total else i + 1
        out.append((rank, s))
    return out


@dataclass(frozen=True)
class RedFlag:
    windows: tuple[int, ...]
    score: int
    rule: str  # how it was decided, in a sentence (Chinese / English)


TIE_NAMES = {"lines": ("扣分记录较少", "fewer deduction lines"), "served": ("当月办件较多", "more citizens served")}


def red_flag(
    scores: Sequence[Score], served: Mapping[int, int], tie: Sequence[str] = ("lines", "served")
) -> RedFlag | None:
    """The month's red-flag window(s): highest score; ties broken by `tie` in order; still tied: shared."""
    windows = [s for s in scores if s.subject == "window"]
    if not windows:
        return None
    best = max(s.total for s in windows)
    tied = [s for s in windows if s.total == best]
    used: list[str] = []
    for breaker in tie:
        if len(tied) < 2:
            break
        if breaker == "lines":
            key: Callable[[Score], float] = lambda s: -len(s.deductions)  # noqa: E731
        elif breaker == "served":
            key = lambda s: served.get(int(s.key), 0)  # noqa: E731
        else:
            continue
        top = max(key(s) for s in tied)
        narrowed = [s for s in tied if key(s) == top]
        if len(narrowed) < len(tied):
            used.append(breaker)
        tied = narrowed
    numbers = tuple(sorted(int(s.key) for s in tied))
    if len(numbers) == 1 and not used:
        rule = f"当月得分最高（{best}分）。 / Highest score ({best})."
    elif len(numbers) == 1:
        zh = "、".join(TIE_NAMES[u][0] for u in used)
        en = ", then ".join(TIE_NAMES[u][1] for u in used)
        rule = f"同为{best}分，按{zh}确定。 / Tied at {best}; decided by {en}."
    else:
        rule = f"同为{best}分且无法区分，共同持有。 / Tied at {best} after every tie-breaker: shared."
    return RedFlag(numbers, best, rule)


def flag_month(today: dt.date) -> str:
    """The month whose red flag is held on `today`: the month before (its winner holds it once it is closed)."""
    return month_key(today.replace(day=1) - dt.timedelta(days=1))


def idle_sign_template(window: int, flag_windows: Iterable[int], idle: str, red_flag_text: str) -> str:
    """The template an idle window's LED sign shows: the hall's red-flag text (e.g. "流动红旗 {window}号窗口") while
    the window holds the red flag and the hall has such a text, else the ordinary idle text."""
    return red_flag_text if red_flag_text and window in set(flag_windows) else idle


# ---- warnings -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarningDraft:
    basis: str  # what it rests on, unique: confirmed or dismissed once, never drafted again
    kind: str  # "personal" or "collective"
    ground: str
    staff: str
    window: int | None
    day: dt.date  # the last fact's day
    facts: tuple[str, ...]
    refs: tuple[str, ...] = ()

    @property
    def ground_zh(self) -> str:
        return GROUNDS.get(self.ground, (self.ground, ""))[0]


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def draft_warnings(lines: Sequence[ScoreLine], scoring: Scoring, home: Mapping[str, int | None]) -> list[WarningDraft]:
    """Personal warnings the facts of these lines call for (one month's lines, or more: drafted per month)."""
    out: list[WarningDraft] = []
    by_person_month: dict[tuple[str, str], list[ScoreLine]] = {}
    for line in lines:
        if line.staff:
            by_person_month.setdefault((line.staff, month_key(line.day)), []).append(line)
    for (staff, month), mine in sorted(by_person_month.items()):
        late_early = [ln for ln in mine if ln.source == "attendance" and ln.kind in ("late", "early_leave")]
        if len(late_early) > scoring.late_warning_after:
            out.append(
                WarningDraft(
                    f"late_early:{staff}:{month}",
                    "personal",
                    "late_early",
                    staff,
                    home.get(staff),
                    late_early[-1].day,
                    tuple(f"{ln.day.isoformat()} {ln.what}" for ln in late_early),
                    tuple(ln.ref for ln in late_early if ln.ref),
                )
            )
        off_post = [ln for ln in mine if ln.kind == "absent_from_post"]
        if off_post:
            out.append(
                WarningDraft(
                    f"left_post:{staff}:{month}",
                    "personal",
                    "left_post",
                    staff,
                    home.get(staff),
                    off_post[-1].day,
                    tuple(f"{ln.day.isoformat()} {ln.what}" for ln in off_post),
                )
            )
        for ln in mine:
            if ln.ground and ln.ground in GROUNDS:
                out.append(
                    WarningDraft(
                        f"{ln.ground}:{staff}:{ln.ref or ln.day.isoformat()}",
                        "personal",
                        ln.ground,
                        staff,
                        ln.window if ln.window is not None else home.get(staff),
                        ln.day,
                        (f"{ln.day.isoformat()} {ln.what}（{ln.source_zh}）",),
                        (ln.ref,) if ln.ref else (),
                    )
                )
    return out


def collective_drafts(
    confirmed: Sequence[tuple[str, int | None, dt.date]], scoring: Scoring, year: int
) -> list[WarningDraft]:
    """(staff, window, day) of the year's confirmed personal warnings → a collective warning for each window
    whose staff have `window_warning_after` or more (one more at each further multiple)."""
    if scoring.window_warning_after <= 0:
        return []
    per_window: dict[int, list[tuple[str, dt.date]]] = {}
    for staff, window, day in confirmed:
        if window is not None and day.year == year:
            per_window.setdefault(window, []).append((staff, day))
    out = []
    for window, items in sorted(per_window.items()):
        times = len(items) // scoring.window_warning_after
        for k in range(1, times + 1):
            items.sort(key=lambda x: x[1])
            upto = items[: k * scoring.window_warning_after]
            out.append(
                WarningDraft(
                    f"collective:{window}:{year}:{k}",
                    "collective",
                    "collective",
                    "",
                    window,
                    upto[-1][1],
                    tuple(f"{d.isoformat()} {s}" for s, d in upto),
                )
            )
    return out


# ---- the year -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearScore:
    key: str
    months: tuple[int, ...]  # each closed (or computed) month's total, in order
    total: float
    award: bool
    reasons: tuple[str, ...]  # why no award


def year_score(
    key: str,
    month_totals: Sequence[int],
    year_lines: Sequence[ScoreLine],
    scoring: Scoring,
    warnings: int = 0,
) -> YearScore:
    if scoring.year == "sum":
        total: float = float(sum(month_totals))
    elif scoring.year == "deduct":
        total = float(max(scoring.floor, scoring.start + sum(price(ln, scoring) for ln in year_lines)))
    else:
        total = round(sum(month_totals) / len(month_totals), 1) if month_totals else float(scoring.start)
    reasons = []
    if total < scoring.award_threshold:
        reasons.append(f"年度得分低于{scoring.award_threshold}分 / below {scoring.award_threshold}")
    barred = [ln for ln in year_lines if ln.kind in AWARD_BAR_KINDS]
    if barred:
        reasons.append(f"{barred[0].day.isoformat()} {barred[0].kind_zh} / {KINDS[barred[0].kind][1]}")
    if warnings and scoring.warning_bars_award:
        reasons.append(f"受效能告诫{warnings}次 / {warnings} efficiency warning(s)")
    return YearScore(key, tuple(month_totals), total, not reasons, tuple(reasons))


# ---- awards ---------------------------------------------------------------------------------------------------

COMPONENTS: dict[str, tuple[str, str]] = {
    "score": ("百分考核", "Monthly scores"),
    "peer": ("民主推荐", "Peer recommendation"),
    "leaders": ("综合评定", "Leaders' review"),
    "head": ("负责人评议", "Head's review"),
    "ratings": ("服务对象评议", "Ratings by the people served"),
}
ENTERED = ("peer", "leaders", "head")  # the marks a manager enters; "score" and "ratings" are computed


@dataclass(frozen=True)
class Candidate:
    subject: str
    key: str
    name: str
    score: float  # the period's mean monthly score
    days_on_duty: int
    marks: Mapping[str, float] = field(default_factory=dict)  # peer, leaders, head, ratings (0–100)
    disqualified: tuple[str, ...] = ()  # reasons


@dataclass(frozen=True)
class Placed:
    candidate: Candidate
    eligible: bool
    why_not: str
    shortlisted: bool = False
    final: float | None = None  # None: a mark is still missing
    missing: tuple[str, ...] = ()
    selected: bool = False
    grade: str = ""
    rank: int = 0


def disqualifications(lines: Iterable[ScoreLine], scheme: AwardScheme) -> dict[str, list[str]]:
    """Per person ("staff:CODE") and window ("window:N"): the reasons a period's lines disqualify."""
    out: dict[str, list[str]] = {}
    for ln in lines:
        if ln.kind in scheme.disqualify:
            reason = f"{ln.day.isoformat()} {ln.kind_zh}：{ln.what}".rstrip("：")
            if ln.staff:
                out.setdefault(f"staff:{ln.staff}", []).append(reason)
            if ln.window is not None:
                out.setdefault(f"window:{ln.window}", []).append(reason)
    return out


def final_score(c: Candidate, weights: Mapping[str, int]) -> tuple[float | None, tuple[str, ...]]:
    total = sum(weights.values()) or 1
    missing = tuple(k for k in weights if k != "score" and k not in c.marks)
    if missing:
        return None, missing
    value = sum(w * (c.score if k == "score" else float(c.marks[k])) for k, w in weights.items()) / total
    return round(value, 2), ()


def select(candidates: Sequence[Candidate], scheme: AwardScheme, subject: str) -> list[Placed]:
    """Eligibility, shortlist, final score and selection (or grades), in the order the page shows them."""
    shortlist_n = scheme.shortlist_windows if subject == "window" else scheme.shortlist_staff
    select_n = scheme.select_windows if subject == "window" else scheme.select_staff
    out: list[Placed] = []
    eligible: list[Candidate] = []
    for c in candidates:
        if c.disqualified:
            out.append(Placed(c, False, "取消资格 / disqualified: " + "；".join(c.disqualified)))
        elif c.days_on_duty < scheme.min_days_on_duty:
            why = f"在岗{c.days_on_duty}天，不足{scheme.min_days_on_duty}天 / {c.days_on_duty} days on duty"
            out.append(Placed(c, False, why))
        else:
            eligible.append(c)
    eligible.sort(key=lambda c: (-c.score, c.key))
    listed = eligible[:shortlist_n] if shortlist_n else eligible
    placed: list[Placed] = []
    for c in eligible:
        if c in listed:
            final, missing = final_score(c, scheme.weights)
            placed.append(Placed(c, True, "", True, final, missing))
        else:
            placed.append(Placed(c, True, "未进入候选 / not shortlisted"))
    finals = [p for p in placed if p.shortlisted]
    complete = all(p.final is not None for p in finals)
    if complete and finals:
        order = sorted(finals, key=lambda p: (-(p.final or 0.0), -p.candidate.score, p.candidate.key))
        grades = grade([(p.candidate.key, p.final or 0.0) for p in order], scheme.grades) if scheme.grades else {}
        chosen = {p.candidate.key for p in order[:select_n]} if select_n else set()
        rank_of = {p.candidate.key: i + 1 for i, p in enumerate(order)}
        placed = [
            replace(
                p,
                selected=p.candidate.key in chosen,
                grade=grades.get(p.candidate.key, ""),
                rank=rank_of.get(p.candidate.key, 0),
            )
            for p in placed
        ]
    placed.sort(key=lambda p: (not p.shortlisted, p.rank or 10**6, -p.candidate.score, p.candidate.key))
    return placed + out


def grade(finals: Sequence[tuple[str, float]], grades: Sequence[Grade]) -> dict[str, str]:
    """Grades by final score, best first: each gets the best grade whose `min_score` she meets and whose `share`
    (a % cap on those at that grade or better, rounded down) still has room for her whole tie group."""
    n = len(finals)
    ordered = sorted(finals, key=lambda x: -x[1])
    groups: list[list[tuple[str, float]]] = []
    for item in ordered:
        if groups and groups[-1][0][1] == item[1]:
            groups[-1].append(item)
        else:
            groups.append([item])
    out: dict[str, str] = {}
    placed = 0  # graded so far (all at a grade at least as good as the current one)
    floor_index = 0  # grades only go down as scores do
    for group in groups:
        value = group[0][1]
        for gi in range(floor_index, len(grades)):
            g = grades[gi]
            if g.min_score is not None and value < g.min_score:
                continue
            if g.share is not None and placed + len(group) > math.floor(n * g.share / 100 + 1e-9):
                continue
            floor_index = gi
            for key, _ in group:
                out[key] = g.grade
            break
        else:
            for key, _ in group:
                out[key] = grades[-1].grade if grades else ""
            floor_index = len(grades) - 1
        placed += len(group)
    return out


def may_close(month_first: dt.date, today: dt.date, review_days: int) -> tuple[bool, dt.date]:
    """A month may be closed once its objections window (`review_days` after it ends) is over."""
    next_month = (month_first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    opens = next_month + dt.timedelta(days=review_days)
    return today >= opens, opens


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """ "2026-11" → (2026-11-01, 2026-11-30)."""
    year, mon = (int(x) for x in month.split("-"))
    first = dt.date(year, mon, 1)
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def quarter_months(quarter: str) -> list[str]:
    """ "2026-Q4" → ["2026-10", "2026-11", "2026-12"]."""
    year, q = quarter.split("-Q")
    first = (int(q) - 1) * 3 + 1
    return [f"{int(year):04d}-{m:02d}" for m in range(first, first + 3)]


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
