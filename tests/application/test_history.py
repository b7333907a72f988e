"""The history generator: a few days of a small hall, lived through the live handlers into a real database."""

import dataclasses
import datetime as dt
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from application.demand import DemandModel
from application.history import HistoryReport, generate_history, wider_hall
from application.service import HallService
from assets import DEMO_HALL
from core.devices import LOCAL_DEVICE
from core.tickets import DomainError
from hallfile import load_hall
from server.store import SqliteStore
from tests.clock import FakeClock
from tests.factories import SHANGHAI, make_config

# 2026-12-31 Thu, 2027-01-01 the hall's holiday, 2027-01-02/03 the weekend, 2027-01-04..06 Mon–Wed.
END = dt.date(2027, 1, 6)
DAYS = 7
WORKING_DAYS = {"2026-12-31", "2027-01-04", "2027-01-05", "2027-01-06"}
SMALL = DemandModel(tickets_per_window_day=45, transfer=0.06, suspend=0.04, absent=0.1, handover=0.1, pause=0.3)
FAST_PINS = 1000


def generate(data: Path, *, seed: int = 3, days: int = DAYS, config: Any = None) -> HistoryReport:
    return generate_history(
        config or make_config(),
        data,
        days,
        seed=seed,
        end_day=END,
        demand=SMALL,
        pin_iterations=FAST_PINS,
    )


def rows(data: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    db = sqlite3.connect(data / "hall.db")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(sql, params)]
    finally:
        db.close()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, HistoryReport]:
    data = tmp_path_factory.mktemp("history")
    return data, generate(data)


def test_tickets_on_working_days_only(history: tuple[Path, HistoryReport]) -> None:
    data, report = history
    days = {r["day"] for r in rows(data, "SELECT DISTINCT day FROM tickets")}
    assert days == WORKING_DAYS
    assert report.working_days == len(WORKING_DAYS) and report.days == DAYS
    assert report.tickets == rows(data, "SELECT COUNT(*) AS n FROM tickets")[0]["n"] > 300
    issued = {r["d"] for r in rows(data, "SELECT DISTINCT substr(issued_at, 1, 10) AS d FROM tickets")}
    assert issued == WORKING_DAYS


def test_numbering_per_service_per_day_from_one_without_gaps(history: tuple[Path, HistoryReport]) -> None:
    data, _ = history
    prefixes = {s.code: s.prefix for s in make_config().services}
    seqs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for t in rows(data, "SELECT day, issue_service, seq, number FROM tickets"):
        seqs[(t["day"], t["issue_service"])].append(t["seq"])
        assert t["number"] == f"{prefixes[t['issue_service']]}{t['seq']:03d}"
    assert {day for day, _ in seqs} == WORKING_DAYS
    for numbers in seqs.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


def test_every_ticket_is_over_and_every_served_one_has_a_case(history: tuple[Path, HistoryReport]) -> None:
    data, report = history
    statuses = {r["status"] for r in rows(data, "SELECT DISTINCT status FROM tickets")}
    assert statuses <= {"done", "no_show", "cancelled"}
    assert "no_show" in statuses
    missing = rows(
        data, "SELECT t.id FROM tickets t LEFT JOIN cases c ON c.ticket = t.id WHERE t.status = 'done' AND c.id IS NULL"
    )
    assert missing == []
    orphans = rows(data, "SELECT c.id FROM cases c LEFT JOIN tickets t ON t.id = c.ticket WHERE t.status IS NOT 'done'")
    assert orphans == []
    assert report.served == rows(data, "SELECT COUNT(*) AS n FROM cases")[0]["n"]
    assert rows(data, "SELECT COUNT(*) AS n FROM windows WHERE status != 'closed'")[0]["n"] == 0
    assert rows(data, "SELECT COUNT(*) AS n FROM sessions")[0]["n"] == 0


def test_cases_follow_their_type(history: tuple[Path, HistoryReport]) -> None:
    data, _ = history
    config = make_config()
    cases = rows(data, "SELECT * FROM cases")
    kinds = {c["case_type"] for c in cases}
    assert {"immediate", "promised", "incomplete"} <= kinds
    for c in cases:
        item = config.item(c["item"]) if c["item"] else None
        if c["case_type"] in ("promised", "joint", "forwarded", "urgent", "unowned"):
            assert c["due_date"] and c["due_date"] >= c["accepted_on"]
            assert c["status"] in ("open", "completed")
        else:
            assert c["due_date"] is None and c["status"] == "completed"
        if c["case_type"] == "incomplete":
            assert item is not None
            assert set(eval_json(c["missing_materials"])) <= {m.name for m in item.materials}
        if c["case_type"] == "returned":
            assert c["note"]
    assert any(c["status"] == "completed" and c["due_date"] for c in cases) or not any(c["due_date"] for c in cases)


def eval_json(text: str) -> list[str]:
    import json

    value = json.loads(text)
    assert isinstance(value, list) and value
    return value


def test_ratings_only_for_served_tickets(history: tuple[Path, HistoryReport]) -> None:
    data, report = history
    rated = rows(
        data,
        "SELECT r.score, r.reasons, r.comment, t.status, t.window AS served_at, r.window FROM ratings r JOIN tickets t ON t.id = r.ticket",
    )
    assert len(rated) == report.ratings == rows(data, "SELECT COUNT(*) AS n FROM ratings")[0]["n"]
    assert all(r["status"] == "done" and r["served_at"] == r["window"] for r in rated)
    assert 0.5 < len(rated) / report.served < 0.9
    bad_reasons = set(make_config().ratings.bad_reasons)
    for r in rated:
        if r["score"] <= 2:
            assert set(eval_json(r["reasons"]) if r["reasons"] != "[]" else []) <= bad_reasons
            assert r["reasons"] != "[]" or r["comment"]


def test_attendance_sign_ins_and_outs_each_session(history: tuple[Path, HistoryReport]) -> None:
    data, _ = history
    config = make_config()
    records = rows(data, "SELECT * FROM attendance ORDER BY id")
    assert {r["day"] for r in records} == WORKING_DAYS
    ins = [r for r in records if r["kind"] == "sign_in"]
    outs = [r for r in records if r["kind"] == "sign_out"]
    # every window, both sessions, every working day (a handover adds a sign-in without the A post's sign-out)
    per_day_window = {(r["day"], r["window"]) for r in ins}
    assert per_day_window == {(d, w.number) for d in WORKING_DAYS for w in config.windows}
    handovers = sum(1 for r in ins if r["note"].startswith("handover_from="))
    assert len(ins) - handovers == len(outs) >= 2 * len(config.windows) * len(WORKING_DAYS)
    posts = {w.number: {w.staff_a, w.staff_b} for w in config.windows}
    assert all(r["staff"] in posts[r["window"]] for r in records)
    # most clerks sign in before the session opens (8:30 / 14:30)
    early = [r for r in ins if r["at"][11:16] < "08:30" or "12:00" < r["at"][11:16] < "14:30"]
    assert len(early) > 0.8 * len(ins)


def test_the_same_seed_gives_the_same_history(tmp_path: Path) -> None:
    def snapshot(data: Path) -> dict[str, list[dict[str, Any]]]:
        out = {}
        for table, order in (("tickets", "id"), ("cases", "id"), ("ratings", "ticket"), ("attendance", "id")):
            found = rows(data, f"SELECT * FROM {table} ORDER BY {order}")
            for row in found:  # booking codes come from `secrets` inside the service
                if "booking" in row:
                    row["booking"] = bool(row["booking"])
            out[table] = found
        return out

    generate(tmp_path / "a", days=4)
    generate(tmp_path / "b", days=4)
    generate(tmp_path / "c", days=4, seed=4)
    a, b, c = snapshot(tmp_path / "a"), snapshot(tmp_path / "b"), snapshot(tmp_path / "c")
    assert a["tickets"] and a == b
    assert a["tickets"] != c["tickets"]


def test_the_hall_serves_today_on_its_history(history: tuple[Path, HistoryReport]) -> None:
    data, _ = history
    config = make_config()
    clock = FakeClock(dt.datetime.combine(END + dt.timedelta(days=1), dt.time(9), tzinfo=SHANGHAI))
    store = SqliteStore(data / "hall.db")
    try:
        service = HallService(config, store, clock=clock, pin_iterations=FAST_PINS)
        assert service.hall.day == END + dt.timedelta(days=1)
        assert service.hall.tickets == {} and store.stale_open_tickets(service.hall.day) == []
        ticket = service.issue("HJ", device=LOCAL_DEVICE)
        assert ticket["number"] == "A001"
        service.login("1001", "1234", 1)  # the PIN is stored at full strength again
        clock.advance(seconds=30)
        called = service.call_next(1)
        assert called["ticket"]["id"] == ticket["id"]
    finally:
        store.close()


def test_a_second_run_continues_after_the_last_day(tmp_path: Path) -> None:
    first = generate(tmp_path, days=DAYS)
    again = generate(tmp_path, days=DAYS)  # nothing left to do up to END
    assert first.tickets > 0 and again.tickets == 0 and again.working_days == 0


def test_wider_hall_has_new_windows_and_clerks() -> None:
    demo = load_hall(str(DEMO_HALL))
    wide = wider_hall(demo, 20)
    assert [w.number for w in wide.windows] == list(range(1, 21))
    codes = [s.code for s in wide.staff]
    assert len(codes) == len(set(codes))
    for w in wide.windows:
        assert wide.staff_member(w.staff_a) is not None and (not w.staff_b or wide.staff_member(w.staff_b))
        assert w.services == demo.window((w.number - 1) % 10 + 1).services  # type: ignore[union-attr]
    assert len(demo.windows) == 10 and demo.window(11) is None  # the original is untouched


def test_demand_scale_and_shape() -> None:
    wide = wider_hall(load_hall(str(DEMO_HALL)), 20)
    model = DemandModel()
    week = [model.expected_tickets(wide, dt.date(2025, 3, 3) + dt.timedelta(days=i)) for i in range(5)]
    assert sum(week) / 5 == pytest.approx(4000, rel=0.01)  # ≈ 1 million tickets in ~250 working days
    monday = model.arrivals_per_hour(wide, 1)
    friday = model.arrivals_per_hour(wide, 5)
    assert sum(monday["household"].values()) > sum(friday["household"].values())
    assert 12 not in monday["household"] and 13 not in monday["household"]  # the lunch gap
    assert sum(friday["social"].get(h, 0) for h in (15, 16)) < sum(monday["social"].get(h, 0) for h in (15, 16))
    assert dataclasses.replace(model, tickets_per_window_day=100).expected_tickets(wide, dt.date(2025, 3, 5)) == (
        pytest.approx(model.expected_tickets(wide, dt.date(2025, 3, 5)) / 2)
    )


def test_hallq_demo_history_option_generates_before_serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import application.history
    import server.cli

    calls: list[dict[str, Any]] = []
    served: list[str] = []
    real = application.history.generate_history

    def spy(config: Any, data_dir: Any, days: int, seed: int = 1, **options: Any) -> HistoryReport:
        calls.append({"config": config, "data": str(data_dir), "days": days, "seed": seed})
        return real(config, data_dir, days, seed, end_day=END, demand=SMALL, pin_iterations=FAST_PINS)

    monkeypatch.setattr(application.history, "generate_history", spy)
    monkeypatch.setattr(server.cli, "run_server", lambda hall, data, *args: served.append(data))
    data = tmp_path / "demo"
    result = CliRunner().invoke(server.cli.main, ["demo", "--history", "2", "--seed", "5", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert calls == [{"config": calls[0]["config"], "data": str(data), "days": 2, "seed": 5}]
    assert calls[0]["config"].name == "青山镇便民服务中心"
    assert served == [str(data)]
    assert rows(data, "SELECT COUNT(*) AS n FROM tickets")[0]["n"] > 0


def test_only_the_last_working_days_keep_their_events_with_the_ids_they_would_have(tmp_path: Path) -> None:
    def generate_keeping(data: Path, keep: int | None) -> HistoryReport:
        return generate_history(
            make_config(), data, DAYS, seed=3, end_day=END, demand=SMALL, keep_event_days=keep, pin_iterations=FAST_PINS
        )

    everything = generate_keeping(tmp_path / "all", None)
    kept = generate_keeping(tmp_path / "kept", 2)
    assert kept.events == everything.events == rows(tmp_path / "all", "SELECT COUNT(*) AS n FROM events")[0]["n"]
    full = rows(tmp_path / "all", "SELECT id, name, at FROM events ORDER BY id")
    last_two = rows(tmp_path / "kept", "SELECT id, name, at FROM events ORDER BY id")
    assert {e["at"][:10] for e in last_two} == {"2027-01-05", "2027-01-06"}
    assert last_two == [e for e in full if e["at"][:10] >= "2027-01-05"]
    strip = "SELECT id, number, status, called_at, finished_at, window FROM tickets ORDER BY id"
    assert rows(tmp_path / "all", strip) == rows(tmp_path / "kept", strip)


def test_a_day_in_bulk_survives_a_refused_command_and_not_a_half_written_one(tmp_path: Path) -> None:
    config = make_config()
    clock = FakeClock(dt.datetime(2027, 1, 4, 9, tzinfo=SHANGHAI))
    store = SqliteStore(tmp_path / "hall.db")
    try:
        service = HallService(config, store, clock=clock, pin_iterations=FAST_PINS)
        with store.bulk():
            first = service.issue("HJ", device=LOCAL_DEVICE)
            with pytest.raises(DomainError):
                service.call_next(1)  # nobody signed in at window 1: refused before writing anything
            second = service.issue("HJ", device=LOCAL_DEVICE)
        assert [store.ticket(t["id"]).number for t in (first, second)] == ["A001", "A002"]  # type: ignore[union-attr]
        with pytest.raises(RuntimeError), store.bulk():
            third = service.issue("HJ", device=LOCAL_DEVICE)
            with pytest.raises(ValueError), store.transaction():  # caught, yet the day must not commit
                store.record_attendance("1001", 1, "sign_in", clock.now, clock.now.date())
                raise ValueError("a command that fails after writing")
        assert store.ticket(third["id"]) is None and store.attendance(clock.now.date()) == []
    finally:
        store.close()
