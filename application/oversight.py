"""Oversight (issue 13): the case register (每件一登记), due soon and overdue, extensions with a leader's approval,
each case type's stages, the on-time rate, the day's / week's / month's summary (每日一汇总) and the day's
close, inspections (每天一督查: patrols, spot checks, mystery visits) with their findings, the duty-window rota.

The rules are core's (core/oversight.py, core/inspections.py); the SQL is the store's (server/store_oversight.py,
or any object with the same methods). Writes run inside `HallService.writing()` (one transaction, the hall lock)
and put each privileged action on the audit log; a change that completes a case goes through
`HallService.execute` so its event is published after commit, as every command's is.

For other parts of the hall (plain functions of this service, no console needed):
- the caller and the API's case rows: `case_flags(...)` (days_left, due_soon, overdue) — HallService.cases adds it;
- the scores (issue 14): `deductions(first, last)` (every finding with points: window, staff, kind, points),
  `duty_lapses(first, last)`, `overdue_caused_by_window(first, last)`;
- the live page: `live_panel(windows)` (patrols done and required today, due soon, overdue, extensions waiting).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from application.auth import Role, Session
from core import events as ev
from core.calendar import WorkCalendar
from core.cases import CASE_TYPE_LIST, CASE_TYPES
from core.config import HallConfig
from core.hall import Hall, Result
from core.inspections import (
    DEDUCTION_NAMES,
    DUTIES,
    DUTY,
    KINDS,
    PATROL,
    SPOT_CHECK,
    PatrolCount,
    check_finding,
    check_inspection,
    check_rectify,
    duty_closing_lapse,
    duty_opening_lapse,
    next_duties,
    patrols_required,
    rectification_state,
    week_of,
)
from core.oversight import (
    APPROVED,
    COMPLETING,
    DUE_RULES,
    LATE,
    OUTCOMES,
    OVERDUE,
    REFUSED,
    REQUESTED,
    STAGES,
    OnTime,
    approved_in_time,
    case_outcome,
    check_citizen,
    check_extension_decision,
    check_extension_request,
    check_next_stage,
    due_flags,
    due_rule,
    flow_state,
    may_approve_extension,
    next_stages,
    on_time_rate,
    returned_decision_due,
)
from core.privacy import mask_id, mask_name
from core.tickets import DomainError

log = logging.getLogger("hallq.oversight")

MAX_PHOTO_BYTES = 5 << 20
PHOTO_TYPES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
TICKET_COUNTS = ("issued", "served", "no_show", "cancelled", "closed", "priority", "booked", "called", "long_waits")
MANAGERS = (Role.MANAGER, Role.ADMIN, Role.DIRECTOR)  # act on any case (the console's table narrows who sees what)


@dataclass
class CaseQuery:
    """The register's filters (every field optional); the URL carries the same names."""

    number: str = ""  # the case number (20261130-0042) or the ticket number (A001), or a prefix of either
    item: str = ""
    window: int | None = None
    staff: str = ""
    case_type: str = ""
    status: str = ""  # open, completed, overdue, due_soon
    stage: str = ""
    accepted_from: dt.date | None = None
    accepted_to: dt.date | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    only_staff: str | None = None  # a clerk's own cases
    only_windows: tuple[int, ...] | None = None  # a window head's windows (accepting or owner)
    case_ids: Sequence[str] = field(default_factory=tuple)


class OversightStore(Protocol):
    """What the service needs of the database (server/store_oversight.py)."""

    def case(self, case_id: str) -> dict[str, Any] | None: ...
    def register(
        self, q: CaseQuery, today: dt.date, soon_until: dt.date, *, limit: int = 100, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]: ...
    def open_due_by(
        self,
        until: dt.date,
        windows: tuple[int, ...] | None,
        staff: str | None,
        *,
        since: dt.date | None = None,
        limit: int = 2000,
    ) -> list[dict[str, Any]]: ...
    def count_open_due(
        self, until: dt.date, windows: tuple[int, ...] | None, staff: str | None, since: dt.date | None = None
    ) -> int: ...
    def outcome_counts(
        self, first: dt.date, last: dt.date, outcome: Callable[[str, str, str | None], str | None]
    ) -> list[dict[str, Any]]: ...
    def window_figures_by_day(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def rating_figures_by_day(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def cases_by_type_by_day(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def day_figures(self, first: dt.date, last: dt.date) -> dict[str, dict[str, Any]]: ...
    def keep_day_figures(self, figures: dict[str, dict[str, Any]], at: dt.datetime) -> None: ...
    def held_to(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def extended(self, case_ids: list[str]) -> set[str]: ...
    def set_case(self, case_id: str, **fields: Any) -> None: ...
    def complete_case(self, case_id: str, at: dt.datetime) -> None: ...
    def add_extension(self, row: dict[str, Any]) -> None: ...
    def decide_extension(self, ext_id: str, **fields: Any) -> None: ...
    def extension(self, ext_id: str) -> dict[str, Any] | None: ...
    def extensions_of(self, case_id: str) -> list[dict[str, Any]]: ...
    def extensions(
        self, *, status: str | None = None, first: dt.date | None = None, last: dt.date | None = None
    ) -> list[dict[str, Any]]: ...
    def add_stage(self, row: dict[str, Any]) -> None: ...
    def stages_of(self, case_id: str) -> list[dict[str, Any]]: ...
    def stages_at(self, case_ids: list[str]) -> dict[str, list[dict[str, Any]]]: ...
    def set_citizen(self, case_id: str, name: str, id_number: str, at: dt.datetime, by: str) -> None: ...
    def citizens(self, case_ids: list[str]) -> dict[str, dict[str, Any]]: ...
    def ticket_figures(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def attendance_figures(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def close_day(self, day: dt.date, at: dt.datetime, by: str, note: str, summary: dict[str, Any]) -> None: ...
    def day_close(self, day: dt.date) -> dict[str, Any] | None: ...
    def closed_days(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def add_inspection(self, row: dict[str, Any]) -> None: ...
    def inspection(self, inspection_id: str) -> dict[str, Any] | None: ...
    def inspections(self, first: dt.date, last: dt.date, kind: str | None = None) -> list[dict[str, Any]]: ...
    def inspection_counts(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def add_finding(self, row: dict[str, Any], photo: tuple[bytes, str] | None) -> None: ...
    def finding(self, finding_id: str) -> dict[str, Any] | None: ...
    def photo(self, finding_id: str) -> tuple[bytes, str] | None: ...
    def rectify(self, finding_id: str, at: dt.datetime, by: str, note: str) -> None: ...
    def findings(
        self,
        first: dt.date,
        last: dt.date,
        *,
        inspection: str | None = None,
        window: int | None = None,
        staff: str | None = None,
        deduction: str | None = None,
        windows: tuple[int, ...] | None = None,
    ) -> list[dict[str, Any]]: ...
    def set_duty(self, day: dt.date, window: int, at: dt.datetime, by: str, note: str = "") -> None: ...
    def rota(self, first: dt.date, last: dt.date) -> dict[str, dict[str, Any]]: ...
    def last_duty_before(self, day: dt.date) -> int | None: ...


class HallLike(Protocol):
    """The parts of HallService oversight uses (application.service.HallService)."""

    config: HallConfig
    calendar: WorkCalendar
    lock: Any
    write_lock: Any

    def now(self) -> dt.datetime: ...
    def today(self) -> dt.date: ...
    def writing(self) -> Any: ...
    def execute(self, command: Callable[[Hall, dt.datetime], Result], after: Any = None) -> Result: ...
    def audit(self, action: str, target: str = "", before: Any = None, after: Any = None) -> None: ...
    def publish_raw(self, name: str, payload: dict[str, Any]) -> None: ...
    def find_ticket(self, ticket_id: str) -> Any: ...


@dataclass(frozen=True)
class Scope:
    """Who is looking: whose cases she sees, and whose citizens' details unmasked.

    A clerk sees her own cases (`own_only`); a window head her windows' (`windows`); the others every case.
    Names and ID numbers are shown whole to `unmask` roles and to the clerk or window head of the case, masked
    to everyone else."""

    staff: str
    role: str
    own_only: bool = False
    windows: tuple[int, ...] | None = None
    unmask: bool = False

    def sees(self, case: dict[str, Any]) -> bool:
        if self.own_only and case["staff"] != self.staff:
            return False
        return self.windows is None or case["window"] in self.windows or case.get("owner_window") in self.windows

    def may_unmask(self, case: dict[str, Any]) -> bool:
        if self.unmask or case["staff"] == self.staff:
            return True
        return self.windows is not None and (case["window"] in self.windows or case.get("owner_window") in self.windows)


def new_id() -> str:
    return secrets.token_hex(6)


def _date(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def case_flags(row: dict[str, Any], today: dt.date, calendar: WorkCalendar, soon_workdays: int) -> dict[str, Any]:
    """days_left, due_soon, overdue of a case row (the caller's ledger and the API's /cases carry them)."""
    return due_flags(row["status"], row.get("due_date"), today, calendar, soon_workdays)


def photo_type(data: bytes) -> str:
    """The evidence photo's type from its first bytes (JPEG, PNG, WebP); refuses anything else or too big."""
    if len(data) > MAX_PHOTO_BYTES:
        raise DomainError("photo_too_large", "照片不能超过 5 MB。 / The photo may be 5 MB at most.", 413)
    for magic, mime in PHOTO_TYPES:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise DomainError("bad_photo", "照片应为 JPEG、PNG 或 WebP。 / The photo must be a JPEG, PNG or WebP.", 400)


class OversightService:
    def __init__(
        self,
        hall: HallLike,
        store: OversightStore,
        *,
        ids: Callable[[], str] = new_id,
        extensions: Mapping[str, Any] | None = None,
    ):
        self.hall = hall
        self.store = store
        self.new_id = ids
        self.extensions = extensions  # the app's other ledgers (complaints, attendance), read where they publish

    @property
    def config(self) -> HallConfig:
        return self.hall.config

    @property
    def calendar(self) -> WorkCalendar:
        return self.hall.calendar

    def today(self) -> dt.date:
        return self.hall.today()

    def soon_until(self, today: dt.date | None = None) -> dt.date:
        return self.calendar.add_workdays(today or self.today(), self.config.oversight.due_soon_workdays)

    # ---- describing a case ------------------------------------------------------------------------------------

    def describe(
        self, row: dict[str, Any], scope: Scope | None, today: dt.date, citizen: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A case as pages show it: names, flags, the rule that set its date, where its flow stands, its outcome."""
        config = self.config
        kind = CASE_TYPES.get(row["case_type"])
        item = config.item(row["item"]) if row.get("item") else None
        out = dict(row)
        out["type_zh"], out["type_en"] = (kind.zh, kind.en) if kind else (row["case_type"], row["case_type"])
        out["item_name"] = item.name if item else (row.get("item") or "")
        window = config.window(row["window"])
        out["window_name"] = window.name if window else ""
        member = config.staff_member(row["staff"])
        out["staff_name"] = member.name if member else row["staff"]
        out.update(case_flags(row, today, self.calendar, config.oversight.due_soon_workdays))
        out["urgent"] = row["case_type"] == "urgent"
        due = _date(row.get("due_date"))
        accepted = _date(row["accepted_on"])
        assert accepted is not None
        if due is not None:
            rule = due_rule(
                due_date=due,
                accepted_on=accepted,
                item=item,
                deadlines=config.deadlines,
                calendar=self.calendar,
                stored_rule=row.get("due_rule") or "",
            )
            out["due_rule"], out["due_rule_zh"], out["due_rule_en"] = rule.rule, rule.zh, rule.en
            out["due_rule_workdays"] = rule.workdays
        else:
            out["due_rule_zh"] = out["due_rule_en"] = ""
        counted = _date(row.get("counted_due") or row.get("due_date"))
        out["counted_due"] = counted.isoformat() if counted else None
        done = _date(row.get("completed_at")) if row["status"] == "completed" else None
        outcome = case_outcome(counted, done, today)
        out["outcome"] = outcome
        out["outcome_zh"], out["outcome_en"] = OUTCOMES.get(outcome or "", ("", ""))
        out["extended"] = bool(row.get("original_due"))
        state = flow_state(row["case_type"], [(row["stage"], None)] if row.get("stage") else [], row["status"])
        out["stage"] = state.stage
        out["stage_zh"], out["stage_en"] = STAGES.get(state.stage, (state.stage, state.stage))
        if row["case_type"] == "returned":
            out["decision_due"] = returned_decision_due(accepted, config.deadlines, self.calendar).isoformat()
        out["responsible_window"] = row.get("owner_window") or row["window"]
        if citizen is not None:
            whole = scope is not None and scope.may_unmask(row)
            out["citizen_name"] = citizen["name"] if whole else mask_name(citizen["name"])
            out["citizen_id"] = mask_id(citizen["id_number"]) if citizen["id_number"] else ""
            out["citizen_id_whole"] = citizen["id_number"] if whole else ""
            out["citizen_masked"] = not whole
        else:
            out["citizen_name"] = out["citizen_id"] = out["citizen_id_whole"] = ""
            out["citizen_masked"] = False
        return out

    def _describe_all(self, rows: list[dict[str, Any]], scope: Scope | None) -> list[dict[str, Any]]:
        today = self.today()
        citizens = self.store.citizens([r["id"] for r in rows])
        return [self.describe(r, scope, today, citizens.get(r["id"])) for r in rows]

    # ---- the register ----------------------------------------------------------------------------------------

    def register(self, scope: Scope, query: CaseQuery, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """每件一登记: the cases matching `query` (server.store_oversight.CaseQuery), as the viewer may see them."""
        if scope.own_only:
            query.only_staff = scope.staff
        if scope.windows is not None:
            query.only_windows = scope.windows
        today = self.today()
        rows, total = self.store.register(query, today, self.soon_until(today), limit=limit, offset=offset)
        return {"rows": self._describe_all(rows, scope), "total": total, "limit": limit, "offset": offset}

    def case_detail(self, scope: Scope, case_id: str) -> dict[str, Any]:
        row = self._case(case_id)
        if not scope.sees(row):
            raise DomainError("forbidden", "您无权查看此件。 / You may not see this case.", 403)
        citizen = self.store.citizens([case_id]).get(case_id)
        case = self.describe(row, scope, self.today(), citizen)
        stages = self.store.stages_of(case_id)
        state = flow_state(row["case_type"], [(s["stage"], s["window"]) for s in stages], row["status"])
        for s in stages:
            s["stage_zh"], s["stage_en"] = STAGES.get(s["stage"], (s["stage"], s["stage"]))
            member = self.config.staff_member(s["staff"])
            s["staff_name"] = member.name if member else s["staff"]
        extensions = self.store.extensions_of(case_id)
        for e in extensions:
            for who in ("requested_by", "decided_by"):
                member = self.config.staff_member(e[who] or "")
                e[who + "_name"] = member.name if member else (e[who] or "")
        return {
            "case": case,
            "stages": stages,
            "state": state,
            "next": [(s, *STAGES[s]) for s in next_stages(row["case_type"], state)]
            if row["status"] == "open" or row["case_type"] in ("returned", "incomplete")
            else [],
            "extensions": extensions,
            "pending_extension": next((e for e in extensions if e["status"] == REQUESTED), None),
            "steps_open": sorted(state.open_steps),
            "steps_done": sorted(state.done_steps),
        }

    def _case(self, case_id: str) -> dict[str, Any]:
        row = self.store.case(case_id)
        if row is None:
            raise DomainError("unknown_case", "没有这个办件。 / There is no such case.", 404)
        return row

    def attention(self, scope: Scope, limit: int = 200) -> dict[str, Any]:
        """Open cases overdue and due soon (urgent first, then the oldest due), within what the viewer sees: the
        first `limit` of each, and how many there are."""
        today = self.today()
        windows, staff = scope.windows, (scope.staff if scope.own_only else None)
        yesterday = today - dt.timedelta(days=1)
        until = self.soon_until(today)
        overdue = self.store.open_due_by(yesterday, windows, staff, limit=limit)
        soon = self.store.open_due_by(until, windows, staff, since=today, limit=limit)
        return {
            "overdue": self._describe_all(overdue, scope),
            "due_soon": self._describe_all(soon, scope),
            "overdue_n": self.store.count_open_due(yesterday, windows, staff),
            "due_soon_n": self.store.count_open_due(until, windows, staff, since=today),
        }

    # ---- the on-time rate -----------------------------------------------------------------------------------

    def _outcome(self, today: dt.date) -> Callable[[dict[str, Any]], str | None]:
        def outcome(row: dict[str, Any]) -> str | None:
            done = row["completed_on"] if row["status"] == "completed" else None
            return case_outcome(_date(row["counted"]), _date(done), today)

        return outcome

    def on_time(
        self, first: dt.date, last: dt.date, by: str = "window", windows: tuple[int, ...] | None = None
    ) -> dict[str, Any]:
        """按期办结率 of the cases held to a date in [first, last], in total and per window (the responsible one),
        clerk, item or type; only `windows`' cases if given (a window head's)."""
        keys = {"window": "window", "staff": "staff", "item": "item", "type": "case_type"}
        if by not in keys:
            raise DomainError("bad_group", f"不能按 {by!r} 统计。 / Cannot group by {by!r}.", 400)
        counts = self._outcome_counts(first, last)
        if windows is not None:
            counts = [r for r in counts if r["window"] in windows]
        groups = _rates_by(counts, lambda r: r[keys[by]] if r[keys[by]] is not None else "")
        return {
            "first": first,
            "last": last,
            "by": by,
            "total": on_time_rate((r["outcome"], r["n"]) for r in counts),
            "groups": sorted(
                ((key, self._group_name(by, key), figures) for key, figures in groups.items()),
                key=lambda g: (g[2].rate if g[2].rate is not None else 2.0, str(g[0])),
            ),
        }

    def _group_name(self, by: str, key: Any) -> str:
        if by == "window":
            w = self.config.window(key)
            return f"{key}号 {w.name}" if w else f"{key}号"
        if by == "staff":
            member = self.config.staff_member(key)
            return f"{member.name}（{key}）" if member else str(key)
        if by == "item":
            item = self.config.item(key) if key else None
            return item.name if item else (key or "—")
        kind = CASE_TYPES.get(key)
        return kind.zh if kind else str(key)

    # ---- extensions -------------------------------------------------------------------------------------------

    def _check_case_actor(self, session: Session, case: dict[str, Any]) -> None:
        """A clerk acts on the cases she accepted, or on her windows' (as their A/B post or head)."""
        if session.role in MANAGERS:
            return
        if case["staff"] == session.staff:
            return
        mine = {w.number for w in self.config.windows if session.staff in (w.staff_a, w.staff_b, w.head)}
        if case["window"] in mine or case.get("owner_window") in mine:
            return
        raise DomainError("forbidden", "只能处理本人或本窗口的办件。 / Only your own or your window's cases.", 403)

    def request_extension(self, session: Session, case_id: str, new_due: dt.date, reason: str) -> dict[str, Any]:
        """Ask for a later due date (the leader named in the hall file approves it)."""
        hall = self.hall
        with hall.write_lock:  # the checks and the write together
            case = self._case(case_id)
            self._check_case_actor(session, case)
            kind = CASE_TYPES[case["case_type"]]
            pending = any(e["status"] == REQUESTED for e in self.store.extensions_of(case_id))
            reason = check_extension_request(
                kind, case["status"], _date(case["due_date"]), new_due, reason, self.calendar, pending=pending
            )
            row = {
                "id": self.new_id(),
                "case_id": case_id,
                "status": REQUESTED,
                "from_due": case["due_date"],
                "to_due": new_due.isoformat(),
                "reason": reason,
                "requested_at": hall.now().isoformat(),
                "requested_by": session.staff,
            }
            with hall.writing():
                self.store.add_extension(row)
                hall.audit(
                    "case.extension_requested",
                    case["case_number"],
                    after={k: row[k] for k in ("from_due", "to_due", "reason")},
                )
        return row

    def decide_extension(self, session: Session, ext_id: str, approve: bool, note: str = "") -> dict[str, Any]:
        """Approve (the case's date moves; the original stays on record) or refuse an extension.

        It counts for the on-time rate only if approved before the date the case is held to had passed."""
        hall = self.hall
        with hall.write_lock:
            ext = self.store.extension(ext_id)
            if ext is None:
                raise DomainError("unknown_extension", "没有这个延期申请。 / There is no such extension.", 404)
            check_extension_decision(
                ext["status"], session.role, session.staff, self.config.oversight.extension_approvers
            )
            case = self._case(ext["case_id"])
            today = self.today()
            now = hall.now()
            fields: dict[str, Any] = {
                "decided_at": now.isoformat(),
                "decided_by": session.staff,
                "decision_note": note.strip(),
            }
            changes: dict[str, Any] = {}
            if approve:
                if case["status"] != "open":
                    raise DomainError(
                        "case_not_open", "该件已经办结，不能延期。 / This case is already completed.", 409
                    )
                to_due = dt.date.fromisoformat(ext["to_due"])
                current = dt.date.fromisoformat(case["due_date"])
                if to_due <= current:
                    raise DomainError(
                        "bad_due_date",
                        f"该件的办结期限已是 {current.isoformat()}。 / The case is already due {current.isoformat()}.",
                        409,
                    )
                held = dt.date.fromisoformat(case["counted_due"] or case["due_date"])
                in_time = approved_in_time(today, held)
                counted = to_due if in_time else held
                changes = {
                    "due_date": to_due.isoformat(),
                    "original_due": case["original_due"] or case["due_date"],
                    "counted_due": None if counted == to_due else counted.isoformat(),
                    "due_rule": "extension",
                }
                fields.update(status=APPROVED, in_time=int(in_time))
            else:
                fields.update(status=REFUSED)
            with hall.writing():
                self.store.decide_extension(ext_id, **fields)
                if changes:
                    self.store.set_case(case["id"], **changes)
                hall.audit(
                    "case.extension_approved" if approve else "case.extension_refused",
                    case["case_number"],
                    before={"due_date": case["due_date"]},
                    after={**changes, "extension": ext_id},
                )
        if approve:
            self._changed(case["id"])
        return {**ext, **fields}

    def pending_extensions(self, scope: Scope) -> list[dict[str, Any]]:
        rows = [r for r in self.store.extensions(status=REQUESTED) if scope.sees(r)]
        for r in rows:
            member = self.config.staff_member(r["requested_by"])
            r["requested_by_name"] = member.name if member else r["requested_by"]
            item = self.config.item(r["item"]) if r["item"] else None
            r["item_name"] = item.name if item else (r["item"] or "")
        return rows

    def may_approve(self, session: Session) -> bool:
        return may_approve_extension(session.role, session.staff, self.config.oversight.extension_approvers)

    def extension_notice(self, ext_id: str) -> dict[str, Any]:
        """What the citizen's extension notice (延期办理告知书) says: the case, why, the new date, who approved."""
        ext = self.store.extension(ext_id)
        if ext is None or ext["status"] != APPROVED:
            raise DomainError("unknown_extension", "没有这个已批准的延期。 / There is no such approved extension.", 404)
        row = self._case(ext["case_id"])
        citizen = self.store.citizens([row["id"]]).get(row["id"])
        case = self.describe(row, Scope("", "", unmask=True), self.today(), citizen)
        approver = self.config.staff_member(ext["decided_by"] or "")
        return {"extension": ext, "case": case, "approver": approver.name if approver else ext["decided_by"]}

    # ---- stages ---------------------------------------------------------------------------------------------

    def advance(
        self,
        session: Session,
        case_id: str,
        stage: str,
        *,
        window: int | None = None,
        deadline: dt.date | None = None,
        ref: str = "",
        note: str = "",
    ) -> dict[str, Any]:
        """Record the next stage of a case's flow (each type's own: core.oversight.FLOWS); the stage that
        completes the case (办结, 领取) completes it, with its event."""
        hall = self.hall
        with hall.write_lock:
            case = self._case(case_id)
            if stage in ("assigned",):
                if session.role not in (Role.MANAGER, Role.DIRECTOR, Role.ADMIN):
                    raise DomainError(
                        "forbidden", "不管件由中心指定承办窗口。 / The centre assigns an unowned case.", 403
                    )
            elif stage in ("review_upheld", "review_overturned"):
                if session.role != Role.DIRECTOR:
                    raise DomainError("forbidden", "复核由中心主任决定。 / The director decides a review.", 403)
            elif stage == "step_done" and window is not None and self._at_window(session, window):
                pass  # the window involved records its own step
            else:
                self._check_case_actor(session, case)
            if window is not None and self.config.window(window) is None:
                raise DomainError("unknown_window", f"没有{window}号窗口。 / There is no window {window}.", 404)
            stages = self.store.stages_of(case_id)
            state = flow_state(case["case_type"], [(s["stage"], s["window"]) for s in stages], case["status"])
            today = self.today()
            check_next_stage(
                case["case_type"],
                state,
                stage,
                window=window,
                lead_window=case["window"],
                deadline=deadline,
                today=today,
                ref=ref,
                note=note,
            )
            if stage == "assigned" and deadline is not None and not self.calendar.is_workday(deadline):
                raise DomainError(
                    "not_a_workday",
                    f"{deadline.isoformat()} 不是工作日。 / {deadline.isoformat()} is not a working day.",
                    400,
                )
            ref = self._follow_up_ref(ref) if stage == "followed_up" else ref.strip()

            def run(_: Hall, now: dt.datetime) -> Result:
                self.store.add_stage(
                    {
                        "case_id": case_id,
                        "stage": stage,
                        "at": now.isoformat(),
                        "staff": session.staff,
                        "window": window,
                        "deadline": deadline.isoformat() if deadline else None,
                        "ref": ref,
                        "note": note.strip(),
                    }
                )
                changes: dict[str, Any] = {"stage": stage}
                if stage == "assigned" and deadline is not None:
                    changes.update(self._assignment(case, window, deadline, today))
                self.store.set_case(case_id, **changes)
                hall.audit(
                    "case.stage",
                    case["case_number"],
                    before={"stage": state.stage},
                    after={**changes, "window": window, "ref": ref},
                )
                events: list[ev.Event] = []
                if stage in COMPLETING and case["status"] == "open":
                    self.store.complete_case(case_id, now)
                    events.append(
                        ev.CaseCompleted(
                            at=now,
                            completed={
                                **{k: case[k] for k in ("id", "number", "window", "staff")},
                                "status": "completed",
                            },
                        )
                    )
                return Result(events)

            hall.execute(run)
        if stage not in COMPLETING:
            self._changed(case_id)
        return self.case_detail(Scope(session.staff, session.role), case_id)

    def _assignment(
        self, case: dict[str, Any], window: int | None, deadline: dt.date, today: dt.date
    ) -> dict[str, Any]:
        """不管件: the centre's owner and deadline. The first assignment sets the date the case is held to; a later
        one moves it only if made before that date passed (as an extension would)."""
        held = dt.date.fromisoformat(case["counted_due"] or case["due_date"]) if case["due_date"] else deadline
        counted = deadline if case["due_rule"] != "assigned" or today <= held else held
        return {
            "owner_window": window,
            "due_date": deadline.isoformat(),
            "original_due": case["original_due"] or case["due_date"],
            "counted_due": None if counted == deadline else counted.isoformat(),
            "due_rule": "assigned",
        }

    def _at_window(self, session: Session, window: int) -> bool:
        w = self.config.window(window)
        return w is not None and session.staff in (w.staff_a, w.staff_b, w.head)

    def _follow_up_ref(self, ref: str) -> str:
        """补办件: the citizen's return visit is a ticket (its id) or a booking (its code), and it must exist."""
        ref = ref.strip()
        if self.hall.find_ticket(ref) is not None:
            return f"ticket:{ref}"
        booking = getattr(self.hall, "store", None)
        if booking is not None and hasattr(booking, "booking") and booking.booking(ref) is not None:
            return f"booking:{ref}"
        raise DomainError(
            "unknown_ref",
            "找不到这张取号单或这个预约（请填写票号 ID 或预约码）。 / No such ticket or booking (give the ticket id or booking code).",
            404,
        )

    def set_citizen(self, session: Session, case_id: str, name: str, id_number: str) -> None:
        """The applicant's name and ID number, where the hall records them (kept apart, shown masked)."""
        case = self._case(case_id)
        self._check_case_actor(session, case)
        name, number = check_citizen(name, id_number)
        with self.hall.writing():
            self.store.set_citizen(case_id, name, number, self.hall.now(), session.staff)
            self.hall.audit(
                "case.citizen_recorded",
                case["case_number"],
                after={"name": mask_name(name), "id": mask_id(number) if number else ""},
            )

    def _changed(self, case_id: str) -> None:
        """Tell the caller and the console that a case changed (no personal details: public streams drop "case")."""
        row = self.store.case(case_id)
        if row is None:
            return
        keys = ("id", "case_number", "window", "owner_window", "staff", "status", "due_date", "stage")
        self.hall.publish_raw("case.changed", {"case": {k: row.get(k) for k in keys}})

    # ---- summaries -------------------------------------------------------------------------------------------

    def summary(self, first: dt.date, last: dt.date) -> dict[str, Any]:
        """每日一汇总 (and the week's and month's): tickets, waits, cases by type, on time, extensions, ratings,
        attendance, inspections and findings, complaints and sign-ins where those ledgers run; per day and in
        total. Past days' figures are read from what was kept of them (`day_figures`)."""
        days = self.day_figures(first, last)
        per_day = []
        tickets = Counter[str]()
        wait_sum = wait_max = 0.0
        served: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0])
        scores: dict[int, Counter[int]] = defaultdict(Counter)
        by_type = Counter[str]()
        attendance: list[dict[str, Any]] = []
        for day in sorted(days):
            f = days[day]
            t = f["tickets"]
            if t.get("issued"):
                per_day.append(
                    {"day": day, **t, "average_wait_s": round(t["wait_sum"] / t["called"]) if t["called"] else None}
                )
            for key in TICKET_COUNTS:
                tickets[key] += t.get(key) or 0
            wait_sum += t.get("wait_sum") or 0.0
            wait_max = max(wait_max, t.get("wait_max") or 0.0)
            for window, w in f["windows"].items():
                acc = served[int(window)]
                acc[0] += w["served"]
                acc[1] += w["handling_sum"] or 0.0
                acc[2] += w["handling_n"] or 0
            for window, counts in f["ratings"].items():
                for score, n in counts.items():
                    scores[int(window)][int(score)] += n
            by_type.update(f["by_type"])
            attendance += [{**a, "day": day} for a in f["attendance"]]
        ticket_totals: dict[str, Any] = {key: tickets[key] for key in TICKET_COUNTS}
        ticket_totals["average_wait_s"] = round(wait_sum / tickets["called"]) if tickets["called"] else None
        ticket_totals["max_wait_s"] = round(wait_max) if per_day else None
        counts = self._outcome_counts(first, last)
        on_time = on_time_rate((r["outcome"], r["n"]) for r in counts)
        on_time_windows = _rates_by(counts, lambda r: r["window"])
        extensions = self.store.extensions(first=first, last=last)
        ratings = self._ratings(scores)
        inspections = self.inspection_figures(first, last)
        return {
            "first": first,
            "last": last,
            "days": (last - first).days + 1,
            "working_days": sum(1 for d in _days(first, last) if self.calendar.is_workday(d)),
            "generated_at": self.hall.now().isoformat(),
            "tickets": ticket_totals,
            "per_day": per_day,
            "cases_by_type": [
                {"code": k.code, "zh": k.zh, "en": k.en, "n": by_type.get(k.code, 0)} for k in CASE_TYPE_LIST
            ],
            "cases_accepted": sum(by_type.values()),
            "on_time": on_time,
            "extensions": {
                "approved": sum(1 for e in extensions if e["status"] == APPROVED),
                "approved_in_time": sum(1 for e in extensions if e["status"] == APPROVED and e["in_time"]),
                "refused": sum(1 for e in extensions if e["status"] == REFUSED),
                "waiting": sum(1 for e in extensions if e["status"] == REQUESTED),
            },
            "ratings": ratings,
            "windows": self._window_rows(first, last, served, on_time_windows, ratings["by_window"]),
            "attendance": self._attendance(first, last, attendance),
            "inspections": inspections,
            "closed_days": self.store.closed_days(first, last),
            "complaints": self._complaints(first, last),
            "people": self._people(first, last),
        }

    def _outcome_counts(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Cases held to a date in [first, last] counted by responsible window, clerk, item, type and outcome —
        the outcome is core.oversight.case_outcome, run by the database on each case."""
        today = self.today()

        @functools.lru_cache(maxsize=8192)  # few distinct (date, status, day) among a month's cases
        def outcome(counted: str, status: str, completed_on: str | None) -> str | None:
            done = dt.date.fromisoformat(completed_on) if status == "completed" and completed_on else None
            return case_outcome(dt.date.fromisoformat(counted), done, today)

        return self.store.outcome_counts(first, last, outcome)

    def day_figures(self, first: dt.date, last: dt.date) -> dict[str, dict[str, Any]]:
        """Each day's figures (tickets and waits, windows served, ratings, cases by type, sign-ins): a past day's
        are computed once and kept (its tickets and ratings no longer change once the hall has rolled past it),
        today's are read live."""
        today = self.today()
        rolled = getattr(getattr(self.hall, "hall", None), "day", today)
        settled = min(today, rolled) - dt.timedelta(days=1)  # the last day that can no longer change
        out: dict[str, dict[str, Any]] = {}
        if first <= min(last, settled):
            out = self.store.day_figures(first, min(last, settled))
            missing = [d for d in _days(first, min(last, settled)) if d.isoformat() not in out]
            if missing:
                computed = self._compute_figures(missing[0], missing[-1])
                fresh = {d.isoformat(): computed.get(d.isoformat(), _empty_figures()) for d in missing}
                with self.hall.writing():
                    self.store.keep_day_figures(fresh, self.hall.now())
                out.update(fresh)
        if last > settled:
            start = max(first, settled + dt.timedelta(days=1))
            out.update(self._compute_figures(start, last))
        return out

    def _compute_figures(self, first: dt.date, last: dt.date) -> dict[str, dict[str, Any]]:
        figures: dict[str, dict[str, Any]] = defaultdict(_empty_figures)
        for r in self.store.ticket_figures(first, last):
            figures[r["day"]]["tickets"] = {k: r[k] or 0 for k in (*TICKET_COUNTS, "wait_sum", "wait_max")}
            figures[r["day"]]["last_done"] = r["last_done"]
        for r in self.store.window_figures_by_day(first, last):
            figures[r["day"]]["windows"][str(r["window"])] = {
                "served": r["served"],
                "handling_sum": r["handling_sum"] or 0.0,
                "handling_n": r["handling_n"] or 0,
            }
        for r in self.store.rating_figures_by_day(first, last):
            figures[r["day"]]["ratings"].setdefault(str(r["window"]), {})[str(r["score"])] = r["n"]
        for r in self.store.cases_by_type_by_day(first, last):
            figures[r["day"]]["by_type"][r["case_type"]] = r["n"]
        for r in self.store.attendance_figures(first, last):
            figures[r["day"]]["attendance"].append(
                {"window": r["window"], "staff": r["staff"], "first_in": r["first_in"], "last_out": r["last_out"]}
            )
        return dict(figures)

    def _complaints(self, first: dt.date, last: dt.date) -> dict[str, int] | None:
        """Complaints received and answered in the days, from the complaint ledger (issue 12) where it runs."""
        ledger = (self.extensions or {}).get("hallq.feedback")
        read = getattr(getattr(ledger, "store", None), "complaints", None)
        if not callable(read):
            return None
        try:
            rows = read(start=first, end=last + dt.timedelta(days=1))
        except Exception:  # the other ledger's; the summary still shows
            log.exception("complaints could not be read for the summary")
            return None
        return {"received": len(rows), "answered": sum(1 for c in rows if c.get("answered_at"))}

    def _people(self, first: dt.date, last: dt.date) -> dict[str, int] | None:
        """Late arrivals, early departures, absences from post and absences (unexcused) from the attendance
        ledger (issue 14) where it runs."""
        people = (self.extensions or {}).get("hallq.people")
        records = getattr(people, "records", None)
        if not callable(records):
            return None
        try:
            days, _ = records(first, last)
        except Exception:
            log.exception("attendance could not be read for the summary")
            return None
        kinds = Counter(m.kind for d in days for m in d.marks if not m.excused)
        return {
            "late": kinds["late"],
            "early": kinds["early_leave"],
            "absent_from_post": kinds["absent_from_post"],
            "absence": kinds["half_day_absence"],
        }

    def _ratings(self, scores: dict[int, Counter[int]]) -> dict[str, Any]:
        """Ratings per window and in total: how many, bad (差评: score ≤ 2), satisfaction (the hall's satisfied
        levels, [feedback] satisfied_levels)."""
        satisfied = set(getattr(getattr(self.config, "feedback", None), "satisfied_levels", (5, 4, 3)))

        def view(c: Counter[int]) -> dict[str, Any]:
            rated = sum(c.values())
            good = sum(n for s, n in c.items() if s in satisfied)
            bad = sum(n for s, n in c.items() if s <= 2)
            return {"rated": rated, "bad": bad, "satisfaction": good / rated if rated else None}

        total = Counter[int]()
        for c in scores.values():
            total.update(c)
        return {**view(total), "by_window": {w: view(c) for w, c in scores.items()}}

    def _window_rows(
        self,
        first: dt.date,
        last: dt.date,
        served: dict[int, list[float]],
        on_time: dict[Any, OnTime],
        ratings: dict[int, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        findings = Counter[int]()
        points = Counter[int]()
        for f in self.store.findings(first, last):
            if f["window"] is not None:
                findings[f["window"]] += 1
                points[f["window"]] += f["points"]
        out = []
        for w in self.config.windows:
            n, handling_sum, handling_n = served.get(w.number, [0, 0.0, 0])
            out.append(
                {
                    "number": w.number,
                    "name": w.name,
                    "served": int(n),
                    "handling_s": round(handling_sum / handling_n) if handling_n else None,
                    "on_time": on_time.get(w.number, OnTime()),
                    "rated": ratings.get(w.number, {}).get("rated", 0),
                    "bad": ratings.get(w.number, {}).get("bad", 0),
                    "satisfaction": ratings.get(w.number, {}).get("satisfaction"),
                    "findings": findings[w.number],
                    "points": points[w.number],
                }
            )
        return out

    def _attendance(self, first: dt.date, last: dt.date, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Who signed in at the windows; windows opened after the first session began (the full rules are the
        attendance module's, issue 14)."""
        opens = min((s.start for s in self.config.sessions), default=dt.time(8, 30))
        staffed: dict[str, set[int]] = defaultdict(set)
        late = 0
        first_in: dict[tuple[str, int], str] = {}
        for r in rows:
            staffed[r["day"]].add(r["window"])
            if r["first_in"]:
                key = (r["day"], r["window"])
                first_in[key] = min(first_in.get(key, r["first_in"]), r["first_in"])
        for at in first_in.values():
            local = dt.datetime.fromisoformat(at).astimezone(self.config.tz)
            if local.time() > opens:
                late += 1
        workdays = [d for d in _days(first, last) if self.calendar.is_workday(d) and d <= self.today()]
        expected = len(self.config.windows) * len(workdays)
        present = sum(len(v) for k, v in staffed.items())
        return {
            "window_days": expected,
            "window_days_staffed": present,
            "late_openings": late,
            "staff_signed_in": len({r["staff"] for r in rows}),
        }

    def close_day(self, session: Session, day: dt.date, note: str = "") -> dict[str, Any]:
        """日结: the day's summary kept as it stood when the manager closed the day (printable ever after)."""
        hall = self.hall
        today = self.today()
        if day > today:
            raise DomainError("bad_day", "不能结算未来的日期。 / A future day cannot be closed.", 400)
        if day == today:
            local = hall.now().astimezone(self.config.tz)
            ends = max((s.end for s in self.config.sessions), default=dt.time(17, 30))
            if local.time() < ends:
                raise DomainError(
                    "day_not_over",
                    f"今天的办公时间到 {ends:%H:%M} 结束，之后才能日结。 / Today can be closed after {ends:%H:%M}.",
                    409,
                )
        with hall.write_lock:
            if self.store.day_close(day) is not None:
                raise DomainError(
                    "day_closed", f"{day.isoformat()} 已经日结。 / {day.isoformat()} is already closed.", 409
                )
            summary = self.summary(day, day)
            snapshot = _plain(summary)
            with hall.writing():
                self.store.close_day(day, hall.now(), session.staff, note.strip(), snapshot)
                hall.audit("day.closed", day.isoformat(), after={"issued": summary["tickets"].get("issued", 0)})
        return snapshot

    def day_close(self, day: dt.date) -> dict[str, Any] | None:
        """A closed day: when, by whom (with her name), the note, and its summary as it was kept."""
        row = self.store.day_close(day)
        if row is not None:
            member = self.config.staff_member(row["closed_by"])
            row["closed_by_name"] = member.name if member else row["closed_by"]
        return row

    # ---- inspections ------------------------------------------------------------------------------------------

    def record_inspection(
        self,
        session: Session,
        *,
        kind: str,
        at: dt.datetime | None = None,
        inspector: str = "",
        checked: Iterable[str] = (),
        note: str = "",
    ) -> dict[str, Any]:
        """A patrol, spot check, mystery visit or duty check: when, who, what was checked (the hall's list)."""
        config = self.config
        hall = self.hall
        now = hall.now()
        when = at or now
        if when > now + dt.timedelta(minutes=5):
            raise DomainError("bad_time", "检查时间不能晚于现在。 / The inspection cannot be in the future.", 400)
        inspector = inspector.strip() or session.staff
        if config.staff_member(inspector) is None:
            raise DomainError("unknown_staff", f"没有工号 {inspector}。 / There is no staff {inspector}.", 404)
        chosen = check_inspection(kind, checked, config.oversight.checklist)
        row: dict[str, Any] = {
            "id": self.new_id(),
            "kind": kind,
            "day": when.astimezone(config.tz).date().isoformat(),
            "at": when.isoformat(),
            "inspector": inspector,
            "checked": list(chosen),
            "note": note.strip(),
            "recorded_at": now.isoformat(),
            "recorded_by": session.staff,
        }
        with hall.writing():
            self.store.add_inspection(row)
            hall.audit("inspection.recorded", row["id"], after={k: row[k] for k in ("kind", "day", "inspector")})
        return row

    def add_finding(
        self,
        session: Session,
        inspection_id: str,
        *,
        window: int | None,
        staff: str = "",
        checklist_item: str = "",
        deduction: str = "",
        note: str,
        rectify_by: dt.date | None = None,
        photo: bytes | None = None,
    ) -> dict[str, Any]:
        """A finding at a window or of a clerk: the evidence, the deduction the scoring table gives it, and the
        rectification deadline (default: `[oversight] rectify_workdays` working days)."""
        config = self.config
        hall = self.hall
        inspection = self.store.inspection(inspection_id)
        if inspection is None:
            raise DomainError("unknown_inspection", "没有这次检查。 / There is no such inspection.", 404)
        if checklist_item and checklist_item not in config.oversight.checklist:
            raise DomainError("bad_checklist", f"检查项 {checklist_item} 不在清单中。 / Not on the checklist.", 400)
        today = self.today()
        staff = staff.strip()
        if window is not None and not staff:
            staff = self._clerk_at(window, inspection["at"]) or ""
        checked = check_finding(
            deduction=deduction,
            deductions=config.scoring.deductions,
            window=window,
            staff=staff or None,
            window_exists=window is not None and config.window(window) is not None,
            staff_exists=bool(staff) and config.staff_member(staff) is not None,
            note=note,
            rectify_by=rectify_by,
            today=today,
        )
        image = (photo, photo_type(photo)) if photo else None
        row = {
            "id": self.new_id(),
            "inspection": inspection_id,
            "day": inspection["day"],
            "window": window,
            "staff": staff or None,
            "checklist": checklist_item,
            "deduction": deduction,
            "points": checked.points,
            "note": note.strip(),
            "has_photo": int(image is not None),
            "rectify_by": (
                rectify_by or self.calendar.add_workdays(today, config.oversight.rectify_workdays)
            ).isoformat(),
            "recorded_at": hall.now().isoformat(),
            "recorded_by": session.staff,
        }
        with hall.writing():
            self.store.add_finding(row, image)
            hall.audit(
                "inspection.finding",
                row["id"],
                after={k: row[k] for k in ("inspection", "window", "staff", "deduction", "points")},
            )
        return row

    def _clerk_at(self, window: int, at: str) -> str | None:
        """The clerk signed in at a window at a moment of today (for a finding that names only the window)."""
        when = dt.datetime.fromisoformat(at)
        if when.astimezone(self.config.tz).date() != self.today():
            return None
        with self.hall.lock:
            hall = getattr(self.hall, "hall", None)
            state = hall.windows.get(window) if hall is not None else None
            return state.staff if state is not None else None

    def rectify(self, session: Session, finding_id: str, note: str) -> None:
        finding = self.store.finding(finding_id)
        if finding is None:
            raise DomainError("unknown_finding", "没有这条问题记录。 / There is no such finding.", 404)
        if session.role not in MANAGERS and not (
            finding["window"] is not None and self._at_window(session, finding["window"])
        ):
            raise DomainError("forbidden", "只能整改本窗口的问题。 / Only your window's findings.", 403)
        note = check_rectify(finding["rectified_at"], note)
        with self.hall.writing():
            self.store.rectify(finding_id, self.hall.now(), session.staff, note)
            self.hall.audit("inspection.rectified", finding_id, after={"note": note})

    def inspections(self, first: dt.date, last: dt.date, kind: str | None = None) -> list[dict[str, Any]]:
        rows = self.store.inspections(first, last, kind)
        for r in rows:
            r["kind_zh"], r["kind_en"] = KINDS.get(r["kind"], (r["kind"], r["kind"]))
            member = self.config.staff_member(r["inspector"])
            r["inspector_name"] = member.name if member else r["inspector"]
        return rows

    def inspection(self, inspection_id: str) -> dict[str, Any]:
        row = self.store.inspection(inspection_id)
        if row is None:
            raise DomainError("unknown_inspection", "没有这次检查。 / There is no such inspection.", 404)
        row["kind_zh"], row["kind_en"] = KINDS.get(row["kind"], (row["kind"], row["kind"]))
        member = self.config.staff_member(row["inspector"])
        row["inspector_name"] = member.name if member else row["inspector"]
        day = dt.date.fromisoformat(row["day"])
        row["findings"] = self.findings(day, day, inspection=inspection_id)
        return row

    def findings(
        self,
        first: dt.date,
        last: dt.date,
        *,
        inspection: str | None = None,
        window: int | None = None,
        staff: str | None = None,
        windows: tuple[int, ...] | None = None,
    ) -> list[dict[str, Any]]:
        """Findings of the days, each with its deduction's name and the state of its rectification."""
        today = self.today()
        rows = self.store.findings(first, last, inspection=inspection, window=window, staff=staff, windows=windows)
        for r in rows:
            r["deduction_zh"], r["deduction_en"] = DEDUCTION_NAMES.get(r["deduction"], (r["deduction"], r["deduction"]))
            r["kind_zh"], r["kind_en"] = KINDS.get(r["kind"], (r["kind"], r["kind"]))
            member = self.config.staff_member(r["staff"] or "")
            r["staff_name"] = member.name if member else (r["staff"] or "")
            r["rectification"] = rectification_state(r["rectify_by"], r["rectified_at"], today)
        return rows

    def photo(self, finding_id: str) -> tuple[bytes, str]:
        found = self.store.photo(finding_id)
        if found is None:
            raise DomainError("no_photo", "没有照片。 / There is no photo.", 404)
        return found

    def patrol_count(self, day: dt.date) -> PatrolCount:
        counts = {r["kind"]: r["n"] for r in self.store.inspection_counts(day, day)}
        return PatrolCount(
            patrols_required(day, self.calendar, self.config.oversight.patrols_per_day), counts.get(PATROL, 0)
        )

    def spot_check_count(self, day: dt.date) -> PatrolCount:
        first, last = week_of(day)
        done = sum(r["n"] for r in self.store.inspection_counts(first, last) if r["kind"] == SPOT_CHECK)
        return PatrolCount(self.config.oversight.spot_checks_per_week, done)

    def inspection_figures(self, first: dt.date, last: dt.date) -> dict[str, Any]:
        """Inspections per kind, the days short of patrols, findings with their points and rectifications."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for r in self.store.inspection_counts(first, last):
            counts[r["day"]][r["kind"]] += r["n"]
        per_kind = Counter[str]()
        short_days = []
        for day in _days(first, min(last, self.today())):
            done = counts.get(day.isoformat(), Counter())
            per_kind.update(done)
            required = patrols_required(day, self.calendar, self.config.oversight.patrols_per_day)
            if done[PATROL] < required:
                short_days.append({"day": day.isoformat(), "done": done[PATROL], "required": required})
        findings = self.findings(first, last)
        return {
            "per_kind": {k: per_kind.get(k, 0) for k in KINDS},
            "patrols_required": sum(
                patrols_required(d, self.calendar, self.config.oversight.patrols_per_day)
                for d in _days(first, min(last, self.today()))
            ),
            "short_days": short_days,
            "findings": findings,
            "points": sum(f["points"] for f in findings),
            "rectified": sum(1 for f in findings if f["rectification"] == "done"),
            "rectify_late": sum(1 for f in findings if f["rectification"] == "late"),
        }

    # ---- the duty window -----------------------------------------------------------------------------------

    def duty_windows(self) -> list[int]:
        chosen = [n for n in self.config.oversight.duty_windows if self.config.window(n) is not None]
        return chosen or [w.number for w in self.config.windows]

    def rota(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Each day: working day or not, the duty window, and for past days whether it opened the hall early
        enough and stayed to clear it (from the sign-ins; a lapse is confirmed by recording a finding)."""
        config = self.config
        stored = self.store.rota(first, last)
        today = self.today()
        signed: dict[tuple[str, int], dict[str, Any]] = {}
        figures = self.day_figures(first, min(last, today - dt.timedelta(days=1))) if first < today else {}
        for day_, f in figures.items():
            for r in f["attendance"]:
                seen = signed.setdefault((day_, r["window"]), {"first_in": r["first_in"], "last_out": r["last_out"]})
                if r["first_in"] and (not seen["first_in"] or r["first_in"] < seen["first_in"]):
                    seen["first_in"] = r["first_in"]
                if r["last_out"] and (not seen["last_out"] or r["last_out"] > seen["last_out"]):
                    seen["last_out"] = r["last_out"]
        lapses = Counter[tuple[str, int]]()
        for f in self.store.findings(first, last, deduction="duty_lapse"):
            lapses[(f["day"], f["window"])] += 1
        sessions = sorted(config.sessions, key=lambda s: s.start)
        out = []
        for day in _days(first, last):
            iso = day.isoformat()
            row: dict[str, Any] = {"day": day, "workday": self.calendar.is_workday(day), "window": None}
            duty = stored.get(iso)
            if duty:
                w = config.window(duty["window"])
                row.update(
                    window=duty["window"], window_name=w.name if w else "", set_by=duty["set_by"], note=duty["note"]
                )
                sign = signed.get((iso, duty["window"]))
                row["first_in"] = sign["first_in"] if sign else None
                row["last_out"] = sign["last_out"] if sign else None
                row["recorded_lapses"] = lapses[(iso, duty["window"])]
                if day < today and row["workday"] and sessions:
                    opens = dt.datetime.combine(day, sessions[0].start, config.tz)
                    closes = dt.datetime.combine(day, sessions[-1].end, config.tz)
                    first_in = dt.datetime.fromisoformat(row["first_in"]) if row["first_in"] else None
                    last_out = dt.datetime.fromisoformat(row["last_out"]) if row["last_out"] else None
                    done = figures.get(iso, {}).get("last_done")
                    row["late_open"] = duty_opening_lapse(first_in, opens, config.early_minutes)
                    row["early_close"] = duty_closing_lapse(
                        last_out, closes, dt.datetime.fromisoformat(done) if done else None
                    )
            out.append(row)
        return out

    def duties(self) -> list[str]:
        return [zh.format(early=self.config.early_minutes) for zh, _ in DUTIES]

    def fill_rota(self, session: Session, first: dt.date, last: dt.date) -> int:
        """Give every working day of [first, last] without a duty window the next window in turn."""
        hall = self.hall
        with hall.write_lock:
            stored = self.store.rota(first, last)
            days = [d for d in _days(first, last) if self.calendar.is_workday(d) and d.isoformat() not in stored]
            if not days:
                return 0
            now = hall.now()
            with hall.writing():
                last_window = self.store.last_duty_before(days[0])
                for day, window in next_duties(self.duty_windows(), last_window, days):
                    if day.isoformat() in stored:
                        continue
                    self.store.set_duty(day, window, now, session.staff)
                hall.audit("duty.rota_filled", f"{first.isoformat()}..{last.isoformat()}", after={"days": len(days)})
        return len(days)

    def set_duty(self, session: Session, day: dt.date, window: int, note: str = "") -> None:
        if self.config.window(window) is None:
            raise DomainError("unknown_window", f"没有{window}号窗口。 / There is no window {window}.", 404)
        with self.hall.writing():
            self.store.set_duty(day, window, self.hall.now(), session.staff, note.strip())
            self.hall.audit("duty.set", day.isoformat(), after={"window": window, "note": note.strip()})

    def duty_window(self, day: dt.date) -> int | None:
        row = self.store.rota(day, day).get(day.isoformat())
        return int(row["window"]) if row else None

    def record_duty_lapse(self, session: Session, day: dt.date, note: str, staff: str = "") -> dict[str, Any]:
        """A duty-window lapse: a duty check with one finding (the scoring table's duty_lapse deduction)."""
        window = self.duty_window(day)
        if window is None:
            raise DomainError("no_duty", f"{day.isoformat()} 没有排值班窗口。 / No duty window that day.", 404)
        w = self.config.window(window)
        at = min(self.hall.now(), dt.datetime.combine(day, dt.time(18, 0), self.config.tz))
        inspection = self.record_inspection(session, kind=DUTY, at=at, note="值班检查 / duty check")
        return self.add_finding(
            session,
            inspection["id"],
            window=window,
            staff=staff or (w.staff_a if w else ""),
            checklist_item="",
            deduction="duty_lapse",
            note=note,
        )

    # ---- for the scores (issue 14), the live page and the caller -----------------------------------------------

    def deductions(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Every finding of the days that costs points: day, window, staff, kind (the scoring table's), points,
        the inspection's kind, the note and the finding's id."""
        return [
            {
                "id": f["id"],
                "day": f["day"],
                "window": f["window"],
                "staff": f["staff"],
                "kind": f["deduction"],
                "points": f["points"],
                "inspection_kind": f["kind"],
                "note": f["note"],
            }
            for f in self.store.findings(first, last)
            if f["deduction"] and f["points"]
        ]

    def duty_lapses(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        return [d for d in self.deductions(first, last) if d["kind"] == "duty_lapse"]

    def overdue_caused_by_window(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Cases held to a date in [first, last] that were completed late or are still open past it, with the
        window responsible (the owner the centre assigned, else the accepting window) and the clerk. A forwarded
        case still waiting on the higher level (submitted, not returned) is not the window's fault."""
        today = self.today()
        outcome = self._outcome(today)
        late = [r for r in self.store.held_to(first, last) if outcome(r) in (LATE, OVERDUE)]
        forwarded = self.store.stages_at([r["id"] for r in late if r["case_type"] == "forwarded"])
        out = []
        for r in late:
            if r["case_type"] == "forwarded" and _stage_on(forwarded.get(r["id"], []), r["counted"]) == "submitted":
                continue  # its date passed while the higher level had it
            out.append(
                {
                    "id": r["id"],
                    "window": r["owner_window"] or r["window"],
                    "staff": r["staff"],
                    "item": r["item"],
                    "case_type": r["case_type"],
                    "counted_due": r["counted"],
                    "outcome": outcome(r),
                }
            )
        return out

    def score_lines(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """The monthly score's lines from oversight (application.people reads them; core.scoring.ScoreLine's keys):
        each finding that deducts points (patrols, spot checks, mystery visits, duty lapses) and each case whose
        date passed in the period by the window's doing ("overdue_case": no points of its own, it bars the
        quarter's award; without an approved extension it also supports the warning ground "deadline_missed")."""
        lines: list[dict[str, Any]] = []
        for f in self.deductions(first, last):
            kind_zh = KINDS.get(f["inspection_kind"], (f["inspection_kind"], ""))[0]
            lines.append(
                {
                    "day": f["day"],
                    "kind": f["kind"],
                    "what": f"{kind_zh}：{f['note']}",
                    "source": "inspection",
                    "staff": f["staff"] or "",
                    "window": f["window"],
                    "points": f["points"],
                    "ref": f["id"],
                }
            )
        late = self.overdue_caused_by_window(first, last)
        extended = self.store.extended([r["id"] for r in late])
        for r in late:
            number = self.store.case(r["id"]) or {}
            lines.append(
                {
                    "day": r["counted_due"],
                    "kind": "overdue_case",
                    "what": f"办件 {number.get('case_number', r['id'])} {OUTCOMES[r['outcome']][0]}",
                    "source": "case",
                    "staff": r["staff"],
                    "window": r["window"],
                    "points": 0,
                    "ref": r["id"],
                    "ground": "" if r["id"] in extended else "deadline_missed",
                }
            )
        return lines

    def live_panel(self, scope: Scope) -> dict[str, Any]:
        """The live page's oversight card: today's patrols against the requirement, the week's spot checks, due
        soon and overdue (the viewer's windows), extensions waiting for approval, the duty window."""
        today = self.today()
        self.day_figures(today - dt.timedelta(days=1), today - dt.timedelta(days=1))  # keeps yesterday's, once
        attention = self.attention(scope, limit=4)
        duty = self.duty_window(today)
        return {
            "patrols": self.patrol_count(today),
            "spot_checks": self.spot_check_count(today),
            "overdue": attention["overdue"],
            "due_soon": attention["due_soon"],
            "overdue_n": attention["overdue_n"],
            "due_soon_n": attention["due_soon_n"],
            "pending_extensions": self.pending_extensions(scope),
            "duty_window": duty,
            "workday": self.calendar.is_workday(today),
        }

    def names(self) -> dict[str, Any]:
        """The words pages need: stages, due rules, outcomes, inspection kinds, deductions."""
        return {
            "stages": STAGES,
            "due_rules": DUE_RULES,
            "outcomes": OUTCOMES,
            "kinds": KINDS,
            "deductions": DEDUCTION_NAMES,
            "case_types": CASE_TYPE_LIST,
        }


def _rates_by(counts: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> dict[Any, OnTime]:
    """The on-time rate per group of counted outcomes (core.oversight.on_time_rate over each group)."""
    groups: dict[Any, list[tuple[str | None, int]]] = defaultdict(list)
    for r in counts:
        groups[key(r)].append((r["outcome"], r["n"]))
    return {k: on_time_rate(v) for k, v in groups.items()}


def _empty_figures() -> dict[str, Any]:
    return {
        "tickets": {k: 0 for k in (*TICKET_COUNTS, "wait_sum", "wait_max")},
        "windows": {},
        "ratings": {},
        "by_type": {},
        "attendance": [],
        "last_done": None,
    }


def _stage_on(stages: list[dict[str, Any]], day: str) -> str:
    """The stage a case stood at by the end of a day (from its recorded stages)."""
    current = ""
    for s in stages:
        if s["at"][:10] <= day:
            current = s["stage"]
    return current


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _plain(value: Any) -> Any:
    """A summary as JSON-ready values (kept with the closed day)."""
    if isinstance(value, OnTime):
        return value.as_dict()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
