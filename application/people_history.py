"""The people side of a hall's past (issue 14), after application/history.py has lived its days: the sign-ins are
there (lateness, early departures, the B posts standing in); this adds what a hall's paper books would hold beside
them — leave asked for and approved through the chain (most sessions an A post missed, most handovers), a few
absences nobody excused, the weekly meeting (例会, Mondays after the afternoon session) and the monthly study
session (学习) with their sign-in lists, a manager's corrections (forgotten sign-ins), commendations and the odd
internal criticism — through the same People commands the console uses. The same seed gives the same result.

`simulate_people(people, first, last, seed)` returns counts of what it wrote.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from application.audit import Actor, acting
from application.people import People
from core import attendance as att


@dataclass
class PeopleReport:
    leaves: int = 0
    unexcused: int = 0
    meetings: int = 0
    corrections: int = 0
    entries: int = 0


def simulate_people(
    people: People,
    first: dt.date,
    last: dt.date,
    seed: int = 1,
    *,
    excused_share: float = 0.9,
    meeting_miss: float = 0.04,
) -> PeopleReport:
    config = people.config
    rng = random.Random(f"{seed}:people")
    report = PeopleReport()
    manager = next((s.code for s in config.staff if s.role == "manager"), "")
    calendar = people.service.calendar
    with acting(Actor(manager, "manager", "history")):
        punches, leaves, corrections, _ = people._facts(first, last)
        records = att.evaluate_days(config, calendar, first, last, punches, leaves, corrections)
        types = [t.code for t in config.attendance.leave_types if not t.on_duty] or ["personal"]
        for r in records:
            for s in r.sessions:
                for m in s.marks:
                    if m.kind not in (att.ABSENT, att.EARLY) or not m.counts:
                        continue
                    if rng.random() >= excused_share:
                        report.unexcused += 1
                        continue
                    start = s.start if m.kind == att.ABSENT else (m.at or s.start)
                    kind = rng.choice(types)
                    view = people.request_leave(
                        m.staff, kind, start, s.end, "家中有事" if kind == "personal" else "身体不适", written=True,
                        stand_in=_b_post(config, m.staff),
                    )  # fmt: skip
                    leave_id = view["leave"].id
                    for step in view["chain"]:  # the manager records each signature from the paper slip
                        signer = "线口领导" if step == "line_leader" else ""
                        people.decide_leave(leave_id, step, True, actor_role="manager", signer=signer)
                    report.leaves += 1
        expected = att.expected_staff(config)
        day = first
        while day <= last:
            if calendar.is_workday(day):
                meeting = None
                if day.isoweekday() == 1:
                    meeting = people.add_meeting(
                        day, dt.time(17, 40), dt.time(18, 20), f"{day.month}月{day.day}日例会", "meeting"
                    )
                elif day.day <= 7 and day.isoweekday() == 3:
                    meeting = people.add_meeting(
                        day, dt.time(17, 40), dt.time(18, 40), f"{day.month}月政策学习", "study"
                    )
                if meeting is not None:
                    missing = [s for s in expected if rng.random() < meeting_miss]
                    excused = [s for s in missing if rng.random() < 0.5]
                    people.sign_meeting(meeting["id"], [s for s in expected if s not in missing], excused)
                    report.meetings += 1
                if rng.random() < 0.04 and expected:
                    staff = rng.choice(expected)
                    people.correct(staff, day, "excuse", "到县政务服务中心参加业务培训", session=rng.randint(0, 1))
                    report.corrections += 1
                if rng.random() < 0.03 and config.windows:
                    w = rng.choice(config.windows)
                    people.add_entry(day, "commendation", "收到群众表扬信", staff=w.staff_a, window=w.number)
                    report.entries += 1
                if rng.random() < 0.005 and config.windows:
                    w = rng.choice(config.windows)
                    people.add_entry(
                        day, "internal_criticism", "工作时间玩手机被通报", staff=w.staff_a, window=w.number
                    )
                    report.entries += 1
            day += dt.timedelta(days=1)
    return report


def _b_post(config: object, staff: str) -> str:
    for w in getattr(config, "windows", ()):
        if w.staff_a == staff and w.staff_b:
            return str(w.staff_b)
    return ""
