"""A hall's past, made by living it: simulated days of citizens and clerks through the live command handlers.

`generate_history(config, data_dir, days)` fills a data directory with the hall's last `days` calendar days,
ending yesterday (or `end_day`): on each working day of the hall's calendar clerks sign in at their windows,
citizens take tickets at the kiosk (some read an item's guide first, some take the green channel, some
booked days ahead and check in), clerks call, recall, mark absent, suspend and resume, transfer, pause,
finish with a case of every type and later complete the cases that have a due date; citizens rate at the
pad (kiosk and pads act as the in-process LOCAL_DEVICE: tickets and ratings do not name their device).
Every one of these is a `HallService` command with a simulated clock, over the real store, so each row
(tickets, events, cases, ratings, attendance, bookings, issue keys, windows, sessions) is what the live hall
writes. Who comes when and what happens is application.demand.DemandModel; the same seed gives the same
history (booking codes, PIN salts and session tokens come from `secrets` inside the service, so those few
values differ from run to run; nothing else does).

Extended service: a window stays after its session until everyone waiting for it is served, so every day
ends with no open ticket and every window signed out, as the live hall's clerks leave it.

Speed (SqliteStore): each simulated day runs inside one transaction (`SqliteStore.bulk`: the commands'
transactions nest in it, a ticket's or window's row is written once with its state at the end of the day,
`synchronous=OFF` until the day commits, then the WAL is copied back and truncated). A refused command
changes nothing, so the day goes on; any other failure rolls the day back and stops the generation. Staff
PINs are hashed with one PBKDF2 iteration while the clerks sign in thousands of times, then stored at full
strength (or restored as they were) at the end, also when generation fails (not if the process is killed:
the PINs then still work but stay hashed with one iteration until changed).

Retention: only the last `keep_event_days` working days keep their event log (default 7; None keeps every
event: ~5 events a ticket, ~1 KB each, ~5 GB for a year of 20 windows). Earlier days' events are never
written (`SqliteStore.bulk(log_events=False)`), which leaves what writing and then deleting them would: their
ids are used up all the same, so the kept events carry the ids they would have had. Events an earlier run or
the live hall left are deleted when this run logs its first day (a run shorter than `keep_event_days`
working days leaves them). Tickets, cases, ratings, attendance, bookings and issue keys are always whole.

A data directory that already holds tickets is continued: only days after its last day are generated.
"""

from __future__ import annotations

import datetime as dt
import heapq
import importlib
import itertools
import logging
import math
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from application import commands as cmd
from application.auth import DEFAULT_PIN_ITERATIONS, hash_pin
from application.demand import DemandModel, poisson
from application.service import HallService
from application.store import HallStore
from core.calendar import WorkCalendar
from core.config import HallConfig, Staff, Window
from core.devices import LOCAL_DEVICE
from core.tickets import DomainError, Status

log = logging.getLogger("hallq.history")

BOOKING_MAX_DAYS_AHEAD = 5
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉宇浩凯鹏飞鑫波晨欣怡婷雪梅琳晓燕海燕春"


@dataclass
class HistoryReport:
    """What a generation did (the benchmark prints it)."""

    first_day: dt.date | None = None
    last_day: dt.date | None = None
    days: int = 0  # calendar days covered
    working_days: int = 0
    tickets: int = 0
    served: int = 0
    ratings: int = 0
    bookings: int = 0
    cases_completed: int = 0
    events: int = 0  # events written (before retention)
    seconds: float = 0.0


# ---- the entry points ---------------------------------------------------------------------------------------


def generate_history(
    config: HallConfig,
    data_dir: Path | str,
    days: int,
    seed: int = 1,
    end_day: dt.date | None = None,
    *,
    demand: DemandModel | None = None,
    keep_event_days: int | None = 7,
    pin_iterations: int = DEFAULT_PIN_ITERATIONS,
    progress: Callable[[dt.date, HistoryReport], None] | None = None,
) -> HistoryReport:
    """Fill `data_dir` (its hall.db, created if missing) with `days` calendar days ending `end_day` (default:
    yesterday in the hall's time zone). The directory is then ready for `hallq serve` / `hallq demo`."""
    # The hall's database (server/ holds the only SQL); the simulation itself runs on any HallStore.
    sqlite_store: Any = importlib.import_module("server.store").SqliteStore
    path = Path(data_dir)
    path.mkdir(parents=True, exist_ok=True)
    store: HallStore = sqlite_store(path / "hall.db")
    try:
        report = simulate_history(
            config,
            store,
            days,
            seed,
            end_day,
            demand=demand,
            keep_event_days=keep_event_days,
            pin_iterations=pin_iterations,
            progress=progress,
        )
        if (
            report.first_day is not None and report.last_day is not None
        ):  # rectifications, complaints, visits (issue 12)
            from application.feedback_history import simulate_feedback

            simulate_feedback(config, store, report.first_day, report.last_day, seed)
        return report
    finally:
        store.close()


def simulate_history(
    config: HallConfig,
    store: HallStore,
    days: int,
    seed: int = 1,
    end_day: dt.date | None = None,
    *,
    demand: DemandModel | None = None,
    keep_event_days: int | None = 7,
    pin_iterations: int = DEFAULT_PIN_ITERATIONS,
    progress: Callable[[dt.date, HistoryReport], None] | None = None,
) -> HistoryReport:
    """The same on a store the caller opened and closes (SqliteStore for speed; MemoryStore works too)."""
    started = time.perf_counter()
    end = end_day or dt.datetime.now(config.tz).date() - dt.timedelta(days=1)
    first = end - dt.timedelta(days=days - 1)
    report = HistoryReport()
    last_day = store.load_hall(config, dt.date.min).day  # date.min: the store has no tickets
    if last_day != dt.date.min:
        first = max(first, last_day + dt.timedelta(days=1))
    if days <= 0 or first > end:
        return report
    sim = _Simulation(config, store, demand or DemandModel(), seed, first, pin_iterations)
    report.first_day, report.last_day = first, end
    days_all = [first + dt.timedelta(days=i) for i in range((end - first).days + 1)]
    workdays = [d for d in days_all if sim.calendar.is_workday(d)]
    # retention: only the last `keep_event_days` working days write the event log (the rest would go at once)
    logged = workdays if keep_event_days is None else workdays[max(0, len(workdays) - keep_event_days) :]
    try:
        for day in days_all:
            report.days += 1
            if not sim.calendar.is_workday(day):
                continue
            with _bulk(store, log_events=day in logged):
                if keep_event_days is not None and logged and day == logged[0]:
                    _delete_events_before(store, sim.service.last_event_id + 1)  # an earlier run's, if any
                sim.run_day(day, report)
            report.working_days += 1
            if progress is not None:
                report.seconds = time.perf_counter() - started
                progress(day, report)
        # oversight's records of the same days: the rota, patrols, extensions, stages (application/oversight_history.py)
        importlib.import_module("application.oversight_history").simulate_oversight(
            config, store, sim.calendar, first, end, seed
        )
    finally:
        sim.finish()
    report.events = sim.service.last_event_id - sim.first_event_id
    report.seconds = time.perf_counter() - started
    return report


def wider_hall(config: HallConfig, windows: int) -> HallConfig:
    """The hall with `windows` windows: its windows repeated under new numbers, each copy with a clerk of its
    own (A post) and a B post per original B post (for benchmarks: a 20-window hall from the demo's 10)."""
    originals = list(config.windows)
    taken = {s.code for s in config.staff}
    numbers = {w.number for w in originals}
    new_windows: list[Window] = []
    new_staff: list[Staff] = list(config.staff)
    names = (f"{s}{g}" for g, s in itertools.product(_GIVEN, _SURNAMES))

    def staff_code(start: int) -> str:
        code = start
        while str(code) in taken:
            code += 1
        taken.add(str(code))
        return str(code)

    copies_b: dict[tuple[int, str], str] = {}
    number = max(numbers)
    for i in range(windows - len(originals)):
        copy_no, original = divmod(i, len(originals))
        w = originals[original]
        number += 1
        a = staff_code(1000 + number)
        new_staff.append(Staff(a, next(names), "clerk", "1234", title="窗口工作人员"))
        b = ""
        if w.staff_b:
            key = (copy_no, w.staff_b)
            if key not in copies_b:
                copies_b[key] = staff_code(1100)
                new_staff.append(Staff(copies_b[key], next(names), "clerk", "1234", title="B岗"))
            b = copies_b[key]
        sign = replace(w.sign, address=number) if w.sign else None
        new_windows.append(replace(w, number=number, staff_a=a, staff_b=b, sign=sign))
    return replace(
        config,
        windows=tuple(originals + new_windows)[:windows],
        staff=tuple(new_staff),
        _index={},
    )


# ---- plumbing ---------------------------------------------------------------------------------------------


def _bulk(store: HallStore, log_events: bool) -> AbstractContextManager[Any]:
    """One transaction for a whole day where the store offers it (SqliteStore.bulk), else an ordinary one."""
    bulk = getattr(store, "bulk", None)
    return bulk(log_events=log_events) if bulk is not None else store.transaction()


def _delete_events_before(store: HallStore, event_id: int) -> None:
    delete = getattr(store, "delete_events_before", None)
    if delete is not None:
        with store.transaction():
            delete(event_id)


class _Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


OFF, IDLE, BUSY = 0, 1, 2  # a desk: nobody signed in / waiting for citizens / doing something (an event is due)


@dataclass(eq=False)
class _Citizen:
    service: str
    item: str | None
    arrive: float  # seconds after local midnight
    priority_reason: str = ""
    booking: str | None = None
    ticket: str = ""
    transferred: bool = False
    suspended: bool = False
    absent: bool = False
    kind: str = "immediate"


@dataclass(eq=False)
class _Desk:
    """One window as the simulation sees it: who is signed in, what she is doing, what she plans."""

    cfg: Window
    number: int
    services: tuple[str, ...]
    state: int = OFF
    staff: str | None = None
    token: str | None = None
    open_s: float = 0.0  # the session's opening and closing, seconds after midnight
    end_s: float = 0.0
    citizen: _Citizen | None = None
    returned: list[_Citizen] = field(default_factory=list)  # suspended citizens back at the window
    away: int = 0  # suspended citizens not back yet
    pause_at: float | None = None
    leave_at: float | None = None  # the A post leaves; `cover` signs in
    cover: str | None = None
    handover: bool = False  # `cover` takes over before the A post signs out


@dataclass(frozen=True, eq=False)
class _Plan:
    """A window's session: who signs in, whether she pauses, whether (and how) the B post takes over."""

    desk: _Desk
    session: int
    who: str
    pause_at: float | None
    leave_at: float | None
    cover: str | None
    handover: bool


class _Simulation:
    def __init__(
        self,
        config: HallConfig,
        store: HallStore,
        demand: DemandModel,
        seed: int,
        first_day: dt.date,
        pin_iterations: int,
    ) -> None:
        self.config, self.store, self.demand, self.seed = config, store, demand, seed
        self.tz = config.tz
        self.clock = _Clock(dt.datetime.combine(first_day, dt.time(6), tzinfo=self.tz))
        self.ids = random.Random(f"{seed}:ids")
        self.pin_iterations = pin_iterations
        self.pins = {s.code: s.pin for s in config.staff}
        self.saved_credentials = {
            code: row for code in store.staff_codes() if (row := store.staff_credentials(code)) is not None
        }
        self.service = HallService(config, store, clock=self.clock, pin_iterations=1, ids=self._new_id)
        self.calendar: WorkCalendar = self.service.calendar
        self.first_event_id = self.service.last_event_id
        with store.transaction():  # cheap PINs while the clerks sign in thousands of times (restored in finish())
            for code in self.saved_credentials:
                if code in self.pins:
                    salt = self.ids.randbytes(16)
                    store.set_pin(code, hash_pin(self.pins[code], salt, 1), salt.hex())
        self.shares = demand.service_shares(config)
        self.rates: dict[int, dict[str, list[tuple[int, float]]]] = {}  # by ISO weekday
        self.expected: dict[int, float] = {}
        self.items_of: dict[str, list[str]] = {s.code: [] for s in config.services}
        self.item_weights: dict[str, list[float]] = {s.code: [] for s in config.services}
        for it in config.items:
            if it.service in self.items_of:
                self.items_of[it.service].append(it.code)
                self.item_weights[it.service].append(demand.item_weights.get(it.case_type, 1.0))
        self.item_cum = {code: list(itertools.accumulate(w)) for code, w in self.item_weights.items()}
        self.service_names = {s.code: s.name for s in config.services}
        self.a_posts = {w.staff_a for w in config.windows}
        self.manager = next((s.code for s in config.staff if s.role == "manager"), None)
        self.desks = [_Desk(w, w.number, w.services) for w in config.windows]
        self.desk_of = {d.number: d for d in self.desks}
        self.serving = {
            s.code: [self.desk_of[w.number] for w in config.windows_serving(s.code)] for s in config.services
        }
        self.sessions = [
            (s.start.hour * 3600 + s.start.minute * 60, s.end.hour * 3600 + s.end.minute * 60)
            for s in sorted(config.sessions, key=lambda s: s.start)
        ]
        self.slots = [f"{m // 60:02d}:{m % 60:02d}" for a, b in self.sessions for m in range(a // 60, b // 60 - 29, 30)]
        self.rng = random.Random(seed)
        self.pending: dict[str, list[tuple[dt.date, str]]] = {}  # staff → (completion day, case id)
        for case in store.cases(status="open", limit=10**9):  # cases left open by an earlier run or the live hall
            if case["due_date"]:
                self._plan_completion(case["id"], case["staff"], dt.date.fromisoformat(case["due_date"]), first_day)
        self.heap: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self.seq = itertools.count()
        self.citizens: dict[str, _Citizen] = {}
        self.report = HistoryReport()
        self.t = 0.0
        self.midnight = self.clock.now

    def _new_id(self) -> str:
        return f"{self.ids.getrandbits(48):012x}"

    def _key(self) -> str:
        return f"{self.ids.getrandbits(128):032x}"

    def finish(self) -> None:
        """Store the PINs at full strength again: as they were, or hashed now for staff the run added."""
        added = [s for s in self.config.staff if s.code not in self.saved_credentials]
        salts = [random.Random(f"{self.seed}:{s.code}").randbytes(16) for s in added]
        with ThreadPoolExecutor(2) as pool:  # PBKDF2 lets go of the GIL: both cores
            hashes = list(
                pool.map(lambda sp: hash_pin(sp[0].pin, sp[1], self.pin_iterations), zip(added, salts, strict=True))
            )
        with self.store.transaction():
            for code, old in self.saved_credentials.items():
                self.store.set_pin(code, old["pin_hash"], old["pin_salt"])
            for s, salt, pin_hash in zip(added, salts, hashes, strict=True):
                self.store.set_pin(s.code, pin_hash, salt.hex())

    # ---- the day's clock -------------------------------------------------------------------------------------

    def at(self, t: float, action: Callable[[Any], None], arg: Any = None) -> None:
        heapq.heappush(self.heap, (t, next(self.seq), action, arg))

    def _set_time(self, t: float) -> None:
        self.t = t
        self.clock.now = self.midnight + dt.timedelta(seconds=t)

    def run_day(self, day: dt.date, report: HistoryReport) -> None:
        self.report = report
        self.day = day
        self.rng = random.Random(f"{self.seed}:{day.isoformat()}")
        self.midnight = dt.datetime.combine(day, dt.time(0), tzinfo=self.tz)
        self.citizens.clear()
        self._plan_arrivals(day)
        self._plan_bookings_made(day)
        self._plan_staff(day)
        heap = self.heap
        while heap:
            t, _, action, arg = heapq.heappop(heap)
            self._set_time(t)
            action(arg)
        left = len(self.service.hall.tickets)
        if left or any(d.state != OFF for d in self.desks):  # closed by the next day's roll, as in the live hall
            log.warning(
                "%s ended with %d open tickets and windows %s signed in",
                day,
                left,
                [d.number for d in self.desks if d.state != OFF],
            )

    # ---- planning a day --------------------------------------------------------------------------------------

    def _plan_arrivals(self, day: dt.date) -> None:
        rng, demand = self.rng, self.demand
        weekday = day.isoweekday()
        if weekday not in self.rates:
            self.rates[weekday] = demand.arrival_rates(self.config, weekday)
        green = self.config.green_channel or ("老年人",)
        for code, rates in self.rates[weekday].items():
            scale = 1.0 - demand.booking  # booked citizens come through their bookings
            for minute, rate in rates:
                for _ in range(poisson(rng, rate * scale)):
                    item = self._some_item(code) if rng.random() < demand.item_chosen else None
                    reason = rng.choice(green) if rng.random() < demand.green_channel else ""
                    c = _Citizen(code, item, minute * 60 + rng.random() * 60, priority_reason=reason)
                    self.at(c.arrive, self._arrive, c)
        booked = [r for r in self.store.bookings(day) if r["status"] == "booked"]
        early_s = 60 * min(15, self.config.early_minutes)
        for row in sorted(booked, key=lambda r: (r["time"], r["created_at"], r["service"])):  # not by random code
            if rng.random() >= demand.booking_no_show:
                h, m = (int(x) for x in (row["time"] or "09:00").split(":"))
                arrive = h * 3600 + m * 60 - rng.uniform(0, early_s)
                c = _Citizen(row["service"], row["item"], arrive, priority_reason="appointment", booking=row["code"])
                self.at(arrive, self._arrive, c)

    def _plan_bookings_made(self, day: dt.date) -> None:
        """Citizens book the next working days (online, any time of the day)."""
        rng, demand = self.rng, self.demand
        ahead = min(self.config.booking_max_workdays, BOOKING_MAX_DAYS_AHEAD)
        if ahead <= 0 or demand.booking <= 0:
            return
        made = 1.0 - demand.booking_no_show - demand.booking_cancel
        for k in range(1, ahead + 1):
            target = self.calendar.add_workdays(day, k)
            mean = demand.booking * self._expected(target) / max(made, 0.1) / ahead
            for _ in range(poisson(rng, mean)):
                code = _pick(rng, self.shares)
                item = self._some_item(code)
                when = rng.uniform(8 * 3600, 21 * 3600)
                self.at(when, self._book, (code, item, target, rng.choice(self.slots)))

    def _expected(self, day: dt.date) -> float:
        weekday = day.isoweekday()
        if weekday not in self.expected:
            self.expected[weekday] = self.demand.expected_tickets(self.config, day)
        return self.expected[weekday]

    def _plan_staff(self, day: dt.date) -> None:
        """Who signs in where and when, session by session; cases to complete; the manager's morning round."""
        rng, demand = self.rng, self.demand
        working: set[str] = set()
        for si, (open_s, end_s) in enumerate(self.sessions):
            b_busy: set[str] = set()
            for desk in self.desks:
                a, b = desk.cfg.staff_a, desk.cfg.staff_b
                b_free = bool(b) and b not in b_busy and b not in self.a_posts
                who, leave_at, handover = a, None, False
                if b_free and rng.random() < demand.absent:
                    who = b
                    b_busy.add(b)
                elif b_free and rng.random() < demand.handover:
                    leave_at, handover = rng.uniform(open_s + 1800, max(open_s + 1800, end_s - 1800)), True
                    b_busy.add(b)
                elif b_free and rng.random() < demand.early_leave:
                    leave_at, handover = rng.uniform(end_s - 2400, end_s - 600), False
                    b_busy.add(b)
                pause_at = None
                if rng.random() < demand.pause:
                    pause_at = rng.uniform(open_s + 1200, max(open_s + 1200, end_s - 1800))
                if rng.random() < demand.late:
                    sign_in = open_s + 60 * min(30.0, 1.0 + rng.expovariate(1.0 / demand.late_mean_min))
                else:
                    sign_in = open_s - 60 * rng.uniform(*demand.early_arrival_min)
                working.add(who)
                plan = _Plan(desk, si, who, pause_at, leave_at, b if leave_at is not None else None, handover)
                self.at(sign_in, self._sign_in, plan)
        if self.manager is None or not self.sessions:
            return
        orphans: list[str] = []  # due today, their clerk not in: the hall manager completes them
        for staff, cases in self.pending.items():
            if staff not in working:
                orphans += [case_id for when, case_id in cases if when <= day]
                self.pending[staff] = [(when, case_id) for when, case_id in cases if when > day]
        if orphans:
            self.at(self.sessions[0][0] - 1800, self._manager_in, orphans)

    def _plan_completion(self, case_id: str, staff: str, due: dt.date, accepted: dt.date) -> None:
        """The day a case will be completed: on or a few working days before its due date, now and then late."""
        rng = self.rng
        if rng.random() < self.demand.overdue:
            when = self.calendar.add_workdays(due, rng.randint(1, 5))
        else:
            when = due
            for _ in range(_pick(rng, dict(self.demand.complete_early_workdays))):
                before = when - dt.timedelta(days=1)
                while not self.calendar.is_workday(before) and before > accepted:
                    before -= dt.timedelta(days=1)
                if before <= accepted:
                    break
                when = before
        self.pending.setdefault(staff, []).append((when, case_id))

    # ---- the clerks ---------------------------------------------------------------------------------------------

    def _sign_in(self, plan: _Plan) -> None:
        desk, who = plan.desk, plan.who
        if desk.state != OFF or any(d.staff == who for d in self.desks):
            self.at(self.t + 300, self._sign_in, plan)  # still serving the morning's queue: a little later
            return
        desk.open_s, desk.end_s = self.sessions[plan.session]
        desk.pause_at, desk.leave_at, desk.cover, desk.handover = (
            plan.pause_at,
            plan.leave_at,
            plan.cover,
            plan.handover,
        )
        self._login(desk, who)
        self._complete_cases(who)

    def _login(self, desk: _Desk, who: str) -> None:
        answer = self.service.login(who, self.pins[who], desk.number)
        desk.staff, desk.token, desk.state = who, answer["token"], BUSY
        lo, hi = self.demand.react_s
        self.at(max(self.t, desk.open_s) + self.rng.uniform(lo, hi), self._free, desk)
        self.at(desk.end_s + self.rng.uniform(0, 180), self._closing, desk)

    def _sign_out(self, desk: _Desk) -> None:
        assert desk.token is not None
        self.service.logout(self.service.authenticate(desk.token))
        desk.staff = desk.token = None
        desk.state = OFF

    def _handover(self, desk: _Desk) -> None:
        assert desk.cover is not None and desk.token is not None
        leaving = self.service.authenticate(desk.token)
        self._login(desk, desk.cover)
        desk.cover = None
        self.service.logout(leaving)  # no longer at the window: ends the session only

    def _cover_in(self, desk: _Desk) -> None:
        assert desk.cover is not None
        self._login(desk, desk.cover)
        desk.cover = None

    def _complete_cases(self, staff: str) -> None:
        due = [c for when, c in self.pending.get(staff, []) if when <= self.day]
        if not due:
            return
        self.pending[staff] = [(when, c) for when, c in self.pending[staff] if when > self.day]
        for i, case_id in enumerate(due):
            self.at(self.t + 20 + 15 * i, self._complete_case, (staff, case_id))

    def _complete_case(self, arg: tuple[str, str]) -> None:
        staff, case_id = arg
        desk = next((d for d in self.desks if d.staff == staff and d.token), None)
        if desk is None or desk.token is None:  # signed out meanwhile: tomorrow
            self.pending.setdefault(staff, []).append((self.day + dt.timedelta(days=1), case_id))
            return
        self.service.complete_case(self.service.authenticate(desk.token), case_id)
        self.report.cases_completed += 1

    def _manager_in(self, cases: list[str]) -> None:
        assert self.manager is not None
        token = self.service.login(self.manager, self.pins[self.manager], None)["token"]
        for i, case_id in enumerate(cases):
            self.at(self.t + 10 * (i + 1), self._manager_completes, (token, case_id))
        self.at(self.t + 10 * (len(cases) + 1), self._manager_out, token)

    def _manager_completes(self, arg: tuple[str, str]) -> None:
        token, case_id = arg
        self.service.complete_case(self.service.authenticate(token), case_id)
        self.report.cases_completed += 1

    def _manager_out(self, token: str) -> None:
        self.service.logout(self.service.authenticate(token))

    # ---- the citizens -----------------------------------------------------------------------------------------

    def _arrive(self, c: _Citizen) -> None:
        try:
            if c.booking is not None:
                answer = self.service.check_in(c.booking, key=self._key(), device=LOCAL_DEVICE)
            else:
                answer = self.service.issue(
                    c.service,
                    priority=bool(c.priority_reason),
                    priority_reason=c.priority_reason,
                    item=c.item,
                    key=self._key(),
                    device=LOCAL_DEVICE,  # the hall's own kiosks, simulated
                )
        except DomainError:  # the kiosk refused (a service the manager closed): the citizen goes home
            return
        c.ticket = answer["id"]
        self.citizens[c.ticket] = c
        self.report.tickets += 1
        if c.booking is None and self.rng.random() < self.demand.cancel:
            self.at(self.t + self.rng.uniform(600, 2400), self._give_up, c)
        self._wake_service(c.service)

    def _give_up(self, c: _Citizen) -> None:
        ticket = self.service.hall.tickets.get(c.ticket)
        if ticket is not None and ticket.status is Status.WAITING:
            self.service.cancel(c.ticket)

    def _book(self, arg: tuple[str, str | None, dt.date, str]) -> None:
        code, item, day, slot = arg
        rng = self.rng
        name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
        phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        booking = self.service.create_booking(code, day, item, slot, name, phone)
        self.report.bookings += 1
        if rng.random() < self.demand.booking_cancel:
            self.at(min(self.t + rng.uniform(600, 10800), 86000.0), self._cancel_booking, booking["code"])

    def _cancel_booking(self, code: str) -> None:
        self.service.cancel_booking(code)

    def _wake_service(self, service: str) -> None:
        for desk in self.serving.get(service, ()):
            if desk.state == IDLE:
                self._wake(desk)

    def _wake(self, desk: _Desk) -> None:
        desk.state = BUSY
        lo, hi = self.demand.react_s
        self.at(self.t + self.rng.uniform(lo / 2, hi / 2), self._free, desk)

    # ---- at the window ------------------------------------------------------------------------------------------

    def _has_work(self, desk: _Desk) -> bool:
        hall = self.service.hall
        queues = hall.queues
        return any(len(queues[s]) for s in desk.services) or len(hall.window_heads[desk.number]) > 0

    def _free(self, desk: _Desk) -> None:
        """The clerk is free: leave, pause, take back a suspended citizen, call the next, or go home."""
        t, n = self.t, desk.number
        if desk.leave_at is not None and t >= desk.leave_at:
            if any(d.staff == desk.cover for d in self.desks):  # the B post is still at another window: wait
                desk.leave_at = t + 300
            else:
                desk.leave_at = None
                if desk.handover:  # the B post arrives first (AB岗): her sign-in records the handover
                    self._handover(desk)
                else:  # leaving early: the A post signs out, the B post comes a minute or two later
                    self._sign_out(desk)
                    self.at(t + self.rng.uniform(30, 120), self._cover_in, desk)
                return
        if desk.pause_at is not None and t >= desk.pause_at:
            desk.pause_at = None
            if t < desk.end_s - 900:
                self.service.pause(n, cmd.parse(cmd.Pause, {"reason": self.rng.choice(self.demand.pause_reasons)}))
                self.at(t + self.rng.uniform(*self.demand.pause_s), self._unpause, desk)
                return
        if desk.returned:
            c = desk.returned.pop(0)
            self.service.resume_ticket(n, cmd.parse(cmd.ResumeTicket, {"ticket": c.ticket}))
            desk.citizen = c
            self.at(t + self.rng.uniform(5, 20), self._start, desk)
            return
        if t >= desk.open_s and self._has_work(desk):
            answer = self.service.call_next(n)
            c = self.citizens[answer["ticket"]["id"]]
            desk.citizen = c
            self._called(desk, c)
            return
        if t >= desk.end_s and not desk.away:
            self._sign_out(desk)
            return
        desk.state = IDLE  # `_wake`, `_back` or `_closing` go on from here

    def _closing(self, desk: _Desk) -> None:
        """The session is over: an idle clerk signs out (a busy one does when her last citizen is done)."""
        if desk.state == IDLE:
            desk.state = BUSY
            self._free(desk)

    def _unpause(self, desk: _Desk) -> None:
        self.service.resume(desk.number)
        self._free(desk)

    def _called(self, desk: _Desk, c: _Citizen) -> None:
        rng, demand = self.rng, self.demand
        c.absent = not c.transferred and not c.suspended and rng.random() < demand.no_show
        if c.absent or rng.random() < demand.recall:
            self.at(self.t + rng.uniform(25, 50), self._recall, desk)
        else:
            self.at(self.t + self._walk(), self._start, desk)

    def _walk(self) -> float:
        d = self.demand
        return min(180.0, max(4.0, self.rng.lognormvariate(math.log(d.walk_median_s), d.walk_sigma)))

    def _recall(self, desk: _Desk) -> None:
        c = desk.citizen
        assert c is not None
        self.service.recall(desk.number)
        if c.absent:
            self.at(self.t + self.rng.uniform(40, 80), self._absent, desk)
        else:
            self.at(self.t + self._walk(), self._start, desk)

    def _absent(self, desk: _Desk) -> None:
        self.service.no_show(desk.number)
        desk.citizen = None
        self.at(self.t + self.rng.uniform(*self.demand.react_s), self._free, desk)

    def _start(self, desk: _Desk) -> None:
        c = desk.citizen
        assert c is not None
        rng, demand, t = self.rng, self.demand, self.t
        self.service.start(desk.number)
        if not c.transferred and not c.suspended and rng.random() < demand.transfer and t < desk.end_s - 1200:
            self.at(t + rng.uniform(20, 90), self._transfer, desk)
            return
        if not c.suspended and rng.random() < demand.suspend and t + demand.suspend_away_s[1] < desk.end_s - 600:
            self.at(t + rng.uniform(20, 120), self._suspend, desk)
            return
        item = self._item(c)
        it = self.config.item(item) if item else None
        own = it.case_type if it else "immediate"
        mix = demand.case_mix.get(own) or {own: 1.0}
        c.kind = _pick(rng, dict(mix)) if item else "immediate"
        service = demand.service(c.service)
        mean = (
            service.handling_mean_s * demand.case_pace.get(c.kind, 1.0) * demand.clerk_pace.get(desk.staff or "", 1.0)
        )
        sigma = service.handling_sigma
        handling = rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)
        self.at(t + min(handling, 8 * mean), self._finish, desk)

    def _item(self, c: _Citizen) -> str | None:
        """The item the clerk records: the one on the ticket if it is this service's, else one of the service's."""
        if c.item is not None and not c.transferred:
            return c.item
        c.item = self._some_item(c.service)
        return c.item

    def _some_item(self, service: str) -> str | None:
        """An item of the service, the commoner ones more often (DemandModel.item_weights)."""
        items = self.items_of.get(service)
        return self.rng.choices(items, cum_weights=self.item_cum[service])[0] if items else None

    def _finish(self, desk: _Desk) -> None:
        c = desk.citizen
        assert c is not None
        rng, demand = self.rng, self.demand
        note, missing = "", []
        if c.kind == "returned":
            note = rng.choice(demand.return_reasons)
        elif c.kind == "incomplete":
            item = self.config.item(c.item) if c.item else None
            materials = [m.name for m in item.materials] if item else []
            lo, hi = demand.missing_materials
            missing = rng.sample(materials, min(len(materials), rng.randint(lo, hi))) if materials else ["相关证明材料"]
        answer = self.service.finish(
            desk.number,
            cmd.parse(cmd.Finish, {"case_type": c.kind, "item": c.item, "note": note, "missing_materials": missing}),
        )
        self.report.served += 1
        case = answer["case"]
        if case["status"] == "open" and case["due_date"]:
            self._plan_completion(case["id"], case["staff"], dt.date.fromisoformat(case["due_date"]), self.day)
        if rng.random() < demand.rated:
            self.at(self.t + rng.uniform(3, 25), self._rate, (c, desk.number, self.t - c.arrive))
        desk.citizen = None
        self.at(self.t + rng.uniform(*demand.react_s), self._free, desk)

    def _rate(self, arg: tuple[_Citizen, int, float]) -> None:
        c, window, waited = arg
        rng, demand = self.rng, self.demand
        scores = dict(demand.scores)
        if waited > demand.long_wait_s or c.kind == "returned":
            scores = {s: p * (3.0 if s <= 2 else 1.0) for s, p in scores.items()}
        score = _pick(rng, scores)
        reasons: list[str] = []
        comment = ""
        if score <= 2:
            offered = list(self.config.ratings.bad_reasons)
            if waited > demand.long_wait_s and "等候时间过长" in offered:
                reasons = ["等候时间过长"]
            elif offered:
                reasons = rng.sample(offered, 1 if rng.random() < 0.8 else min(2, len(offered)))
            if not reasons or "其他" in reasons or rng.random() < 0.2:
                comment = rng.choice(demand.bad_comments)
        self.service.rate(c.ticket, score, reasons, comment, window=window, device=LOCAL_DEVICE)
        self.report.ratings += 1

    def _transfer(self, desk: _Desk) -> None:
        c = desk.citizen
        assert c is not None
        rng = self.rng
        others = {code: share for code, share in self.shares.items() if code != c.service and self.serving.get(code)}
        if not others:
            self.at(self.t + 30, self._finish_after_transfer_refused, desk)
            return
        target = _pick(rng, others)
        note = rng.choice(self.demand.transfer_notes).format(service=self.service_names[target])
        desks = [d for d in self.serving[target] if d is not desk and d.state != OFF and self.t < d.end_s - 1200]
        if desks and rng.random() < self.demand.transfer_to_window:
            to = rng.choice(desks)
            self.service.transfer(desk.number, cmd.parse(cmd.Transfer, {"window": to.number, "note": note}))
            if to.state == IDLE:
                self._wake(to)
        else:
            self.service.transfer(desk.number, cmd.parse(cmd.Transfer, {"service": target, "note": note}))
            self._wake_service(target)
        c.transferred, c.service = True, target
        desk.citizen = None
        self.at(self.t + rng.uniform(*self.demand.react_s), self._free, desk)

    def _finish_after_transfer_refused(self, desk: _Desk) -> None:
        c = desk.citizen
        assert c is not None
        c.transferred = True
        c.kind = "immediate"
        self._finish(desk)

    def _suspend(self, desk: _Desk) -> None:
        c = desk.citizen
        assert c is not None
        self.service.suspend(desk.number)
        c.suspended = True
        desk.away += 1
        desk.citizen = None
        self.at(self.t + self.rng.uniform(*self.demand.suspend_away_s), self._back, (desk, c))
        self.at(self.t + self.rng.uniform(*self.demand.react_s), self._free, desk)

    def _back(self, arg: tuple[_Desk, _Citizen]) -> None:
        desk, c = arg
        desk.away -= 1
        desk.returned.append(c)
        if desk.state == IDLE:
            self._wake(desk)
