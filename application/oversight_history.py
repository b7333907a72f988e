"""Oversight's part of a generated past (application.history): the duty rota, the hall head's patrols and the
deputy's spot checks with their findings and rectifications, mystery visits and duty lapses, extensions of cases
that were going to be late, and the stages of forwarded (上报件) and joint (联办件) cases.

It runs after the simulated days, over what they left (cases with their accepting and completion times), day by
day with the clock set to that day: inspections, findings, rectifications, the rota and extensions go through
OversightService's own commands (their checks, their audit lines), on a stand-in for the hall service whose clock
is the simulated one. A stage of a case that the simulation completed later is written as the case's own flow
allows it (core.oversight.check_next_stage), before its completion. The same seed gives the same past.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from application.auth import Session
from application.oversight import CaseQuery, OversightService
from application.store import HallStore
from core.calendar import WorkCalendar
from core.cases import CASE_TYPES
from core.config import HallConfig
from core.hall import Hall, Result
from core.oversight import approved_in_time, check_extension_request, check_next_stage, flow_state
from core.tickets import DomainError

log = logging.getLogger("hallq.history")

FINDINGS = (
    ("在岗在位", "", "窗口人员离岗未放置暂停服务牌"),
    ("禁止行为", "forbidden_behaviour", "工作时间使用手机聊天"),
    ("禁止行为", "forbidden_behaviour", "窗口内吃零食"),
    ("着装仪表", "", "未佩戴工作牌"),
    ("桌面整洁", "", "桌面资料摆放杂乱"),
    ("服务态度", "forbidden_behaviour", "对群众询问回答“不清楚”"),
    ("环境卫生", "", "窗口地面有纸屑"),
)
EXTENSION_REASONS = ("需实地核实", "需补充征求相关部门意见", "上级系统故障，待恢复后办理", "需集体研究决定")


class HistoryHall:
    """What OversightService needs of the hall service, on the store of a generated past with a settable clock."""

    def __init__(self, config: HallConfig, store: HallStore, calendar: WorkCalendar, start: dt.datetime):
        self.config = config
        self.store = store
        self.calendar = calendar
        self.clock = start
        self.lock = threading.RLock()
        self.write_lock = threading.RLock()

    def now(self) -> dt.datetime:
        return self.clock

    def today(self) -> dt.date:
        return self.clock.astimezone(self.config.tz).date()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self.store.transaction():
            yield

    def execute(self, command: Callable[[Hall, dt.datetime], Result], after: Any = None) -> Result:
        with self.store.transaction():
            result = command(None, self.clock)  # type: ignore[arg-type]  # oversight's commands do not touch the hall
            self.store.save_events(result.events)
        return result

    def audit(self, action: str, target: str = "", before: Any = None, after: Any = None) -> None:
        pass  # a generated past has no one acting: the audit log stays the live hall's

    def publish_raw(self, name: str, payload: dict[str, Any]) -> None:
        pass

    def find_ticket(self, ticket_id: str) -> Any:
        return self.store.ticket(ticket_id)


def _session(staff: str, role: str, until: dt.datetime) -> Session:
    return Session("history", staff, role, None, until)


def simulate_oversight(
    config: HallConfig,
    store: HallStore,
    calendar: WorkCalendar,
    first: dt.date,
    last: dt.date,
    seed: int = 1,
    *,
    oversight_store: Any = None,
) -> dict[str, int]:
    """Fill [first, last] with oversight records (see the module's docstring); returns what it wrote."""
    if oversight_store is None:
        if getattr(store, "_writer", None) is None:
            return {}  # oversight keeps its records in the hall's database only (server/store_oversight.py)
        from importlib import import_module

        oversight_store = import_module("server.store_oversight").OversightStore(store)
    tz = config.tz
    hall = HistoryHall(config, store, calendar, dt.datetime.combine(first, dt.time(8), tz))
    service = OversightService(hall, oversight_store, ids=_ids(seed))
    rng = random.Random(f"{seed}:oversight")
    far = dt.datetime.combine(last + dt.timedelta(days=400), dt.time(0), tz)
    by_role = {s.role: s.code for s in reversed(config.staff)}
    manager = _session(by_role.get("manager", config.staff[0].code), "manager", far)
    director = _session(by_role.get("director", manager.staff), "director", far)
    supervisor = _session(by_role.get("supervisor", manager.staff), "supervisor", far)
    approver = director if director.role in config.oversight.extension_approvers else manager
    counts = {"patrols": 0, "spot_checks": 0, "mystery": 0, "findings": 0, "extensions": 0, "stages": 0, "rota_days": 0}
    bulk = getattr(store, "bulk", None)
    day = first
    while day <= last:
        month_end = min(last, (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1))
        with bulk() if bulk is not None else store.transaction():
            hall.clock = dt.datetime.combine(day, dt.time(8), tz)
            counts["rota_days"] += service.fill_rota(manager, day, month_end)
            _extensions(service, hall, rng, day, month_end, approver, counts)
            _stages(service, hall, rng, day, month_end, counts)
            d = day
            while d <= month_end:
                if calendar.is_workday(d):
                    _inspect(service, hall, rng, d, manager, director, supervisor, counts)
                d += dt.timedelta(days=1)
            _at(hall, month_end + dt.timedelta(days=1), 0, 5)  # the month is over: its days' figures are kept
            service.day_figures(day, month_end)
        day = month_end + dt.timedelta(days=1)
    return counts


def _ids(seed: int) -> Callable[[], str]:
    rng = random.Random(f"{seed}:oversight-ids")
    return lambda: f"{rng.getrandbits(48):012x}"


def _at(hall: HistoryHall, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    hall.clock = dt.datetime.combine(day, dt.time(hour, minute), hall.config.tz)
    return hall.clock


def _inspect(
    service: OversightService,
    hall: HistoryHall,
    rng: random.Random,
    day: dt.date,
    manager: Session,
    director: Session,
    supervisor: Session,
    counts: dict[str, int],
) -> None:
    config = hall.config
    checklist = list(config.oversight.checklist)
    windows = [w for w in config.windows]
    patrols = config.oversight.patrols_per_day - (1 if rng.random() < 0.04 else 0)  # a busy day: one short
    times = [(9, rng.randint(15, 55)), (15, rng.randint(0, 50)), (11, rng.randint(0, 20))]
    plan = [("patrol", manager, t) for t in times[:patrols]]
    if day.weekday() == day.isocalendar()[1] % 5:  # the deputy's spot check: one weekday a week
        plan.append(("spot_check", director, (10, rng.randint(0, 50))))
    if day.day == 10 + day.month % 10:
        plan.append(("mystery", supervisor, (14, rng.randint(35, 59))))
    for kind, who, (hour, minute) in plan:
        when = _at(hall, day, hour, minute)
        inspection = service.record_inspection(who, kind=kind, at=when, checked=checklist)
        counts[{"patrol": "patrols", "spot_check": "spot_checks", "mystery": "mystery"}[kind]] += 1
        if rng.random() < (0.05 if kind == "patrol" else 0.25) and windows:
            item, deduction, note = rng.choice(FINDINGS)
            window = rng.choice(windows)
            finding = service.add_finding(
                who, inspection["id"], window=window.number, staff=window.staff_a, checklist_item=item,
                deduction=deduction, note=note,
            )  # fmt: skip
            counts["findings"] += 1
            if rng.random() < 0.9:  # put right within a few working days, now and then late
                fixed = hall.calendar.add_workdays(day, rng.choice((0, 1, 1, 2, 3, 7)))
                _at(hall, fixed, 16, 30)
                service.rectify(manager, finding["id"], "已整改，窗口负责人已提醒")
    if rng.random() < 0.01:  # a duty lapse
        duty = service.duty_window(day)
        if duty is not None:
            _at(hall, day, 17, 40)
            service.record_duty_lapse(manager, day, "值班窗口未提前十分钟开门")
            counts["findings"] += 1


def _extensions(
    service: OversightService,
    hall: HistoryHall,
    rng: random.Random,
    first: dt.date,
    last: dt.date,
    approver: Session,
    counts: dict[str, int],
) -> None:
    """Cases due in the month that the simulation completed late: most asked for an extension before the date, a
    leader approved it (in time, now and then too late); a few asked and were refused."""
    calendar = hall.calendar
    for row in service.store.held_to(first, last):
        due = dt.date.fromisoformat(row["counted"])
        done = dt.date.fromisoformat(row["completed_on"]) if row["completed_on"] else None
        late = done is None or done > due
        roll = rng.random()
        if not late and roll > 0.003:
            continue
        if late and roll > 0.7:
            continue
        asked = _workday_on_or_before(calendar, due - dt.timedelta(days=2))
        new_due = calendar.add_workdays(max(done or due, due), rng.randint(1, 3))
        staff = row["staff"]
        clerk = _session(staff, "clerk", hall.now() + dt.timedelta(days=800))
        _at(hall, asked, 10, rng.randint(0, 59))
        case = service.store.case(row["id"])
        if case is None or (case["completed_at"] or "9999") < asked.isoformat():
            continue  # completed before anyone would have asked
        try:
            ext = _request_as_of(service, clerk, case, new_due, rng.choice(EXTENSION_REASONS))
        except DomainError:
            continue
        approve = late
        decided = asked if rng.random() < 0.85 else calendar.add_workdays(due, 1)  # now and then after the date
        _at(hall, decided, 16, rng.randint(0, 59))
        _decide_as_of(service, approver, ext, case, approve, decided)
        counts["extensions"] += 1


def _workday_on_or_before(calendar: WorkCalendar, day: dt.date) -> dt.date:
    while not calendar.is_workday(day):
        day -= dt.timedelta(days=1)
    return day


def _request_as_of(
    service: OversightService, clerk: Session, case: dict[str, Any], new_due: dt.date, reason: str
) -> dict[str, Any]:
    """An extension request as it was made before the case was completed (the record shows it open then)."""
    reason = check_extension_request(
        CASE_TYPES[case["case_type"]],
        "open",
        dt.date.fromisoformat(case["due_date"]),
        new_due,
        reason,
        service.calendar,
    )
    row = {
        "id": service.new_id(),
        "case_id": case["id"],
        "status": "requested",
        "from_due": case["due_date"],
        "to_due": new_due.isoformat(),
        "reason": reason,
        "requested_at": service.hall.now().isoformat(),
        "requested_by": clerk.staff,
    }
    service.store.add_extension(row)
    return row


def _decide_as_of(
    service: OversightService, approver: Session, ext: dict[str, Any], case: dict[str, Any], approve: bool, day: dt.date
) -> None:
    fields: dict[str, Any] = {"decided_at": service.hall.now().isoformat(), "decided_by": approver.staff}
    if approve:
        held = dt.date.fromisoformat(case["counted_due"] or case["due_date"])
        in_time = approved_in_time(day, held)
        service.store.set_case(
            case["id"],
            due_date=ext["to_due"],
            original_due=case["original_due"] or case["due_date"],
            counted_due=None if in_time else held.isoformat(),
            due_rule="extension",
        )
        fields.update(status="approved", in_time=int(in_time))
    else:
        fields.update(status="refused", decision_note="理由不充分，请按期办结")
    service.store.decide_extension(ext["id"], **fields)


def _stages(
    service: OversightService,
    hall: HistoryHall,
    rng: random.Random,
    first: dt.date,
    last: dt.date,
    counts: dict[str, int],
) -> None:
    """Forwarded cases accepted in the month: submitted, now and then returned for more, approved (or refused),
    ready, collected at their completion. Joint cases: a step at another window, done before completion."""
    config = hall.config
    windows = [w.number for w in config.windows]
    for case_type in ("forwarded", "joint"):
        offset = 0
        while True:
            rows, _ = service.store.register(
                CaseQuery(case_type=case_type, accepted_from=first, accepted_to=last),
                last,
                last,
                limit=1000,
                offset=offset,
            )
            offset += len(rows)
            for case in rows:
                plan = _forwarded_plan(rng) if case_type == "forwarded" else _joint_plan(rng, case["window"], windows)
                _write_stages(service, hall, case, plan, counts)
            if len(rows) < 1000:
                break


def _forwarded_plan(rng: random.Random) -> list[tuple[str, int | None, str]]:
    plan: list[tuple[str, int | None, str]] = [("submitted", None, "已报县政务服务中心")]
    if rng.random() < 0.12:
        plan += [("returned_for_more", None, "上级要求补充证明材料"), ("submitted", None, "已补充材料重新上报")]
    if rng.random() < 0.04:
        return plan + [("refused", None, "上级部门不予批准"), ("collected", None, "")]
    return plan + [("approved", None, ""), ("ready", None, "结果已送达中心"), ("collected", None, "")]


def _joint_plan(rng: random.Random, lead: int, windows: list[int]) -> list[tuple[str, int | None, str]]:
    others = [w for w in windows if w != lead]
    if not others:
        return []
    helper = rng.choice(others)
    return [("step_sent", helper, "请协办窗口核定"), ("step_done", helper, "已核定"), ("completed", None, "")]


def _write_stages(
    service: OversightService,
    hall: HistoryHall,
    case: dict[str, Any],
    plan: list[tuple[str, int | None, str]],
    counts: dict[str, int],
) -> None:
    """Stages spread between acceptance and completion (or today, if still open), each checked against the flow."""
    if not plan:
        return
    tz = hall.config.tz
    accepted = dt.datetime.combine(dt.date.fromisoformat(case["accepted_on"]), dt.time(16, 30), tz)
    end = dt.datetime.fromisoformat(case["completed_at"]) if case["completed_at"] else None
    if end is None:  # still open: submitted (or its step sent), waiting on the higher level or the other window
        plan = plan[: 3 if plan[1][0] == "returned_for_more" else 1] if len(plan) > 1 else plan
        end = accepted + dt.timedelta(days=2)
    span = max((end - accepted).total_seconds(), 600.0)
    done: list[tuple[str, int | None]] = []
    stage = ""
    for i, (stage, window, note) in enumerate(plan):
        check_next_stage(
            case["case_type"],
            flow_state(case["case_type"], done),
            stage,
            window=window,
            lead_window=case["window"],
            note=note or "—",
        )
        at = (
            end
            if stage in ("collected", "completed")
            else accepted + dt.timedelta(seconds=span * (i + 1) / (len(plan) + 1))
        )
        service.store.add_stage(
            {
                "case_id": case["id"],
                "stage": stage,
                "at": at.isoformat(),
                "staff": case["staff"],
                "window": window,
                "deadline": None,
                "ref": "",
                "note": note,
            }
        )
        done.append((stage, window))
        counts["stages"] += 1
    service.store.set_case(case["id"], stage=stage)
