"""The database's schema, one migration per change (sqlite-utils migrations: each in a transaction, recorded)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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


@migrations()
def m005_reinstated(db: Database) -> None:
    """A missed number can be reinstated at the service desk; how often is kept with the ticket."""
    db.execute("ALTER TABLE tickets ADD COLUMN reinstated INTEGER NOT NULL DEFAULT 0")


@migrations()
def m006_case_numbers(db: Database) -> None:
    """Each case gets the hall's own number (20261130-0042), printed on its slips; ticket numbers restart daily."""
    db.execute("ALTER TABLE cases ADD COLUMN case_number TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE cases SET case_number = replace(accepted_on, '-', '') || '-' || printf('%04d', rowid)")
    db.execute("CREATE UNIQUE INDEX cases_case_number ON cases (case_number)")


@migrations()
def m007_devices_and_audit(db: Database) -> None:
    """Paired devices, and the append-only record of who did what (nobody may edit or delete it)."""
    db.execute(
        """CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            window INTEGER,
            code_hash TEXT,
            code_expires_at TEXT,
            token_hash TEXT UNIQUE,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            paired_at TEXT,
            revoked_at TEXT,
            last_seen_at TEXT,
            last_address TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT '')"""
    )
    db.execute("CREATE INDEX devices_code ON devices (code_hash)")
    db.execute(
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            staff TEXT NOT NULL,
            role TEXT NOT NULL,
            source TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            before TEXT,
            after TEXT)"""
    )
    db.execute("CREATE INDEX audit_at ON audit (at)")
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER audit_no_{verb.lower()} BEFORE {verb} ON audit "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
