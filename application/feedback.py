"""好差评 and complaints: the command handlers and reads of issue 12, over the hall's service and a feedback store.

Every write runs inside `HallService.writing()` (one transaction, the hall lock) and is put on the append-only
audit log with `HallService.audit()` (who: the console's signed-in staff member, application.audit). The rules are
core/feedback.py and core/complaints.py; the SQL is server/store_feedback.py (`FeedbackStore`).

For the monthly scores (issue 14): `verified_complaints(start, end)` (founded or partly founded complaints, by the
day decided) and `late_rectification_steps(start, end)` (rectification deadlines missed) — plain reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import secrets
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from application.store import StoredEvent
from core import complaints as cp
from core import feedback as fb
from core.config import Feedback, HallConfig
from core.events import RatingRecorded
from core.hall import Hall, Result
from core.privacy import mask_name, mask_numbers_in_text, mask_phone
from core.ratings import LEVELS, check_rating
from core.tickets import DomainError, Status

if TYPE_CHECKING:
    from application.service import HallService

log = logging.getLogger("hallq.feedback")

PHONE_RATING_DAYS = 7  # a citizen may rate from the phone page up to this many days after the service
SEE_ALL = frozenset({"admin", "director", "manager", "supervisor"})
MANAGE_SURVEYS = frozenset({"admin", "director", "manager"})
VISIT_ROLES = frozenset({"director", "manager", "supervisor"})
ACCEPT_COMPLAINTS = frozenset({"director", "manager", "supervisor"})
# a founded complaint's grounds (the default list) and the warning ground (core.scoring.GROUNDS) each supports
COMPLAINT_GROUND_WARNINGS = {
    "服务态度差": "rude",
    "首问责任人未履行职责": "first_ask",
    "拒绝受理符合条件的申请": "not_handled",
    "超过承诺时限未办结": "deadline_missed",
    "找不到经办人员": "left_post",
}


@dataclass(frozen=True)
class Viewer:
    """Who is asking: staff number, console role (core.permissions) and the windows she heads."""

    staff: str
    role: str
    heads: tuple[int, ...] = ()


def _rect_access(viewer: Viewer, record: Mapping[str, Any]) -> dict[str, Any]:
    """What core.feedback's checks on a rectification record are given: who asks, and whose record it is."""
    return {
        "role": viewer.role,
        "staff": viewer.staff,
        "heads": viewer.heads,
        "record_staff": record["staff"],
        "record_window": record["window"],
    }


def _phone(raw: str) -> str:
    digits = "".join(ch for ch in raw if ch.isdigit() or ch == "-").strip("-")
    if raw.strip() and not 7 <= len(digits.replace("-", "")) <= 15:
        raise DomainError("bad_phone", "电话号码格式不正确。 / The phone number looks wrong.", 400)
    return digits


def not_found(what_zh: str, what_en: str) -> DomainError:
    return DomainError("not_found", f"没有这个{what_zh}。 / There is no such {what_en}.", 404)


class FeedbackService:
    """The hall's ratings ledger, complaints, surveys and visits (`app.extensions["hallq.feedback"]`)."""

    def __init__(self, hall: HallService, store: Any, *, warm: bool = False):
        self.hall = hall
        self.store = store  # server.store_feedback.FeedbackStore
        hall.on_publish(self._on_publish)
        self.open_missing_rectifications()
        if warm:  # the last year's figures computed beside serving, so the first look at a month is fast too
            stop = threading.Event()
            hall.on_close(stop.set)
            threading.Thread(target=self._warm, args=(stop,), name="hallq-figures", daemon=True).start()

    def _warm(self, stop: threading.Event, months: int = 13) -> None:
        month = fb.period_of("month", self.today())
        for _ in range(months):
            if stop.is_set():
                return
            try:
                self.period_cells(month)
            except Exception:
                if not stop.is_set():
                    log.exception("the figures of %s could not be computed ahead", month.key)
                return
            month = month.previous()

    # ---- plumbing --------------------------------------------------------------------------------------------------

    @property
    def config(self) -> HallConfig:
        """The hall's configuration as it is now (a new one applies without a restart)."""
        return self.hall.config

    @property
    def rules(self) -> Feedback:
        return self.hall.config.feedback

    def today(self) -> dt.date:
        return self.hall.today()

    def local_day(self, at: str) -> dt.date:
        return dt.datetime.fromisoformat(at).astimezone(self.config.tz).date()

    def staff_name(self, code: str | None) -> str:
        member = self.config.staff_member(code or "")
        return member.name if member else (code or "")

    def window_name(self, number: int | None) -> str:
        window = self.config.window(number) if number is not None else None
        return window.name if window else ""

    def department(self, number: int | None) -> str:
        window = self.config.window(number) if number is not None else None
        return (window.department or window.name) if window else ""

    def item_name(self, code: str | None) -> str:
        item = self.config.item(code or "")
        return item.name if item else (code or "")

    def service_name(self, code: str | None) -> str:
        svc = self.config.service(code or "")
        return svc.name if svc else (code or "")

    def _write(self, action: str, target: str, before: Any, after: Any, change: Any) -> None:
        with self.hall.writing():
            change()
            self.hall.audit(action, target, before=before, after=after)

    # ---- ratings: the phone page, and the record each bad one opens --------------------------------------------

    def _on_publish(self, stored: list[StoredEvent]) -> None:
        """A bad rating just recorded (at a pad, or any other way) opens its rectification record."""
        for event in stored:
            if event.name == RatingRecorded.name and event.payload.get("rating", {}).get("bad"):
                try:
                    self.open_missing_rectifications(event.payload["rating"]["ticket"])
                except Exception:  # the next read of the ledger opens it (open_missing_rectifications)
                    log.exception("could not open the rectification record of %s", event.payload)

    def open_missing_rectifications(
        self, ticket: str | None = None, start: dt.date | None = None, end: dt.date | None = None
    ) -> int:
        """Open a record for every bad rating that has none yet (all, the one of `ticket`, or those rated in
        [start, end)); returns how many."""
        with self.hall.writing():
            return self._open_records(self.store.bad_ratings_without_record(ticket, start, end))

    def _open_records(self, ratings: Iterable[dict[str, Any]], phone: str = "", source: str = "") -> int:
        opened = 0
        now = self.hall.now().isoformat()
        for r in ratings:
            day = self.local_day(r["at"])
            contact, how = (phone, source) if phone else (r.get("booking_phone") or "", "booking")
            row = {
                "ticket": r["ticket"],
                "number": r["number"],
                "rated_at": r["at"],
                "day": day.isoformat(),
                "window": r["window"],
                "staff": r["staff"],
                "service": r["service"],
                "item": r.get("item"),
                "case_number": r.get("case_number") or "",
                "score": r["score"],
                "reasons": list(r.get("reasons") or []),
                "comment": r.get("comment") or "",
                "status": fb.OPEN,
                "verify_due": fb.verify_due(day, self.hall.calendar, self.config.ratings.verify_workdays).isoformat(),
                "contact_phone": contact,
                "contact_source": how if contact else "",
                "opened_at": now,
                "updated_at": now,
            }
            self.store.add_rectification(row)
            self.hall.audit(
                "rectification.opened",
                r["ticket"],
                after={k: row[k] for k in ("number", "window", "staff", "score", "verify_due")},
            )
            opened += 1
        return opened

    def phone_rating_form(self, ticket_id: str) -> dict[str, Any]:
        """What the phone page needs to rate a served ticket (or why it cannot be rated)."""
        ticket = self.hall.find_ticket(ticket_id)
        if ticket is None:
            raise not_found("号", "ticket")
        view: dict[str, Any] = {"ticket": ticket.id, "number": ticket.number, "window": ticket.window, "why": ""}
        if ticket.status is not Status.DONE or ticket.window is None:
            view["why"] = "not_served"
        elif self.store.rating(ticket_id) is not None:
            view["why"] = "already_rated"
        elif ticket.finished_at and (self.hall.now() - ticket.finished_at).days >= PHONE_RATING_DAYS:
            view["why"] = "too_late"
        return view

    def rate_by_phone(
        self, ticket_id: str, score: int, reasons: list[str], comment: str = "", phone: str = ""
    ) -> dict[str, Any]:
        """A citizen rates a served ticket from the phone page (channel "phone"): once per ticket, within
        PHONE_RATING_DAYS; a bad rating may leave a phone for the follow-up call."""
        ticket = self.hall.find_ticket(ticket_id)
        if ticket is None:
            raise not_found("号", "ticket")
        contact = _phone(phone)
        form = self.phone_rating_form(ticket_id)
        if form["why"] == "too_late":
            raise DomainError(
                "too_late",
                f"办结 {PHONE_RATING_DAYS} 天后不能再评价。 / Ratings close {PHONE_RATING_DAYS} days after the service.",
                400,
            )

        def run(_: Hall, now: dt.datetime) -> Result:
            rating = check_rating(
                ticket,
                score=score,
                reasons=reasons,
                comment=comment,
                now=now,
                already_rated=self.store.rating(ticket_id) is not None,
            )
            self.store.save_phone_rating({**rating.row(), "channel": "phone"})  # rating.at is now
            if rating.bad:
                self._open_records(
                    self.store.bad_ratings_without_record(rating.ticket), contact, "phone_page" if contact else ""
                )
            public = {"ticket": rating.ticket, "number": rating.number, "window": rating.window}
            return Result([RatingRecorded(at=now, rating={**public, "score": rating.score, "bad": rating.bad})])

        self.hall.execute(run)
        return {"ticket": ticket_id, "score": score}

    # ---- figures ----------------------------------------------------------------------------------------------------

    def period_cells(
        self, period: fb.Period
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, list[int]]]:
        """The period's figures: cells (window, staff, service, item, served, r5, r4, r3, r2, r1), bad ratings
        by reason (window, staff, service, item, reason, n), and per day [served, r5, r4, r3, r2, r1].

        Closed days are computed once and kept (FeedbackStore.save_day); today is read live."""
        today = self.today()
        cached = self.store.cached_days(period.start, period.end)
        missing = []
        day = period.start
        while day < min(period.end, today):
            if day.isoformat() not in cached:
                missing.append(day)
            day += dt.timedelta(days=1)
        if missing:
            computed = [(d, *self.store.compute_day(d)) for d in missing]  # reads, outside the write lock
            at = self.hall.now().isoformat()
            with self.hall.writing():
                for d, rows, reasons in computed:
                    self.store.save_day(d, rows, reasons, at)
        cells = [tuple(r) for r in self.store.daily_totals(period.start, period.end)]
        reasons = [tuple(r) for r in self.store.daily_reasons(period.start, period.end)]
        days = {r[0]: list(r[1:]) for r in self.store.daily_by_day(period.start, period.end)}
        if period.start <= today < period.end:
            live_rows, live_reasons = self.store.compute_day(today)
            cells += [r[1:] for r in live_rows]
            reasons += [r[1:] for r in live_reasons]
            totals = days.setdefault(today.isoformat(), [0] * 6)
            for r in live_rows:
                for i in range(6):
                    totals[i] += r[5 + i]
        return cells, reasons, days

    def forget_figures(self, day: dt.date) -> None:
        """A closed day's figures are computed again at the next look (an upheld appeal changed them)."""
        self.store.forget_day(day)

    @staticmethod
    def _tallies(
        cells: Iterable[tuple[Any, ...]], reasons: Iterable[tuple[Any, ...]], pick: Any
    ) -> dict[Any, fb.Tally]:
        sums: dict[Any, list[int]] = {}
        for c in cells:
            unit = pick(c)
            acc = sums.get(unit)
            if acc is None:
                acc = sums[unit] = [0] * 6
            for i in range(6):
                acc[i] += c[4 + i] or 0
        out: dict[Any, fb.Tally] = {}
        for unit, acc in sums.items():
            t = out[unit] = fb.Tally(served=acc[0])
            t.counts.update({s: n for s, n in zip((5, 4, 3, 2, 1), acc[1:], strict=True) if n})
        for r in reasons:
            unit = pick(r)
            if unit not in out:
                out[unit] = fb.Tally()
            out[unit].reasons[r[4]] += r[5]
        return out

    def figures(self, period: fb.Period) -> dict[str, Any]:
        """Served, rated, rating rate, satisfaction, bad-rating rate and bad ratings by reason — per clerk, window,
        service, item and line (线口部门) — for a day, month or quarter; the days of the period for the chart; the
        flags of a month (last or below the threshold, this and the month before)."""
        satisfied = self.rules.satisfied_levels
        cells, reasons, by_day = self.period_cells(period)
        lines = {w.number: (w.department or w.name) for w in self.config.windows}
        keys: dict[str, Any] = {
            "window": lambda r: r[0],
            "staff": lambda r: r[1],
            "service": lambda r: r[2],
            "item": lambda r: r[3] or "",
            "line": lambda r: lines.get(r[0], "") if r[0] is not None else "",
        }
        tables = {}
        for key, pick in keys.items():
            tallies = self._tallies(cells, reasons, pick)
            out = [{"unit": u, "name": self._unit_name(key, u), **t.row(satisfied)} for u, t in tallies.items()]
            out.sort(key=lambda x: (x["unit"] in ("", None), x["unit"] if key == "window" else str(x["unit"])))
            tables[key] = out
        total = self._tallies(cells, reasons, lambda r: "all").get("all", fb.Tally())
        days = []
        day = period.start
        while day < period.end and period.kind != "day":
            acc = by_day.get(day.isoformat(), [0] * 6)
            counts = {s: n for s, n in zip((5, 4, 3, 2, 1), acc[1:], strict=True) if n}
            days.append(
                {
                    "day": day.isoformat(),
                    "served": acc[0],
                    "rated": sum(counts.values()),
                    "satisfaction": fb.satisfaction(counts, satisfied),
                    "bad": counts.get(2, 0) + counts.get(1, 0),
                }
            )
            day += dt.timedelta(days=1)
        flags = self.flags(period, cells) if period.kind == "month" else {"window": {}, "staff": {}}
        return {
            "period": period,
            "total": total.row(satisfied),
            "tables": tables,
            "days": days,
            "flags": flags,
            "rectifications": self.store.rectification_counts(period.start, period.end),
        }

    def _unit_name(self, key: str, unit: Any) -> str:
        if key == "window":
            return f"{unit}号 {self.window_name(unit)}"
        if key == "staff":
            return f"{self.staff_name(unit)}（{unit}）" if unit else "—"
        if key == "service":
            return self.service_name(unit)
        if key == "item":
            return self.item_name(unit) if unit else "（未选事项）"
        return str(unit) or "—"

    def flags(self, month: fb.Period, cells: list[tuple[Any, ...]] | None = None) -> dict[str, dict[Any, Any]]:
        """Windows and clerks last, or below `[feedback] flag_below`, in this month and the one before."""
        satisfied = self.rules.satisfied_levels
        per: dict[str, list[dict[Any, tuple[int, float | None]]]] = {"window": [], "staff": []}
        for m, known in ((month, cells), (month.previous(), None)):
            rows = known if known is not None else self.period_cells(m)[0]
            for key, index in (("window", 0), ("staff", 1)):
                tallies = self._tallies(rows, (), lambda r, i=index: r[i])
                per[key].append({u: (t.rated, fb.satisfaction(t.counts, satisfied)) for u, t in tallies.items()})
        return {
            key: fb.flagged(now, before, self.rules.flag_below, self.rules.flag_min_rated)
            for key, (now, before) in per.items()
        }

    # ---- the export ----------------------------------------------------------------------------------------------------

    def export_records(self, period: fb.Period) -> Iterator[tuple[Any, ...]]:
        """Each rating of the period as a tuple in the order of core.feedback.EXPORT_FIELDS
        (docs/feedback-export.md)."""
        tz = self.config.tz
        offset = dt.datetime(period.start.year, period.start.month, period.start.day, tzinfo=tz).isoformat()[-6:]
        staff = {s.code: s.name for s in self.config.staff}
        items = {i.code: i.name for i in self.config.items}
        depts = {w.number: (w.department or w.name) for w in self.config.windows}
        rect_names = {k: v[0] for k, v in fb.RECT_STATES.items()}
        levels = {s: names[0] for s, names in LEVELS.items()}
        channels = fb.EXPORT_CHANNELS
        region, org, hall_name = self.rules.region_code, self.rules.org_code, self.config.name
        for r in self.store.export(period.start, period.end):
            (ticket, number, service, window, clerk, score, reasons, comment, at, channel, case_number, item) = r[:12]
            code, channel_name = channels.get(channel or "pad", ("9", channel))
            if at.endswith(offset) and len(at) == 25:  # stored in the hall's time: no parsing
                when = f"{at[:10]} {at[11:19]}"
            else:
                when = dt.datetime.fromisoformat(at).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
            yield (
                ticket,
                case_number or "",
                item or "",
                items.get(item or "", ""),
                depts.get(window, ""),
                region,
                org,
                hall_name,
                code,
                channel_name,
                window,
                clerk,
                staff.get(clerk, ""),
                service,
                number,
                score,
                levels.get(score, ""),
                "；".join(json.loads(reasons)) if reasons != "[]" else "",
                mask_numbers_in_text(comment) if comment else "",
                when,
                rect_names.get(r[12] or "", ""),
                0 if r[13] == 1 else 1,
            )

    def export_rows(self, period: fb.Period) -> Iterator[dict[str, Any]]:
        """The export's records as dicts keyed as in core.feedback.EXPORT_FIELDS."""
        keys = [k for k, _, _ in fb.EXPORT_FIELDS]
        for record in self.export_records(period):
            yield dict(zip(keys, record, strict=True))

    def export_csv(self, period: fb.Period) -> Iterator[str]:
        """The export as CSV text, piece by piece (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow([k for k, _, _ in fb.EXPORT_FIELDS])
        batch: list[tuple[Any, ...]] = []
        for record in self.export_records(period):
            batch.append(record)
            if len(batch) == 5000:
                writer.writerows(batch)
                batch.clear()
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue()

    def export_json(self, period: fb.Period) -> Iterator[bytes]:
        """The export as one JSON document (UTF-8): the field mapping, then the records."""
        head = {
            "hall": self.config.name,
            "period": period.key,
            "fields": [{"key": k, "name": zh, "description": en} for k, zh, en in fb.EXPORT_FIELDS],
        }
        keys = [k for k, _, _ in fb.EXPORT_FIELDS]
        yield orjson.dumps(head)[:-1] + b',"records":['
        chunk: list[bytes] = []
        for i, record in enumerate(self.export_records(period)):
            chunk.append((b"," if i else b"") + orjson.dumps(dict(zip(keys, record, strict=True))))
            if len(chunk) == 5000:
                yield b"".join(chunk)
                chunk.clear()
        yield b"".join(chunk) + b"]}"

    # ---- rectification records: reads ---------------------------------------------------------------------------

    def _check_sees(self, viewer: Viewer, record: Mapping[str, Any]) -> None:
        if not fb.may_see_record(**_rect_access(viewer, record)):
            raise DomainError("forbidden", "这条整改记录不归您处理。 / This record is not yours to see.", 403)

    def _rect_view(self, viewer: Viewer, record: dict[str, Any], today: dt.date) -> dict[str, Any]:
        step, due = fb.due_step(record)
        view = dict(record)
        view["overdue"] = fb.overdue_step(record, today)
        view["step"], view["step_due"] = step, due
        view["phone_masked"] = mask_phone(record["contact_phone"]) if record["contact_phone"] else ""
        view.pop("contact_phone", None)  # unmasked only through reveal_phone (on record)
        view["reachable"] = bool(record["contact_phone"])
        view["staff_name"] = self.staff_name(record["staff"])
        view["window_name"] = self.window_name(record["window"])
        view["item_name"] = self.item_name(record["item"]) if record["item"] else ""
        view["may_call"] = fb.may_call(**_rect_access(viewer, record))
        view["actions"] = self._allowed(viewer, record)
        return view

    def _allowed(self, viewer: Viewer, record: Mapping[str, Any]) -> list[str]:
        out = []
        for (state, action), _ in fb.RECT_TRANSITIONS.items():
            if state != record["status"]:
                continue
            if action == "appeal" and record.get("appeal_decided_at"):
                continue
            if action == "follow_up" and not record.get("contact_phone"):
                continue
            try:
                fb.check_may_step(action, **_rect_access(viewer, record))
            except DomainError:
                continue
            out.append(action)
        return out

    def rectifications(
        self,
        viewer: Viewer,
        *,
        period: fb.Period | None = None,
        status: str = "",
        window: int | None = None,
        only_owed: bool = False,
        limit: int = 300,
    ) -> list[dict[str, Any]]:
        """The ledger as the viewer may see it: all (manager, supervisor, director, admin), her windows' (window
        head, with her own), her own (clerk). `status`: a state, "owed" (a step still owed) or "overdue"."""
        owner = None if viewer.role in SEE_ALL else (viewer.staff, viewer.heads)
        today = self.today()
        if status in ("owed", "overdue") or only_owed:
            candidates = (
                self.store.overdue_rectifications(today) if status == "overdue" else self.store.open_rectifications()
            )
            rows = [r for r in candidates if owner is None or r["staff"] == viewer.staff or r["window"] in viewer.heads]
            if period is not None:
                rows = [r for r in rows if period.contains(dt.date.fromisoformat(r["day"]))]
            if window is not None:
                rows = [r for r in rows if r["window"] == window]
        else:
            rows = self.store.rectifications(
                start=period.start if period else None,
                end=period.end if period else None,
                status=[status] if status else None,
                windows=[window] if window is not None else None,
                owner=owner,
                limit=limit,
            )
        keyed = [(fb.overdue_step(r, today), fb.due_step(r)[1], r) for r in rows]
        if status == "overdue":
            keyed = [k for k in keyed if k[0]]
        keyed.sort(key=lambda k: (not k[0], k[1] or "9999", k[2]["day"]))
        return [self._rect_view(viewer, r, today) for _, _, r in keyed[:limit]]

    def rectification(self, viewer: Viewer, ticket: str) -> dict[str, Any]:
        record = self.store.rectification(ticket)
        if record is None:
            raise not_found("整改记录", "rectification record")
        self._check_sees(viewer, record)
        view = self._rect_view(viewer, record, self.today())
        view["history"] = [
            {**h, "staff_name": self.staff_name(h["staff"])} for h in self.store.history(ticket) if h["action"] != "x"
        ]
        view["latest_due"] = fb.rectify_due(self.today(), self.hall.calendar, self.config.ratings.rectify_workdays)
        return view

    def reveal_phone(self, viewer: Viewer, ticket: str) -> str:
        """The citizen's phone, unmasked, to the one making the follow-up call — on record."""
        record = self.store.rectification(ticket)
        if record is None:
            raise not_found("整改记录", "rectification record")
        if not fb.may_call(**_rect_access(viewer, record)):
            raise DomainError(
                "forbidden", "只有回访人可以查看完整号码。 / Only the one making the call sees the number.", 403
            )
        if not record["contact_phone"]:
            raise DomainError("no_phone", "评价人没有留下联系方式。 / The citizen left no way to be reached.", 404)
        with self.hall.writing():
            self.hall.audit("rectification.phone_viewed", ticket)
        return str(record["contact_phone"])

    # ---- rectification records: the steps ---------------------------------------------------------------------

    def step(self, viewer: Viewer, ticket: str, action: str, form: Mapping[str, Any]) -> dict[str, Any]:
        """One step of a rectification record (core.feedback.RECT_TRANSITIONS), by who may take it."""
        with self.hall.write_lock:  # the check and the write together
            record = self.store.rectification(ticket)
            if record is None:
                raise not_found("整改记录", "rectification record")
            self._check_sees(viewer, record)
            fb.check_may_step(action, **_rect_access(viewer, record))
            state = fb.next_rect_state(record["status"], action, appeal_decided=bool(record["appeal_decided_at"]))
            fields = self._step_fields(record, action, form)
            fields["status"] = state
            fields["updated_at"] = self.hall.now().isoformat()
            shown = {k: (mask_phone(v) if k == "contact_phone" else v) for k, v in fields.items()}

            def change() -> None:
                self.store.update_rectification(ticket, **fields)
                if action == "uphold":  # the rating leaves its day's figures
                    self.forget_figures(dt.date.fromisoformat(record["day"]))

            self._write(f"rectification.{action}", ticket, {"status": record["status"]}, shown, change)
        return {**record, **fields}

    def _step_fields(self, record: Mapping[str, Any], action: str, form: Mapping[str, Any]) -> dict[str, Any]:
        now = self.hall.now()
        today = self.today()
        at = now.isoformat()
        cal = self.hall.calendar
        note = str(form.get("note", "")).strip()
        measures = mask_numbers_in_text(str(form.get("measures", "")).strip())
        follow_up_due = fb.follow_up_due(today, cal, self.rules.follow_up_workdays).isoformat()
        if action == "verify":
            fields: dict[str, Any] = {
                "verified_at": at,
                "verified_by": self._actor(),
                "verify_note": fb.require_text(note, "核实情况", "What was found"),
            }
            phone = _phone(str(form.get("contact_phone", "")))
            if phone and not record["contact_phone"]:
                fields.update(contact_phone=phone, contact_source="verification")
            return fields
        if action in ("on_the_spot", "explanation"):
            fields = {
                "outcome": action,
                "outcome_at": at,
                "outcome_by": self._actor(),
                "outcome_note": fb.require_text(
                    note,
                    "整改或解释情况",
                    "What was done or explained" if action == "on_the_spot" else "The explanation",
                ),
                "measures": measures,
                "follow_up_due": follow_up_due,
            }
            if action == "on_the_spot":
                fields.update(rectified_at=at, rectified_by=self._actor())
            return fields
        if action == "deadline":
            latest = fb.rectify_due(today, cal, self.config.ratings.rectify_workdays)
            raw = str(form.get("due", "")).strip()
            try:
                chosen = dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                raise DomainError("bad_due_date", "日期格式应为 YYYY-MM-DD。 / Dates are YYYY-MM-DD.", 400) from None
            return {
                "outcome": action,
                "outcome_at": at,
                "outcome_by": self._actor(),
                "outcome_note": fb.require_text(note, "整改措施和计划", "The rectification plan"),
                "measures": measures,
                "rectify_due": fb.check_rectify_due(chosen, today, latest).isoformat(),
            }
        if action == "appeal":
            grounds = str(form.get("grounds", ""))
            if grounds not in fb.APPEAL_GROUNDS:
                raise DomainError("bad_choice", "请选择申诉理由：误评或恶意评价。 / Choose the grounds.", 400)
            return {
                "outcome": action,
                "outcome_at": at,
                "outcome_by": self._actor(),
                "outcome_note": fb.require_text(note, "申诉理由和依据", "The grounds of the appeal"),
                "appeal_grounds": grounds,
            }
        if action == "complete":
            return {
                "rectified_at": at,
                "rectified_by": self._actor(),
                "measures": measures or record["measures"],
                "outcome_note": (record["outcome_note"] + "\n" if record["outcome_note"] else "")
                + fb.require_text(note, "整改完成情况", "What was done"),
                "follow_up_due": follow_up_due,
            }
        if action in ("uphold", "reject"):
            return {
                "appeal_decided_at": at,
                "appeal_decided_by": self._actor(),
                "appeal_upheld": 1 if action == "uphold" else 0,
                "appeal_decision_note": fb.require_text(note, "决定理由", "The reason of the decision"),
                **({"outcome": None} if action == "reject" else {}),
            }
        if action == "follow_up":
            if not record["contact_phone"]:
                raise DomainError(
                    "no_phone", "评价人没有留下联系方式，无法回访。 / The citizen left no way to be reached.", 409
                )
            view = str(form.get("view", ""))
            if view not in fb.FOLLOW_UP_VIEWS:
                raise DomainError("bad_choice", "请选择群众对整改的评价。 / Choose the citizen's view.", 400)
            return {
                "followed_up_at": at,
                "followed_up_by": self._actor(),
                "follow_up_view": view,
                "follow_up_note": mask_numbers_in_text(note),
            }
        raise DomainError("wrong_step", f"未知的步骤 {action!r}。 / Unknown step {action!r}.", 400)

    @staticmethod
    def _actor() -> str:
        from application.audit import current_actor

        return current_actor.get().staff

    # ---- reads for the scores (issue 14) and the live page ------------------------------------------------------

    def late_rectification_steps(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """Rectification deadlines (verify, rectify) that fell in [start, end) and were missed — done after the
        day, or still owed today — per record: ticket, window, staff, step, due, done_on."""
        today = self.today()
        out = []
        for record in self.store.late_rectifications(start, end):
            for late in fb.late_steps(record, today):
                if start.isoformat() <= late["due"] < end.isoformat():
                    out.append(
                        {"ticket": record["ticket"], "window": record["window"], "staff": record["staff"], **late}
                    )
        return out

    def verified_complaints(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """Complaints decided in [start, end) as founded or partly founded (core.complaints.VERIFIED_FINDINGS):
        what the scores count as a verified complaint. No complainant details."""
        return [
            {k: c[k] for k in ("id", "number", "window", "staff", "finding", "decided_at", "named", "route")}
            for c in self.store.decided_complaints(start, end)
            if cp.verified(c["finding"])
        ]

    def score_lines(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """The monthly scores' lines from these ledgers (application/people.py reads them; core.scoring.ScoreLine
        keys), for the days first..last: a founded or partly founded complaint is a "verified_complaint" of the
        clerk (or staff member) it names and her window, on the day it was decided (with the warning ground its
        grounds support); a missed rectification deadline is an "other" line of the clerk rated (points from the
        hall's table)."""
        end = last + dt.timedelta(days=1)
        lines: list[dict[str, Any]] = []
        for c in self.verified_complaints(first, end):
            row = self.store.complaint(c["id"]) or {}
            grounds = row.get("grounds") or []
            ground = next((COMPLAINT_GROUND_WARNINGS[g] for g in grounds if g in COMPLAINT_GROUND_WARNINGS), "")
            who = c["staff"] or next(iter(c["named"]), "")
            lines.append(
                {
                    "day": self.local_day(c["decided_at"]),
                    "kind": "verified_complaint",
                    "what": f"投诉{c['number']}{cp.FINDINGS[c['finding']][0]}：{'、'.join(grounds) or '—'}",
                    "source": "complaint",
                    "staff": who,
                    "window": c["window"],
                    "points": None,
                    "recorded_by": row.get("decided_by") or "",
                    "ref": c["number"],
                    "ground": ground,
                }
            )
        names = {"verify": "核实", "rectify": "整改"}
        for late in self.late_rectification_steps(first, end):
            lines.append(
                {
                    "day": dt.date.fromisoformat(late["due"]),
                    "kind": "other",
                    "what": f"差评{names[late['step']]}逾期（应于{late['due']}，"
                    f"{'于' + late['done_on'] + '完成' if late['done_on'] else '尚未完成'}）",
                    "source": "rating",
                    "staff": late["staff"],
                    "window": late["window"],
                    "points": None,
                    "recorded_by": "",
                    "ref": late["ticket"],
                    "ground": "",
                }
            )
        return lines

    def alerts(self, viewer: Viewer) -> dict[str, Any]:
        """What the live page and a window head's view show in red: overdue rectification steps, complaints due
        soon or overdue (as far as the viewer may see them), the month's visits still owed."""
        overdue = self.rectifications(viewer, status="overdue", limit=50)
        complaints = [c for c in self.complaints(viewer, owed_only=True) if c["overdue"] or c["due_soon"]]
        month = fb.period_of("month", self.today())
        visits = None
        if viewer.role in VISIT_ROLES:
            done = sum(self.store.visits_per_month(month.start, month.end).values())
            visits = {"done": done, "due": fb.visits_due(done, self.rules.visits_per_month)}
        return {"rectifications": overdue, "complaints": complaints, "visits": visits}

    # ---- complaints -------------------------------------------------------------------------------------------------

    def _named_roles(self, named: Iterable[str]) -> list[str]:
        roles = []
        for code in named:
            member = self.config.staff_member(code)
            if member is not None:
                roles.append(member.role)
        return roles

    def accept_complaint(self, viewer: Viewer, form: Mapping[str, Any]) -> dict[str, Any]:
        """受理: register a complaint (every one is registered, also outside the hall's remit)."""
        if viewer.role not in ACCEPT_COMPLAINTS:
            raise DomainError("forbidden", "您的角色不能受理投诉。 / Your role does not accept complaints.", 403)
        channel = cp.require_choice(str(form.get("channel", "")), cp.CHANNELS, "投诉渠道", "channel")
        kind = str(form.get("form") or cp.CHANNELS[channel][2])
        cp.require_choice(kind, cp.FORMS, "投诉形式", "form")
        complexity = cp.require_choice(str(form.get("complexity", "simple")), cp.COMPLEXITY, "复杂程度", "complexity")
        window = int(form["window"]) if str(form.get("window") or "").strip() else None
        if window is not None and self.config.window(window) is None:
            raise DomainError("unknown_window", f"没有{window}号窗口。 / There is no window {window}.", 400)
        staff = str(form.get("staff") or "").strip() or None
        named = [staff] if staff else []
        for code in form.get("named") or []:
            code = str(code).strip()
            if code and code not in named:
                named.append(code)
        for code in named:
            if self.config.staff_member(code) is None:
                raise DomainError("unknown_staff", f"没有工号 {code}。 / There is no staff number {code}.", 400)
        item = str(form.get("item") or "").strip() or None
        if item and self.config.item(item) is None:
            raise DomainError("unknown_item", f"没有事项 {item!r}。 / There is no item {item!r}.", 400)
        grounds = [g for g in (form.get("grounds") or []) if g]
        unknown = [g for g in grounds if g not in self.rules.complaint_grounds]
        if unknown:
            raise DomainError("bad_choice", f"投诉事由 {unknown} 无效。 / Unknown grounds {unknown}.", 400)
        summary = fb.require_text(str(form.get("summary", "")), "投诉内容", "What happened")
        outside = bool(form.get("outside_remit"))
        referred_to = str(form.get("referred_to", "")).strip()
        if outside and not referred_to:
            raise DomainError(
                "referral_required",
                "不属本中心受理的投诉须写明告知投诉人去向。 / Say where the complainant was told to go.",
                400,
            )
        anonymous = bool(form.get("anonymous"))
        route = cp.route(
            named_roles=self._named_roles(named),
            about_leadership=bool(form.get("about_leadership")),
            outside_remit=outside,
            leadership=self.rules.leadership_roles,
        )
        ticket = str(form.get("ticket") or "").strip() or None
        now = self.hall.now()
        today = self.today()
        due = cp.answer_due(
            today,
            complexity,
            self.hall.calendar,
            simple_workdays=self.rules.complaint_simple_workdays,
            complex_workdays=self.config.deadlines.complaint_workdays,
        )
        complaint_id = secrets.token_hex(6)
        with self.hall.write_lock:
            number = cp.complaint_number(today, self.store.next_complaint_seq(today))
            row = {
                "id": complaint_id,
                "number": number,
                "received_at": now.isoformat(),
                "day": today.isoformat(),
                "channel": channel,
                "form": kind,
                "anonymous": int(anonymous),
                "name": "" if anonymous else str(form.get("name", "")).strip()[:40],
                "phone": "" if anonymous else _phone(str(form.get("phone", ""))),
                "address": "" if anonymous else str(form.get("address", "")).strip()[:200],
                "window": window,
                "staff": staff,
                "item": item,
                "ticket": ticket,
                "named": named,
                "about_leadership": int(bool(form.get("about_leadership"))),
                "route": route,
                "referred_to": referred_to if outside else (self.rules.higher_authority if route == "higher" else ""),
                "grounds": grounds,
                "summary": summary,
                "received_by": viewer.staff,
                "complexity": complexity,
                "due_date": due.isoformat(),
                "status": cp.first_state(route),
                "updated_at": now.isoformat(),
            }
            after = {k: row[k] for k in ("number", "channel", "form", "window", "staff", "route", "due_date")}
            self._write("complaint.accepted", complaint_id, None, after, lambda: self.store.add_complaint(row))
        visible = self._access(viewer, row).see
        return {"id": complaint_id, "visible": visible, **after}

    def _access(self, viewer: Viewer, c: Mapping[str, Any]) -> cp.Access:
        return cp.access(
            role=viewer.role,
            staff=viewer.staff,
            heads=viewer.heads,
            named=set(c["named"]),
            route_=c["route"],
            window=c["window"],
        )

    def _complaint_view(self, viewer: Viewer, c: dict[str, Any], today: dt.date) -> dict[str, Any]:
        acc = self._access(viewer, c)
        view = {k: v for k, v in c.items() if k not in ("name", "phone", "address")}
        if not acc.identity:  # notes and answers may name the complainant: only for who may know her
            view.update(notes=[], answer_text="", answered_to="", outcome_above="", delay_reason="")
            view["summary"] = mask_numbers_in_text(c["summary"])
        for key in ("decided_by", "answered_by", "archived_by"):
            view[f"{key}_name"] = self.staff_name(c[key]) if c[key] else ""
        view["notes"] = [{**n, "by_name": self.staff_name(n["by"])} for n in view["notes"]]
        view["has_identity"] = not c["anonymous"] and bool(c["name"] or c["phone"] or c["address"])
        view["overdue"] = cp.is_overdue(c["status"], c["due_date"], today)
        view["due_soon"] = cp.is_due_soon(c["status"], c["due_date"], today, self.hall.calendar)
        view["may_handle"] = acc.handle
        view["may_see_identity"] = acc.identity
        view["may_reopen"] = c["status"] == cp.ARCHIVED and viewer.role == "director" and acc.see
        view["staff_name"] = self.staff_name(c["staff"]) if c["staff"] else ""
        view["received_by_name"] = f"{self.staff_name(c['received_by'])}（{c['received_by']}）"
        view["named_names"] = [f"{self.staff_name(s)}（{s}）" for s in c["named"]]
        view["window_name"] = self.window_name(c["window"]) if c["window"] else ""
        view["item_name"] = self.item_name(c["item"]) if c["item"] else ""
        view["actions"] = (
            [a for (s, a) in cp.TRANSITIONS if s == c["status"] and a != "reopen"] if acc.handle else []
        ) + (["reopen"] if view["may_reopen"] else [])
        return view

    def complaints(
        self, viewer: Viewer, *, period: fb.Period | None = None, status: str = "", owed_only: bool = False
    ) -> list[dict[str, Any]]:
        """The ledger as the viewer may see it (core.complaints.access) — never the complainant."""
        self.escalate_overdue()
        today = self.today()
        rows = self.store.complaints(
            start=period.start if period else None,
            end=period.end if period else None,
            status=sorted(cp.OPEN_STATES) if owed_only else ([status] if status else None),
        )
        out = [self._complaint_view(viewer, c, today) for c in rows if self._access(viewer, c).see]
        out.sort(key=lambda c: (not c["overdue"], not c["due_soon"], c["status"] == cp.ARCHIVED, c["due_date"]))
        return out

    def _complaint(self, viewer: Viewer, complaint_id: str) -> dict[str, Any]:
        c = self.store.complaint(complaint_id)
        if c is None or not self._access(viewer, c).see:
            raise not_found("投诉", "complaint")  # one naming the viewer (sent higher) does not exist for her
        return c

    def complaint(self, viewer: Viewer, complaint_id: str) -> dict[str, Any]:
        c = self._complaint(viewer, complaint_id)
        view = self._complaint_view(viewer, c, self.today())
        view["history"] = [
            {**h, "staff_name": self.staff_name(h["staff"])}
            for h in self.store.history(complaint_id)
            if h["action"] != "complaint.identity_viewed" or viewer.role in ("director", "supervisor")
        ]
        view["escalation"] = {"office": self.rules.efficiency_office, "phone": self.rules.efficiency_office_phone}
        view["higher"] = {"office": self.rules.higher_authority, "phone": self.rules.higher_authority_phone}
        return view

    def complainant(self, viewer: Viewer, complaint_id: str, purpose: str = "view") -> dict[str, Any]:
        """The complainant's identity: only to a supervisor or the director not named in it — every look on record."""
        c = self._complaint(viewer, complaint_id)
        if not self._access(viewer, c).identity:
            raise DomainError(
                "forbidden",
                "投诉人身份保密，仅督查和中心主任可以查看。 / The complainant's identity is for supervisors and the director.",
                403,
            )
        with self.hall.writing():
            self.hall.audit("complaint.identity_viewed", complaint_id, after={"purpose": purpose})
        return {
            "anonymous": bool(c["anonymous"]),
            "name": c["name"],
            "phone": c["phone"],
            "address": c["address"],
            "name_masked": mask_name(c["name"]),
            "phone_masked": mask_phone(c["phone"]) if c["phone"] else "",
        }

    def complaint_step(self, viewer: Viewer, complaint_id: str, action: str, form: Mapping[str, Any]) -> dict[str, Any]:
        """One step of the flow (core.complaints.TRANSITIONS): investigate, decide, delay, answer, archive,
        record_outcome (sent higher), reopen (the director, on record)."""
        with self.hall.write_lock:
            c = self._complaint(viewer, complaint_id)
            acc = self._access(viewer, c)
            if action == "reopen":
                cp.check_reopen(viewer.role, acc)
            else:
                cp.check_handle(acc)
            state = cp.next_state(c["status"], action)
            fields = self._complaint_fields(c, action, form)
            fields["status"] = state
            fields["updated_at"] = self.hall.now().isoformat()
            after = {k: v for k, v in fields.items() if k not in ("notes",)}
            if action == "investigate":
                after["note"] = fields["notes"][-1]["text"]
            self._write(
                f"complaint.{action}",
                complaint_id,
                {"status": c["status"]},
                after,
                lambda: self.store.update_complaint(complaint_id, **fields),
            )
        return self.complaint(viewer, complaint_id)

    def _complaint_fields(self, c: Mapping[str, Any], action: str, form: Mapping[str, Any]) -> dict[str, Any]:
        at = self.hall.now().isoformat()
        who = self._actor()
        note = str(form.get("note", "")).strip()
        if action == "investigate":
            text = fb.require_text(note, "调查情况", "The investigation note")
            return {"notes": [*c["notes"], {"at": at, "by": who, "text": text}]}
        if action == "decide":
            finding = cp.require_choice(str(form.get("finding", "")), cp.FINDINGS, "调查结论", "finding")
            return {
                "finding": finding,
                "action_taken": fb.require_text(str(form.get("action_taken", "")), "处理措施", "The action taken"),
                "decided_by": who,
                "decided_at": at,
            }
        if action == "delay":
            return {"delay_reason": fb.require_text(note, "延期原因", "Why it is late"), "delay_told_at": at}
        if action == "answer":
            kind = str(form.get("answer_form") or c["form"])
            cp.check_answer_form(c["form"], kind)
            view = str(form.get("satisfaction") or "none")
            cp.require_choice(view, cp.ANSWER_VIEWS, "投诉人对答复的评价", "satisfaction")
            text = fb.require_text(
                str(form.get("answer_text", "")),
                "答复内容" if kind == "oral" else "答复函正文",
                "What was said" if kind == "oral" else "The letter's text",
            )
            when = str(form.get("answered_at") or "").strip()
            if when:
                try:
                    when = dt.datetime.fromisoformat(when).replace(tzinfo=self.config.tz).isoformat()
                except ValueError:
                    raise DomainError("bad_time", "答复时间格式不正确。 / The time looks wrong.", 400) from None
            return {
                "answer_form": kind,
                "answer_text": text,
                "answered_by": who,
                "answered_to": str(form.get("answered_to", "")).strip()[:60],
                "answered_at": when or at,
                "satisfaction": view,
            }
        if action == "record_outcome":
            return {"outcome_above": fb.require_text(note, "上级机关处理结果", "The higher authority's outcome")}
        if action == "archive":
            return {"archived_at": at, "archived_by": who}
        if action == "reopen":
            fb.require_text(note, "重新办理的理由", "Why it is reopened")
            notes = [*c["notes"], {"at": at, "by": who, "text": f"重新办理：{note}"}]
            return {"archived_at": None, "archived_by": None, "reopened": c["reopened"] + 1, "notes": notes}
        raise DomainError("wrong_step", f"未知的步骤 {action!r}。 / Unknown step {action!r}.", 400)

    def letter(self, viewer: Viewer, complaint_id: str, kind: str) -> dict[str, Any]:
        """What a printed letter needs — the acknowledgement (受理回执) or the written reply (答复函) — with the
        complainant's name and address for the envelope: a handler only, on record."""
        c = self._complaint(viewer, complaint_id)
        if kind == "reply" and c["form"] != "written":
            raise DomainError("wrong_answer_form", "口头投诉不出具答复函。 / An oral complaint gets no letter.", 400)
        if kind == "reply" and not c["answer_text"]:
            raise DomainError("not_answered", "尚未填写答复函正文。 / The reply is not written yet.", 409)
        identity = self.complainant(viewer, complaint_id, purpose=f"letter:{kind}")
        view = self._complaint_view(viewer, c, self.today())
        view["identity"] = identity
        view["escalation"] = {"office": self.rules.efficiency_office, "phone": self.rules.efficiency_office_phone}
        return view

    def escalate_overdue(self) -> int:
        """An overdue complaint goes to the director (once, on record) — run on every read of the ledger."""
        today = self.today()
        late = [
            c
            for c in self.store.complaints(status=sorted(cp.OPEN_STATES))
            if cp.is_overdue(c["status"], c["due_date"], today) and not c["escalated_at"]
        ]
        if not late:
            return 0
        from application.audit import SYSTEM, acting

        with acting(SYSTEM), self.hall.writing():
            for c in late:
                at = self.hall.now().isoformat()
                self.store.update_complaint(c["id"], escalated_at=at)
                self.hall.audit(
                    "complaint.escalated",
                    c["id"],
                    after={"to": "director", "due_date": c["due_date"], "route": self.rules.efficiency_office},
                )
        return len(late)

    # ---- surveys (服务对象评议) -------------------------------------------------------------------------------------

    def _check_manages_surveys(self, viewer: Viewer) -> None:
        if viewer.role not in MANAGE_SURVEYS:
            raise DomainError("forbidden", "只有大厅负责人可以管理问卷。 / Only a manager runs surveys.", 403)

    def create_survey(self, viewer: Viewer, form: Mapping[str, Any]) -> dict[str, Any]:
        self._check_manages_surveys(viewer)
        title, questions = fb.check_questionnaire(str(form.get("title", "")), form.get("questions") or [])
        try:
            opens = dt.date.fromisoformat(str(form.get("opens_on")))
            closes = dt.date.fromisoformat(str(form.get("closes_on")))
        except ValueError:
            raise DomainError("bad_dates", "请填写开始和结束日期。 / Give the start and end dates.", 400) from None
        fb.check_survey_dates(opens, closes)
        survey_id = secrets.token_hex(5)
        row = {
            "id": survey_id,
            "title": title,
            "intro": str(form.get("intro", "")).strip()[:1000],
            "questions": [q.__dict__ | {"options": list(q.options)} for q in questions],
            "allow_comment": int(bool(form.get("allow_comment", True))),
            "status": "draft",
            "opens_on": opens.isoformat(),
            "closes_on": closes.isoformat(),
            "created_at": self.hall.now().isoformat(),
            "created_by": viewer.staff,
            "salt": secrets.token_hex(16),
        }
        after = {k: row[k] for k in ("title", "opens_on", "closes_on")} | {"questions": len(questions)}
        self._write("survey.created", survey_id, None, after, lambda: self.store.add_survey(row))
        return self.survey(survey_id)

    def set_survey_status(self, viewer: Viewer, survey_id: str, status: str) -> dict[str, Any]:
        """Open a draft, close an open survey. Closing forgets the key that told one ticket's answer from another's:
        from then on no answer can be matched to a ticket."""
        self._check_manages_surveys(viewer)
        survey = self.survey(survey_id)
        allowed = {("draft", "open"), ("open", "closed")}
        if (survey["status"], status) not in allowed:
            raise DomainError("wrong_step", "问卷状态不能这样改变。 / The survey cannot change so.")
        fields: dict[str, Any] = {"status": status}
        if status == "closed":
            fields["salt"] = ""
        self._write(
            f"survey.{status}",
            survey_id,
            {"status": survey["status"]},
            {"status": status},
            lambda: self.store.update_survey(survey_id, **fields),
        )
        return self.survey(survey_id)

    def survey(self, survey_id: str) -> dict[str, Any]:
        row = self.store.survey(survey_id)
        if row is None:
            raise not_found("问卷", "survey")
        return row

    def surveys(self) -> list[dict[str, Any]]:
        return self.store.surveys()

    @staticmethod
    def _questions(survey: Mapping[str, Any]) -> tuple[fb.Question, ...]:
        return tuple(
            fb.Question(q["id"], q["text"], q["kind"], tuple(q.get("options") or ())) for q in survey["questions"]
        )

    def _ticket_key(self, survey: Mapping[str, Any], ticket_id: str) -> str:
        return hashlib.sha256(f"{survey['salt']}|{ticket_id}".encode()).hexdigest()

    def survey_for_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        """The open survey this ticket may still answer (the phone page links to it), or None."""
        today = self.today()
        for survey in self.store.surveys("open"):
            accepts = fb.survey_accepts(survey["status"], survey["opens_on"], survey["closes_on"], today)
            if accepts and not self.store.has_answer(survey["id"], self._ticket_key(survey, ticket_id)):
                return survey
        return None

    def answer_survey(
        self, survey_id: str, ticket_id: str, answers: Mapping[str, Any], comment: str = "", channel: str = "phone"
    ) -> None:
        """A citizen's answers (from the phone page, the kiosk or the pad): once per ticket, anonymous — kept with
        the window that served the ticket and the day, never the ticket, a name or a phone."""
        survey = self.survey(survey_id)
        if not fb.survey_accepts(survey["status"], survey["opens_on"], survey["closes_on"], self.today()):
            raise DomainError("survey_closed", "该问卷现在不接受回答。 / This survey is not open.", 409)
        ticket = self.hall.find_ticket(ticket_id)
        if ticket is None:
            raise not_found("号", "ticket")
        if channel not in fb.SURVEY_CHANNELS:
            raise DomainError("bad_choice", "未知渠道。 / Unknown channel.", 400)
        sheet, note = fb.check_survey_answers(
            self._questions(survey), answers, comment if survey["allow_comment"] else ""
        )
        row = {
            "survey": survey_id,
            "ticket_key": self._ticket_key(survey, ticket_id),
            "window": ticket.window,
            "day": self.today().isoformat(),
            "channel": channel,
            "answers": sheet,
            "comment": mask_numbers_in_text(note),
        }
        with self.hall.writing():
            if not self.store.add_answer(row):
                raise DomainError(
                    "already_answered", "这张号已经参加过本次调查。 / This ticket has already answered this survey."
                )

    def survey_report(
        self, survey_id: str, *, window: int | None = None, period: fb.Period | None = None
    ) -> dict[str, Any]:
        """Results per question (all answers, or one window's, or a period's), per window and channel; the
        comments (numbers masked); the report text and the rectifications it leads to."""
        survey = self.survey(survey_id)
        questions = self._questions(survey)
        sheets = self.store.answers(survey_id, period.start if period else None, period.end if period else None, window)
        windows = Counter(s["window"] for s in sheets)
        per_window = []
        all_sheets = self.store.answers(survey_id, period.start if period else None, period.end if period else None)
        by_window: dict[Any, list[Mapping[str, Any]]] = {}
        for s in all_sheets:
            by_window.setdefault(s["window"], []).append(s["answers"])
        for number, group in sorted(by_window.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
            levels = [q for q in questions if q.kind == "levels"]
            counts: Counter[int] = Counter(int(sheet[q.id]) for sheet in group for q in levels if q.id in sheet)
            per_window.append(
                {
                    "window": number,
                    "name": self.window_name(number) if number else "（未在窗口办理）",
                    "answers": len(group),
                    "satisfaction": fb.satisfaction(counts, self.rules.satisfied_levels),
                }
            )
        return {
            "survey": survey,
            "questions": fb.survey_results(questions, [s["answers"] for s in sheets], self.rules.satisfied_levels),
            "answers": len(sheets),
            "windows": per_window,
            "window_counts": dict(windows),
            "channels": dict(Counter(s["channel"] for s in sheets)),
            "comments": [s["comment"] for s in sheets if s["comment"]],
            "actions": self.store.actions(survey_id),
        }

    def publish_survey_report(self, viewer: Viewer, survey_id: str, report: str) -> dict[str, Any]:
        self._check_manages_surveys(viewer)
        self.survey(survey_id)
        text = fb.require_text(report, "调查报告", "The report")
        at = self.hall.now().isoformat()
        self._write(
            "survey.report_published",
            survey_id,
            None,
            {"report": text[:200]},
            lambda: self.store.update_survey(survey_id, report=mask_numbers_in_text(text), published_at=at),
        )
        return self.survey(survey_id)

    def add_survey_action(self, viewer: Viewer, survey_id: str, text: str, owner: str = "", due: str = "") -> None:
        """A rectification the survey leads to (整改措施), with its owner and due day."""
        self._check_manages_surveys(viewer)
        self.survey(survey_id)
        row = {
            "survey": survey_id,
            "text": fb.require_text(text, "整改措施", "The rectification"),
            "owner": owner.strip()[:60],
            "due": due or None,
            "created_at": self.hall.now().isoformat(),
        }
        self._write("survey.action_added", survey_id, None, row, lambda: self.store.add_action(row))

    def finish_survey_action(self, viewer: Viewer, survey_id: str, action_id: int) -> None:
        self._check_manages_surveys(viewer)
        at = self.hall.now().isoformat()
        self._write(
            "survey.action_done",
            survey_id,
            None,
            {"action": action_id},
            lambda: self.store.update_action(action_id, done_at=at),
        )

    # ---- follow-up visits (回访) ------------------------------------------------------------------------------------

    def _check_visits(self, viewer: Viewer) -> None:
        if viewer.role not in VISIT_ROLES:
            raise DomainError("forbidden", "您的角色不能登记回访。 / Your role does not record visits.", 403)

    def add_visit(self, viewer: Viewer, form: Mapping[str, Any]) -> dict[str, Any]:
        self._check_visits(viewer)
        who_kind = cp.require_choice(str(form.get("who_kind", "")), fb.VISIT_WHO, "回访对象类型", "kind")
        how = cp.require_choice(str(form.get("how", "")), fb.VISIT_HOW, "回访方式", "way")
        try:
            day = dt.date.fromisoformat(str(form.get("day") or self.today().isoformat()))
        except ValueError:
            raise DomainError("bad_day", "日期格式应为 YYYY-MM-DD。 / The day must be YYYY-MM-DD.", 400) from None
        if day > self.today():
            raise DomainError("bad_day", "回访日期不能晚于今天。 / A visit cannot be in the future.", 400)
        visit_id = secrets.token_hex(6)
        row = {
            "id": visit_id,
            "day": day.isoformat(),
            "who_kind": who_kind,
            "who": fb.require_text(str(form.get("who", "")), "回访对象", "Who was visited")[:80],
            "contact": str(form.get("contact", "")).strip()[:80],
            "how": how,
            "said": fb.require_text(str(form.get("said", "")), "意见和建议", "What they said"),
            "plan": str(form.get("plan", "")).strip(),
            "by": viewer.staff,
            "created_at": self.hall.now().isoformat(),
        }
        after = {k: row[k] for k in ("day", "who_kind", "how")}
        self._write("visit.recorded", visit_id, None, after, lambda: self.store.add_visit(row))
        return row

    def visit_told_back(self, viewer: Viewer, visit_id: str, text: str, day: str = "") -> None:
        """When, and what, the hall told the visited citizen or business about what it did (反馈)."""
        self._check_visits(viewer)
        if self.store.visit(visit_id) is None:
            raise not_found("回访记录", "visit")
        told = day or self.today().isoformat()
        body = fb.require_text(text, "反馈内容", "What was told back")
        self._write(
            "visit.told_back",
            visit_id,
            None,
            {"told_back_on": told},
            lambda: self.store.update_visit(visit_id, told_back_on=told, told_back=body),
        )

    def visits(self, month: fb.Period) -> dict[str, Any]:
        """The month's visits, and the last twelve months against `[feedback] visits_per_month` (a month short of it
        shows as due)."""
        rows = self.store.visits(month.start, month.end)
        first = month
        for _ in range(11):
            first = first.previous()
        counts = self.store.visits_per_month(first.start, month.end)
        months = []
        m = first
        while m.start <= month.start:
            done = counts.get(m.key, 0)
            months.append({"month": m.key, "done": done, "due": fb.visits_due(done, self.rules.visits_per_month)})
            m = m.following()
        return {
            "visits": [{**v, "by_name": self.staff_name(v["by"])} for v in rows],
            "months": months,
            "target": self.rules.visits_per_month,
            "due": fb.visits_due(len(rows), self.rules.visits_per_month),
        }

    # ---- the monthly public page (好差评公示) ------------------------------------------------------------------------

    def public_month(self, month: fb.Period) -> dict[str, Any]:
        """Figures per window, what was rectified, follow-up rate against the target, complaints received and
        founded, survey reports published — and no personal data (no names, phones, comments, ticket ids)."""
        figures = self.figures(month)
        windows = [
            {k: r[k] for k in ("unit", "name", "served", "rated", "rating_rate", "satisfaction", "bad")}
            for r in figures["tables"]["window"]
        ]
        # what was rectified, one line per window, outcome and measure (with how many ratings it answered)
        groups: dict[tuple[Any, ...], dict[str, Any]] = {}
        known_reasons = set(self.config.ratings.bad_reasons)
        for r in self.store.rectifications(start=month.start, end=month.end, limit=100_000):
            if r["status"] not in (fb.RECTIFIED, fb.EXPLAINED, fb.CLOSED) or r["outcome"] not in fb.OUTCOMES:
                continue
            measures = mask_numbers_in_text(r["measures"])
            key = (r["window"], r["outcome"], measures)
            g = groups.setdefault(
                key,
                {
                    "window": r["window"],
                    "window_name": self.window_name(r["window"]),
                    "outcome": r["outcome"],
                    "measures": measures,
                    "reasons": Counter(),
                    "count": 0,
                    "views": Counter(),
                    "first": r["day"],
                },
            )
            g["count"] += 1
            g["first"] = min(g["first"], r["day"])
            g["reasons"].update(x for x in r["reasons"] if x in known_reasons)
            if r["follow_up_view"] and r["follow_up_view"] != "unreachable":
                g["views"][r["follow_up_view"]] += 1
        rectified = sorted(groups.values(), key=lambda g: (g["window"], g["first"]))
        for g in rectified:
            g["reasons"] = [reason for reason, _ in g["reasons"].most_common()]
            g["day"] = g["first"]
            g["follow_up_view"] = g["views"].most_common(1)[0][0] if g["views"] else None
        counts = figures["rectifications"]
        complaints = self.store.complaints(start=month.start, end=month.end)
        surveys = [
            s for s in self.store.surveys() if s["published_at"] and month.contains(self.local_day(s["published_at"]))
        ]
        return {
            "period": month,
            "total": figures["total"],
            "windows": windows,
            "rectified": rectified,
            "bad": figures["total"]["bad"],
            "upheld": counts.get(fb.UPHELD, 0),
            "follow_up_rate": fb.follow_up_rate(counts["followed_up"], counts["reachable"]),
            "follow_up_target": self.rules.follow_up_target,
            "complaints": {
                "received": len(complaints),
                "founded": sum(1 for c in complaints if cp.verified(c["finding"])),
                "answered": sum(1 for c in complaints if c["answered_at"]),
            },
            "surveys": [{"id": s["id"], "title": s["title"], "report": s["report"]} for s in surveys],
        }
