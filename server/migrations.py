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


@migrations()
def m008_settings_and_floor_reads(db: Database) -> None:
    """Settings changed in the console (the display's notice); the live page's per-window and missed reads."""
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS tickets_day_window ON tickets (day, window)")


@migrations()
def m101_rectifications(db: Database) -> None:
    """好差评 (issue 12): a rating's channel (the window's pad, the citizen's phone); one rectification record per bad
    rating; indexes for the month's figures and export (ratings by time, a rating's case by ticket)."""
    db.execute("ALTER TABLE ratings ADD COLUMN channel TEXT NOT NULL DEFAULT 'pad'")
    db.execute("CREATE INDEX IF NOT EXISTS ratings_at ON ratings (at)")
    db.execute("CREATE INDEX IF NOT EXISTS cases_ticket ON cases (ticket)")
    db.execute("CREATE INDEX IF NOT EXISTS cases_accepted_on ON cases (accepted_on)")
    db.execute("CREATE INDEX IF NOT EXISTS audit_target ON audit (target)")
    db.execute(
        """CREATE TABLE rectifications (
            ticket TEXT PRIMARY KEY,
            number TEXT NOT NULL,
            rated_at TEXT NOT NULL,
            day TEXT NOT NULL,
            window INTEGER NOT NULL,
            staff TEXT NOT NULL,
            service TEXT NOT NULL,
            item TEXT,
            case_number TEXT NOT NULL DEFAULT '',
            score INTEGER NOT NULL,
            reasons TEXT NOT NULL DEFAULT '[]',
            comment TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            verify_due TEXT NOT NULL,
            verified_at TEXT,
            verified_by TEXT,
            verify_note TEXT NOT NULL DEFAULT '',
            outcome TEXT,
            outcome_at TEXT,
            outcome_by TEXT,
            outcome_note TEXT NOT NULL DEFAULT '',
            measures TEXT NOT NULL DEFAULT '',
            rectify_due TEXT,
            rectified_at TEXT,
            rectified_by TEXT,
            appeal_grounds TEXT,
            appeal_decided_at TEXT,
            appeal_decided_by TEXT,
            appeal_upheld INTEGER,
            appeal_decision_note TEXT NOT NULL DEFAULT '',
            contact_phone TEXT NOT NULL DEFAULT '',
            contact_source TEXT NOT NULL DEFAULT '',
            follow_up_due TEXT,
            followed_up_at TEXT,
            followed_up_by TEXT,
            follow_up_view TEXT,
            follow_up_note TEXT NOT NULL DEFAULT '',
            opened_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX rectifications_day ON rectifications (day)")
    db.execute("CREATE INDEX rectifications_status ON rectifications (status)")


@migrations()
def m102_complaints(db: Database) -> None:
    """投诉受理 (issue 12): the complaint ledger; the complainant's identity is read only through the service."""
    db.execute(
        """CREATE TABLE complaints (
            id TEXT PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            received_at TEXT NOT NULL,
            day TEXT NOT NULL,
            channel TEXT NOT NULL,
            form TEXT NOT NULL,
            anonymous INTEGER NOT NULL DEFAULT 0,
            name TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            window INTEGER,
            staff TEXT,
            item TEXT,
            ticket TEXT,
            named TEXT NOT NULL DEFAULT '[]',
            about_leadership INTEGER NOT NULL DEFAULT 0,
            route TEXT NOT NULL,
            referred_to TEXT NOT NULL DEFAULT '',
            grounds TEXT NOT NULL DEFAULT '[]',
            summary TEXT NOT NULL,
            received_by TEXT NOT NULL,
            complexity TEXT NOT NULL,
            due_date TEXT NOT NULL,
            status TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '[]',
            finding TEXT,
            action_taken TEXT NOT NULL DEFAULT '',
            decided_by TEXT,
            decided_at TEXT,
            delay_reason TEXT NOT NULL DEFAULT '',
            delay_told_at TEXT,
            answer_form TEXT,
            answer_text TEXT NOT NULL DEFAULT '',
            answered_by TEXT,
            answered_to TEXT NOT NULL DEFAULT '',
            answered_at TEXT,
            satisfaction TEXT,
            outcome_above TEXT NOT NULL DEFAULT '',
            escalated_at TEXT,
            archived_at TEXT,
            archived_by TEXT,
            reopened INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX complaints_day ON complaints (day)")
    db.execute("CREATE INDEX complaints_status ON complaints (status)")


@migrations()
def m103_surveys_and_visits(db: Database) -> None:
    """服务对象评议 questionnaires with anonymous answers (one per ticket, kept as a keyed hash, never the ticket), and
    the hall's monthly follow-up visits (回访)."""
    db.execute(
        """CREATE TABLE surveys (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            intro TEXT NOT NULL DEFAULT '',
            questions TEXT NOT NULL,
            allow_comment INTEGER NOT NULL DEFAULT 1,
            status TEXT NOT NULL,
            opens_on TEXT NOT NULL,
            closes_on TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            report TEXT NOT NULL DEFAULT '',
            published_at TEXT,
            salt TEXT NOT NULL DEFAULT '')"""
    )
    db.execute(
        """CREATE TABLE survey_answers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            survey TEXT NOT NULL,
            ticket_key TEXT NOT NULL,
            window INTEGER,
            day TEXT NOT NULL,
            channel TEXT NOT NULL,
            answers TEXT NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            UNIQUE (survey, ticket_key))"""
    )
    db.execute(
        """CREATE TABLE survey_actions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            survey TEXT NOT NULL,
            text TEXT NOT NULL,
            owner TEXT NOT NULL DEFAULT '',
            due TEXT,
            done_at TEXT,
            created_at TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE visits (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            who_kind TEXT NOT NULL,
            who TEXT NOT NULL,
            contact TEXT NOT NULL DEFAULT '',
            how TEXT NOT NULL,
            said TEXT NOT NULL,
            plan TEXT NOT NULL DEFAULT '',
            told_back_on TEXT,
            told_back TEXT NOT NULL DEFAULT '',
            by TEXT NOT NULL,
            created_at TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX visits_day ON visits (day)")


@migrations()
def m201_oversight(db: Database) -> None:
    """限时办结 and 督查 (issue 13). A case keeps its first due date once extended (original_due), the date the
    on-time rate holds it to where that differs from due_date (counted_due: an extension approved too late), the
    rule of a later change of date (due_rule), where its flow stands (stage; '' = its type's first stage) and,
    for 不管件, the owner window the centre assigned. Extensions with their approval, the stages recorded, the
    citizen's name and ID (kept apart, shown masked), closed days with their summary, inspections and their
    findings (a photo as evidence), the duty-window rota."""
    for column in (
        "original_due TEXT",
        "counted_due TEXT",
        "due_rule TEXT NOT NULL DEFAULT ''",
        "stage TEXT NOT NULL DEFAULT ''",
        "owner_window INTEGER",
    ):
        db.execute(f"ALTER TABLE cases ADD COLUMN {column}")
    db.execute("CREATE INDEX IF NOT EXISTS cases_accepted_on ON cases (accepted_on)")
    # the on-time rate of a period: every case held to a date in it, read from the index alone
    db.execute(
        "CREATE INDEX cases_counted_due ON cases (COALESCE(counted_due, due_date), counted_due, due_date, window, "
        "owner_window, staff, item, case_type, status, completed_at, stage, id) WHERE due_date IS NOT NULL"
    )
    db.execute("CREATE INDEX cases_open_due ON cases (due_date) WHERE status = 'open'")
    db.execute(
        """CREATE TABLE case_extensions (
            id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL,
            status TEXT NOT NULL,
            from_due TEXT NOT NULL,
            to_due TEXT NOT NULL,
            reason TEXT NOT NULL,
            requested_at TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            decided_at TEXT,
            decided_by TEXT,
            decision_note TEXT NOT NULL DEFAULT '',
            in_time INTEGER)"""
    )
    db.execute("CREATE INDEX case_extensions_case ON case_extensions (case_id)")
    db.execute("CREATE INDEX case_extensions_status ON case_extensions (status)")
    db.execute(
        """CREATE TABLE case_stages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            at TEXT NOT NULL,
            staff TEXT NOT NULL,
            window INTEGER,
            deadline TEXT,
            ref TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '')"""
    )
    db.execute("CREATE INDEX case_stages_case ON case_stages (case_id, id)")
    db.execute(
        """CREATE TABLE case_citizens (
            case_id TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            id_number TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE day_closes (
            day TEXT PRIMARY KEY,
            closed_at TEXT NOT NULL,
            closed_by TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE inspections (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            day TEXT NOT NULL,
            at TEXT NOT NULL,
            inspector TEXT NOT NULL,
            checked TEXT NOT NULL DEFAULT '[]',
            note TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX inspections_day ON inspections (day)")
    db.execute(
        """CREATE TABLE findings (
            id TEXT PRIMARY KEY,
            inspection TEXT NOT NULL REFERENCES inspections (id),
            day TEXT NOT NULL,
            window INTEGER,
            staff TEXT,
            checklist TEXT NOT NULL DEFAULT '',
            deduction TEXT NOT NULL DEFAULT '',
            points INTEGER NOT NULL DEFAULT 0,
            note TEXT NOT NULL,
            has_photo INTEGER NOT NULL DEFAULT 0,
            rectify_by TEXT,
            rectified_at TEXT,
            rectified_by TEXT,
            rectify_note TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX findings_day ON findings (day)")
    db.execute("CREATE INDEX findings_inspection ON findings (inspection)")
    db.execute(
        """CREATE TABLE finding_photos (
            finding TEXT PRIMARY KEY REFERENCES findings (id),
            mime TEXT NOT NULL,
            data BLOB NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE duty_rota (
            day TEXT PRIMARY KEY,
            window INTEGER NOT NULL,
            set_at TEXT NOT NULL,
            set_by TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '')"""
    )


@migrations()
def m301_people(db: Database) -> None:
    """People (issue 14): leave and its approvals, a manager's attendance corrections, meetings and their sign-in
    lists, manual score entries, efficiency warnings, closed months, award marks and published results."""
    db.execute("CREATE INDEX IF NOT EXISTS attendance_day ON attendance (day)")
    db.execute(
        """CREATE TABLE leaves (
            id TEXT PRIMARY KEY,
            staff TEXT NOT NULL,
            type TEXT NOT NULL,
            start TEXT NOT NULL,
            end TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            written INTEGER NOT NULL DEFAULT 0,
            stand_in TEXT NOT NULL DEFAULT '',
            approvals TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX leaves_start ON leaves (start)")
    db.execute(
        """CREATE TABLE attendance_corrections (
            id TEXT PRIMARY KEY,
            staff TEXT NOT NULL,
            day TEXT NOT NULL,
            action TEXT NOT NULL,
            time TEXT,
            session INTEGER,
            window INTEGER,
            reason TEXT NOT NULL,
            by TEXT NOT NULL,
            at TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX attendance_corrections_day ON attendance_corrections (day)")
    db.execute(
        """CREATE TABLE meetings (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            start TEXT NOT NULL,
            end TEXT NOT NULL,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            expected TEXT NOT NULL DEFAULT '[]',
            present TEXT NOT NULL DEFAULT '[]',
            excused TEXT NOT NULL DEFAULT '[]',
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX meetings_day ON meetings (day)")
    db.execute(
        """CREATE TABLE score_entries (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            kind TEXT NOT NULL,
            what TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT 'manual',
            staff TEXT NOT NULL DEFAULT '',
            window INTEGER,
            points INTEGER,
            ground TEXT NOT NULL DEFAULT '',
            evidence TEXT NOT NULL DEFAULT '',
            recorded_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            withdrawn_at TEXT,
            withdrawn_by TEXT,
            withdrawn_reason TEXT NOT NULL DEFAULT '')"""
    )
    db.execute("CREATE INDEX score_entries_day ON score_entries (day)")
    db.execute(
        """CREATE TABLE warnings (
            basis TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            ground TEXT NOT NULL,
            staff TEXT NOT NULL DEFAULT '',
            window INTEGER,
            day TEXT NOT NULL,
            facts TEXT NOT NULL DEFAULT '[]',
            evidence TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            number TEXT NOT NULL DEFAULT '',
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '')"""
    )
    db.execute(
        """CREATE TABLE score_months (
            month TEXT PRIMARY KEY,
            closed_at TEXT NOT NULL,
            closed_by TEXT NOT NULL,
            snapshot TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE award_marks (
            period TEXT NOT NULL,
            subject TEXT NOT NULL,
            key TEXT NOT NULL,
            component TEXT NOT NULL,
            value REAL NOT NULL,
            by TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (period, subject, key, component))"""
    )
    db.execute(
        """CREATE TABLE award_results (
            period TEXT PRIMARY KEY,
            decided_at TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            result TEXT NOT NULL)"""
    )


@migrations()
def m104_feedback_daily(db: Database) -> None:
    """好差评 figures of each closed day, kept once computed (a month's page reads ~20 days of a few hundred rows,
    not 60,000 ratings): served and ratings by level per window, clerk, service and item; bad ratings by reason.
    A day is computed again when a director upholds an appeal of one of its ratings."""
    db.execute(
        """CREATE TABLE feedback_daily (
            day TEXT NOT NULL,
            window INTEGER,
            staff TEXT,
            service TEXT,
            item TEXT,
            served INTEGER NOT NULL DEFAULT 0,
            r5 INTEGER NOT NULL DEFAULT 0,
            r4 INTEGER NOT NULL DEFAULT 0,
            r3 INTEGER NOT NULL DEFAULT 0,
            r2 INTEGER NOT NULL DEFAULT 0,
            r1 INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute("CREATE INDEX feedback_daily_day ON feedback_daily (day)")
    db.execute(
        """CREATE TABLE feedback_daily_reasons (
            day TEXT NOT NULL,
            window INTEGER,
            staff TEXT,
            service TEXT,
            item TEXT,
            reason TEXT NOT NULL,
            n INTEGER NOT NULL)"""
    )
    db.execute("CREATE INDEX feedback_daily_reasons_day ON feedback_daily_reasons (day)")
    db.execute("CREATE TABLE feedback_days (day TEXT PRIMARY KEY, computed_at TEXT NOT NULL)")


@migrations()
def m202_day_figures(db: Database) -> None:
    """每日一汇总 (issue 13): a past day's figures (tickets, waits, windows, ratings, cases by type, sign-ins), computed
    once from the day's rows and kept — a past day's tickets and ratings no longer change — so a month's summary
    reads a row a day."""
    db.execute(
        """CREATE TABLE day_figures (
            day TEXT PRIMARY KEY,
            figures TEXT NOT NULL,
            computed_at TEXT NOT NULL)"""
    )


@migrations()
def m401_config_versions(db: Database) -> None:
    """The hall's configuration, versioned (issue 11): every change made in the console (or a TOML file imported)
    is a new version with who and when; the newest is the hall's configuration. Versions are never changed or
    deleted (a restore is a new version)."""
    db.execute(
        """CREATE TABLE config_versions (
            version INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            staff TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            restored_from INTEGER,
            toml TEXT NOT NULL)"""
    )
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER config_versions_no_{verb.lower()} BEFORE {verb} ON config_versions "
            "BEGIN SELECT RAISE(ABORT, 'configuration versions are never changed'); END"
        )


@migrations()
def m501_reports(db: Database) -> None:
    """Reports (issue 15): a columnar copy of each ticket in integers and short codes (its wait, handling and walk
    in seconds, the local hour and weekday it was issued, its rating), kept from the day's close (a past day's
    tickets no longer change) and filled on demand for days not yet kept, so a year's report is one scan of
    narrow rows rather than a million ISO timestamps parsed."""
    db.execute(
        """CREATE TABLE report_facts (
            d TEXT NOT NULL,
            month TEXT NOT NULL,
            hour INTEGER NOT NULL,
            weekday INTEGER NOT NULL,
            service TEXT NOT NULL,
            item TEXT,
            window INTEGER,
            staff TEXT,
            status TEXT NOT NULL,
            wait INTEGER,
            handle INTEGER,
            walk INTEGER,
            busy INTEGER,
            transferred INTEGER NOT NULL DEFAULT 0,
            from_window INTEGER,
            from_staff TEXT,
            recalls INTEGER NOT NULL DEFAULT 0,
            priority INTEGER NOT NULL DEFAULT 0,
            score INTEGER)"""
    )
    db.execute("CREATE INDEX report_facts_d ON report_facts (d)")
    db.execute("CREATE TABLE report_days (d TEXT PRIMARY KEY, computed_at TEXT NOT NULL)")


@migrations()
def m105_bad_ratings_index(db: Database) -> None:
    """Bad ratings by time (3 % of ratings): the start-up check that each has its rectification record, and the
    reasons of a day's figures, read them without scanning every rating."""
    db.execute("CREATE INDEX IF NOT EXISTS ratings_bad_at ON ratings (at) WHERE score <= 2")


@migrations()
def m402_config_versions_without_pins(db: Database) -> None:
    """Staff PINs leave the configuration versions (issue 11): they live hashed in the staff table only. Anyone a
    version names who is not yet in the staff table is added first, with the PIN of the newest version naming
    her (hashed); then every version's text is stored without its `pin = "…"` lines (the one change ever made to a
    version). The staff table gains `disabled_at` (a disabled person cannot sign in)."""
    import os
    import secrets

    from application.auth import DEFAULT_PIN_ITERATIONS, hash_pin
    from application.config_versions import parse, staff_pins, without_pins
    from hallfile.problems import ConfigError

    db.execute("ALTER TABLE staff ADD COLUMN disabled_at TEXT")
    iterations = int(os.environ.get("HALLQ_PIN_ITERATIONS") or DEFAULT_PIN_ITERATIONS)
    known = {row[0] for row in db.execute("SELECT code FROM staff").fetchall()}
    rows = db.execute("SELECT version, toml FROM config_versions ORDER BY version DESC").fetchall()
    stripped: list[tuple[str, int]] = []
    for version, text in rows:
        try:
            data = parse(text)
        except ConfigError:
            continue  # not TOML: no PIN can be read out of it (and config_of refuses it anyway)
        pins = staff_pins(data)
        if not pins:
            continue
        for member in data.get("staff", []):
            code = str(member.get("code")) if isinstance(member, dict) else ""
            if code in pins and code not in known and isinstance(pins[code], str):
                salt = secrets.token_bytes(16)
                db.execute(
                    "INSERT INTO staff (code, name, role, pin_hash, pin_salt) VALUES (?, ?, ?, ?, ?)",
                    (
                        code,
                        str(member.get("name", "")),
                        str(member.get("role", "clerk")),
                        hash_pin(pins[code], salt, iterations),
                        salt.hex(),
                    ),
                )
                known.add(code)
        stripped.append((without_pins(text), version))
    if stripped:
        db.execute("DROP TRIGGER IF EXISTS config_versions_no_update")
        db.conn.executemany("UPDATE config_versions SET toml = ? WHERE version = ?", stripped)
        db.execute(
            "CREATE TRIGGER config_versions_no_update BEFORE UPDATE ON config_versions "
            "BEGIN SELECT RAISE(ABORT, 'configuration versions are never changed'); END"
        )


@migrations()
def m502_report_rollups(db: Database) -> None:
    """Reports (issue 15): each past month's figures rolled up once per cut (and per service: '' is all services),
    with its duration histograms, so a year's report reads twelve months of sums instead of a million rows; and the
    windows' pauses of each day, kept at the day's close before the event log drops them."""
    db.execute(
        """CREATE TABLE report_months (
            m TEXT PRIMARY KEY,
            level_s INTEGER NOT NULL,
            computed_at TEXT NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE report_rollup (
            m TEXT NOT NULL,
            service TEXT NOT NULL,
            dim TEXT NOT NULL,
            k,
            issued INTEGER NOT NULL, served INTEGER NOT NULL, no_shows INTEGER NOT NULL,
            cancelled INTEGER NOT NULL, transferred INTEGER NOT NULL, unfinished INTEGER NOT NULL,
            recalls INTEGER NOT NULL, called INTEGER NOT NULL, wait_sum INTEGER NOT NULL, wait_max INTEGER,
            within INTEGER NOT NULL, handled INTEGER NOT NULL, handle_sum INTEGER NOT NULL, handle_max INTEGER,
            walked INTEGER NOT NULL, walk_sum INTEGER NOT NULL, walk_max INTEGER, busy INTEGER NOT NULL,
            rated INTEGER NOT NULL, s5 INTEGER NOT NULL, s4 INTEGER NOT NULL, s3 INTEGER NOT NULL,
            s2 INTEGER NOT NULL, s1 INTEGER NOT NULL, t_out INTEGER NOT NULL, t_in INTEGER NOT NULL)"""
    )
    db.execute("CREATE INDEX report_rollup_dim ON report_rollup (dim, service, m)")
    db.execute(
        """CREATE TABLE report_rhist (
            m TEXT NOT NULL, service TEXT NOT NULL, dim TEXT NOT NULL, k, measure TEXT NOT NULL,
            b INTEGER NOT NULL, n INTEGER NOT NULL)"""
    )
    db.execute("CREATE INDEX report_rhist_dim ON report_rhist (dim, measure, service, m)")
    db.execute(
        """CREATE TABLE report_pauses (
            d TEXT NOT NULL, window INTEGER NOT NULL, staff TEXT, reason TEXT NOT NULL,
            count INTEGER NOT NULL, seconds INTEGER NOT NULL)"""
    )
    db.execute("CREATE INDEX report_pauses_d ON report_pauses (d)")
    db.execute("CREATE TABLE report_pause_days (d TEXT PRIMARY KEY)")
