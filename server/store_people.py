"""The people pages' SQL (issue 14): attendance rows, leave, corrections, meetings, manual score entries, warnings,
closed months, award marks and results — over the hall's SqliteStore (its writer inside `HallService.writing()`,
its pooled readers otherwise). Tables: server/migrations.py m301_people."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from application.people_history import PeopleReport, simulate_people
from core.config import HallConfig
from server.store_base import AreaStore, column_value, in_list


class SqlitePeopleStore(AreaStore):
    # ---- reading ---------------------------------------------------------------------------------------------

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.store._rows(sql, params)]

    def punches(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT staff, window, kind, at, day, note FROM attendance WHERE day BETWEEN ? AND ? ORDER BY at, id",
            (first.isoformat(), last.isoformat()),
        )

    def leaves(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        """Leave that touches [first, last] (any status)."""
        return self._rows(
            "SELECT * FROM leaves WHERE start < ? AND end > ? ORDER BY start",
            ((last + dt.timedelta(days=1)).isoformat(), first.isoformat()),
        )

    def leave(self, leave_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM leaves WHERE id = ?", (leave_id,))
        return rows[0] if rows else None

    def pending_leaves(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM leaves WHERE status = 'pending' ORDER BY start")

    def corrections(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT * FROM attendance_corrections WHERE day BETWEEN ? AND ? ORDER BY day, at",
            (first.isoformat(), last.isoformat()),
        )

    def meetings(self, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT * FROM meetings WHERE day BETWEEN ? AND ? ORDER BY day, start",
            (first.isoformat(), last.isoformat()),
        )

    def meeting(self, meeting_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
        return rows[0] if rows else None

    def score_entries(self, first: dt.date, last: dt.date, withdrawn: bool = False) -> list[dict[str, Any]]:
        extra = "" if withdrawn else " AND withdrawn_at IS NULL"
        return self._rows(
            f"SELECT * FROM score_entries WHERE day BETWEEN ? AND ?{extra} ORDER BY day, recorded_at",
            (first.isoformat(), last.isoformat()),
        )

    def score_entry(self, entry_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM score_entries WHERE id = ?", (entry_id,))
        return rows[0] if rows else None

    def warnings(self, first: dt.date | None = None, last: dt.date | None = None) -> list[dict[str, Any]]:
        if first is None or last is None:
            return self._rows("SELECT * FROM warnings ORDER BY day DESC")
        return self._rows(
            "SELECT * FROM warnings WHERE day BETWEEN ? AND ? ORDER BY day", (first.isoformat(), last.isoformat())
        )

    def warning(self, basis: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM warnings WHERE basis = ?", (basis,))
        return rows[0] if rows else None

    def warning_count(self, year: int) -> int:
        rows = self._rows(
            "SELECT count(*) AS n FROM warnings WHERE day LIKE ? AND status = 'confirmed'", (f"{year}-%",)
        )
        return int(rows[0]["n"])

    def closed_month(self, month: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM score_months WHERE month = ?", (month,))
        return rows[0] if rows else None

    def closed_months(self, year: int) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM score_months WHERE month LIKE ? ORDER BY month", (f"{year}-%",))

    def latest_closed_month(self) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM score_months ORDER BY month DESC LIMIT 1")
        return rows[0] if rows else None

    def marks(self, period: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM award_marks WHERE period = ?", (period,))

    def award_result(self, period: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM award_results WHERE period = ?", (period,))
        return rows[0] if rows else None

    def latest_award_result(self) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM award_results ORDER BY period DESC LIMIT 1")
        return rows[0] if rows else None

    def served_by_window(self, first: dt.date, last: dt.date) -> dict[int, int]:
        """Citizens served (tickets done) per window in [first, last]: the red flag's "served" tie-breaker."""
        rows = self._rows(
            "SELECT window, count(*) AS n FROM tickets WHERE day BETWEEN ? AND ? AND status = 'done' "
            "AND window IS NOT NULL GROUP BY window",
            (first.isoformat(), last.isoformat()),
        )
        return {int(r["window"]): int(r["n"]) for r in rows}

    def ratings_by(
        self, column: str, first: dt.date, last: dt.date, satisfied: tuple[int, ...]
    ) -> dict[str, tuple[int, int]]:
        """(satisfied, rated) per staff or window over [first, last] (ratings' local day from their time)."""
        if column not in ("staff", "window"):
            raise ValueError(column)
        rows = self._rows(
            f"SELECT {column} AS k, sum(score IN ({in_list(satisfied)})) AS good, count(*) AS n FROM ratings "
            "WHERE substr(at, 1, 10) BETWEEN ? AND ? GROUP BY k",
            (*satisfied, first.isoformat(), last.isoformat()),
        )
        return {str(r["k"]): (int(r["good"] or 0), int(r["n"])) for r in rows}

    # ---- writing (inside HallService.writing()) -------------------------------------------------------------------

    def record_attendance(
        self, staff: str, window: int | None, kind: str, at: dt.datetime, day: dt.date, note: str
    ) -> None:
        self.store.record_attendance(staff, window, kind, at, day, note)

    def add_leave(self, row: dict[str, Any]) -> None:
        self._insert("leaves", row)

    def update_leave(self, leave_id: str, **fields: Any) -> None:
        self._update("leaves", "id", leave_id, fields)

    def add_correction(self, row: dict[str, Any]) -> None:
        self._insert("attendance_corrections", row)

    def add_meeting(self, row: dict[str, Any]) -> None:
        self._insert("meetings", row)

    def update_meeting(self, meeting_id: str, **fields: Any) -> None:
        self._update("meetings", "id", meeting_id, fields)

    def add_score_entry(self, row: dict[str, Any]) -> None:
        self._insert("score_entries", row)

    def withdraw_score_entry(self, entry_id: str, by: str, at: dt.datetime, reason: str) -> None:
        self._update(
            "score_entries",
            "id",
            entry_id,
            {"withdrawn_at": at.isoformat(), "withdrawn_by": by, "withdrawn_reason": reason},
        )

    def save_warning(self, row: dict[str, Any]) -> None:
        self._insert("warnings", row)

    def close_month(self, month: str, at: dt.datetime, by: str, snapshot: dict[str, Any]) -> None:
        self._insert(
            "score_months", {"month": month, "closed_at": at.isoformat(), "closed_by": by, "snapshot": snapshot}
        )

    def set_mark(
        self, period: str, subject: str, key: str, component: str, value: float, by: str, at: dt.datetime
    ) -> None:
        self._write(
            "INSERT INTO award_marks (period, subject, key, component, value, by, at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (period, subject, key, component) DO UPDATE SET value = excluded.value, by = excluded.by, "
            "at = excluded.at",
            (period, subject, key, component, value, by, at.isoformat()),
        )

    def save_award_result(self, period: str, at: dt.datetime, by: str, result: dict[str, Any]) -> None:
        self._write(
            "INSERT INTO award_results (period, decided_at, decided_by, result) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (period) DO UPDATE SET decided_at = excluded.decided_at, decided_by = excluded.decided_by, "
            "result = excluded.result",
            (period, at.isoformat(), by, column_value(result)),
        )


def simulate_people_history(
    config: HallConfig, data_dir: str | Path, first: dt.date, last: dt.date, seed: int = 1
) -> PeopleReport:
    """The people side of a generated past (application/people_history.py: leave through the chain, meetings and
    study sessions with their sign-in lists, corrections, commendations) written into the hall's database after
    application/history.py has lived its days (`hallq demo --history`, bench/bench_people.py). The hall's clock
    stands at the evening after `last`, when the paper books are entered."""
    from server import create_app  # the app reads this module: imported when called

    evening = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(18, 30), config.tz)
    app = create_app({"HALL_CONFIG": config, "DATA_DIR": data_dir, "CLOCK": lambda: evening, "TESTING": True})
    try:
        return simulate_people(app.extensions["hallq.people"], first, last, seed)
    finally:
        app.extensions["hallq"].close()
