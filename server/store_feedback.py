"""The SQL of 好差评, rectifications, complaints, surveys and visits (issue 12), over the hall's SqliteStore.

Writes go through the store's one writer connection inside `HallService.writing()` (one transaction, the hall
lock); reads borrow a pooled reader (`SqliteStore._rows`). Figures are grouped in SQL and finished in
core/feedback.py (one definition of each rate).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from server.store_base import AreaStore, in_list

_JSON_COLUMNS = {"reasons", "named", "grounds", "notes", "questions", "answers"}


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    data = dict(row)
    for key in _JSON_COLUMNS & data.keys():
        if isinstance(data[key], str):
            data[key] = json.loads(data[key])
    return data


def _at(day: dt.date) -> str:
    """The first instant of a local day as stored times compare (ISO text, the hall's offset follows the date)."""
    return day.isoformat()


# Ratings that count: a director's upheld appeal takes a rating out of the figures (kept, on record).
_COUNTED = "NOT EXISTS (SELECT 1 FROM rectifications x WHERE x.ticket = r.ticket AND x.appeal_upheld = 1)"


def _by_day_and_status(
    start: dt.date | None, end: dt.date | None, status: Sequence[str] | None
) -> tuple[list[str], list[Any]]:
    """The WHERE terms and their parameters of a ledger asked for by day in [start, end) and by state."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if start is not None:
        where.append("day >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("day < ?")
        params.append(end.isoformat())
    if status:
        where.append(f"status IN ({in_list(status)})")
        params += list(status)
    return where, params


class FeedbackStore(AreaStore):
    # ---- plumbing ----------------------------------------------------------------------------------------

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self.store._rows(sql, params)

    def _one(self, table: str, key: str, value: Any) -> dict[str, Any] | None:
        """The row of `table` whose `key` is `value` (JSON columns decoded), or None."""
        return _row(next(iter(self._rows(f"SELECT * FROM {table} WHERE {key} = ?", (value,))), None))

    def history(self, target: str, limit: int = 200) -> list[dict[str, Any]]:
        """The audit log's entries for one record (its steps, who, when)."""
        rows = self._rows("SELECT * FROM audit WHERE target = ? ORDER BY id LIMIT ?", (target, limit))
        return [dict(r) for r in rows]

    # ---- ratings: figures ------------------------------------------------------------------------------------

    # The figures of closed days, kept (feedback_daily): a month's page reads a few thousand rows.

    def cached_days(self, start: dt.date, end: dt.date) -> set[str]:
        rows = self._rows(
            "SELECT day FROM feedback_days WHERE day >= ? AND day < ?", (start.isoformat(), end.isoformat())
        )
        return {r["day"] for r in rows}

    def daily_totals(self, start: dt.date, end: dt.date) -> list[sqlite3.Row]:
        """Kept days summed per (window, staff, service, item): served, r5, r4, r3, r2, r1."""
        return self._rows(
            "SELECT window, staff, service, item, SUM(served), SUM(r5), SUM(r4), SUM(r3), SUM(r2), SUM(r1) "
            "FROM feedback_daily WHERE day >= ? AND day < ? GROUP BY 1, 2, 3, 4",
            (start.isoformat(), end.isoformat()),
        )

    def daily_by_day(self, start: dt.date, end: dt.date) -> list[sqlite3.Row]:
        """Kept days summed per day: day, served, r5, r4, r3, r2, r1."""
        return self._rows(
            "SELECT day, SUM(served), SUM(r5), SUM(r4), SUM(r3), SUM(r2), SUM(r1) FROM feedback_daily "
            "WHERE day >= ? AND day < ? GROUP BY 1",
            (start.isoformat(), end.isoformat()),
        )

    def daily_reasons(self, start: dt.date, end: dt.date) -> list[sqlite3.Row]:
        """Kept days' bad ratings per (window, staff, service, item, reason)."""
        return self._rows(
            "SELECT window, staff, service, item, reason, SUM(n) FROM feedback_daily_reasons "
            "WHERE day >= ? AND day < ? GROUP BY 1, 2, 3, 4, 5",
            (start.isoformat(), end.isoformat()),
        )

    def compute_day(self, day: dt.date) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """One day's figures from the ledgers: rows (day, window, staff, service, item, served, r5..r1) and bad
        ratings by reason (day, window, staff, service, item, reason, n). Counted ratings only."""
        key, end = day.isoformat(), (day + dt.timedelta(days=1)).isoformat()
        cells: dict[tuple[Any, ...], list[int]] = {}
        for r in self._rows(
            "SELECT t.window, t.staff, t.service, c.item, COUNT(*) AS n FROM tickets t "
            "LEFT JOIN cases c ON c.ticket = t.id WHERE t.day = ? AND t.status = 'done' GROUP BY 1, 2, 3, 4",
            (key,),
        ):
            cells.setdefault((r[0], r[1], r[2], r[3]), [0] * 6)[0] += r["n"]
        for r in self._rows(
            "SELECT r.window, r.staff, r.service, (SELECT c.item FROM cases c WHERE c.ticket = r.ticket) AS item, "
            f"r.score, COUNT(*) AS n FROM ratings r WHERE r.at >= ? AND r.at < ? AND {_COUNTED} GROUP BY 1, 2, 3, 4, 5",
            (key, end),
        ):
            if 1 <= r["score"] <= 5:
                cells.setdefault((r[0], r[1], r[2], r[3]), [0] * 6)[6 - r["score"]] += r["n"]
        reasons: dict[tuple[Any, ...], int] = {}
        for r in self._rows(
            "SELECT r.window, r.staff, r.service, (SELECT c.item FROM cases c WHERE c.ticket = r.ticket) AS item, "
            f"r.reasons FROM ratings r WHERE r.at >= ? AND r.at < ? AND r.score <= 2 AND {_COUNTED}",
            (key, end),
        ):
            for reason in json.loads(r["reasons"]) or ["（未选原因）"]:
                k = (r[0], r[1], r[2], r[3], reason)
                reasons[k] = reasons.get(k, 0) + 1
        return (
            [(key, *unit, *counts) for unit, counts in cells.items()],
            [(key, *unit, n) for unit, n in reasons.items()],
        )

    def save_day(self, day: dt.date, rows: list[tuple[Any, ...]], reasons: list[tuple[Any, ...]], at: str) -> None:
        self.forget_day(day)
        self.store._writer.executemany(
            "INSERT INTO feedback_daily (day, window, staff, service, item, served, r5, r4, r3, r2, r1) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.store._writer.executemany(
            "INSERT INTO feedback_daily_reasons (day, window, staff, service, item, reason, n) VALUES (?, ?, ?, ?, ?, ?, ?)",
            reasons,
        )
        self._write("INSERT INTO feedback_days (day, computed_at) VALUES (?, ?)", (day.isoformat(), at))

    def forget_day(self, day: dt.date) -> None:
        for table in ("feedback_daily", "feedback_daily_reasons", "feedback_days"):
            self._write(f"DELETE FROM {table} WHERE day = ?", (day.isoformat(),))

    def export(self, start: dt.date, end: dt.date) -> Iterator[sqlite3.Row]:
        """Every rating in [start, end), with its case and rectification, in time order (for the export file)."""
        with self.store.readers.borrow() as conn:
            yield from conn.execute(
                "SELECT r.ticket, r.number, r.service, r.window, r.staff, r.score, r.reasons, r.comment, r.at, "
                "r.channel, c.case_number, c.item, x.status AS rect_status, x.appeal_upheld "
                "FROM ratings r LEFT JOIN cases c ON c.ticket = r.ticket "
                "LEFT JOIN rectifications x ON x.ticket = r.ticket WHERE r.at >= ? AND r.at < ? ORDER BY r.at",
                (_at(start), _at(end)),
            )

    def rating(self, ticket: str) -> dict[str, Any] | None:
        return self._one("ratings", "ticket", ticket)

    def save_phone_rating(self, row: dict[str, Any]) -> None:
        """A rating from the citizen's phone page (channel "phone"); the pad's go through HallStore.save_rating."""
        self._insert("ratings", row)

    # ---- rectification records --------------------------------------------------------------------------------

    def bad_ratings_without_record(
        self, ticket: str | None = None, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[dict[str, Any]]:
        """Bad ratings no rectification record was opened for yet (all, the one of `ticket`, or those rated in
        [start, end)), with what the record copies: the case's item and number, the booking's phone."""
        where = "r.score <= 2 AND NOT EXISTS (SELECT 1 FROM rectifications x WHERE x.ticket = r.ticket)"
        params: list[Any] = []
        if ticket is not None:
            where += " AND r.ticket = ?"
            params.append(ticket)
        if start is not None and end is not None:
            where += " AND r.at >= ? AND r.at < ?"
            params += [_at(start), _at(end)]
        rows = self.store._writer.execute(  # inside the write that opens them: sees the rating just written
            "SELECT r.*, c.item AS item, c.case_number AS case_number, b.phone AS booking_phone FROM ratings r "
            "LEFT JOIN cases c ON c.ticket = r.ticket LEFT JOIN tickets t ON t.id = r.ticket "
            f"LEFT JOIN bookings b ON b.code = t.booking WHERE {where} ORDER BY r.at",
            params,
        ).fetchall()
        return [_row(r) or {} for r in rows]

    def add_rectification(self, row: dict[str, Any]) -> None:
        self._insert("rectifications", row)

    def update_rectification(self, ticket: str, **fields: Any) -> None:
        self._update("rectifications", "ticket", ticket, fields)

    def rectification(self, ticket: str) -> dict[str, Any] | None:
        return self._one("rectifications", "ticket", ticket)

    def rectifications(
        self,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        status: Sequence[str] | None = None,
        windows: Sequence[int] | None = None,
        staff: str | None = None,
        owner: tuple[str, Sequence[int]] | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        """Records by rated day, state, window, clerk; `owner` = (staff, windows): hers or her windows'."""
        where, params = _by_day_and_status(start, end, status)
        if windows is not None:
            where.append(f"window IN ({in_list(windows)})")
            params += list(windows)
        if staff is not None:
            where.append("staff = ?")
            params.append(staff)
        if owner is not None:
            who, heads = owner
            where.append(f"(staff = ? OR window IN ({in_list(heads)}))")
            params += [who, *heads]
        rows = self._rows(
            f"SELECT * FROM rectifications WHERE {' AND '.join(where)} ORDER BY day DESC, rated_at DESC LIMIT ?",
            [*params, limit],
        )
        return [_row(r) or {} for r in rows]

    def open_rectifications(self) -> list[dict[str, Any]]:
        """Records still owing a step (for the live page, the window head and the scores)."""
        rows = self._rows(
            "SELECT * FROM rectifications WHERE status IN ('open', 'verified', 'rectifying', 'appealed') "
            "OR (status IN ('rectified', 'explained') AND contact_phone != '' AND followed_up_at IS NULL) "
            "ORDER BY day"
        )
        return [_row(r) or {} for r in rows]

    def overdue_rectifications(self, today: dt.date) -> list[dict[str, Any]]:
        """Records late with a step today (core.feedback.overdue_step, in SQL: the live page asks every refresh)."""
        day = today.isoformat()
        rows = self._rows(
            "SELECT * FROM rectifications WHERE (status = 'open' AND verify_due < ?) "
            "OR (status = 'rectifying' AND rectify_due < ?) "
            "OR (status IN ('rectified', 'explained') AND contact_phone != '' AND followed_up_at IS NULL "
            "AND follow_up_due < ?) ORDER BY day",
            (day, day, day),
        )
        return [_row(r) or {} for r in rows]

    def rectification_counts(self, start: dt.date, end: dt.date) -> dict[str, int]:
        """A period's records: opened, by state, reachable (a phone left, appeal not upheld), followed up."""
        rows = self._rows(
            "SELECT status, COUNT(*) AS n, SUM(contact_phone != '' AND status != 'upheld') AS reachable, "
            "SUM(followed_up_at IS NOT NULL AND contact_phone != '' AND status != 'upheld') AS followed "
            "FROM rectifications WHERE day >= ? AND day < ? "
            "GROUP BY status",
            (start.isoformat(), end.isoformat()),
        )
        out: dict[str, int] = {"opened": 0, "reachable": 0, "followed_up": 0}
        for r in rows:
            out[r["status"]] = r["n"]
            out["opened"] += r["n"]
            out["reachable"] += r["reachable"] or 0
            out["followed_up"] += r["followed"] or 0
        return out

    def late_rectifications(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """Records whose verify or rectify deadline fell in [start, end) (the candidates for a missed deadline)."""
        rows = self._rows(
            "SELECT * FROM rectifications WHERE (verify_due >= ? AND verify_due < ?) "
            "OR (rectify_due >= ? AND rectify_due < ?) ORDER BY day",
            (start.isoformat(), end.isoformat()) * 2,
        )
        return [_row(r) or {} for r in rows]

    def served_tickets(self, day: dt.date, limit: int) -> list[str]:
        """Some tickets served on a day (the history generator's survey answers)."""
        rows = self._rows(
            "SELECT id FROM tickets WHERE day = ? AND status = 'done' ORDER BY id LIMIT ?", (day.isoformat(), limit)
        )
        return [r["id"] for r in rows]

    # ---- complaints ----------------------------------------------------------------------------------------------

    def next_complaint_seq(self, day: dt.date) -> int:
        row = self.store._writer.execute("SELECT COUNT(*) FROM complaints WHERE day = ?", (day.isoformat(),)).fetchone()
        return int(row[0]) + 1

    def add_complaint(self, row: dict[str, Any]) -> None:
        self._insert("complaints", row)

    def update_complaint(self, complaint_id: str, **fields: Any) -> None:
        self._update("complaints", "id", complaint_id, fields)

    def complaint(self, complaint_id: str) -> dict[str, Any] | None:
        return self._one("complaints", "id", complaint_id)

    def complaints(
        self, *, start: dt.date | None = None, end: dt.date | None = None, status: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        where, params = _by_day_and_status(start, end, status)
        rows = self._rows(f"SELECT * FROM complaints WHERE {' AND '.join(where)} ORDER BY received_at DESC", params)
        return [_row(r) or {} for r in rows]

    def decided_complaints(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """Complaints decided in [start, end) (by the day of the decision), whatever happened after."""
        rows = self._rows(
            "SELECT * FROM complaints WHERE decided_at >= ? AND decided_at < ? ORDER BY decided_at",
            (_at(start), _at(end)),
        )
        return [_row(r) or {} for r in rows]

    # ---- surveys -----------------------------------------------------------------------------------------------

    def add_survey(self, row: dict[str, Any]) -> None:
        self._insert("surveys", row)

    def update_survey(self, survey_id: str, **fields: Any) -> None:
        self._update("surveys", "id", survey_id, fields)

    def survey(self, survey_id: str) -> dict[str, Any] | None:
        return self._one("surveys", "id", survey_id)

    def surveys(self, status: str | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM surveys", []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(status)
        return [_row(r) or {} for r in self._rows(sql + " ORDER BY opens_on DESC, created_at DESC", params)]

    def add_answer(self, row: dict[str, Any]) -> bool:
        """False when this ticket already answered this survey (one answer per ticket)."""
        try:
            self._insert("survey_answers", row)
        except sqlite3.IntegrityError:
            return False
        return True

    def has_answer(self, survey_id: str, ticket_key: str) -> bool:
        return bool(
            self._rows("SELECT 1 FROM survey_answers WHERE survey = ? AND ticket_key = ?", (survey_id, ticket_key))
        )

    def answers(
        self, survey_id: str, start: dt.date | None = None, end: dt.date | None = None, window: int | None = None
    ) -> list[dict[str, Any]]:
        where, params = ["survey = ?"], [survey_id]
        for clause, value in (("day >= ?", start), ("day < ?", end)):
            if value is not None:
                where.append(clause)
                params.append(value.isoformat())
        if window is not None:
            where.append("window = ?")
            params.append(window)
        rows = self._rows(
            f"SELECT window, day, channel, answers, comment FROM survey_answers WHERE {' AND '.join(where)}", params
        )
        return [_row(r) or {} for r in rows]

    def add_action(self, row: dict[str, Any]) -> int:
        return self._insert("survey_actions", row)

    def update_action(self, action_id: int, **fields: Any) -> None:
        self._update("survey_actions", "id", action_id, fields)

    def actions(self, survey_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows("SELECT * FROM survey_actions WHERE survey = ? ORDER BY id", (survey_id,))]

    # ---- visits ----------------------------------------------------------------------------------------------------

    def add_visit(self, row: dict[str, Any]) -> None:
        self._insert("visits", row)

    def update_visit(self, visit_id: str, **fields: Any) -> None:
        self._update("visits", "id", visit_id, fields)

    def visit(self, visit_id: str) -> dict[str, Any] | None:
        return self._one("visits", "id", visit_id)

    def visits(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT * FROM visits WHERE day >= ? AND day < ? ORDER BY day DESC, created_at DESC",
            (start.isoformat(), end.isoformat()),
        )
        return [dict(r) for r in rows]

    def visits_per_month(self, start: dt.date, end: dt.date) -> dict[str, int]:
        rows = self._rows(
            "SELECT substr(day, 1, 7) AS month, COUNT(*) AS n FROM visits WHERE day >= ? AND day < ? GROUP BY 1",
            (start.isoformat(), end.isoformat()),
        )
        return {r["month"]: r["n"] for r in rows}
