"""All SQL lives here: the hall's SQLite database through sqlite-utils (WAL, migrations).

One write connection, used under the hall lock, one `BEGIN IMMEDIATE` transaction per command;
reads borrow one of a few pooled connections (WAL lets them run beside the writer; their number does not
grow with the server's threads: each holds two open files). The WAL stays small: copied back every second
beside the writer, restarted once it passes `wal_limit_bytes` and truncated when writes pause.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlite_utils import Database

from application.store import StoredEvent, StoreUnavailable, project
from core.config import HallConfig
from core.events import Event
from core.hall import Hall, WindowState
from core.ratings import Rating
from core.tickets import Ticket
from server.logs import Throttled
from server.migrations import migrations

log = logging.getLogger("hallq.store")
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS

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
    "reinstated",
]
_REFERRALS, _PRIORITY = _TICKET_COLUMNS.index("referrals"), _TICKET_COLUMNS.index("priority")
_UPSERT_WINDOW = (
    "INSERT INTO windows (number, status, staff, current, pause_reason, since, priority_streak) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET status = excluded.status, "
    "staff = excluded.staff, current = excluded.current, pause_reason = excluded.pause_reason, "
    "since = excluded.since, priority_streak = excluded.priority_streak"
)
_UPSERT_TICKET = (
    f"INSERT INTO tickets ({', '.join(_TICKET_COLUMNS)}, issue_service) VALUES ({', '.join('?' for _ in _TICKET_COLUMNS)}, ?) "
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _TICKET_COLUMNS if c not in ("id", "seq", "day"))
)


def unavailable(exc: sqlite3.Error) -> StoreUnavailable:
    """SQLite's "database is locked" and "database or disk is full", in the store interface's words."""
    text = str(exc).lower()
    if "full" in text:
        return StoreUnavailable("disk_full", str(exc))
    if "locked" in text or "busy" in text:
        return StoreUnavailable("busy", str(exc))
    return StoreUnavailable("error", str(exc))


class ReaderPool:
    """A few read connections shared by every thread: a query borrows one and gives it back.

    Opened as needed up to `size`; a query that finds all of them busy waits for one (up to `wait_s`).
    A connection that cannot be opened (e.g. "Too many open files") is logged once a minute, not per request.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection], size: int = 4, wait_s: float = 10.0):
        self._connect = connect
        self.size = size
        self.wait_s = wait_s
        self._cond = threading.Condition(threading.Lock())
        self._idle: list[sqlite3.Connection] = []
        self._open = 0  # opened or being opened
        self._closed = False
        self._failed = Throttled(log)

    @property
    def opened(self) -> int:
        return self._open

    def _take(self) -> sqlite3.Connection:
        deadline: float | None = None
        with self._cond:
            while True:
                if self._closed:
                    raise sqlite3.ProgrammingError("the store is closed")
                if self._idle:
                    return self._idle.pop()  # the most recently used: its cache is warm
                if self._open < self.size:
                    self._open += 1
                    break
                if deadline is None:
                    deadline = time.monotonic() + self.wait_s
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreUnavailable("busy", f"no database reader free in {self.wait_s:.0f} s")
                self._cond.wait(remaining)
        try:
            return self._connect()
        except sqlite3.Error as exc:
            with self._cond:
                self._open -= 1
                self._cond.notify()
            self._failed.error("cannot open a database reader: %s", exc)
            raise StoreUnavailable("busy", f"cannot open a database reader: {exc}") from exc

    def _give(self, conn: sqlite3.Connection) -> None:
        with self._cond:
            if self._closed:
                conn.close()
                self._open -= 1
            else:
                self._idle.append(conn)
                self._cond.notify()

    @contextmanager
    def borrow(self) -> Iterator[sqlite3.Connection]:
        conn = self._take()
        try:
            yield conn
        finally:
            self._give(conn)

    def rows(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        """One query on a borrowed connection (what `borrow` does, without a generator: this runs on every read)."""
        conn = self._take()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            self._give(conn)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            for conn in self._idle:
                conn.close()
            self._open -= len(self._idle)
            self._idle.clear()
            self._cond.notify_all()


class SqliteStore:
    def __init__(
        self,
        path: Path | str,
        synchronous: str = "NORMAL",
        write_wait_s: float = 5.0,
        *,
        readers: int = 4,
        wal_limit_bytes: int = 64 << 20,
        checkpoint_interval_s: float = 0.5,
        idle_truncate_s: float = 1.0,
    ):
        self.path = str(path)
        self.synchronous = synchronous
        self.wal_limit_bytes = wal_limit_bytes
        self.checkpoint_interval_s = checkpoint_interval_s
        self.idle_truncate_s = idle_truncate_s
        self._writer = self._connect()
        # a command waits this long for another process's write lock, then answers "busy" (readers never wait: WAL)
        self._writer.execute(f"PRAGMA busy_timeout={int(write_wait_s * 1000)}")
        self.db = Database(self._writer)
        self.readers = ReaderPool(self._connect, size=readers)
        # Held by each write transaction, and by a checkpoint that must see no write in progress (so that the
        # next write restarts the WAL from its beginning). Never by readers.
        self._gate = threading.Lock()
        self._last_write = time.monotonic()
        self._last_passive = 0.0
        self._restart_due = False  # set by the checkpointer when the WAL is past a quarter of its limit
        self._writes = 0
        self._checkpoint_soon = threading.Event()
        self._checkpointing = threading.Lock()  # one checkpoint at a time (a second one fails at once: busy)
        self._checkpoint_failed = Throttled(log)
        self._closed = False
        self._depth = 0  # open transactions on the writer (more than 1: savepoints inside `bulk`)
        self._bulk = False
        self._log_events = True  # False: `bulk` without the event log (ids still taken from its sequence)
        self._event_seq = 0
        self._pending_tickets: dict[str, tuple[dict[str, Any], str]] = {}  # `bulk`: id → (ticket, issue service)
        self._pending_windows: dict[int, dict[str, Any]] = {}
        self._held = 0  # rows `bulk` has held back so far
        self._bulk_failed = False
        migrations.apply(self.db)
        self._writer.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run beside, never inside, a command
        # Past this many bytes of frames the WAL is restarted; when a write restarts it, the file is cut back to
        # this size (else it keeps its largest size). A quarter of the limit: frames keep coming while it restarts.
        self._restart_bytes = max(1 << 20, wal_limit_bytes // 4)
        self._writer.execute(f"PRAGMA journal_size_limit={self._restart_bytes}")
        self._page_size = int(self._writer.execute("PRAGMA page_size").fetchone()[0])
        self._stop = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="hallq-checkpoint", daemon=True)
        self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        """Keep the WAL small, on a connection of its own.

        Every `checkpoint_interval_s`: copy the WAL back into the database beside the writer (PASSIVE: writes go
        on). Under steady writes that never lets the WAL start again from its beginning (a write always comes
        before the copy has caught up), so once it holds a quarter of `wal_limit_bytes`, the next write first
        copies the last few frames (`_restart_wal`) and then restarts the WAL, which `journal_size_limit` cuts back.
        The writer wakes this thread as soon as the WAL passes that quarter, and should the thread fall behind
        all the same, the writer restarts the WAL itself once the file passes the limit.
        When writes pause for `idle_truncate_s`, the WAL is truncated to zero (under `_gate`: no write begins).
        """
        conn = self._connect()
        conn.execute("PRAGMA busy_timeout=20")  # never wait long for a reader or another process
        frame = self._page_size + 24
        try:
            while not self._stop.is_set():
                self._checkpoint_soon.wait(min(0.1, self.checkpoint_interval_s, self.idle_truncate_s / 2))
                self._checkpoint_soon.clear()
                if self._stop.is_set():
                    break
                try:
                    self._checkpoint(conn, frame)
                except sqlite3.Error as exc:
                    self._checkpoint_failed.error("WAL checkpoint failed: %s", exc)
        finally:
            conn.close()

    def _restart_wal(self) -> None:
        """Before a write, with no other write in progress: copy the WAL's last frames back (the checkpointer has
        just copied the rest) and wait for the readers still on the WAL (a query: well under a ms), so that this
        write starts the WAL again from its beginning. A few ms, once every quarter of `wal_limit_bytes` of writes;
        done here because a checkpointer waiting for a gap between commands would wait forever under steady
        writes. Waits at most 50 ms (e.g. for another process's reader), then tries again later."""
        self._restart_due = False
        if not self._checkpointing.acquire(timeout=1.0):  # the checkpointer's copy ends first (tens of ms at most)
            return
        timeout = self._writer.execute("PRAGMA busy_timeout").fetchall()[0][0]
        try:
            self._writer.execute("PRAGMA busy_timeout=50")
            self._writer.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        except sqlite3.Error as exc:
            self._checkpoint_failed.error("WAL checkpoint failed: %s", exc)
        finally:
            self._writer.execute(f"PRAGMA busy_timeout={timeout}")
            self._checkpointing.release()

    def _checkpoint(self, conn: sqlite3.Connection, frame_bytes: int) -> None:
        size = self.wal_bytes()
        if size == 0:
            return
        now = time.monotonic()
        if now - self._last_write >= self.idle_truncate_s:
            with self._checkpointing:  # the copy first, beside any write that comes meanwhile
                _, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0]
            if frames == copied and self._gate.acquire(timeout=0.05):
                try:  # then, with no write in progress, what little came since, and the file cut to zero
                    with self._checkpointing:
                        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                finally:
                    self._gate.release()
            return
        if self._restart_due:  # the writer's turn (a second checkpoint now would make its own fail: busy)
            return
        # the file grows past the restart size only when the frames do
        if size <= self._restart_bytes and now - self._last_passive < self.checkpoint_interval_s:
            return
        self._last_passive = now
        with self._checkpointing:
            _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0]
        if frames * frame_bytes >= self._restart_bytes:
            self._restart_due = True  # the next write copies the last frames and restarts the WAL

    def wal_bytes(self) -> int:
        """The size of the WAL file (0 when truncated or absent)."""
        try:
            return os.stat(self.path + "-wal").st_size
        except OSError:
            return 0

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def can_write(self) -> bool:
        """Whether a write could start now (another process may hold the write lock); never waits."""
        probe = sqlite3.connect(self.path, isolation_level=None, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            probe.close()

    def close(self) -> None:
        """Stop the checkpoint thread and close every connection (safe to call twice)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._checkpoint_soon.set()
        self._checkpointer.join(5)
        # A write in progress on another thread ends first: closing a connection under a running statement can
        # crash the process. After this, writes and reads fail with an exception.
        ended = self._gate.acquire(timeout=5)
        try:
            self.readers.close()
            self._writer.close()
        finally:
            if ended:
                self._gate.release()

    # ---- writing -------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[SqliteStore]:
        """One command, one transaction (see `_transaction`), never beside a checkpoint that needs no writer."""
        if self._depth:
            with self._transaction():
                yield self
            return
        with self._gate:
            self._writes += 1
            if self._restart_due:
                self._restart_wal()
            elif self._writes % 8 == 0:  # (a stat: about a µs)
                size = self.wal_bytes()
                if size > self.wal_limit_bytes:
                    self._restart_wal()  # the checkpointer fell behind: the limit holds anyway
                elif size > self._restart_bytes:
                    self._checkpoint_soon.set()
            try:
                with self._transaction():
                    yield self
            finally:
                self._last_write = time.monotonic()

    @contextmanager
    def _transaction(self) -> Iterator[SqliteStore]:
        """One command, one transaction. The caller holds the hall lock.

        Inside another transaction it is a savepoint: a refused command rolls back only itself. Inside `bulk`
        it is not even that (two statements a command): a command is refused before it writes anything, so
        there is nothing to roll back; one that fails after writing fails the whole `bulk` (rolled back).
        """
        if self._depth and self._bulk:
            mark = (self._writer.total_changes, self._held, self._event_seq)
            self._depth += 1
            try:
                yield self
            except BaseException:
                if (self._writer.total_changes, self._held, self._event_seq) != mark:
                    self._bulk_failed = True
                raise
            finally:
                self._depth -= 1
            return
        if self._depth:
            name = f"cmd{self._depth}"
            self._writer.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._writer.execute(f"ROLLBACK TO {name}")
                self._writer.execute(f"RELEASE {name}")
                raise
            else:
                self._writer.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        try:
            self._writer.execute("BEGIN IMMEDIATE")  # waits up to the writer's busy timeout for another writer
        except sqlite3.OperationalError as exc:
            raise unavailable(exc) from exc
        self._depth = 1
        try:
            yield self
        except BaseException as exc:
            if self._writer.in_transaction:
                self._writer.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):  # e.g. the disk filled up mid-command
                raise unavailable(exc) from exc
            raise
        else:
            if self._bulk_failed:
                self._writer.execute("ROLLBACK")
                raise RuntimeError("a command failed after writing: the whole bulk transaction is rolled back")
            try:
                self._writer.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK")
                raise unavailable(exc) from exc
        finally:
            self._depth = 0

    @contextmanager
    def bulk(self, *, log_events: bool = True) -> Iterator[SqliteStore]:
        """Many commands in one transaction, for generating history (never while serving): each command's own
        transaction runs inside it (see `_transaction`), reads go through the writer (they see the uncommitted
        commands before them), and synchronous=OFF until it ends. Commits at the end; an exception that leaves
        it rolls everything back.

        Within it a ticket's or a window's row is written once, as it stands at the end (the same rows as one
        write per command). `log_events=False` leaves the event log out (a day its retention would delete at
        once) but still numbers the events from its sequence, so the events after it get the same ids."""
        cache = self._writer.execute("PRAGMA cache_size").fetchone()[0]
        self._writer.execute("PRAGMA synchronous=OFF")
        self._writer.execute("PRAGMA cache_size=-262144")  # 256 MB: a day's pages stay in memory until COMMIT
        self._bulk, self._log_events, self._bulk_failed = True, log_events, False
        try:
            with self.transaction():
                if not log_events:
                    self._event_seq = self._events_sequence()
                yield self
                self._flush()
                if not log_events:
                    self._writer.execute("DELETE FROM sqlite_sequence WHERE name = 'events'")
                    self._writer.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)", (self._event_seq,)
                    )
            # The next bulk transaction follows at once, so the background checkpoints could never restart the WAL:
            # copy it back and truncate it here (without this it grows by every day's pages).
            with self._checkpointing:  # (beside the checkpointer's own copy it would fail at once: busy)
                self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._bulk, self._log_events = False, True
            self._pending_tickets.clear()
            self._pending_windows.clear()
            self._writer.execute(f"PRAGMA synchronous={self.synchronous}")
            self._writer.execute(f"PRAGMA cache_size={cache}")

    def _events_sequence(self) -> int:
        """The last event id handed out (AUTOINCREMENT: deleted ids are not used again)."""
        row = self._writer.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), "
            "COALESCE((SELECT MAX(id) FROM events), 0))"
        ).fetchone()
        return int(row[0])

    def _flush(self) -> None:
        """Write the rows `bulk` holds back (before anything reads those tables with SQL, and at its end)."""
        if self._pending_tickets:
            rows = [_ticket_values(t, issue_service) for t, issue_service in self._pending_tickets.values()]
            self._pending_tickets.clear()
            self._writer.executemany(_UPSERT_TICKET, rows)
        if self._pending_windows:
            rows = [_window_values(w) for w in self._pending_windows.values()]
            self._pending_windows.clear()
            self._writer.executemany(_UPSERT_WINDOW, rows)

    def delete_events_before(self, event_id: int) -> None:
        """Retention: drop the event log below `event_id` (ids keep increasing: AUTOINCREMENT)."""
        self._writer.execute("DELETE FROM events WHERE id < ?", (event_id,))

    def save_events(self, events: Iterable[Event]) -> list[StoredEvent]:
        """Append events to the log and update the tables they change. Inside a transaction."""
        stored = []
        for event in events:
            stored.append(self.append_event(event.name, event.at, event.payload()))
            project(event, self)
        return stored

    def append_event(self, name: str, at: dt.datetime, payload: dict[str, Any]) -> StoredEvent:
        if not self._log_events:
            self._event_seq += 1
            return StoredEvent(self._event_seq, name, payload)
        data = orjson.dumps(payload, option=_JSON_OPTIONS)  # encoded once: for the log and for the stream
        row = self._writer.execute(
            "INSERT INTO events (name, at, payload) VALUES (?, ?, ?)", (name, at.isoformat(), data.decode())
        )
        return StoredEvent(int(row.lastrowid or 0), name, payload, data)

    def set_service_closed(self, code: str, closed: bool) -> None:
        if closed:
            self._writer.execute("INSERT OR IGNORE INTO closed_services (code) VALUES (?)", (code,))
        else:
            self._writer.execute("DELETE FROM closed_services WHERE code = ?", (code,))

    def save_ticket(self, t: dict[str, Any]) -> None:
        if self._bulk:  # the row as it stands at the end of `bulk`; its issue service is the first one's
            held = self._pending_tickets.get(t["id"])
            self._pending_tickets[t["id"]] = (t, held[1] if held else t["service"])
            self._held += 1
            return
        self._writer.execute(_UPSERT_TICKET, _ticket_values(t, t["service"]))

    def save_window(self, w: dict[str, Any]) -> None:
        if self._bulk:
            self._pending_windows[w["number"]] = w
            self._held += 1
            return
        self._writer.execute(_UPSERT_WINDOW, _window_values(w))

    def save_case(self, c: dict[str, Any]) -> None:
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

    def staff_codes(self) -> set[str]:
        return {r["code"] for r in self._writer.execute("SELECT code FROM staff")}

    def add_staff(self, code: str, name: str, role: str, pin_hash: str, pin_salt: str) -> None:
        self._writer.execute(
            "INSERT INTO staff (code, name, role, pin_hash, pin_salt) VALUES (?, ?, ?, ?, ?)",
            (code, name, role, pin_hash, pin_salt),
        )

    def update_staff(self, code: str, name: str, role: str) -> None:
        self._writer.execute("UPDATE staff SET name = ?, role = ? WHERE code = ?", (name, role, code))

    def set_pin(self, staff: str, pin_hash: str, pin_salt: str) -> None:
        self._writer.execute("UPDATE staff SET pin_hash = ?, pin_salt = ? WHERE code = ?", (pin_hash, pin_salt, staff))

    def add_session(
        self, token_hash: str, staff: str, role: str, window: int | None, now: dt.datetime, expires: dt.datetime
    ) -> None:
        self._writer.execute(
            "INSERT INTO sessions (token_hash, staff, role, window, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash, staff, role, window, now.isoformat(), expires.isoformat()),
        )

    def drop_session(self, token_hash: str) -> None:
        self._writer.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def drop_sessions_of(self, staff: str, keep: str = "") -> None:
        self._writer.execute("DELETE FROM sessions WHERE staff = ? AND token_hash != ?", (staff, keep))

    def complete_case(self, case_id: str, at: dt.datetime) -> None:
        self._writer.execute(
            "UPDATE cases SET status = 'completed', completed_at = ? WHERE id = ?", (at.isoformat(), case_id)
        )

    # ---- settings and floor reads ----------------------------------------------------------------

    def set_setting(self, key: str, value: str) -> None:
        self._writer.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def setting(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def missed_tickets(self, day: dt.date) -> list[Ticket]:
        rows = self._rows(
            "SELECT * FROM tickets WHERE day = ? AND status = 'no_show' ORDER BY finished_at DESC", (day.isoformat(),)
        )
        return [_ticket(r) for r in rows]

    def window_stats(self, day: dt.date) -> dict[int, dict[str, Any]]:
        rows = self._rows(
            "SELECT window, COUNT(*) AS served, AVG((julianday(finished_at) - julianday(called_at)) * 86400) AS avg_s "
            "FROM tickets WHERE day = ? AND status = 'done' AND window IS NOT NULL GROUP BY window",
            (day.isoformat(),),
        )
        return {
            r["window"]: {
                "served": r["served"],
                "average_handling_s": round(r["avg_s"]) if r["avg_s"] is not None else None,
            }
            for r in rows
        }

    # ---- devices and the audit log ---------------------------------------------------------------

    _DEVICE_LOOKUPS = ("id", "code_hash", "token_hash")

    def add_device(self, row: dict[str, Any]) -> None:
        cols = list(row)
        self._writer.execute(
            f"INSERT INTO devices ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols]
        )

    def update_device(self, device_id: str, **fields: Any) -> None:
        sets = ", ".join(f"{c} = ?" for c in fields)
        self._writer.execute(f"UPDATE devices SET {sets} WHERE id = ?", [*fields.values(), device_id])

    def device(self, device_id: str) -> dict[str, Any] | None:
        return self.device_by("id", device_id)

    def device_by(self, column: str, value: str) -> dict[str, Any] | None:
        if column not in self._DEVICE_LOOKUPS:
            raise ValueError(column)
        rows = self._rows(f"SELECT * FROM devices WHERE {column} = ?", (value,))
        return dict(rows[0]) if rows else None

    def devices(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows("SELECT * FROM devices ORDER BY role, window, name")]

    def add_audit(self, row: dict[str, Any]) -> None:
        cols = list(row)
        self._writer.execute(
            f"INSERT INTO audit ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols]
        )

    def audit_log(
        self, *, since: str | None = None, until: str | None = None, staff: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        where, params = [], []
        for clause, value in (("at >= ?", since), ("at < ?", until), ("staff = ?", staff)):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"
        return [dict(r) for r in self._rows(sql, [*params, limit])]

    # ---- reading -------------------------------------------------------------------------------

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        if self._bulk:
            return self._writer.execute(sql, tuple(params)).fetchall()
        return self.readers.rows(sql, tuple(params))

    def staff_credentials(self, code: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM staff WHERE code = ?", (code,))
        return dict(rows[0]) if rows else None

    def staff_rows(self) -> list[dict[str, Any]]:
        """Everyone in the staff table, without PIN hashes (the console's staff page)."""
        return [dict(r) for r in self._rows("SELECT code, name, role, disabled_at FROM staff ORDER BY code")]

    def set_staff_disabled(self, code: str, at: str | None) -> None:
        """Disable (when) or re-enable (None) a person; the caller holds the transaction."""
        self._writer.execute("UPDATE staff SET disabled_at = ? WHERE code = ?", (at, code))

    def session(self, token_hash: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM sessions WHERE token_hash = ?", (token_hash,))
        return dict(rows[0]) if rows else None

    def events_after(self, last_id: int, limit: int = 1000) -> list[StoredEvent]:
        rows = self._rows("SELECT id, name, payload FROM events WHERE id > ? ORDER BY id LIMIT ?", (last_id, limit))
        return [StoredEvent(r["id"], r["name"], orjson.loads(r["payload"]), r["payload"].encode()) for r in rows]

    def last_event_id(self) -> int:
        return int(self._rows("SELECT COALESCE(MAX(id), 0) AS m FROM events")[0]["m"])

    def ticket(self, ticket_id: str) -> Ticket | None:
        held = self._pending_tickets.get(ticket_id)
        if held is not None:
            return Ticket.from_dict(held[0])
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
        self._flush()
        row = self._rows(
            "SELECT COUNT(*) AS served, AVG((julianday(finished_at) - julianday(called_at)) * 86400) AS avg_s "
            "FROM tickets WHERE window = ? AND day = ? AND status = 'done'",
            (window, day.isoformat()),
        )[0]
        return {
            "served": row["served"],
            "average_handling_s": round(row["avg_s"]) if row["avg_s"] is not None else None,
        }

    def recent_calls(self, day: dt.date, limit: int = 10) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT number, window, called_at FROM tickets WHERE day = ? AND called_at IS NOT NULL "
            "AND window IS NOT NULL ORDER BY called_at DESC LIMIT ?",
            (day.isoformat(), limit),
        )
        return [dict(r) for r in rows]

    def referred_by(self, window: int, day: dt.date) -> list[Ticket]:
        """Tickets this window referred on today (首问负责: it keeps seeing them until done)."""
        self._flush()
        rows = self._rows(
            "SELECT * FROM tickets WHERE day = ? AND referrals LIKE ? ORDER BY queued_at",
            (day.isoformat(), f'%"from_window": {window},%'),
        )
        return [t for t in map(_ticket, rows) if window in t.referred_by_windows]

    def load_hall(self, config: HallConfig, today: dt.date) -> Hall:
        """The hall as of the last day it has tickets for (the caller rolls it forward if needed)."""
        self._flush()
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
        windows = [WindowState.from_dict(dict(r)) for r in self._rows("SELECT * FROM windows")]
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
            cases_today=self._rows("SELECT COUNT(*) AS n FROM cases WHERE accepted_on = ?", (day,))[0]["n"],
        )

    def stale_open_tickets(self, day: dt.date) -> list[Ticket]:
        """Tickets of days before `day` still open (should not happen; closed at start-up if it does)."""
        self._flush()
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


def _ticket_values(t: dict[str, Any], issue_service: str) -> list[Any]:
    values = [t[c] for c in _TICKET_COLUMNS]
    values[_REFERRALS] = json.dumps(t["referrals"], ensure_ascii=False) if t["referrals"] else "[]"
    values[_PRIORITY] = int(t["priority"])
    return [*values, issue_service]


def _window_values(w: dict[str, Any]) -> tuple[Any, ...]:
    return (w["number"], w["status"], w["staff"], w["current"], w["pause_reason"], w["since"], w["priority_streak"])


def _ticket(row: sqlite3.Row) -> Ticket:
    data = dict(row)
    data["referrals"] = json.loads(data["referrals"])
    return Ticket.from_dict(data)


def _case(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["missing_materials"] = json.loads(data["missing_materials"])
    return data
