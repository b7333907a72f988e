"""The generated past carries oversight's records too (application/oversight_history.py through
application.history), and a past day's figures are kept once computed."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from application.calendar import official_calendar
from application.history import generate_history
from core.oversight import Extension, check_next_stage, counted_due, flow_state
from tests.oversight.conftest import oversight_hall

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def past(tmp_path_factory) -> tuple[object, sqlite3.Connection]:
    config = oversight_hall()
    data = tmp_path_factory.mktemp("past")
    report = generate_history(config, data, 21, seed=3, end_day=D("2026-10-16"), pin_iterations=1000)
    assert report.working_days == 11  # 09-28…30, 10-08…10 (Saturday worked), 10-12…16: the holiday left out
    db = sqlite3.connect(data / "hall.db")
    db.row_factory = sqlite3.Row
    yield config, db
    db.close()


def test_every_working_day_has_its_duty_window_and_patrols(past) -> None:
    config, db = past
    calendar = official_calendar(config)
    rota = {r["day"]: r["window"] for r in db.execute("SELECT day, window FROM duty_rota")}
    workdays = [
        d.isoformat() for d in (D("2026-09-26") + dt.timedelta(days=i) for i in range(21)) if calendar.is_workday(d)
    ]
    assert sorted(rota) == workdays
    assert set(rota.values()) == {1, 2, 3}
    patrols = {
        r["day"]: r["n"]
        for r in db.execute("SELECT day, COUNT(*) AS n FROM inspections WHERE kind = 'patrol' GROUP BY day")
    }
    assert set(patrols) == set(workdays) and all(1 <= n <= 2 for n in patrols.values())
    assert db.execute("SELECT COUNT(*) FROM inspections WHERE kind = 'spot_check'").fetchone()[0] >= 2


def test_stages_recorded_follow_each_types_flow(past) -> None:
    _, db = past
    stages: dict[str, list[sqlite3.Row]] = {}
    for r in db.execute(
        "SELECT s.*, c.case_type, c.window AS lead FROM case_stages s JOIN cases c ON c.id = s.case_id ORDER BY s.id"
    ):
        stages.setdefault(r["case_id"], []).append(r)
    assert {rows[0]["case_type"] for rows in stages.values()} == {"forwarded", "joint"}
    for rows in stages.values():
        done: list[tuple[str, int | None]] = []
        for r in rows:
            check_next_stage(
                r["case_type"],
                flow_state(r["case_type"], done),
                r["stage"],
                window=r["window"],
                lead_window=r["lead"],
                note="x",
            )
            done.append((r["stage"], r["window"]))


def test_extensions_keep_the_original_date_and_the_rule_of_the_rate(past) -> None:
    _, db = past
    rows = db.execute(
        "SELECT e.*, c.original_due, c.counted_due, c.due_date FROM case_extensions e JOIN cases c ON c.id = e.case_id "
        "WHERE e.status = 'approved'"
    ).fetchall()
    assert rows
    for r in rows:
        assert r["original_due"] == r["from_due"] and r["due_date"] == r["to_due"]
        held = counted_due(D(r["from_due"]), [Extension(D(r["from_due"]), D(r["to_due"]), D(r["decided_at"][:10]))])
        assert (r["counted_due"] or r["due_date"]) == held.isoformat()


def test_the_past_days_figures_are_kept(past) -> None:
    _, db = past
    kept = {r["day"] for r in db.execute("SELECT day FROM day_figures")}
    assert D("2026-10-16").isoformat() in kept and len(kept) == 21


def test_a_kept_days_figures_do_not_move_and_today_is_live(app, clock, work, oversight) -> None:
    work.case("immediate", "SB-01", window=2, staff="1002")
    clock.advance(days=1)
    app.extensions["hallq"].roll_if_due()
    before = oversight.summary(D("2026-11-23"), D("2026-11-24"))
    assert before["tickets"]["issued"] == 1
    assert oversight.store.day_figures(D("2026-11-23"), D("2026-11-23"))  # yesterday is kept now
    work.tokens.clear()
    work.case("immediate", "SB-01", window=2, staff="1002")  # today
    after = oversight.summary(D("2026-11-23"), D("2026-11-24"))
    assert after["tickets"]["issued"] == 2 and [d["day"] for d in after["per_day"]] == ["2026-11-23", "2026-11-24"]


def test_the_rate_the_database_counts_is_the_rule_case_by_case(app, clock, work, oversight) -> None:
    from application.oversight import Scope

    cases = [work.case("promised", "HJ-01") for _ in range(4)]
    clock.advance(days=3)
    session = app.extensions["hallq"].authenticate(app.extensions["hallq"].login("9001", "1234", None)["token"])
    oversight.advance(session, cases[0]["id"], "completed")
    clock.now = clock.now.replace(day=1, month=12)
    oversight.advance(session, cases[1]["id"], "completed")
    clock.now = clock.now.replace(day=3)
    by_case = [oversight.case_detail(Scope("9001", "manager"), c["id"])["case"]["outcome"] for c in cases]
    figures = oversight.on_time(D("2026-11-01"), D("2026-11-30"))["total"]
    assert sorted(by_case) == ["late", "on_time", "overdue", "overdue"]
    assert (figures.on_time, figures.late, figures.overdue) == (1, 1, 2)
