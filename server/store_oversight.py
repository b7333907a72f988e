"""All of oversight's SQL (issue 13): the case register, extensions and stages, the citizen's details, the period
figures of the summaries, closed days, inspections and findings, the duty rota.

Writes go through the hall store's writer and run inside `HallService.writing()` (one transaction, the hall
lock); reads borrow a pooled reader (`SqliteStore._rows`). Tables: server/migrations.py m201_oversight.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from application.oversight import CaseQuery
from server.store_base import AreaStore, in_list

_COUNTED = "COALESCE(counted_due, due_date)"  # the date the on-time rate holds a case to (indexed)
REGISTER_LIMIT = 1000


class OversightStore(AreaStore):
    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.store._rows(sql, params)]

    # ---- cases ------------------------------------------------------------------------------------------

    def case(self, case_id: str) -> dict[str, Any] | None:
        return self.store.case(case_id)

    def _where(self, q: CaseQuery, today: dt.date, soon_until: dt.date) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if q.number:
            text = q.number.strip()
            if text[:1].isdigit():  # a case number or the start of one (20261130-0042): its unique index
                where.append("case_number >= ? AND case_number < ?")
                params += [text, text + "~"]
            else:  # a ticket number (A001): numbers restart daily, so with the dates asked
                where.append("number = ?")
                params.append(text.upper())
        for column, value in (("item", q.item), ("staff", q.staff), ("case_type", q.case_type)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if q.window is not None:
            where.append("(window = ? OR owner_window = ?)")
            params += [q.window, q.window]
        if q.stage:
            where.append("stage = ?")
            params.append(q.stage)
        if q.status in ("open", "completed"):
            where.append("status = ?")
            params.append(q.status)
        elif q.status == "overdue":
            where.append("status = 'open' AND due_date < ?")
            params.append(today.isoformat())
        elif q.status == "due_soon":
            where.append("status = 'open' AND due_date >= ? AND due_date <= ?")
            params += [today.isoformat(), soon_until.isoformat()]
        for clause, value in (
            ("accepted_on >= ?", q.accepted_from),
            ("accepted_on <= ?", q.accepted_to),
            ("due_date >= ?", q.due_from),
            ("due_date <= ?", q.due_to),
        ):
            if value is not None:
                where.append(clause)
                params.append(value.isoformat())
        if q.only_staff is not None:
            where.append("staff = ?")
            params.append(q.only_staff)
        if q.only_windows is not None:
            marks = in_list(q.only_windows)
            where.append(f"(window IN ({marks}) OR owner_window IN ({marks}))")
            params += [*q.only_windows, *q.only_windows]
        if q.case_ids:
            where.append(f"id IN ({in_list(q.case_ids)})")
            params += list(q.case_ids)
        return (" WHERE " + " AND ".join(where)) if where else "", params

    def register(
        self, q: CaseQuery, today: dt.date, soon_until: dt.date, *, limit: int = 100, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the register (newest first) and how many cases match."""
        where, params = self._where(q, today, soon_until)
        total = self._rows(f"SELECT COUNT(*) AS n FROM cases{where}", params)[0]["n"]
        rows = self._rows(
            f"SELECT * FROM cases{where} ORDER BY accepted_on DESC, case_number DESC LIMIT ? OFFSET ?",
            [*params, min(limit, REGISTER_LIMIT), offset],
        )
        for row in rows:
            row["missing_materials"] = json.loads(row["missing_materials"])
        return rows, int(total)

    @staticmethod
    def _open_due(
        until: dt.date, windows: tuple[int, ...] | None, staff: str | None, since: dt.date | None = None
    ) -> tuple[str, list[Any]]:
        sql = " FROM cases WHERE status = 'open' AND due_date <= ?"
        params: list[Any] = [until.isoformat()]
        if since is not None:
            sql += " AND due_date >= ?"
            params.append(since.isoformat())
        if windows is not None:
            marks = ", ".join("?" for _ in windows) or "NULL"
            sql += f" AND (window IN ({marks}) OR owner_window IN ({marks}))"
            params += [*windows, *windows]
        if staff is not None:
            sql += " AND staff = ?"
            params.append(staff)
        return sql, params

    def open_due_by(
        self,
        until: dt.date,
        windows: tuple[int, ...] | None,
        staff: str | None,
        *,
        since: dt.date | None = None,
        limit: int = 2000,
    ) -> list[dict[str, Any]]:
        """Open cases due by `until` (and from `since`), urgent first, then the oldest due."""
        sql, params = self._open_due(until, windows, staff, since)
        rows = self._rows(
            "SELECT *" + sql + " ORDER BY case_type <> 'urgent', due_date, case_number LIMIT ?", [*params, limit]
        )
        for row in rows:
            row["missing_materials"] = json.loads(row["missing_materials"])
        return rows

    def count_open_due(
        self, until: dt.date, windows: tuple[int, ...] | None, staff: str | None, since: dt.date | None = None
    ) -> int:
        sql, params = self._open_due(until, windows, staff, since)
        return int(self._rows("SELECT COUNT(*) AS n" + sql, params)[0]["n"])

    def held_to(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Every case held to a date in [first, last] (its counted due date): what the on-time rate needs."""
        return self._rows(
            f"SELECT {_COUNTED} AS counted, window, owner_window, staff, item, case_type, status, stage, id, "
            "substr(completed_at, 1, 10) AS completed_on FROM cases "
            f"WHERE due_date IS NOT NULL AND {_COUNTED} BETWEEN ? AND ?",
            (first.isoformat(), last.isoformat()),
        )

    def extended(self, case_ids: Sequence[str]) -> set[str]:
        """Which of these cases had an approved extension (the citizen was told a new date)."""
        out: set[str] = set()
        for start in range(0, len(case_ids), 500):
            chunk = list(case_ids[start : start + 500])
            marks = ", ".join("?" for _ in chunk)
            out |= {
                r["case_id"]
                for r in self._rows(
                    f"SELECT DISTINCT case_id FROM case_extensions WHERE status = 'approved' AND case_id IN ({marks})",
                    chunk,
                )
            }
        return out

    def outcome_counts(
        self, first: dt.date, last: dt.date, outcome: Callable[[str, str, str | None], str | None]
    ) -> list[dict[str, Any]]:
        """Cases held to a date in [first, last], counted by responsible window, clerk, item, type and outcome.

        `outcome(counted_due, status, completed_on)` is the rule (core.oversight.case_outcome, bound to today),
        run by SQLite on each row of the index, so the rule stays in one place and only the counts come back."""
        sql = (
            f"SELECT COALESCE(owner_window, window) AS window, staff, item, case_type, "
            f"hallq_outcome({_COUNTED}, status, substr(completed_at, 1, 10)) AS outcome, COUNT(*) AS n FROM cases "
            f"WHERE due_date IS NOT NULL AND {_COUNTED} BETWEEN ? AND ? GROUP BY 1, 2, 3, 4, 5"
        )
        params = (first.isoformat(), last.isoformat())
        with self._connection() as conn:
            conn.create_function("hallq_outcome", 3, outcome, deterministic=True)
            return [dict(r) for r in conn.execute(sql, params).fetchall()]

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own for a query that needs one (a registered function): the writer while
        generating history (`bulk`), else a pooled reader."""
        if self.store._bulk:
            yield self.store._writer
            return
        with self.store.readers.borrow() as conn:
            yield conn

    def set_case(self, case_id: str, **fields: Any) -> None:
        self._update("cases", "id", case_id, fields)

    def complete_case(self, case_id: str, at: dt.datetime) -> None:
        self.store.complete_case(case_id, at)

    # ---- extensions ---------------------------------------------------------------------------------------

    def add_extension(self, row: dict[str, Any]) -> None:
        self._insert("case_extensions", row)

    def decide_extension(self, ext_id: str, **fields: Any) -> None:
        self._update("case_extensions", "id", ext_id, fields)

    def extension(self, ext_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM case_extensions WHERE id = ?", (ext_id,))
        return rows[0] if rows else None

    def extensions_of(self, case_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM case_extensions WHERE case_id = ? ORDER BY requested_at", (case_id,))

    def extensions(
        self, *, status: str | None = None, first: dt.date | None = None, last: dt.date | None = None
    ) -> list[dict[str, Any]]:
        """Extensions with their case (number, item, window, clerk): by status, or decided in [first, last]."""
        sql = (
            "SELECT e.*, c.case_number, c.number, c.item, c.window, c.owner_window, c.staff, c.case_type, "
            "c.accepted_on, c.due_date FROM case_extensions e JOIN cases c ON c.id = e.case_id"
        )
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            where.append("e.status = ?")
            params.append(status)
        if first is not None and last is not None:
            where.append("substr(COALESCE(e.decided_at, e.requested_at), 1, 10) BETWEEN ? AND ?")
            params += [first.isoformat(), last.isoformat()]
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self._rows(sql + " ORDER BY e.requested_at", params)

    # ---- stages and the citizen ---------------------------------------------------------------------------

    def add_stage(self, row: dict[str, Any]) -> None:
        self._insert("case_stages", row)

    def stages_of(self, case_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM case_stages WHERE case_id = ? ORDER BY id", (case_id,))

    def stages_at(self, case_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(case_ids), 500):
            chunk = list(case_ids[start : start + 500])
            for row in self._rows(f"SELECT * FROM case_stages WHERE case_id IN ({in_list(chunk)}) ORDER BY id", chunk):
                out.setdefault(row["case_id"], []).append(row)
        return out

    def set_citizen(self, case_id: str, name: str, id_number: str, at: dt.datetime, by: str) -> None:
        self._write(
            "INSERT INTO case_citizens (case_id, name, id_number, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET name = excluded.name, id_number = excluded.id_number, "
            "recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
            (case_id, name, id_number, at.isoformat(), by),
        )

    def citizens(self, case_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not case_ids:
            return {}
        marks = ", ".join("?" for _ in case_ids)
        return {
            r["case_id"]: r for r in self._rows(f"SELECT * FROM case_citizens WHERE case_id IN ({marks})", case_ids)
        }

    # ---- the period's figures -------------------------------------------------------------------------------

    def window_figures_by_day(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Per day and window: served, and the handling time's sum and count (seconds)."""
        return self._rows(
            "SELECT day, window, COUNT(*) AS served, "
            "SUM((julianday(finished_at) - julianday(called_at)) * 86400) AS handling_sum, "
            "SUM(called_at IS NOT NULL AND finished_at IS NOT NULL) AS handling_n FROM tickets "
            "WHERE day BETWEEN ? AND ? AND status = 'done' GROUP BY day, window",
            (first.isoformat(), last.isoformat()),
        )

    def rating_figures_by_day(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT substr(at, 1, 10) AS day, window, score, COUNT(*) AS n FROM ratings WHERE at >= ? AND at < ? "
            "GROUP BY 1, 2, 3",
            (first.isoformat(), (last + dt.timedelta(days=1)).isoformat()),
        )

    def cases_by_type_by_day(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT accepted_on AS day, case_type, COUNT(*) AS n FROM cases WHERE accepted_on BETWEEN ? AND ? "
            "GROUP BY 1, 2",
            (first.isoformat(), last.isoformat()),
        )

    def day_figures(self, first: dt.date, last: dt.date) -> dict[str, dict[str, Any]]:
        """The kept figures of past days in [first, last] (m202_day_figures)."""
        return {
            r["day"]: json.loads(r["figures"])
            for r in self._rows(
                "SELECT day, figures FROM day_figures WHERE day BETWEEN ? AND ?", (first.isoformat(), last.isoformat())
            )
        }

    def keep_day_figures(self, figures: dict[str, dict[str, Any]], at: dt.datetime) -> None:
        for day, data in figures.items():
            self._write(
                "INSERT OR REPLACE INTO day_figures (day, figures, computed_at) VALUES (?, ?, ?)",
                (day, json.dumps(data, ensure_ascii=False), at.isoformat()),
            )

    def ticket_figures(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Per day: issued, served, no-shows, cancelled, closed unserved; waits (issue → call) in seconds."""
        return self._rows(
            "SELECT day, COUNT(*) AS issued, SUM(status = 'done') AS served, SUM(status = 'no_show') AS no_show, "
            "SUM(status = 'cancelled') AS cancelled, SUM(status = 'closed') AS closed, "
            "SUM(priority) AS priority, SUM(booking IS NOT NULL) AS booked, SUM(called_at IS NOT NULL) AS called, "
            "SUM(w) AS wait_sum, MAX(w) AS wait_max, SUM(w > 1800) AS long_waits, MAX(finished_at) AS last_done FROM ("
            "SELECT day, status, priority, booking, called_at, finished_at, "
            "CASE WHEN called_at IS NOT NULL THEN (julianday(called_at) - julianday(issued_at)) * 86400 END AS w "
            "FROM tickets WHERE day BETWEEN ? AND ?) GROUP BY day ORDER BY day",
            (first.isoformat(), last.isoformat()),
        )

    def attendance_figures(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Per day and window: who signed in, the first sign-in and last sign-out."""
        return self._rows(
            "SELECT day, window, staff, MIN(CASE WHEN kind = 'sign_in' THEN at END) AS first_in, "
            "MAX(CASE WHEN kind = 'sign_out' THEN at END) AS last_out, SUM(kind = 'sign_in') AS sign_ins "
            "FROM attendance WHERE day BETWEEN ? AND ? AND window IS NOT NULL GROUP BY day, window, staff",
            (first.isoformat(), last.isoformat()),
        )

    # ---- closed days -----------------------------------------------------------------------------------------

    def close_day(self, day: dt.date, at: dt.datetime, by: str, note: str, summary: dict[str, Any]) -> None:
        self._write(
            "INSERT INTO day_closes (day, closed_at, closed_by, note, summary) VALUES (?, ?, ?, ?, ?)",
            (day.isoformat(), at.isoformat(), by, note, json.dumps(summary, ensure_ascii=False, default=str)),
        )

    def day_close(self, day: dt.date) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM day_closes WHERE day = ?", (day.isoformat(),))
        if not rows:
            return None
        row = rows[0]
        row["summary"] = json.loads(row["summary"])
        return row

    def closed_days(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT day, closed_at, closed_by, note FROM day_closes WHERE day BETWEEN ? AND ? ORDER BY day",
            (first.isoformat(), last.isoformat()),
        )

    # ---- inspections -------------------------------------------------------------------------------------------

    def add_inspection(self, row: dict[str, Any]) -> None:
        self._insert("inspections", {**row, "checked": list(row["checked"])})  # kept as JSON text

    def inspection(self, inspection_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM inspections WHERE id = ?", (inspection_id,))
        if not rows:
            return None
        rows[0]["checked"] = json.loads(rows[0]["checked"])
        return rows[0]

    def inspections(self, first: dt.date, last: dt.date, kind: str | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT i.*, (SELECT COUNT(*) FROM findings f WHERE f.inspection = i.id) AS findings, "
            "(SELECT COALESCE(SUM(points), 0) FROM findings f WHERE f.inspection = i.id) AS points "
            "FROM inspections i WHERE day BETWEEN ? AND ?"
        )
        params: list[Any] = [first.isoformat(), last.isoformat()]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        rows = self._rows(sql + " ORDER BY at DESC", params)
        for row in rows:
            row["checked"] = json.loads(row["checked"])
        return rows

    def inspection_counts(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT day, kind, COUNT(*) AS n FROM inspections WHERE day BETWEEN ? AND ? GROUP BY day, kind",
            (first.isoformat(), last.isoformat()),
        )

    def add_finding(self, row: dict[str, Any], photo: tuple[bytes, str] | None) -> None:
        self._insert("findings", row)
        if photo is not None:
            self._write(
                "INSERT INTO finding_photos (finding, mime, data) VALUES (?, ?, ?)", (row["id"], photo[1], photo[0])
            )

    def finding(self, finding_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM findings WHERE id = ?", (finding_id,))
        return rows[0] if rows else None

    def photo(self, finding_id: str) -> tuple[bytes, str] | None:
        rows = self.store._rows("SELECT data, mime FROM finding_photos WHERE finding = ?", (finding_id,))
        return (bytes(rows[0]["data"]), rows[0]["mime"]) if rows else None

    def rectify(self, finding_id: str, at: dt.datetime, by: str, note: str) -> None:
        self._write(
            "UPDATE findings SET rectified_at = ?, rectified_by = ?, rectify_note = ? WHERE id = ?",
            (at.isoformat(), by, note, finding_id),
        )

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
    ) -> list[dict[str, Any]]:
        """Findings of the days, with their inspection's kind and inspector."""
        sql = (
            "SELECT f.*, i.kind, i.inspector, i.at AS inspected_at FROM findings f "
            "JOIN inspections i ON i.id = f.inspection WHERE f.day BETWEEN ? AND ?"
        )
        params: list[Any] = [first.isoformat(), last.isoformat()]
        for clause, value in (
            ("f.inspection = ?", inspection),
            ("f.window = ?", window),
            ("f.staff = ?", staff),
            ("f.deduction = ?", deduction),
        ):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        if windows is not None:
            sql += f" AND f.window IN ({in_list(windows)})"
            params += list(windows)
        return self._rows(sql + " ORDER BY f.day, f.recorded_at", params)

    # ---- the duty rota ------------------------------------------------------------------------------------------

    def set_duty(self, day: dt.date, window: int, at: dt.datetime, by: str, note: str = "") -> None:
        self._write(
            "INSERT INTO duty_rota (day, window, set_at, set_by, note) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (day) DO UPDATE SET window = excluded.window, set_at = excluded.set_at, "
            "set_by = excluded.set_by, note = excluded.note",
            (day.isoformat(), window, at.isoformat(), by, note),
        )

    def rota(self, first: dt.date, last: dt.date) -> dict[str, dict[str, Any]]:
        return {
            r["day"]: r
            for r in self._rows(
                "SELECT * FROM duty_rota WHERE day BETWEEN ? AND ? ORDER BY day", (first.isoformat(), last.isoformat())
            )
        }

    def last_duty_before(self, day: dt.date) -> int | None:
        rows = self._rows("SELECT window FROM duty_rota WHERE day < ? ORDER BY day DESC LIMIT 1", (day.isoformat(),))
        return int(rows[0]["window"]) if rows else None
