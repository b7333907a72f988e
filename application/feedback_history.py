"""The hall's past after the ratings: rectification records walked through their steps, complaints from acceptance
to the archive, the monthly follow-up visits and a survey each quarter — through the live handlers
(application.feedback.FeedbackService) on a simulated clock, over the store the history generator filled.

`simulate_feedback(config, store, first, last, seed)` runs after application.history.simulate_history (which
writes the tickets, cases and ratings, bad ones with reasons): day by day, after the hall closes, the day's bad
ratings get their records and every step planned for the day is taken by who may take it — mostly on time, a
few late (the scores read those), some appeals, some upheld by the director; reachable citizens (a booking's
phone, or one left at verification) are called back. The same seed gives the same steps.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from application.audit import Actor, acting
from application.feedback import FeedbackService, Viewer
from application.service import HallService
from application.store import HallStore
from core import feedback as fb
from core.config import HallConfig
from core.tickets import DomainError

log = logging.getLogger("hallq.history")

NOTES = {
    "verify": ["调阅监控，情况属实", "询问当事人及B岗，基本属实", "核实为高峰期等候较长", "经核实，群众对政策有误解"],
    "on_the_spot": ["当场向群众道歉并重新办理", "当即补充告知所需材料"],
    "explanation": ["已向群众解释政策规定", "已说明办理时限的法律依据"],
    "deadline": ["组织窗口人员业务培训", "调整高峰时段窗口人员配置"],
    "measures": ["开展文明用语培训", "高峰时段增开窗口", "完善一次性告知单", "设置导办员引导"],
    "appeal": ["评价时群众表示按错", "该群众多次恶意差评"],
}
COMPLAINT_SUMMARIES = [
    "窗口人员态度生硬，不耐烦",
    "材料已齐全但被要求补交",
    "超过承诺时限仍未办结",
    "多次来办都找不到经办人",
    "首问人员推诿，称不归他管",
]


@dataclass
class FeedbackReport:
    rectifications: int = 0
    steps: int = 0
    late: int = 0
    appeals_upheld: int = 0
    complaints: int = 0
    visits: int = 0
    surveys: int = 0
    survey_answers: int = 0


class _Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _bulk(store: HallStore) -> AbstractContextManager[Any]:
    bulk = getattr(store, "bulk", None)
    return bulk() if bulk is not None else store.transaction()


def simulate_feedback(
    config: HallConfig,
    store: HallStore,
    first: dt.date,
    last: dt.date,
    seed: int = 1,
    progress: Callable[[dt.date, FeedbackReport], None] | None = None,
) -> FeedbackReport:
    """Walk the feedback ledgers through the days [first, last] of the history in `store` (a SqliteStore)."""
    feedback_store: Any = importlib.import_module("server.store_feedback").FeedbackStore(store)
    clock = _Clock(dt.datetime.combine(first, dt.time(17, 45), config.tz))
    hall = HallService(config, store, clock=clock)  # the store stays the caller's (not closed here)
    feedback = FeedbackService(hall, feedback_store)
    sim = _FeedbackDays(config, hall, feedback, random.Random(seed))
    day = first
    while day <= last:
        if hall.calendar.is_workday(day):
            clock.now = dt.datetime.combine(day, dt.time(17, 45), config.tz)
            with _bulk(store):
                sim.run_day(day)
            if progress is not None:
                progress(day, sim.report)
        day += dt.timedelta(days=1)
    return sim.report


class _FeedbackDays:
    def __init__(self, config: HallConfig, hall: HallService, feedback: FeedbackService, rng: random.Random):
        self.config, self.hall, self.feedback, self.rng = config, hall, feedback, rng
        self.calendar = hall.calendar
        self.rect_plans: dict[dt.date, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        self.complaint_plans: dict[dt.date, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        self.visit_days: dict[dt.date, int] = defaultdict(int)
        self.months_planned: set[str] = set()
        self.report = FeedbackReport()
        staff = config.staff
        self.director = next((s.code for s in staff if s.role == "director"), "")
        self.supervisor = next((s.code for s in staff if s.role == "supervisor"), self.director)
        self.manager = next((s.code for s in staff if s.role == "manager"), "")
        self.survey: dict[str, Any] | None = None

    def later(self, day: dt.date, workdays: int) -> dt.date:
        return self.calendar.add_workdays(day, workdays)

    def act(self, who: str, role: str, step: Callable[[Viewer], Any]) -> Any:
        """One handler call as `who` (the audit log names her); a step the rules refuse is skipped."""
        heads = tuple(w.number for w in self.config.headed_by(who)) if role == "clerk" else ()
        viewer = Viewer(who, "window_head" if heads else role, heads)
        with acting(Actor(who, role, "history")):
            try:
                return step(viewer)
            except DomainError as exc:
                log.debug("history step refused: %s", exc.message)
                return None

    def run_day(self, day: dt.date) -> None:
        next_day = day + dt.timedelta(days=1)
        self.report.rectifications += self.feedback.open_missing_rectifications(start=day, end=next_day)
        for record in self.feedback.store.rectifications(start=day, end=next_day, status=["open"]):
            self.plan_record(day, record)
        for ticket, action, form in self.rect_plans.pop(day, []):
            self.step(ticket, action, form)
        self.new_complaint(day)
        for cid, action, form in self.complaint_plans.pop(day, []):
            self.complaint_step(cid, action, form)
        self.plan_visits(day)
        for _ in range(self.visit_days.pop(day, 0)):
            self.visit(day)
        self.surveys(day)

    # ---- rectification records ----------------------------------------------------------------------------

    def plan_record(self, day: dt.date, record: dict[str, Any]) -> None:
        rng = self.rng
        verify_on = day if rng.random() < 0.6 else self.later(day, 1 if rng.random() < 0.93 else rng.randint(2, 3))
        form: dict[str, Any] = {"note": rng.choice(NOTES["verify"])}
        if not record["contact_phone"] and rng.random() < 0.3:
            form["contact_phone"] = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        self.rect_plans[verify_on].append((record["ticket"], "verify", form))
        outcome = rng.choices(
            ["on_the_spot", "explanation", "deadline", "appeal"], [40, 32, 20, 8 if self.director else 0]
        )[0]
        if outcome == "deadline":
            form = {"note": rng.choice(NOTES["deadline"]), "measures": rng.choice(NOTES["measures"])}
        elif outcome == "appeal":
            form = {"note": rng.choice(NOTES["appeal"]), "grounds": rng.choice(list(fb.APPEAL_GROUNDS))}
        else:
            form = {"note": rng.choice(NOTES[outcome]), "measures": rng.choice(NOTES["measures"])}
        self.rect_plans[verify_on].append((record["ticket"], outcome, form))

    def step(self, ticket: str, action: str, form: dict[str, Any]) -> None:
        rng, today = self.rng, self.hall.today()
        record = self.feedback.store.rectification(ticket)
        if record is None:
            return

        def take(viewer: Viewer) -> dict[str, Any]:
            return self.feedback.step(viewer, ticket, action, form)

        if action in fb.OWNER_STEPS:
            done = self.act(record["staff"], "clerk", take)
        elif action in fb.DIRECTOR_STEPS:
            done = self.act(self.director, "director", take)
        else:
            done = self.act(self.supervisor, "supervisor", take)
        if done is None:
            return
        self.report.steps += 1
        if action == "verify" and today.isoformat() > record["verify_due"]:
            self.report.late += 1
        if action == "deadline":
            due = dt.date.fromisoformat(done["rectify_due"])
            on = self.later(today, rng.randint(2, 12))
            if on > due and rng.random() < 0.7:
                on = due
            self.rect_plans[on].append(
                (ticket, "complete", {"note": "整改已完成", "measures": form.get("measures", "")})
            )
        elif action == "appeal":
            upheld = rng.random() < 0.4
            decision = ("uphold", {"note": "核实为误评"}) if upheld else ("reject", {"note": "依据不足"})
            self.rect_plans[self.later(today, rng.randint(1, 3))].append((ticket, *decision))
        elif action == "uphold":
            self.report.appeals_upheld += 1
        elif action == "reject":
            self.rect_plans[self.later(today, 1)].append(
                (ticket, "explanation", {"note": rng.choice(NOTES["explanation"])})
            )
        if done.get("status") in (fb.RECTIFIED, fb.EXPLAINED) and done.get("contact_phone") and rng.random() < 0.92:
            view = rng.choices(list(fb.FOLLOW_UP_VIEWS), [70, 18, 5, 7])[0]
            self.rect_plans[self.later(today, rng.randint(1, 5))].append(
                (ticket, "follow_up", {"view": view, "note": "电话回访"})
            )

    # ---- complaints --------------------------------------------------------------------------------------------

    def new_complaint(self, day: dt.date) -> None:
        rng = self.rng
        if rng.random() >= 0.15 or not self.supervisor:  # a hall without supervisors or director: none recorded
            return
        window = rng.choice(self.config.windows)
        about_director = bool(self.director) and rng.random() < 0.03
        form = {
            "channel": rng.choice(list(CHANNEL_CHOICES)),
            "name": "群众" if rng.random() < 0.8 else "",
            "phone": "13900000000" if rng.random() < 0.7 else "",
            "anonymous": rng.random() < 0.2,
            "window": "" if about_director else str(window.number),
            "staff": "" if about_director else window.staff_a,
            "named": [self.director] if about_director else [],
            "grounds": [rng.choice(self.config.feedback.complaint_grounds)],
            "summary": rng.choice(COMPLAINT_SUMMARIES),
            "complexity": "simple" if rng.random() < 0.6 else "complex",
            "outside_remit": rng.random() < 0.02,
            "referred_to": "县市场监管局",
        }

        def accept(viewer: Viewer) -> dict[str, Any]:
            return self.feedback.accept_complaint(viewer, form)

        c = self.act(self.supervisor, "supervisor", accept)
        if c is None:
            return
        self.report.complaints += 1
        cid = c["id"]
        if c["route"] != "hall":  # sent higher, or told where to go: the outcome recorded, then archived
            later = self.later(day, rng.randint(3, 10))
            if c["route"] == "higher":
                self.complaint_plans[later].append((cid, "record_outcome", {"note": "上级机关已处理并答复"}))
            self.complaint_plans[later].append((cid, "archive", {}))
            return
        due = dt.date.fromisoformat(c["due_date"])
        answer_on = self.later(due, 1) if rng.random() < 0.05 else max(day, due if rng.random() < 0.5 else day)
        finding = rng.choices(["founded", "partly", "unfounded"], [30, 20, 50])[0]
        taken = "批评教育，扣分" if finding != "unfounded" else "向投诉人说明情况"
        view = rng.choice(["satisfied", "fair", "none"])
        self.complaint_plans[day].append((cid, "investigate", {"note": "调阅监控，询问当事人"}))
        self.complaint_plans[answer_on].append((cid, "decide", {"finding": finding, "action_taken": taken}))
        self.complaint_plans[answer_on].append(
            (cid, "answer", {"answer_text": "经调查，现答复如下……", "satisfaction": view})
        )
        self.complaint_plans[self.later(answer_on, 1)].append((cid, "archive", {}))

    def complaint_step(self, cid: str, action: str, form: dict[str, Any]) -> None:
        def take(viewer: Viewer) -> dict[str, Any]:
            return self.feedback.complaint_step(viewer, cid, action, form)

        if self.act(self.supervisor, "supervisor", take) is not None:
            self.report.steps += 1

    # ---- the monthly visits and a survey a quarter -----------------------------------------------------------

    def plan_visits(self, day: dt.date) -> None:
        month = fb.period_of("month", day)
        if month.key in self.months_planned:
            return
        self.months_planned.add(month.key)
        workdays = [
            month.start + dt.timedelta(days=i)
            for i in range((month.end - month.start).days)
            if self.calendar.is_workday(month.start + dt.timedelta(days=i))
            and month.start + dt.timedelta(days=i) >= day
        ]
        count = self.config.feedback.visits_per_month - (1 if self.rng.random() < 0.2 else 0)  # some months fall short
        for d in self.rng.choices(workdays, k=count) if workdays else []:
            self.visit_days[d] += 1

    def visit(self, day: dt.date) -> None:
        rng = self.rng
        form = {
            "day": day.isoformat(),
            "who_kind": rng.choice(list(fb.VISIT_WHO)),
            "who": rng.choice(["青山建材有限公司", "某村村委会", "个体工商户", "退休职工代表"]),
            "how": rng.choice(list(fb.VISIT_HOW)),
            "said": rng.choice(["希望缩短办理时间", "建议增加自助设备", "对窗口服务表示满意", "希望延长午间服务"]),
            "plan": "研究改进",
        }

        def record(viewer: Viewer) -> dict[str, Any]:
            return self.feedback.add_visit(viewer, form)

        visit = self.act(self.manager, "manager", record) if self.manager else None
        if visit is None:
            return
        self.report.visits += 1

        def told(viewer: Viewer) -> None:
            self.feedback.visit_told_back(viewer, visit["id"], "已反馈改进情况")

        self.act(self.manager, "manager", told)

    def surveys(self, day: dt.date) -> None:
        rng = self.rng
        quarter = fb.period_of("quarter", day)
        survey = self.survey
        if survey is not None and survey["closes_on"] < day.isoformat():
            sid = survey["id"]

            def close(viewer: Viewer) -> None:
                self.feedback.set_survey_status(viewer, sid, "closed")
                self.feedback.add_survey_action(viewer, sid, "增设导办员，高峰时段增开窗口", "综合办")
                self.feedback.publish_survey_report(viewer, sid, "本季度调查总体满意度较高，群众反映高峰时段等候较长。")

            self.act(self.manager, "manager", close)
            self.survey = survey = None
        if survey is None and day.month == quarter.start.month + 1 and day.day <= 7:
            form = {
                "title": f"{day.year}年第{(day.month - 1) // 3 + 1}季度服务对象满意度调查",
                "questions": [{"text": "总体服务满意度", "kind": "levels"}, {"text": "窗口服务态度", "kind": "levels"}],
                "opens_on": day.isoformat(),
                "closes_on": (quarter.end - dt.timedelta(days=1)).isoformat(),
            }

            def open_survey(viewer: Viewer) -> dict[str, Any]:
                created = self.feedback.create_survey(viewer, form)
                return self.feedback.set_survey_status(viewer, created["id"], "open")

            self.survey = survey = self.act(self.manager, "manager", open_survey)
            if survey is not None:
                self.report.surveys += 1
        if survey is not None:
            weights = [60, 25, 10, 3, 2]
            for ticket in self.feedback.store.served_tickets(day, 12):
                answers = {
                    "q1": rng.choices([5, 4, 3, 2, 1], weights)[0],
                    "q2": rng.choices([5, 4, 3, 2, 1], weights)[0],
                }
                try:
                    self.feedback.answer_survey(survey["id"], ticket, answers, "", rng.choice(["phone", "pad"]))
                except DomainError:
                    continue
                self.report.survey_answers += 1


CHANNEL_CHOICES = ("in_person", "phone", "letter", "box", "hotline", "online")
