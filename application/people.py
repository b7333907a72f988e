"""People (issue 14): attendance, leave, meetings, manual score entries, warnings, the monthly score and the red
flag, the year, the quarterly selection and the honour roll — over the hall service (its clock, calendar,
configuration, one-transaction writes and audit log) and a people store (server/store_people.py).

The rules are core/attendance.py and core/scoring.py; this module reads the facts, calls them, stores decisions.

**Score sources.** A month's lines come from `sources()`: "attendance" (core.attendance, from the caller's
sign-ins, leave, corrections), "meeting" (sign-in lists), "manual" (a manager's entries with their source and
reason), and the other ledgers' own functions, found where they are published:

    app.extensions["hallq.feedback"].score_lines(first: date, last: date) -> Iterable[ScoreLine | Mapping]
    app.extensions["hallq.oversight"].score_lines(first: date, last: date) -> Iterable[ScoreLine | Mapping]

(or a module-level `score_lines(service, first, last)` in application/feedback.py / application/oversight.py).
A mapping has ScoreLine's keys: day, kind, what, source, staff, window, points (None: the hall's table),
recorded_by, ref, ground (a warning ground, e.g. "rude" for a founded complaint of rudeness). Until those
ledgers publish theirs, `external_sources` finds nothing and the scores are attendance and manual entries.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any, Protocol

from application.audit import current_actor
from application.service import HallService
from core import attendance as att
from core import scoring as sc
from core.config import AwardScheme
from core.tickets import DomainError


class PeopleStore(Protocol):
    def punches(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def leaves(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def leave(self, leave_id: str) -> dict[str, Any] | None: ...
    def pending_leaves(self) -> list[dict[str, Any]]: ...
    def corrections(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def meetings(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]: ...
    def meeting(self, meeting_id: str) -> dict[str, Any] | None: ...
    def score_entries(self, first: dt.date, last: dt.date, withdrawn: bool = False) -> list[dict[str, Any]]: ...
    def score_entry(self, entry_id: str) -> dict[str, Any] | None: ...
    def warnings(self, first: dt.date | None = None, last: dt.date | None = None) -> list[dict[str, Any]]: ...
    def warning(self, basis: str) -> dict[str, Any] | None: ...
    def closed_month(self, month: str) -> dict[str, Any] | None: ...
    def latest_closed_month(self) -> dict[str, Any] | None: ...
    def marks(self, period: str) -> list[dict[str, Any]]: ...
    def award_result(self, period: str) -> dict[str, Any] | None: ...
    def latest_award_result(self) -> dict[str, Any] | None: ...
    def served_by_window(self, first: dt.date, last: dt.date) -> dict[int, int]: ...
    def ratings_by(
        self, column: str, first: dt.date, last: dt.date, satisfied: tuple[int, ...]
    ) -> dict[str, tuple[int, int]]: ...
    def record_attendance(
        self, staff: str, window: int | None, kind: str, at: dt.datetime, day: dt.date, note: str
    ) -> None: ...
    def add_leave(self, row: dict[str, Any]) -> None: ...
    def update_leave(self, leave_id: str, **fields: Any) -> None: ...
    def add_correction(self, row: dict[str, Any]) -> None: ...
    def add_meeting(self, row: dict[str, Any]) -> None: ...
    def update_meeting(self, meeting_id: str, **fields: Any) -> None: ...
    def add_score_entry(self, row: dict[str, Any]) -> None: ...
    def withdraw_score_entry(self, entry_id: str, by: str, at: dt.datetime, reason: str) -> None: ...
    def save_warning(self, row: dict[str, Any]) -> None: ...
    def close_month(self, month: str, at: dt.datetime, by: str, snapshot: dict[str, Any]) -> None: ...
    def set_mark(
        self, period: str, subject: str, key: str, component: str, value: float, by: str, at: dt.datetime
    ) -> None: ...
    def save_award_result(self, period: str, at: dt.datetime, by: str, result: dict[str, Any]) -> None: ...


def refused(exc: att.AttendanceError, status: int = 400) -> DomainError:
    return DomainError(exc.code, exc.message, status)


def _bad(code: str, zh: str, en: str, status: int = 400) -> DomainError:
    return DomainError(code, f"{zh} / {en}", status)


# ---- rows ↔ core values ----------------------------------------------------------------------------------------


def punch_of(row: Mapping[str, Any]) -> att.Punch:
    return att.Punch(row["staff"], row["kind"], dt.datetime.fromisoformat(row["at"]), row["window"], row["note"] or "")


def leave_of(row: Mapping[str, Any]) -> att.Leave:
    approvals = tuple(
        att.Approval(
            a["step"],
            a["by"],
            a.get("signer", ""),
            dt.datetime.fromisoformat(a["at"]),
            a["approved"],
            a.get("note", ""),
        )
        for a in json.loads(row["approvals"] or "[]")
    )
    return att.Leave(
        row["id"],
        row["staff"],
        row["type"],
        dt.datetime.fromisoformat(row["start"]),
        dt.datetime.fromisoformat(row["end"]),
        row["reason"],
        row["status"],
        bool(row["written"]),
        row["stand_in"] or "",
        approvals,
        dt.datetime.fromisoformat(row["created_at"]) if row.get("created_at") else None,
    )


def correction_of(row: Mapping[str, Any]) -> att.Correction:
    return att.Correction(
        row["id"],
        row["staff"],
        dt.date.fromisoformat(row["day"]),
        row["action"],
        dt.time.fromisoformat(row["time"]) if row["time"] else None,
        row["session"],
        row["reason"],
        row["by"],
        row["window"],
    )


def meeting_of(row: Mapping[str, Any]) -> att.Meeting:
    return att.Meeting(
        row["id"],
        dt.date.fromisoformat(row["day"]),
        dt.time.fromisoformat(row["start"]),
        dt.time.fromisoformat(row["end"]),
        row["title"],
        row["kind"],
        tuple(json.loads(row["expected"])),
        tuple(json.loads(row["present"])),
        tuple(json.loads(row["excused"])),
    )


def line_dict(line: sc.ScoreLine) -> dict[str, Any]:
    data = asdict(line)
    data["day"] = line.day.isoformat()
    data["kind_zh"] = line.kind_zh
    data["source_zh"] = line.source_zh
    return data


def score_dict(score: sc.Score, rank: int = 0) -> dict[str, Any]:
    return {
        "subject": score.subject,
        "key": score.key,
        "name": score.name,
        "start": score.start,
        "total": score.total,
        "rank": rank,
        "lines": [line_dict(ln) for ln in score.lines],
    }


def external_sources(service: HallService, extensions: Mapping[str, Any] | None) -> dict[str, sc.ScoreSource]:
    """The other ledgers' score lines (complaints, inspections, cases): see the module's docstring."""
    out: dict[str, sc.ScoreSource] = {}
    for name in ("feedback", "oversight"):
        ext = (extensions or {}).get(f"hallq.{name}")
        method = getattr(ext, "score_lines", None) if ext is not None else None
        if callable(method):
            out[name] = method
            continue
        try:
            module = importlib.import_module(f"application.{name}")
        except ImportError:
            continue
        function = getattr(module, "score_lines", None)
        if callable(function):
            out[name] = _bound(function, service)
    return out


def _bound(function: Callable[..., Iterable[Any]], service: HallService) -> sc.ScoreSource:
    def source(first: dt.date, last: dt.date) -> Iterable[sc.ScoreLine]:
        return [sc.ScoreLine.of(x) for x in function(service, first, last)]

    return source


def duty_window(extensions: Mapping[str, Any] | None, day: dt.date) -> int | None:
    """Today's duty window (值班窗口) from the oversight ledger's rota, where it publishes one
    (`app.extensions["hallq.oversight"].duty_window(day) -> int | None`)."""
    ext = (extensions or {}).get("hallq.oversight")
    method = getattr(ext, "duty_window", None) if ext is not None else None
    if callable(method):
        try:
            value = method(day)
        except Exception:  # the rota is the other ledger's; the attendance page still shows
            return None
        return int(value) if value is not None else None
    return None


class People:
    def __init__(self, service: HallService, store: PeopleStore, extensions: Mapping[str, Any] | None = None):
        self.service = service
        self.store = store
        self.extensions = extensions
        self._cache: dict[str, tuple[int, list[att.DayRecord], list[att.Mark]]] = {}
        self._version = 0  # bumped at each people write: cached past months are computed again

    @property
    def config(self) -> Any:
        return self.service.config

    def today(self) -> dt.date:
        return self.service.today()

    def _actor(self) -> str:
        return current_actor.get().staff

    def _changed(self) -> None:
        self._version += 1

    # ---- attendance ------------------------------------------------------------------------------------------

    def _facts(
        self, first: dt.date, last: dt.date
    ) -> tuple[list[att.Punch], list[att.Leave], list[att.Correction], list[att.Meeting]]:
        punches = [punch_of(r) for r in self.store.punches(first, last)]
        leaves = [leave_of(r) for r in self.store.leaves(first, last)]
        corrections = [correction_of(r) for r in self.store.corrections(first, last)]
        meetings = [meeting_of(r) for r in self.store.meetings(first, last)]
        return punches, leaves, corrections, meetings

    def records(self, first: dt.date, last: dt.date) -> tuple[list[att.DayRecord], list[att.Mark]]:
        """Every person's days in [first, last] (up to today) and the meeting marks; a past month is computed once
        until a people write changes it."""
        key = f"{first.isoformat()}:{last.isoformat()}"
        cached = self._cache.get(key)
        if cached is not None and cached[0] == self._version:
            return cached[1], cached[2]
        today = self.today()
        upto = min(last, today)
        if upto < first:
            return [], []
        punches, leaves, corrections, meetings = self._facts(first, upto)
        records = att.evaluate_days(self.config, self.service.calendar, first, upto, punches, leaves, corrections)
        if upto == today:  # today is not over: an afternoon still to come is not an absence yet
            now = self.service.now()
            records = [self._so_far(r, now) if r.day == today else r for r in records]
        marks = [m for meeting in meetings for m in att.meeting_marks(meeting, leaves, self.config.tz)]
        if last < today:
            self._cache[key] = (self._version, records, marks)
        return records, marks

    @staticmethod
    def _so_far(record: att.DayRecord, now: dt.datetime) -> att.DayRecord:
        sessions = tuple(
            s
            if s.start <= now
            else att.SessionRecord(s.session, s.start, s.end, att.NOT_EXPECTED if not s.marks else s.status)
            for s in record.sessions
        )
        kept = tuple(
            att.SessionRecord(
                s.session,
                s.start,
                s.end,
                s.status,
                s.arrived,
                s.left,
                s.windows,
                tuple(m for m in s.marks if not (m.kind == att.EARLY and s.end > now)),
                s.leave,
                s.pending_leave,
            )
            if s.start <= now
            else s
            for s in sessions
        )
        return att.DayRecord(record.staff, record.day, record.expected, kept, record.punches)

    def name(self, staff: str) -> str:
        member = self.config.staff_member(staff)
        return member.name if member else staff

    def window_name(self, number: int | None) -> str:
        w = self.config.window(number) if number is not None else None
        return f"{number}号 {w.name}" if w else (f"{number}号" if number is not None else "—")

    def day(self, day: dt.date) -> dict[str, Any]:
        """One day: each person's sessions and marks, the handovers, the posts left unstaffed now, the duty
        window, the day's meetings, leave and corrections."""
        records, marks = self.records(day, day)
        punches, leaves, corrections, meetings = self._facts(day, day)
        alerts: list[att.PostAlert] = []
        if day == self.today():
            with self.service.lock:
                staffed = {n: ws.staff for n, ws in self.service.hall.windows.items()}
            alerts = att.unstaffed_posts(self.config, staffed, self.service.now())
        return {
            "day": day,
            "records": records,
            "meeting_marks": [m for m in marks if m.day == day],
            "handovers": att.handovers(punches),
            "alerts": alerts,
            "duty_window": duty_window(self.extensions, day),
            "meetings": meetings,
            "leaves": [lv for lv in leaves if lv.start.date() <= day <= lv.end.date()],
            "corrections": corrections,
            "workday": self.service.calendar.is_workday(day),
        }

    def live_posts(self, windows: Iterable[int] | None = None) -> dict[str, Any]:
        """The live page's people card, now: the posts with neither the A nor the B person (nor anyone) signed in
        during opening hours and since when, the day's handovers, and today's duty window (值班) with who is on it.
        `windows`: only these (a window head's); None: every window."""
        today = self.today()
        now = self.service.now()
        with self.service.lock:
            staffed = {n: ws.staff for n, ws in self.service.hall.windows.items()}
        punches = [punch_of(r) for r in self.store.punches(today, today)]
        shown = set(windows) if windows is not None else {w.number for w in self.config.windows}
        since = att.unstaffed_since(self.config, punches, now)
        alerts = [
            {"window": a.window, "name": self.window_name(a.window), "staff_a": self.name(a.staff_a) if a.staff_a else "",
             "staff_b": self.name(a.staff_b) if a.staff_b else "", "since": since.get(a.window)}
            for a in att.unstaffed_posts(self.config, staffed, now)
            if a.window in shown
        ]  # fmt: skip
        handovers = [
            {"window": h.window, "name": self.window_name(h.window), "at": h.at, "from": self.name(h.from_staff),
             "to": self.name(h.to_staff)}
            for h in att.handovers(punches)
            if h.window in shown
        ]  # fmt: skip
        duty = duty_window(self.extensions, today)
        on_duty: dict[str, Any] | None = None
        if duty is not None:
            w = self.config.window(duty)
            here = staffed.get(duty)
            on_duty = {
                "window": duty,
                "name": self.window_name(duty),
                "signed_in": self.name(here) if here else "",
                "staff_a": self.name(w.staff_a) if w and w.staff_a else "",
                "staff_b": self.name(w.staff_b) if w and w.staff_b else "",
            }
        return {
            "alerts": alerts,
            "handovers": handovers,
            "duty": on_duty,
            "workday": self.service.calendar.is_workday(today),
        }

    def month_attendance(self, month: str) -> dict[str, Any]:
        first, last = sc.month_bounds(month)
        records, marks = self.records(first, last)
        tally = att.month_tally(records, marks)
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        grid: dict[str, dict[dt.date, str]] = {}
        for r in records:
            grid.setdefault(r.staff, {})[r.day] = _cell(r)
        order = att.expected_staff(self.config)
        people = order + sorted(s for s in tally if s not in order)
        return {"month": month, "days": days, "grid": grid, "tally": tally, "people": people, "first": first}

    def console_sign(self, staff: str, kind: str) -> None:
        """Sign in or out at the console: staff who have no window (the service desk, the manager)."""
        if kind not in (att.SIGN_IN, att.SIGN_OUT):
            raise _bad("bad_kind", "未知的考勤动作", "unknown attendance action")
        with self.service.writing():
            now = self.service.now()
            self.store.record_attendance(staff, None, kind, now, self.today(), "console")
        self._changed()

    def correct(
        self,
        staff: str,
        day: dt.date,
        action: str,
        reason: str,
        time: dt.time | None = None,
        session: int | None = None,
        window: int | None = None,
    ) -> dict[str, Any]:
        """A manager's correction, with its reason, on record."""
        if action not in att.CORRECTION_ACTIONS:
            raise _bad("bad_action", "未知的更正类型", "unknown correction")
        if not reason.strip():
            raise _bad("reason_required", "更正须写明原因", "a correction needs its reason")
        if self.config.staff_member(staff) is None:
            raise _bad("unknown_staff", f"没有工号 {staff}", f"there is no staff number {staff}", 404)
        if action in (att.SIGN_IN, att.SIGN_OUT) and time is None:
            raise _bad("time_required", "补签须填写时间", "a missing sign-in or sign-out needs its time")
        self._check_open(day)
        row = {
            "id": self.service.new_id(),
            "staff": staff,
            "day": day.isoformat(),
            "action": action,
            "time": time.strftime("%H:%M") if time else None,
            "session": session,
            "window": window,
            "reason": reason.strip(),
            "by": self._actor(),
            "at": self.service.now().isoformat(),
        }
        with self.service.writing():
            self.store.add_correction(row)
            self.service.audit("attendance.corrected", staff, after=row)
        self._changed()
        return row

    # ---- leave ---------------------------------------------------------------------------------------------------

    def leave_types(self) -> dict[str, Any]:
        return {t.code: t for t in self.config.attendance.leave_types}

    def request_leave(
        self,
        staff: str,
        type_: str,
        start: dt.datetime,
        end: dt.datetime,
        reason: str,
        *,
        written: bool = False,
        stand_in: str = "",
    ) -> dict[str, Any]:
        now = self.service.now()
        tz = self.config.tz
        lv = att.Leave(
            self.service.new_id(), staff, type_, start.astimezone(tz), end.astimezone(tz), reason.strip(), att.PENDING,
            written, stand_in.strip(), (), now,
        )  # fmt: skip
        if self.config.staff_member(staff) is None:
            raise _bad("unknown_staff", f"没有工号 {staff}", f"there is no staff number {staff}", 404)
        try:
            att.check_leave(lv, self.config)
        except att.AttendanceError as exc:
            raise refused(exc) from None
        row = self._leave_row(lv)
        row["created_by"] = self._actor() or staff
        with self.service.writing():
            self.store.add_leave(row)
            self.service.audit("leave.requested", staff, after=row)
        self._changed()
        return self.leave_view(lv)

    @staticmethod
    def _leave_row(lv: att.Leave) -> dict[str, Any]:
        return {
            "id": lv.id,
            "staff": lv.staff,
            "type": lv.type,
            "start": lv.start.isoformat(),
            "end": lv.end.isoformat(),
            "reason": lv.reason,
            "status": lv.status,
            "written": int(lv.written),
            "stand_in": lv.stand_in,
            "approvals": json.dumps([{**asdict(a), "at": a.at.isoformat()} for a in lv.approvals], ensure_ascii=False),
            "created_at": (lv.created_at or dt.datetime.now(dt.UTC)).isoformat(),
        }

    def get_leave(self, leave_id: str) -> att.Leave:
        row = self.store.leave(leave_id)
        if row is None:
            raise _bad("unknown_leave", "没有这条请假", "there is no such leave", 404)
        return leave_of(row)

    def leave_view(self, lv: att.Leave) -> dict[str, Any]:
        chain = att.chain_for(lv, self.config, self.service.calendar)
        covered = att.sessions_covered(lv.start, lv.end, self.config.sessions, self.service.calendar, self.config.tz)
        kind = self.leave_types().get(lv.type)
        return {
            "leave": lv,
            "name": self.name(lv.staff),
            "type_name": kind.name if kind else lv.type,
            "chain": chain,
            "next": att.next_step(lv, chain) if lv.status == att.PENDING else None,
            "sessions": covered,
            "long": covered >= self.config.attendance.written_from_sessions,
            "needs_stand_in": att.needs_stand_in(lv, self.config, self.service.calendar),
            "stand_in_name": self.name(lv.stand_in) if lv.stand_in else "",
        }

    def leaves(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        return [self.leave_view(leave_of(r)) for r in self.store.leaves(first, last)]

    def pending_leaves(self) -> list[dict[str, Any]]:
        return [self.leave_view(leave_of(r)) for r in self.store.pending_leaves()]

    def decide_leave(
        self,
        leave_id: str,
        step: str,
        approve: bool,
        *,
        actor_role: str,
        actor_windows: tuple[int, ...] = (),
        signer: str = "",
        note: str = "",
    ) -> dict[str, Any]:
        """Record one step of the chain (approve or refuse), by whoever may take it."""
        actor = self._actor()
        with self.service.writing():
            lv = self.get_leave(leave_id)
            try:
                status = att.check_decide(
                    lv,
                    step,
                    self.config,
                    self.service.calendar,
                    actor=actor,
                    actor_role=actor_role,
                    actor_windows=actor_windows,
                    approve=approve,
                )
            except att.AttendanceError as exc:
                raise refused(
                    exc, 403 if exc.code in ("not_your_step", "not_your_window", "own_leave") else 409
                ) from None
            approval = att.Approval(
                step, actor, signer.strip() or self.name(actor), self.service.now(), approve, note.strip()
            )
            approvals = [*lv.approvals, approval]
            self.store.update_leave(
                leave_id,
                status=status,
                approvals=json.dumps([{**asdict(a), "at": a.at.isoformat()} for a in approvals], ensure_ascii=False),
            )
            self.service.audit(
                "leave.decided", lv.staff, before={"status": lv.status}, after={"step": step, "status": status}
            )
        self._changed()
        return self.leave_view(self.get_leave(leave_id))

    def amend_leave(self, leave_id: str, *, stand_in: str | None = None, written: bool | None = None) -> dict[str, Any]:
        """Name the stand-in (代岗人员) or note the written slip, while the leave is pending."""
        with self.service.writing():
            lv = self.get_leave(leave_id)
            if lv.status != att.PENDING:
                raise _bad("leave_closed", "此请假已结束审批", "this leave is no longer pending", 409)
            fields: dict[str, Any] = {}
            if stand_in is not None:
                if stand_in and (stand_in == lv.staff or self.config.staff_member(stand_in) is None):
                    raise _bad(
                        "bad_stand_in", "代岗人员应为本中心的其他工作人员", "the stand-in must be another staff member"
                    )
                fields["stand_in"] = stand_in
            if written is not None:
                fields["written"] = int(written)
            self.store.update_leave(leave_id, **fields)
            self.service.audit("leave.amended", lv.staff, after=fields)
        self._changed()
        return self.leave_view(self.get_leave(leave_id))

    def cancel_leave(self, leave_id: str) -> None:
        with self.service.writing():
            lv = self.get_leave(leave_id)
            if lv.status == att.CANCELLED:
                return
            self.store.update_leave(leave_id, status=att.CANCELLED)
            self.service.audit("leave.cancelled", lv.staff, before={"status": lv.status})
        self._changed()

    # ---- meetings ------------------------------------------------------------------------------------------------

    def add_meeting(
        self, day: dt.date, start: dt.time, end: dt.time, title: str, kind: str, expected: Iterable[str] | None = None
    ) -> dict[str, Any]:
        if kind not in att.MEETING_KINDS:
            raise _bad("bad_kind", "会议类型应为例会或学习", "a meeting is a meeting or a study session")
        if end <= start or not title.strip():
            raise _bad("bad_meeting", "请填写会议名称和起止时间", "a meeting needs a title and a time")
        people = list(expected) if expected is not None else att.expected_staff(self.config)
        row: dict[str, Any] = {
            "id": self.service.new_id(),
            "day": day.isoformat(),
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "title": title.strip(),
            "kind": kind,
            "expected": people,
            "present": [],
            "excused": [],
            "created_by": self._actor(),
            "created_at": self.service.now().isoformat(),
        }
        with self.service.writing():
            self.store.add_meeting(row)
            self.service.audit("meeting.added", row["id"], after={"title": row["title"], "day": row["day"]})
        self._changed()
        return row

    def sign_meeting(self, meeting_id: str, present: Iterable[str], excused: Iterable[str] = ()) -> None:
        """The meeting's sign-in list (点名签到) as the recorder saw it; excused: told beforehand (备案)."""
        row = self.store.meeting(meeting_id)
        if row is None:
            raise _bad("unknown_meeting", "没有这次会议", "there is no such meeting", 404)
        self._check_open(dt.date.fromisoformat(row["day"]))
        with self.service.writing():
            self.store.update_meeting(meeting_id, present=sorted(set(present)), excused=sorted(set(excused)))
            self.service.audit("meeting.signed", meeting_id, after={"present": sorted(set(present))})
        self._changed()

    # ---- score lines -------------------------------------------------------------------------------------------

    def _attendance_source(self, first: dt.date, last: dt.date) -> list[sc.ScoreLine]:
        records, marks = self.records(first, last)
        return att.attendance_lines(records, marks, self.config)

    def _manual_source(self, first: dt.date, last: dt.date) -> list[sc.ScoreLine]:
        return [
            sc.ScoreLine(
                dt.date.fromisoformat(r["day"]),
                r["kind"],
                r["what"],
                r["source"] or "manual",
                r["staff"] or "",
                r["window"],
                r["points"],
                self.name(r["recorded_by"]),
                f"entry:{r['id']}",  # a manual entry: withdrawable (with a reason) until the month closes
                r["ground"] or "",
            )
            for r in self.store.score_entries(first, last)
        ]

    def sources(self) -> dict[str, sc.ScoreSource]:
        return {
            "attendance": self._attendance_source,
            "manual": self._manual_source,
            **external_sources(self.service, self.extensions),
        }

    def lines(self, first: dt.date, last: dt.date) -> list[sc.ScoreLine]:
        return sc.gather(self.sources(), first, last, self.config.scoring)

    def add_entry(
        self,
        day: dt.date,
        kind: str,
        what: str,
        *,
        staff: str = "",
        window: int | None = None,
        points: int | None = None,
        source: str = "manual",
        ground: str = "",
        evidence: str = "",
    ) -> dict[str, Any]:
        """A manual line (internal criticism, a commendation, a disqualifying fact), with its source and reason."""
        if kind not in sc.KINDS:
            raise _bad("unknown_kind", f"未知的计分项 {kind!r}", f"unknown kind {kind!r}")
        if not what.strip():
            raise _bad("reason_required", "请写明事由", "say what happened")
        if not staff and window is None:
            raise _bad("no_subject", "请选择窗口或人员", "choose a window or a person")
        if staff and self.config.staff_member(staff) is None:
            raise _bad("unknown_staff", f"没有工号 {staff}", f"there is no staff number {staff}", 404)
        if window is not None and self.config.window(window) is None:
            raise _bad("unknown_window", f"没有{window}号窗口", f"there is no window {window}", 404)
        if source not in sc.SOURCES:
            raise _bad("unknown_source", "未知的来源", "unknown source")
        if ground and ground not in sc.GROUNDS:
            raise _bad("unknown_ground", "未知的告诫情形", "unknown warning ground")
        self._check_open(day)
        row = {
            "id": self.service.new_id(),
            "day": day.isoformat(),
            "kind": kind,
            "what": what.strip(),
            "source": source,
            "staff": staff,
            "window": window,
            "points": points,
            "ground": ground,
            "evidence": evidence.strip(),
            "recorded_by": self._actor(),
            "recorded_at": self.service.now().isoformat(),
        }
        with self.service.writing():
            self.store.add_score_entry(row)
            self.service.audit("score.entered", staff or str(window), after=row)
        self._changed()
        return row

    def withdraw_entry(self, entry_id: str, reason: str) -> None:
        row = self.store.score_entry(entry_id)
        if row is None:
            raise _bad("unknown_entry", "没有这条记录", "there is no such entry", 404)
        if not reason.strip():
            raise _bad("reason_required", "撤销须写明原因", "say why it is withdrawn")
        self._check_open(dt.date.fromisoformat(row["day"]))
        with self.service.writing():
            self.store.withdraw_score_entry(entry_id, self._actor(), self.service.now(), reason.strip())
            self.service.audit("score.withdrawn", entry_id, before=row, after={"reason": reason.strip()})
        self._changed()

    def _check_open(self, day: dt.date) -> None:
        month = sc.month_key(day)
        if self.store.closed_month(month) is not None:
            raise _bad(
                "month_closed",
                f"{month} 的得分已确认，不能再更改",
                f"the scores of {month} are closed; nothing of that month can change",
                409,
            )

    # ---- the month -------------------------------------------------------------------------------------------

    def _subjects(self) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
        windows = [(w.number, w.name) for w in self.config.windows]
        people = att.expected_staff(self.config)
        for w in self.config.windows:
            if w.staff_b and w.staff_b not in people:
                people.append(w.staff_b)
        return windows, [(code, self.name(code)) for code in people]

    def compute_month(self, month: str) -> dict[str, Any]:
        first, last = sc.month_bounds(month)
        scoring = self.config.scoring
        lines = self.lines(first, last)
        windows, people = self._subjects()
        known = {code for code, _ in people}
        people += [(s, self.name(s)) for s in sorted({ln.staff for ln in lines if ln.staff} - known)]
        w_scores, s_scores = sc.month_scores(lines, windows, people, scoring)
        served = self.store.served_by_window(first, last)
        flag = sc.red_flag(w_scores, served, scoring.red_flag_tie) if scoring.red_flag else None
        records, _ = self.records(first, last)
        return {
            "month": month,
            "windows": [score_dict(s, r) for r, s in sc.ranked(w_scores)],
            "staff": [score_dict(s, r) for r, s in sc.ranked(s_scores)],
            "served": {str(k): v for k, v in served.items()},
            "red_flag": asdict(flag) if flag else None,
            "duty_days": att.on_duty_days(records, [], ()),
            "window_duty_days": {str(k): v for k, v in att.window_duty_days(records).items()},
        }

    def month(self, month: str) -> dict[str, Any]:
        """The month's scores with their lines: the stored snapshot once closed, else computed now."""
        closed = self.store.closed_month(month)
        first, _ = sc.month_bounds(month)
        may, opens = sc.may_close(first, self.today(), self.config.scoring.review_days)
        if closed is not None:
            data = json.loads(closed["snapshot"])
            data.update(closed=True, closed_at=closed["closed_at"], closed_by=self.name(closed["closed_by"]))
        else:
            data = self.compute_month(month)
            data.update(closed=False, closed_at=None, closed_by="")
        data.update(may_close=may and closed is None, opens=opens)
        return data

    def close_month(self, month: str) -> dict[str, Any]:
        first, _ = sc.month_bounds(month)
        may, opens = sc.may_close(first, self.today(), self.config.scoring.review_days)
        if not may:
            raise _bad(
                "review_open",
                f"异议期至 {opens.isoformat()} 结束，之后方可确认",
                f"objections are open until {opens.isoformat()}",
                409,
            )
        if self.store.closed_month(month) is not None:
            raise _bad("month_closed", f"{month} 已确认", f"{month} is already closed", 409)
        data = self.compute_month(month)
        with self.service.writing():
            self.store.close_month(month, self.service.now(), self._actor(), data)
            self.service.audit("scores.closed", month, after={"red_flag": data["red_flag"]})
        self._changed()
        return data

    def red_flag_holder(self, today: dt.date | None = None) -> dict[str, Any] | None:
        """The window holding the red flag now: last month's winner once that month is closed."""
        today = today or self.today()
        last_month = sc.flag_month(today)
        closed = self.store.closed_month(last_month)
        if closed is None:
            return None
        flag = json.loads(closed["snapshot"]).get("red_flag")
        if not flag:
            return None
        return {
            "month": last_month,
            "windows": [{"number": n, "name": self.window_name(n)} for n in flag["windows"]],
            "score": flag["score"],
            "rule": flag["rule"],
        }

    def own_month(self, staff: str, month: str) -> dict[str, Any]:
        """One person's month for her own page (nobody else's figures): her score with every line, her days and
        their findings, her month's tally, her confirmed warnings of the year, her leave of the month."""
        first, last = sc.month_bounds(month)
        data = self.month(month)
        score = next((s for s in data["staff"] if s["key"] == staff), None)
        if score is None:
            start = self.config.scoring.start
            score = {"subject": "staff", "key": staff, "name": self.name(staff), "start": start, "total": start,
                     "rank": 0, "lines": []}  # fmt: skip
        records, marks = self.records(first, last)
        mine = [r for r in records if r.staff == staff]
        my_marks = [m for m in marks if m.staff == staff]
        tally = att.month_tally(mine, my_marks).get(staff, att.MonthTally(staff))
        warnings = [w for w in self.warnings(first.year) if w["staff"] == staff and w["status"] == "confirmed"]
        return {
            "month": month,
            "staff": staff,
            "name": self.name(staff),
            "score": score,
            "ranked_of": len(data["staff"]),
            "closed": data["closed"],
            "opens": data["opens"],
            "days": [(r, _cell(r)) for r in mine if r.expected or r.punches],
            "meeting_marks": my_marks,
            "tally": tally,
            "warnings": warnings,
            "leaves": [v for v in self.leaves(first, last) if v["leave"].staff == staff],
        }

    # ---- warnings ------------------------------------------------------------------------------------------

    def warning_drafts(self, year: int) -> list[sc.WarningDraft]:
        """What the year's facts call for and nobody has decided yet (up to today)."""
        first = dt.date(year, 1, 1)
        last = min(dt.date(year, 12, 31), self.today())
        if last < first:
            return []
        homes = {s.code: att.home_window(self.config, s.code) for s in self.config.staff}
        drafts = sc.draft_warnings(self.lines(first, last), self.config.scoring, homes)
        decided_rows = self.store.warnings(first, dt.date(year, 12, 31))
        confirmed = [
            (r["staff"], r["window"], dt.date.fromisoformat(r["day"]))
            for r in decided_rows
            if r["status"] == "confirmed" and r["kind"] == "personal"
        ]
        drafts += sc.collective_drafts(confirmed, self.config.scoring, year)
        decided = {r["basis"] for r in decided_rows}
        return [d for d in drafts if d.basis not in decided]

    def warnings(self, year: int) -> list[dict[str, Any]]:
        rows = self.store.warnings(dt.date(year, 1, 1), dt.date(year, 12, 31))
        for r in rows:
            r["facts"] = json.loads(r["facts"])
            r["ground_zh"] = sc.GROUNDS.get(r["ground"], (r["ground"], ""))[0]
        return rows

    def decide_warning(self, basis: str, confirm: bool, note: str = "") -> dict[str, Any]:
        """The manager confirms (numbered, printable) or dismisses a drafted warning."""
        year = int(basis.rsplit(":", 1)[-1][:4]) if basis.startswith("collective:") else None
        drafts = self.warning_drafts(year or self.today().year)
        if year is None:
            drafts += self.warning_drafts(self.today().year - 1)
        draft = next((d for d in drafts if d.basis == basis), None)
        if draft is None:
            raise _bad(
                "unknown_warning", "没有这份告诫草稿（或已处理）", "there is no such draft (or it was decided)", 404
            )
        return self._save_warning(draft, "confirmed" if confirm else "dismissed", note)

    def add_warning(
        self, staff: str, ground: str, facts: str, evidence: str, day: dt.date | None = None
    ) -> dict[str, Any]:
        """A warning on a ground the system cannot see, entered with its evidence (confirmed at once)."""
        if ground not in sc.GROUNDS or ground == "collective":
            raise _bad("unknown_ground", "未知的告诫情形", "unknown warning ground")
        if self.config.staff_member(staff) is None:
            raise _bad("unknown_staff", f"没有工号 {staff}", f"there is no staff number {staff}", 404)
        if not facts.strip() or not evidence.strip():
            raise _bad("evidence_required", "请写明事实和证据", "state the facts and the evidence")
        when = day or self.today()
        draft = sc.WarningDraft(
            f"{ground}:{staff}:{self.service.new_id()}",
            "personal",
            ground,
            staff,
            att.home_window(self.config, staff),
            when,
            (facts.strip(),),
        )
        return self._save_warning(draft, "confirmed", "", evidence.strip())

    def _save_warning(self, draft: sc.WarningDraft, status: str, note: str, evidence: str = "") -> dict[str, Any]:
        with self.service.writing():
            number = ""
            if status == "confirmed":
                year = draft.day.year
                n = sum(1 for r in self.store.warnings(dt.date(year, 1, 1), dt.date(year, 12, 31)) if r["number"]) + 1
                number = f"效告〔{year}〕{n}号"
            row = {
                "basis": draft.basis,
                "kind": draft.kind,
                "ground": draft.ground,
                "staff": draft.staff,
                "window": draft.window,
                "day": draft.day.isoformat(),
                "facts": list(draft.facts),
                "evidence": evidence,
                "status": status,
                "number": number,
                "decided_by": self._actor(),
                "decided_at": self.service.now().isoformat(),
                "note": note.strip(),
            }
            self.store.save_warning(row)
            self.service.audit(f"warning.{status}", draft.staff or str(draft.window), after=row)
        self._changed()
        return row

    def warning(self, basis: str) -> dict[str, Any]:
        row = self.store.warning(basis)
        if row is None:
            raise _bad("unknown_warning", "没有这份告诫", "there is no such warning", 404)
        row["facts"] = json.loads(row["facts"])
        row["ground_zh"] = sc.GROUNDS.get(row["ground"], (row["ground"], ""))[0]
        return row

    # ---- the year --------------------------------------------------------------------------------------------

    def year(self, year: int) -> dict[str, Any]:
        today = self.today()
        months = [f"{year:04d}-{m:02d}" for m in range(1, 13) if dt.date(year, m, 1) <= today]
        per_month = {m: self.month(m) for m in months}
        first = dt.date(year, 1, 1)
        # closed months: their lines as fixed in the snapshot; only the open months are computed from the facts
        lines: list[sc.ScoreLine] = []
        for m in months:
            if per_month[m]["closed"]:
                lines += _snapshot_lines(per_month[m])
            else:
                m_first, m_last = sc.month_bounds(m)
                lines += self.lines(m_first, min(m_last, today))
        warned: dict[str, int] = {}
        for r in self.store.warnings(first, dt.date(year, 12, 31)):
            if r["status"] == "confirmed" and r["staff"]:
                warned[r["staff"]] = warned.get(r["staff"], 0) + 1
        out: dict[str, list[dict[str, Any]]] = {"windows": [], "staff": []}
        for subject in ("windows", "staff"):
            keys: dict[str, str] = {}
            for m in months:
                for s in per_month[m][subject]:
                    keys.setdefault(s["key"], s["name"])
            for key, name in keys.items():
                totals = [
                    next((s["total"] for s in per_month[m][subject] if s["key"] == key), self.config.scoring.start)
                    for m in months
                ]
                mine = [ln for ln in lines if (ln.staff == key if subject == "staff" else str(ln.window) == key)]
                ys = sc.year_score(
                    key, totals, mine, self.config.scoring, warned.get(key, 0) if subject == "staff" else 0
                )
                out[subject].append({"key": key, "name": name, "months": totals, "score": ys})
            out[subject].sort(key=lambda x: -x["score"].total)
        return {"year": year, "months": months, **out, "closed": {m: per_month[m]["closed"] for m in months}}

    # ---- awards ----------------------------------------------------------------------------------------------

    def quarter(self, period: str) -> dict[str, Any]:
        """The period's candidates: mean monthly score, days on duty, marks, disqualifications; placed."""
        scheme = self.config.awards
        months = sc.quarter_months(period)
        first, _ = sc.month_bounds(months[0])
        _, last = sc.month_bounds(months[-1])
        today = self.today()
        data = [self.month(m) for m in months if sc.month_bounds(m)[0] <= today]
        lines = self.lines(first, min(last, today)) if data else []
        dq = sc.disqualifications(lines, scheme)
        duty: dict[str, int] = {}
        wduty: dict[str, int] = {}
        for d in data:
            for k, v in d["duty_days"].items():
                duty[k] = duty.get(k, 0) + v
            for k, v in d["window_duty_days"].items():
                wduty[k] = wduty.get(k, 0) + v
        marks: dict[tuple[str, str], dict[str, float]] = {}
        for r in self.store.marks(period):
            marks.setdefault((r["subject"], r["key"]), {})[r["component"]] = float(r["value"])
        satisfied = tuple(getattr(getattr(self.config, "feedback", None), "satisfied_levels", (5, 4, 3)))
        ratings = {
            "staff": self.store.ratings_by("staff", first, last, satisfied),
            "window": self.store.ratings_by("window", first, last, satisfied),
        }
        result: dict[str, Any] = {"period": period, "months": months, "scheme": scheme}
        for subject, key_name in (("window", "windows"), ("staff", "staff")):
            totals: dict[str, list[int]] = {}
            names: dict[str, str] = {}
            for d in data:
                for s in d[key_name]:
                    totals.setdefault(s["key"], []).append(s["total"])
                    names[s["key"]] = s["name"]
            candidates = []
            for key, values in totals.items():
                m = dict(marks.get((subject, key), {}))
                good, n = ratings[subject].get(key, (0, 0))
                if "ratings" in scheme.weights:
                    m["ratings"] = round(100.0 * good / n, 1) if n else 100.0
                days = (wduty if subject == "window" else duty).get(key, 0)
                reasons = tuple(dq.get(f"{subject}:{key}", ()))
                mean = round(sum(values) / len(values), 2)
                candidates.append(sc.Candidate(subject, key, names[key], mean, days, m, reasons))
            result[key_name] = sc.select(candidates, scheme, subject)
        result["published"] = self.store.award_result(period)
        return result

    def set_mark(self, period: str, subject: str, key: str, component: str, value: float) -> None:
        if component not in sc.ENTERED or component not in self.config.awards.weights:
            raise _bad("unknown_component", "该项不需录入", "this mark is not entered in this hall's scheme")
        if subject not in ("window", "staff"):
            raise _bad("bad_subject", "应为窗口或人员", "a window or a person")
        if not 0 <= value <= 100:
            raise _bad("bad_mark", "分数应在 0–100 之间", "a mark is 0–100")
        with self.service.writing():
            self.store.set_mark(period, subject, key, component, value, self._actor(), self.service.now())
            self.service.audit("award.marked", f"{period}:{subject}:{key}", after={component: value})

    def publish(self, period: str) -> dict[str, Any]:
        """Fix the period's selection (for the announcement, the certificates and the honour roll)."""
        q = self.quarter(period)
        chosen: dict[str, list[dict[str, Any]]] = {}
        for key_name in ("windows", "staff"):
            placed = q[key_name]
            if any(p.shortlisted and p.final is None for p in placed):
                raise _bad(
                    "marks_missing", "还有候选对象的分数未录入", "some shortlisted candidates still lack a mark", 409
                )
            chosen[key_name] = [
                {
                    "key": p.candidate.key,
                    "name": p.candidate.name,
                    "final": p.final,
                    "score": p.candidate.score,
                    "grade": p.grade,
                    "window": self._window_of(p.candidate) if key_name == "staff" else None,
                }
                for p in placed
                if p.selected
                or (p.grade and not self.config.awards.select_windows and not self.config.awards.select_staff)
            ]
        result = {
            "period": period,
            "window_title": self.config.awards.window_title,
            "staff_title": self.config.awards.staff_title,
            **chosen,
        }
        with self.service.writing():
            self.store.save_award_result(period, self.service.now(), self._actor(), result)
            self.service.audit("award.published", period, after=result)
        return result

    def _window_of(self, c: sc.Candidate) -> str:
        number = att.home_window(self.config, c.key)
        return self.window_name(number) if number is not None else ""

    def honours(self) -> dict[str, Any]:
        """The honour roll (光荣榜) for the hall display: the red-flag window, the latest published selection."""
        scheme = self.config.awards
        shows = scheme.honour_roll
        out: dict[str, Any] = {
            "shows": list(shows),
            "display": honour_display(scheme),
            "red_flag": None,
            "period": None,
            "windows": [],
            "staff": [],
        }
        if "red_flag" in shows and self.config.scoring.red_flag:
            out["red_flag"] = self.red_flag_holder()
        row = self.store.latest_award_result()
        if row is not None:
            result = json.loads(row["result"])
            out["period"] = result["period"]
            out["window_title"] = result.get("window_title", "")
            out["staff_title"] = result.get("staff_title", "")
            if "windows" in shows:
                out["windows"] = [{"number": int(w["key"]), "name": w["name"]} for w in result["windows"]]
            if "staff" in shows:
                member = {s.code: s for s in self.config.staff}
                out["staff"] = [
                    {
                        "name": s["name"],
                        "window": s.get("window") or "",
                        "title": member[s["key"]].title if s["key"] in member else "",
                    }
                    for s in result["staff"]
                ]
        return out


def _snapshot_lines(month: Mapping[str, Any]) -> list[sc.ScoreLine]:
    """A closed month's lines from its snapshot, as priced at the close, each once: a line naming a person is
    listed under her score (and again under her window's), a window-only line under its window's."""
    lines = [sc.ScoreLine.of(raw) for score in month.get("staff") or [] for raw in score["lines"]]
    for score in month.get("windows") or []:
        lines += [sc.ScoreLine.of(raw) for raw in score["lines"] if not raw.get("staff")]
    return lines


def honour_display(scheme: AwardScheme) -> dict[str, Any]:
    """How the hall display shows the honour roll (the hall's [awards] honour_roll_* keys)."""
    return {
        "mode": scheme.honour_roll_display,
        "every_s": scheme.honour_roll_every_s,
        "show_s": scheme.honour_roll_show_s,
        "refresh_s": scheme.honour_roll_refresh_s,
    }


def _cell(record: att.DayRecord) -> str:
    """A day in the month grid: ✓ present, 迟 late, 早 early, 脱 off post, 旷 absent, 假 leave, 公 excused, "" none."""
    parts = []
    for s in record.sessions:
        counted = [m for m in s.marks if m.counts]
        if any(m.kind == att.ABSENT for m in counted):
            parts.append("旷")
        elif s.status == att.ON_LEAVE or any(not m.counts for m in s.marks):
            parts.append("假" if s.status == att.ON_LEAVE else "✓")
        elif s.status == att.EXCUSED:
            parts.append("公")
        elif s.status == att.PRESENT:
            codes = "".join({att.LATE: "迟", att.EARLY: "早", att.OFF_POST: "脱"}.get(m.kind, "") for m in counted)
            parts.append(codes or "✓")
        else:
            parts.append("")
    return "/".join(parts) if any(parts) else ""
