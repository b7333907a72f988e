"""Oversight on the console's test hall (a director, a supervisor, an admin; clerk 1001 heads window 1) on Monday
2026-11-23 09:00. `work` serves tickets through the API to make cases; `console(role)` signs a client in."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import url  # noqa: F401 (fixture: the app on a real port)
from tests.console.conftest import browser, clock, console, console_hall, hall_app  # noqa: F401 (fixtures)
from tests.factories import BASE

ITEMS = [
    *BASE["items"],
    {
        "code": "HJ-02",
        "service": "HJ",
        "name": "户口登记项目变更",
        "case_type": "forwarded",
        "time_limit_days": 10,
        "fees": "不收费",
        "legal_basis": "《中华人民共和国户口登记条例》",
        "materials": ["居民户口簿", "居民身份证"],
    },
    {
        "code": "HJ-03",
        "service": "HJ",
        "name": "集体户口迁移审批",
        "case_type": "promised",
        "limit_rule": "leader_approval",
        "fees": "不收费",
        "legal_basis": "《中华人民共和国户口登记条例》",
        "materials": ["居民户口簿"],
    },
]


def oversight_hall(**sections: Any) -> Any:
    return console_hall(items=ITEMS, **sections)


@pytest.fixture
def app(tmp_path, clock) -> Any:  # noqa: F811 (the fixture)
    with hall_app(oversight_hall(), tmp_path, clock) as app:
        yield app


class Work:
    """Cases made the way a window makes them: a ticket, a call, a finish (API, the clerk's token)."""

    def __init__(self, app: Any):
        self.client = app.test_client()
        self.tokens: dict[int, str] = {}

    def login(self, window: int, staff: str) -> dict[str, str]:
        if window not in self.tokens:
            r = self.client.post("/api/v1/auth/login", json={"staff": staff, "pin": "1234", "window": window})
            assert r.status_code == 200, r.json
            self.tokens[window] = r.json["token"]
        return {"Authorization": f"Bearer {self.tokens[window]}"}

    def case(self, case_type: str, item: str, *, window: int = 1, staff: str = "1001", **finish: Any) -> dict[str, Any]:
        headers = self.login(window, staff)
        service = "HJ" if item.startswith("HJ") else "SB"
        r = self.client.post("/api/v1/tickets", json={"service": service})
        assert r.status_code in (200, 201), r.json
        r = self.client.post(f"/api/v1/windows/{window}/call", headers=headers)
        assert r.status_code == 200, r.json
        body = {"case_type": case_type, "item": item, **finish}
        r = self.client.post(f"/api/v1/windows/{window}/finish", headers=headers, json=body)
        assert r.status_code == 200, r.json
        return r.json["case"]


@pytest.fixture
def work(app) -> Work:
    return Work(app)


@pytest.fixture
def oversight(app) -> Any:
    return app.extensions["hallq.oversight"]
