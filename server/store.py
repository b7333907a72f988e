"""All SQL lives here: the hall's SQLite database through sqlite-utils (WAL, migrations).

One write connection, used under the hall lock, one `BEGIN IMMEDIATE` transaction per command;
reads go through a connection per thread (WAL lets them run beside the writer).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from core.config import HallConfig
from core.events import Event
from core.hall import Hall, WindowState
from core.ratings import Rating
from core.tickets import Ticket

migrations = Migrations("hallq")


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            at TEXT NOT NULL,
            payload TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE tickets (
            id TEXT PRIMARY KEY,
            number TEXT NOT NULL,
            service TEXT NOT NULL,
            day TEXT NOT NULL,
            seq INTEGER NOT NULL,
            issued_at TEXT NOT NULL,
            status TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            priority_reason TEXT NOT NULL DEFAULT '',
            item TEXT,
            booking TEXT,
            queued_at TEXT,
            target_window INTEGER,
            window INTEGER,
            staff TEXT,
            called_at TEXT,
            started_at TEXT,
            finished_at TEXT,
            recalls INTEGER NOT NULL DEFAULT 0,
            suspended_by INTEGER,
            referrals TEXT NOT NULL DEFAULT '[]',
            issue_service TEXT NOT NULL,
            UNIQUE (day, issue_service, seq))"""
    )
    db.execute("CREATE INDEX tickets_day_status ON tickets (day, status)")
    db.execute("CREATE INDEX tickets_service_finished ON tickets (service, finished_at)")
    db.execute(
        """CREATE TABLE windows (
            number INTEGER PRIMARY KEY,
            status TEXT NOT NULL,
            staff TEXT,
            current TEXT,
            pause_reason TEXT NOT NULL DEFAULT '',
            since TEXT,
            priority_streak INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute("CREATE TABLE closed_services (code TEXT PRIMARY KEY)")
    db.execute(
        """CREATE TABLE staff (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            pin_hash TEXT NOT NULL,
            pin_salt TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            staff TEXT NOT NULL,
            role TEXT NOT NULL,
            window INTEGER,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE attendance (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            staff TEXT NOT NULL,
            window INTEGER,
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            day TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '')"""
    )
    db.execute(
        """CREATE TABLE cases (
            id TEXT PRIMARY KEY,
            ticket TEXT NOT NULL,
            number TEXT NOT NULL,
            service TEXT NOT NULL,
            item TEXT,
            case_type TEXT NOT NULL,
            window INTEGER NOT NULL,
            staff TEXT NOT NULL,
            accepted_on TEXT NOT NULL,
            due_date TEXT,
            status TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            due_reason TEXT NOT NULL DEFAULT '',
            missing_materials TEXT NOT NULL DEFAULT '[]',
            completed_at TEXT)"""
    )
    db.execute("CREATE INDEX cases_staff_status ON cases (staff, status)")
    db.execute(
        """CREATE TABLE ratings (
            ticket TEXT PRIMARY KEY,
            number TEXT NOT NULL,
            service TEXT NOT NULL,
            window INTEGER NOT NULL,
            staff TEXT NOT NULL,
            score INTEGER NOT NULL,
            reasons TEXT NOT NULL DEFAULT '[]',
            comment TEXT NOT NULL DEFAULT '',
            dimensions TEXT NOT NULL DEFAULT '{}',
            at TEXT NOT NULL)"""
    )


@migrations()
def m002_issue_keys(db: Database) -> None:
    """A kiosk retrying a ticket request gets the same ticket back, not a second one."""
    db.execute("CREATE TABLE issue_keys (key TEXT PRIMARY KEY, ticket TEXT NOT NULL, at TEXT NOT NULL)")


@migrations()
def m003_bookings(db: Database) -> None:
    db.execute(
        """CREATE TABLE bookings (
            code TEXT PRIMARY KEY,
            service TEXT NOT NULL,
            item TEXT,
            day TEXT NOT NULL,
            time TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            ticket TEXT,
            created_at TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX bookings_day ON bookings (day)")


@migrations()
def m004_fewer_ticket_indexes(db: Database) -> None:
    """Each index costs every write; start-up reads use the (day, service, seq) key or scan once."""
    db.execute("DROP INDEX IF EXISTS tickets_day_status")
    db.execute("DROP INDEX IF EXISTS tickets_service_finished")


@dataclass(frozen=True, eq=False)
class StoredEvent:
    id: int
    name: str
    payload: dict[str, Any]

    @cached_property
    def wire(self) -> bytes:
        """The event as server-sent-events bytes, encoded once however many listen."""
        data = json.dumps(self.payload, ensure_ascii=False, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.name}\ndata: {data}\n\n".encode()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "payload": self.payload}


PIN_ITERATIONS = int(os.environ.get("HALLQ_PIN_ITERATIONS", "200000"))


def hash_pin(pin: str, salt: bytes, iterations: int | None = None) -> str:
    """PBKDF2-SHA256; the stored text names its iteration count so it can be raised later."""
    n = iterations or PIN_ITERATIONS
    return f"pbkdf2_sha256${n}${hashlib.pbkdf2_hmac('sha256', pin.encode(), salt, n).hex()}"


def pin_matches(pin: str, salt_hex: str, stored: str) -> bool:
    try:
        _, n, _ = stored.split("$")
        return hmac.compare_digest(stored, hash_pin(pin, bytes.fromhex(salt_hex), int(n)))
    except ValueError:
        return False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_TICKET_COLUMNS = [
    "id",
    "number",
    "service",
    "day",
    "seq",
    "issued_at",
    "status",
    "priority",
    "priority_reason",
    "item",
    "booking",
    "queued_at",
    "target_window",
    "window",
    "staff",
    "called_at",
    "started_at",
    "finished_at",
    "recalls",
    "suspended_by",
    "referrals",
]
_REFERRALS, _PRIORITY = _TICKET_COLUMNS.index("referrals"), _TICKET_COLUMNS.index("priority")
_UPSERT_TICKET = (
    f"INSERT INTO tickets ({', '.join(_TICKET_COLUMNS)}, issue_service) VALUES ({', '.join('?' for _ in _TICKET_COLUMNS)}, ?) "
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _TICKET_COLUMNS if c not in ("id", "seq", "day"))
)


class Store:
    def __init__(self, path: Path | str, synchronous: str = "NORMAL"):
        self.path = str(path)
        self.synchronous = synchronous
        self._writer = self._connect()
        self.db = Database(self._writer)
        self._local = threading.local()
        migrations.apply(self.db)
        self._writer.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run beside, never inside, a command
        self._stop = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="hallq-checkpoint", daemon=True)
        self._checkpointer.start()

    def _checkpoint_loop(self, interval_s: float = 1.0) -> None:
        """Copy the WAL back into the database every second, on a connection of its own (PASSIVE: writers go on)."""
        conn = self._connect()
        try:
            while not self._stop.wait(interval_s):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    continue
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def close(self) -> None:
        self._stop.set()
        self._checkpointer.join(5)
        self._writer.close()

    # ---- writing -------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One command, one transaction. The caller holds the hall lock."""
        self._writer.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self._writer.execute("ROLLBACK")
            raise
        else:
            self._writer.execute("COMMIT")

    def save_events(self, events: Iterable[Event]) -> list[StoredEvent]:
        """Append events to the log and update the projections they carry. Inside a transaction."""
        stored = []
        cur = self._writer
        for event in events:
            payload = event.payload()
            row = cur.execute(
                "INSERT INTO events (name, at, payload) VALUES (?, ?, ?)",
                (event.name, event.at.isoformat(), json.dumps(payload, ensure_ascii=False)),
            )
            stored.append(StoredEvent(int(row.lastrowid or 0), event.name, payload))
            if event.ticket is not None:
                self._save_ticket(event.ticket)
            if event.window is not None:
                self._save_window(event.window)
            case = event.extra.get("case")
            if case is not None:
                self._save_case(case)
            if event.name == "service.closed":
                cur.execute("INSERT OR IGNORE INTO closed_services (code) VALUES (?)", (event.extra["service"],))
            elif event.name == "service.opened":
                cur.execute("DELETE FROM closed_services WHERE code = ?", (event.extra["service"],))
        return stored

    def _save_ticket(self, t: dict[str, Any]) -> None:
        values = [t[c] for c in _TICKET_COLUMNS]
        values[_REFERRALS] = json.dumps(t["referrals"], ensure_ascii=False)
        values[_PRIORITY] = int(t["priority"])
        self._writer.execute(_UPSERT_TICKET, [*values, t["service"]])

    def _save_window(self, w: dict[str, Any]) -> None:
        self._writer.execute(
            "INSERT INTO windows (number, status, staff, current, pause_reason, since, priority_streak) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET status = excluded.status, "
            "staff = excluded.staff, current = excluded.current, pause_reason = excluded.pause_reason, "
            "since = excluded.since, priority_streak = excluded.priority_streak",
            (w["number"], w["status"], w["staff"], w["current"], w["pause_reason"], w["since"], w["priority_streak"]),
        )

    def _save_case(self, c: dict[str, Any]) -> None:
        row = dict(c)
        row["missing_materials"] = json.dumps(list(c["missing_materials"]), ensure_ascii=False)
        cols = list(row)
        self._writer.execute(
            f"INSERT OR REPLACE INTO cases ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [row[c] for c in cols],
        )

    def save_issue_key(self, key: str, ticket_id: str, at: dt.datetime) -> None:
        self._writer.execute(
            "INSERT INTO issue_keys (key, ticket, at) VALUES (?, ?, ?)", (key, ticket_id, at.isoformat())
        )

    def ticket_for_key(self, key: str) -> str | None:
        rows = self._rows("SELECT ticket FROM issue_keys WHERE key = ?", (key,))
        return rows[0]["ticket"] if rows else None

    def add_booking(self, row: dict[str, Any]) -> None:
        cols = list(row)
        self._writer.execute(
            f"INSERT INTO bookings ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols]
        )

    def set_booking(self, code: str, status: str, ticket: str | None = None) -> None:
        self._writer.execute(
            "UPDATE bookings SET status = ?, ticket = COALESCE(?, ticket) WHERE code = ?", (status, ticket, code)
        )

    def mark_booking_no_shows(self, before: dt.date) -> None:
        self._writer.execute(
            "UPDATE bookings SET status = 'no_show' WHERE status = 'booked' AND day < ?", (before.isoformat(),)
        )

    def booking(self, code: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM bookings WHERE code = ?", (code,))
        return dict(rows[0]) if rows else None

    def bookings(self, day: dt.date) -> list[dict[str, Any]]:
        return [
            dict(r) for r in self._rows("SELECT * FROM bookings WHERE day = ? ORDER BY time, code", (day.isoformat(),))
        ]

    def save_rating(self, r: Rating) -> None:
        self._writer.execute(
            "INSERT INTO ratings (ticket, number, service, window, staff, score, reasons, comment, dimensions, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                r.ticket,
                r.number,
                r.service,
                r.window,
                r.staff,
                r.score,
                json.dumps(list(r.reasons), ensure_ascii=False),
                r.comment,
                json.dumps(r.dimensions),
                r.at.isoformat(),
            ),
        )

    def record_attendance(
        self, staff: str, window: int | None, kind: str, at: dt.datetime, day: dt.date, note: str = ""
    ) -> None:
        self._writer.execute(
            "INSERT INTO attendance (staff, window, kind, at, day, note) VALUES (?, ?, ?, ?, ?, ?)",
            (staff, window, kind, at.isoformat(), day.isoformat(), note),
        )

    def sync_staff(self, config: HallConfig, salt_factory: Any) -> int:
        """Add staff from the configuration who are not in the database yet; PINs stored hashed."""
        known = {r["code"] for r in self._writer.execute("SELECT code FROM staff")}
        added = 0
        with self.transaction():
            for s in config.staff:
                if s.code in known:
                    self._writer.execute("UPDATE staff SET name = ?, role = ? WHERE code = ?", (s.name, s.role, s.code))
                    continue
                salt = salt_factory()
                self._writer.execute(
                    "INSERT INTO staff (code, name, role, pin_hash, pin_salt) VALUES (?, ?, ?, ?, ?)",
                    (s.code, s.name, s.role, hash_pin(s.pin, salt), salt.hex()),
                )
                added += 1
        return added

    def set_pin(self, staff: str, pin: str, salt: bytes) -> None:
        with self.transaction():
            self._writer.execute(
                "UPDATE staff SET pin_hash = ?, pin_salt = ? WHERE code = ?", (hash_pin(pin, salt), salt.hex(), staff)
            )

    def add_session(
        self, token: str, staff: str, role: str, window: int | None, now: dt.datetime, expires: dt.datetime
    ) -> None:
        self._writer.execute(
            "INSERT INTO sessions (token_hash, staff, role, window, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (hash_token(token), staff, role, window, now.isoformat(), expires.isoformat()),
        )

    def drop_session(self, token: str) -> None:
        self._writer.execute("DELETE FROM sessions WHERE token_hash = ?", (hash_token(token),))

    def drop_sessions_of(self, staff: str) -> None:
        self._writer.execute("DELETE FROM sessions WHERE staff = ?", (staff,))

    def complete_case(self, case_id: str, at: dt.datetime) -> None:
        self._writer.execute(
            "UPDATE cases SET status = 'completed', completed_at = ? WHERE id = ?", (at.isoformat(), case_id)
        )

    # ---- reading -------------------------------------------------------------------------------

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self._reader().execute(sql, tuple(params)).fetchall()

    def staff_credentials(self, code: str) -> sqlite3.Row | None:
        rows = self._rows("SELECT * FROM staff WHERE code = ?", (code,))
        return rows[0] if rows else None

    def session(self, token: str) -> sqlite3.Row | None:
        rows = self._rows("SELECT * FROM sessions WHERE token_hash = ?", (hash_token(token),))
        return rows[0] if rows else None

    def events_after(self, last_id: int, limit: int = 1000) -> list[StoredEvent]:
        rows = self._rows("SELECT id, name, payload FROM events WHERE id > ? ORDER BY id LIMIT ?", (last_id, limit))
        return [StoredEvent(r["id"], r["name"], json.loads(r["payload"])) for r in rows]

    def last_event_id(self) -> int:
        return int(self._rows("SELECT COALESCE(MAX(id), 0) AS m FROM events")[0]["m"])

    def ticket(self, ticket_id: str) -> Ticket | None:
        rows = self._rows("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        return _ticket(rows[0]) if rows else None

    def has_rating(self, ticket_id: str) -> bool:
        return bool(self._rows("SELECT 1 FROM ratings WHERE ticket = ?", (ticket_id,)))

    def case(self, case_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM cases WHERE id = ?", (case_id,))
        return _case(rows[0]) if rows else None

    def cases(
        self, *, staff: str | None = None, status: str | None = None, window: int | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        where, params = [], []
        for col, value in (("staff", staff), ("status", status), ("window", window)):
            if value is not None:
                where.append(f"{col} = ?")
                params.append(value)
        sql = "SELECT * FROM cases" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY due_date IS NULL, due_date, accepted_on LIMIT ?"
        return [_case(r) for r in self._rows(sql, [*params, limit])]

    def window_day_stats(self, window: int, day: dt.date) -> dict[str, Any]:
        row = self._rows(
            "SELECT COUNT(*) AS served, AVG((julianday(finished_at) - julianday(called_at)) * 86400) AS avg_s "
            "FROM tickets WHERE window = ? AND day = ? AND status = 'done'",
            (window, day.isoformat()),
        )[0]
        return {
            "served": row["served"],
            "average_handling_s": round(row["avg_s"]) if row["avg_s"] is not None else None,
        }

    def referred_by(self, window: int, day: dt.date) -> list[Ticket]:
        """Tickets this window referred on today (首问负责: it keeps seeing them until done)."""
        rows = self._rows(
            "SELECT * FROM tickets WHERE day = ? AND referrals LIKE ? ORDER BY queued_at",
            (day.isoformat(), f'%"from_window": {window},%'),
        )
        return [t for t in map(_ticket, rows) if window in t.referred_by_windows]

    def load_hall(self, config: HallConfig, today: dt.date) -> Hall:
        """The hall as of the last day it has tickets for (the caller rolls it forward if needed)."""
        last_day = self._rows("SELECT MAX(day) AS d FROM tickets")[0]["d"]
        hall_day = dt.date.fromisoformat(last_day) if last_day else today
        day = hall_day.isoformat()
        tickets = [
            _ticket(r)
            for r in self._rows(
                "SELECT * FROM tickets WHERE day = ? AND status IN ('waiting', 'called', 'serving', 'suspended', 'transferred')",
                (day,),
            )
        ]
        counters = {
            r["issue_service"]: r["m"]
            for r in self._rows(
                "SELECT issue_service, MAX(seq) AS m FROM tickets WHERE day = ? GROUP BY issue_service", (day,)
            )
        }
        windows = [
            WindowState(
                number=r["number"],
                status=r["status"],
                staff=r["staff"],
                current=r["current"],
                pause_reason=r["pause_reason"],
                since=dt.datetime.fromisoformat(r["since"]) if r["since"] else None,
                priority_streak=r["priority_streak"],
            )
            for r in self._rows("SELECT * FROM windows")
        ]
        durations: dict[str, list[float]] = {}
        for s in config.services:
            rows = self._rows(
                "SELECT (julianday(finished_at) - julianday(called_at)) * 86400 AS d FROM tickets "
                "WHERE service = ? AND status = 'done' AND called_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
                (s.code, config.estimate_sample),
            )
            durations[s.code] = [r["d"] for r in reversed(rows)]
        closed = [r["code"] for r in self._rows("SELECT code FROM closed_services")]
        return Hall.restore(
            config,
            hall_day,
            tickets=tickets,
            windows=windows,
            counters=counters,
            closed_services=closed,
            durations=durations,
        )

    def stale_open_tickets(self, day: dt.date) -> list[Ticket]:
        """Tickets of days before `day` still open (should not happen; closed at start-up if it does)."""
        rows = self._rows(
            "SELECT * FROM tickets WHERE day < ? AND status IN ('waiting', 'called', 'serving', 'suspended', 'transferred')",
            (day.isoformat(),),
        )
        return [_ticket(r) for r in rows]

    def ratings(self, since_day: dt.date | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM ratings", []
        if since_day:
            sql += " WHERE at >= ?"
            params.append(since_day.isoformat())
        return [
            {**dict(r), "reasons": json.loads(r["reasons"]), "dimensions": json.loads(r["dimensions"])}
            for r in self._rows(sql + " ORDER BY at", params)
        ]

    def attendance(self, day: dt.date) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows("SELECT * FROM attendance WHERE day = ? ORDER BY at", (day.isoformat(),))]


def _ticket(row: sqlite3.Row) -> Ticket:
    data = dict(row)
    data["referrals"] = json.loads(data["referrals"])
    return Ticket.from_dict(data)


def _case(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["missing_materials"] = json.loads(data["missing_materials"])
    return data
