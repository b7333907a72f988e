"""The hall's demand: who comes when, for what, and what happens at the window — one table, several users.

`DemandModel` is a frozen dataclass of plain numbers. The history generator (application.history) draws a
hall's past from it; a staffing simulation reads the same table (`arrivals_per_hour`, `handling_mean_s`) to
ask "how many windows on a Monday morning". Every number is a default a caller may replace
(`dataclasses.replace(DemandModel(), tickets_per_window_day=120)`).

Scale: `tickets_per_window_day` = 200 gives a 20-window hall ≈ 4,000 tickets a working day, ≈ 1 million
a year (≈ 250 working days). At that pace a window serves a citizen every ~90 s over the hall's six opening
hours, so the handling times below are short (a busy town hall's counter, not a mortgage registration);
the log-normal spread gives the long tail.

Arrivals: per service, a rate per minute of the day = the day's total × the hour's weight × the weekday's
factor for that half of the day (Monday mornings busiest, Friday afternoons lighter). Citizens arrive only
within the hall's opening sessions (from `early_minutes` before each until `last_arrival_margin_min` before
its end), so the lunch gap and the evening are empty whatever the hall's hours. Service shares follow the
windows: each window splits its capacity over its first-level services (a later level gets a fifth), then
faster services get proportionally more citizens, so every queue is loaded alike.

A recorded hall (`demand_from_history`): its tickets give the arrivals per service per 15 minutes of each
weekday (`recorded`, the mean of its working days of that weekday; they replace the shape and volume above),
each service's log-normal handling (started → finished, each case's time divided by its type's pace so the
model's case mix is not counted twice), each clerk's pace against those means (`clerk_pace`: the generator's
clerks keep it; the simulation, which draws before a window is known, uses the services' means), the walk, and
the rates of no-shows, transfers, cancellations and the green channel. The generator (`hallq demo --history
--demand-from DATA`) and the staffing simulation (`hallq simulate --demand-from DATA`) then read the same model.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TypeVar

from core.config import HallConfig

K = TypeVar("K")
V = TypeVar("V")


def _frozen(data: Mapping[K, V]) -> Mapping[K, V]:
    """A read-only mapping: the model is frozen, its tables too."""
    return MappingProxyType(dict(data))


@dataclass(frozen=True)
class ServiceDemand:
    """One service: the mean of its log-normal handling time (started → finished) and its spread."""

    handling_mean_s: float
    handling_sigma: float = 0.55  # σ of the logarithm
    hour_weights: Mapping[int, float] | None = None  # its own day profile (else the hall's)


DEFAULT_SERVICES: Mapping[str, ServiceDemand] = _frozen(
    {
        "household": ServiceDemand(60),
        "social": ServiceDemand(38),
        "medical": ServiceDemand(38),
        "civil": ServiceDemand(55),
        "estate": ServiceDemand(70),
        "market": ServiceDemand(
            62, hour_weights={8: 0.9, 9: 1.2, 10: 1.2, 11: 0.8, 14: 1.3, 15: 1.3, 16: 1.0, 17: 0.6}
        ),
        "general": ServiceDemand(35),
    }
)

# Arrivals by clock hour (relative): the opening rush, the mid-morning peak, a quiet end of each session.
DEFAULT_HOUR_WEIGHTS: Mapping[int, float] = _frozen(
    {7: 1.0, 8: 1.25, 9: 1.45, 10: 1.2, 11: 0.65, 12: 0.5, 13: 0.8, 14: 1.15, 15: 1.1, 16: 0.85, 17: 0.5, 18: 0.4}
)
# ISO weekday → (morning, afternoon) factor. Saturdays/Sundays count only when they are make-up workdays (调休).
DEFAULT_WEEKDAY_FACTORS: Mapping[int, tuple[float, float]] = _frozen(
    {1: (1.3, 1.0), 2: (1.1, 1.0), 3: (1.0, 0.95), 4: (1.0, 0.95), 5: (1.0, 0.7), 6: (0.95, 0.85), 7: (0.95, 0.85)}
)
# The case type (办件类型) a clerk records, by the item's own type: mostly the item's type; every type occurs.
DEFAULT_CASE_MIX: Mapping[str, Mapping[str, float]] = _frozen(
    {
        "immediate": _frozen(
            {"immediate": 0.925, "incomplete": 0.055, "returned": 0.012, "urgent": 0.006, "unowned": 0.002}
        ),
        "promised": _frozen(
            {"promised": 0.83, "joint": 0.04, "incomplete": 0.09, "returned": 0.03, "urgent": 0.008, "unowned": 0.002}
        ),
        "forwarded": _frozen(
            {"forwarded": 0.84, "joint": 0.03, "incomplete": 0.09, "returned": 0.03, "urgent": 0.008, "unowned": 0.002}
        ),
        "joint": _frozen({"joint": 0.85, "incomplete": 0.1, "returned": 0.05}),
    }
)
# Handling time by case type, relative to the service's mean: a promise notice takes longer, a refusal less.
DEFAULT_CASE_PACE: Mapping[str, float] = _frozen(
    {
        "immediate": 1.0,
        "promised": 1.35,
        "joint": 1.6,
        "forwarded": 1.35,
        "incomplete": 0.7,
        "returned": 0.5,
        "urgent": 1.2,
        "unowned": 1.5,
    }
)
DEFAULT_RETURN_REASONS: tuple[str, ...] = (
    "不符合受理条件：申请人户籍不在本镇",
    "申请事项不属于本中心受理范围，已告知向县级主管部门申请",
    "所交材料与申请事项不符，经核实不予受理",
    "申请人不符合补贴（救助）条件",
    "同一事项已在办理中，不得重复申请",
)
DEFAULT_TRANSFER_NOTES: tuple[str, ...] = (
    "首问负责：群众还需办理{service}业务，已引导至相应窗口",
    "该事项由{service}窗口受理，已转办并告知群众",
    "群众咨询{service}事项，转{service}窗口一并办理",
)
DEFAULT_PAUSE_REASONS: tuple[str, ...] = ("休息", "会议", "培训")  # the caller's buttons
DEFAULT_BAD_COMMENTS: tuple[str, ...] = ("排队时间太长", "窗口人员态度生硬", "材料要求没有一次说清", "跑了两趟")


@dataclass(frozen=True)
class DemandModel:
    # ---- arrivals ----------------------------------------------------------------------------------
    tickets_per_window_day: float = 200.0  # an average weekday; 20 windows ≈ 4,000/day ≈ 1 million a year
    hour_weights: Mapping[int, float] = field(default_factory=lambda: DEFAULT_HOUR_WEIGHTS)
    weekday_factors: Mapping[int, tuple[float, float]] = field(default_factory=lambda: DEFAULT_WEEKDAY_FACTORS)
    last_arrival_margin_min: int = 3  # no one takes a ticket in the session's last minutes
    services: Mapping[str, ServiceDemand] = field(default_factory=lambda: DEFAULT_SERVICES)
    default_service: ServiceDemand = ServiceDemand(48)
    later_level_weight: float = 0.2  # a window's capacity for services below its first level
    item_chosen: float = 0.85  # the citizen read an item's guide at the kiosk: the ticket carries the item
    item_weights: Mapping[str, float] = field(  # how often an item is asked for, by its case type
        default_factory=lambda: _frozen({"immediate": 3.0, "promised": 1.0, "forwarded": 0.6, "joint": 0.5})
    )
    green_channel: float = 0.05  # priority tickets (reasons: the hall's green_channel list)
    cancel: float = 0.01  # citizens who give up waiting and cancel on their phone
    # ---- bookings (预约) ----------------------------------------------------------------------------
    booking: float = 0.02  # share of a day's citizens who booked (checked in at the kiosk)
    booking_cancel: float = 0.05  # of bookings made: cancelled later
    booking_no_show: float = 0.08  # of bookings made: never come (marked no_show at the day's end)
    # ---- at the window ----------------------------------------------------------------------------
    walk_median_s: float = 15.0  # called → started: the citizen walks to the window
    walk_sigma: float = 0.5
    react_s: tuple[float, float] = (2.0, 6.0)  # finished → the clerk calls the next one
    no_show: float = 0.04  # called, recalled, never came (过号)
    recall: float = 0.05  # of those who come: called twice first
    transfer: float = 0.03  # transferred to another service or window (首问负责)
    transfer_to_window: float = 0.2  # of transfers: to one named window rather than a service
    suspend: float = 0.015  # suspended (挂起): fetching a copy or a missing paper, back within the session
    suspend_away_s: tuple[float, float] = (300.0, 1500.0)
    pause: float = 0.12  # a window-session with one pause (break, meeting, training)
    pause_s: tuple[float, float] = (180.0, 900.0)
    case_mix: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: DEFAULT_CASE_MIX)
    case_pace: Mapping[str, float] = field(default_factory=lambda: DEFAULT_CASE_PACE)
    missing_materials: tuple[int, int] = (1, 3)  # an incomplete case lists this many of the item's materials
    return_reasons: tuple[str, ...] = DEFAULT_RETURN_REASONS
    transfer_notes: tuple[str, ...] = DEFAULT_TRANSFER_NOTES
    pause_reasons: tuple[str, ...] = DEFAULT_PAUSE_REASONS
    # ---- cases with a due date: completed (办结) on or before it, a few late ------------------------
    complete_early_workdays: Mapping[int, float] = field(
        default_factory=lambda: _frozen({0: 0.45, 1: 0.25, 2: 0.15, 3: 0.15})
    )
    overdue: float = 0.02  # completed 1–5 working days after the due date
    # ---- ratings (好差评) ---------------------------------------------------------------------------
    rated: float = 0.7  # of served citizens who rate at the pad
    scores: Mapping[int, float] = field(
        default_factory=lambda: _frozen({5: 0.81, 4: 0.15, 3: 0.025, 2: 0.01, 1: 0.005})
    )
    long_wait_s: float = 2400.0  # waited longer: a bad rating three times as likely ("等候时间过长")
    bad_comments: tuple[str, ...] = DEFAULT_BAD_COMMENTS
    # ---- attendance (考勤, AB岗) --------------------------------------------------------------------
    early_arrival_min: tuple[float, float] = (3.0, 12.0)  # clerks sign in this long before the session
    late: float = 0.03  # of sign-ins: late
    late_mean_min: float = 6.0  # exponential, 1–30 minutes
    absent: float = 0.015  # A post away for a session (leave): the B post covers
    handover: float = 0.01  # A post called away mid-session: signs out, the B post signs in
    early_leave: float = 0.005  # A post leaves before the session ends; the B post takes over
    # ---- a recorded hall (demand_from_history) -------------------------------------------------------
    # weekday → service → 15-minute slot of the day (minute // 15) → mean tickets in it on such a working day
    recorded: Mapping[int, Mapping[str, Mapping[int, float]]] | None = None
    clerk_pace: Mapping[str, float] = field(default_factory=lambda: _frozen({}))  # clerk → handling ÷ the mean

    # ---- the table's questions ------------------------------------------------------------------------

    def service(self, code: str) -> ServiceDemand:
        return self.services.get(code, self.default_service)

    def handling_mean_s(self, code: str) -> float:
        return self.service(code).handling_mean_s

    def busy_s(self, code: str) -> float:
        """Seconds a window spends per citizen of this service (walk, handling, the next call)."""
        walk_mean = self.walk_median_s * math.exp(self.walk_sigma**2 / 2)
        return walk_mean + self.handling_mean_s(code) + sum(self.react_s) / 2

    def service_shares(self, config: HallConfig) -> dict[str, float]:
        """Each service's share of the hall's citizens (sums to 1)."""
        capacity = {s.code: 0.0 for s in config.services}
        for w in config.windows:
            weights = {
                code: (1.0 if level == 0 else self.later_level_weight) / len(codes)
                for level, codes in enumerate(w.levels)
                for code in codes
            }
            total = sum(weights.values()) or 1.0
            for code, weight in weights.items():
                capacity[code] = capacity.get(code, 0.0) + weight / total
        load = {code: cap / self.busy_s(code) for code, cap in capacity.items()}
        total = sum(load.values()) or 1.0
        return {code: value / total for code, value in load.items()}

    def arrival_windows(self, config: HallConfig) -> list[tuple[int, int, bool]]:
        """(first minute, end minute, is the morning) of the day when citizens take tickets."""
        out = []
        for s in sorted(config.sessions, key=lambda s: s.start):
            start = s.start.hour * 60 + s.start.minute - config.early_minutes
            end = s.end.hour * 60 + s.end.minute - self.last_arrival_margin_min
            if end > start:
                out.append((max(0, start), end, s.start.hour < 12))
        return out

    def minute_shape(self, config: HallConfig, code: str, weekday: int) -> list[tuple[int, float]]:
        """(minute of the day, relative arrival weight) for each minute citizens of a service may come."""
        hours = self.service(code).hour_weights or self.hour_weights
        morning, afternoon = self.weekday_factors.get(weekday, (1.0, 1.0))
        return [
            (m, (morning if is_morning else afternoon) * hours.get(m // 60, 0.5))
            for start, end, is_morning in self.arrival_windows(config)
            for m in range(start, end)
        ]

    def arrival_rates(self, config: HallConfig, weekday: int) -> dict[str, list[tuple[int, float]]]:
        """Per service: (minute of the day, expected arrivals in that minute) on a working day of this weekday."""
        if self.recorded:
            return self._recorded_rates(config, weekday)
        base = len(config.windows) * self.tickets_per_window_day
        out = {}
        for code, share in self.service_shares(config).items():
            week = [sum(w for _, w in self.minute_shape(config, code, wd)) for wd in range(1, 6)]
            mean = sum(week) / len(week) or 1.0
            out[code] = [(m, base * share * w / mean) for m, w in self.minute_shape(config, code, weekday)]
        return out

    def _recorded_rates(self, config: HallConfig, weekday: int) -> dict[str, list[tuple[int, float]]]:
        """The recorded hall's 15-minute means spread evenly over their minutes; a weekday it never worked (a
        make-up Saturday) takes the mean of the weekdays it did."""
        assert self.recorded is not None
        slots: Mapping[str, Mapping[int, float]]
        if weekday in self.recorded:
            slots = self.recorded[weekday]
        else:
            merged: dict[str, dict[int, float]] = {}
            for per in self.recorded.values():
                for code, by_slot in per.items():
                    for slot, n in by_slot.items():
                        merged.setdefault(code, {})[slot] = merged.get(code, {}).get(slot, 0.0) + n / len(self.recorded)
            slots = merged
        known = {s.code for s in config.services}
        return {
            code: [(slot * 15 + m, n / 15) for slot, n in sorted(by_slot.items()) for m in range(15)]
            for code, by_slot in slots.items()
            if code in known
        }

    def arrivals_per_hour(self, config: HallConfig, weekday: int) -> dict[str, dict[int, float]]:
        """Per service, per clock hour: expected tickets (the staffing table)."""
        out: dict[str, dict[int, float]] = {}
        for code, rates in self.arrival_rates(config, weekday).items():
            hours: dict[int, float] = {}
            for minute, rate in rates:
                hours[minute // 60] = hours.get(minute // 60, 0.0) + rate
            out[code] = hours
        return out

    def expected_tickets(self, config: HallConfig, day: dt.date) -> float:
        """Expected tickets on a working day (any weekday: make-up Saturdays use their own factors)."""
        return sum(r for rates in self.arrival_rates(config, day.isoweekday()).values() for _, r in rates)


def demand_from_history(
    tickets: Iterable[Mapping[str, object]], tz: dt.tzinfo, base: DemandModel | None = None
) -> DemandModel:
    """The demand of a recorded hall, from its ticket rows (the store's columns: day, issued_at, called_at,
    started_at, finished_at, status, service, issue_service, staff, priority, referrals, recalls; case_type where
    the ticket's case is known). Every other number stays `base`'s."""
    model = base or DemandModel()
    arrivals: dict[int, dict[str, dict[int, int]]] = {}
    days: dict[int, set[str]] = {}
    handled: dict[str, list[float]] = {}  # service → log of the handling (case pace taken out)
    per_clerk: dict[str, list[tuple[str, float]]] = {}
    walks: list[float] = []
    issued = called = came = no_shows = transfers = cancelled = green = 0

    def when(value: object) -> dt.datetime | None:
        return dt.datetime.fromisoformat(str(value)) if value else None

    for t in tickets:
        at = when(t["issued_at"])
        if at is None:
            continue
        local = at.astimezone(tz)
        weekday, service = local.isoweekday(), str(t.get("issue_service") or t["service"])
        days.setdefault(weekday, set()).add(str(t["day"]))
        slot = (local.hour * 60 + local.minute) // 15
        by_slot = arrivals.setdefault(weekday, {}).setdefault(service, {})
        by_slot[slot] = by_slot.get(slot, 0) + 1
        issued += 1
        green += bool(t.get("priority"))
        cancelled += t["status"] == "cancelled"
        c, s, f = when(t.get("called_at")), when(t.get("started_at")), when(t.get("finished_at"))
        if c is not None:
            called += 1
            no_shows += t["status"] == "no_show"
        if s is not None:
            came += 1
            transfers += bool(t.get("referrals")) and str(t.get("referrals")) != "[]"
            if c is not None and not t.get("recalls"):
                walks.append((s - c).total_seconds())
        if t["status"] == "done" and s is not None and f is not None and (f - s).total_seconds() > 0:
            pace = model.case_pace.get(str(t.get("case_type") or "immediate"), 1.0)
            seconds = (f - s).total_seconds() / pace
            handled.setdefault(str(t["service"]), []).append(math.log(seconds))
            if t.get("staff"):
                per_clerk.setdefault(str(t["staff"]), []).append((str(t["service"]), seconds))
    if not issued:
        raise ValueError("no tickets recorded")
    recorded = {
        wd: _frozen(
            {code: _frozen({slot: n / len(days[wd]) for slot, n in by_slot.items()}) for code, by_slot in per.items()}
        )
        for wd, per in arrivals.items()
    }
    services = dict(model.services)
    for code, logs in handled.items():
        if len(logs) >= 2:
            mu, sigma = statistics.fmean(logs), statistics.pstdev(logs)
            own = model.service(code)
            services[code] = ServiceDemand(math.exp(mu + sigma * sigma / 2), sigma, own.hour_weights)
    clerks = {
        staff: statistics.fmean(
            seconds / services.get(code, model.default_service).handling_mean_s for code, seconds in done
        )
        for staff, done in per_clerk.items()
        if len(done) >= 20
    }
    return replace(
        model,
        recorded=_frozen(recorded),
        services=_frozen(services),
        clerk_pace=_frozen(clerks),
        no_show=no_shows / called if called else model.no_show,
        transfer=transfers / came if came else model.transfer,
        cancel=cancelled / issued,
        green_channel=green / issued,
        walk_median_s=statistics.median(walks) if walks else model.walk_median_s,
    )


def poisson(rng: random.Random, mean: float) -> int:
    """How many arrivals a Poisson stream with this mean brings (the generator's and the simulation's draws)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
