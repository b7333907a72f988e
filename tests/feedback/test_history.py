"""The history generator walks the feedback ledgers too: a couple of weeks of the console's test hall."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from application.demand import DemandModel
from application.history import generate_history
from tests.console.conftest import console_hall

END = dt.date(2026, 11, 20)
DEMAND = DemandModel(tickets_per_window_day=60, rated=0.9, scores={5: 0.6, 4: 0.15, 3: 0.05, 2: 0.12, 1: 0.08})


def rows(data: Path, sql: str) -> list[dict[str, Any]]:
    db = sqlite3.connect(data / "hall.db")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(sql)]
    finally:
        db.close()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("feedback-history")
    generate_history(console_hall(), data, 40, seed=5, end_day=END, demand=DEMAND, pin_iterations=1000)
    return data


def test_every_bad_rating_has_a_record_walked_through_its_steps(history: Path) -> None:
    bad = rows(history, "SELECT ticket FROM ratings WHERE score <= 2")
    records = rows(history, "SELECT * FROM rectifications")
    assert bad and {r["ticket"] for r in bad} == {r["ticket"] for r in records}
    states = {r["status"] for r in records}
    assert {"closed", "rectified", "explained"} <= states, states
    assert any(r["outcome"] == "deadline" for r in records) and any(r["appeal_grounds"] for r in records)
    assert any(r["followed_up_at"] for r in records)
    late = [r for r in records if r["verified_at"] and r["verified_at"][:10] > r["verify_due"]]
    assert late, "a few verifications are late (the scores read them)"
    steps = rows(history, "SELECT action, staff FROM audit WHERE action LIKE 'rectification.%'")
    assert {"rectification.opened", "rectification.verify", "rectification.follow_up"} <= {s["action"] for s in steps}


def test_complaints_visits_and_surveys(history: Path) -> None:
    complaints = rows(history, "SELECT * FROM complaints")
    assert complaints and any(c["status"] == "archived" for c in complaints)
    assert any(c["finding"] in ("founded", "partly") for c in complaints)
    visits = rows(history, "SELECT * FROM visits")
    assert len(visits) >= 3 and all(v["told_back_on"] for v in visits)
    answers = rows(history, "SELECT * FROM survey_answers")
    assert answers and rows(history, "SELECT * FROM surveys")
