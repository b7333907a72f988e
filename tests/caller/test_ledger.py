"""The case ledger (F9) and the slips (issue 9, item 7): the case number on every slip; the ledger's case number,
item, the citizen's due date and working days left, counted with the hall's calendar (core's WorkCalendar)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from application.calendar import official_calendar
from caller.ledger import days_left, hall_calendar, ledger_rows
from caller.slips import preview_png, slip_for
from client.fake import FakeHallApi
from core.cases import CASE_TYPE_LIST
from core.views import case_types
from hardware.documents import Line, layout
from tests.caller.helpers import issue, signed_in
from tests.factories import make_config

TODAY = dt.date(2026, 11, 23)  # a Monday


def case(kind: str, **changes: Any) -> dict[str, Any]:
    row = {
        "id": f"c-{kind}",
        "case_number": "20261123-0042",
        "number": "A007",
        "item": "HJ-01",
        "case_type": kind,
        "status": "open",
        "accepted_on": TODAY.isoformat(),
        "due_date": "2026-11-30",
        "note": "不符合迁入条件",
        "missing_materials": ["居民户口簿"],
        "window": 1,
    }
    return {**row, **changes}


@pytest.mark.parametrize("kind", [k for k in CASE_TYPE_LIST if k.slip], ids=lambda k: k.code)
def test_every_slip_prints_the_case_number_besides_the_ticket_number(kind: Any) -> None:
    slip = slip_for(
        case(kind.code), None, hall={"name": "测试镇"}, clerk_name="张敏", staff="1001", window=1, today=TODAY
    )
    assert slip is not None
    lines = [block.text for block in layout(slip.document) if isinstance(block, Line)]
    assert "办件编号 Case No.: 20261123-0042" in lines
    assert "排队号 Ticket: A007" in lines


def test_the_case_number_the_server_gives_reaches_the_slip(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    issue(api, item="HJ-01")
    presenter.call_next()
    finished: list[dict[str, Any]] = []
    presenter.on_finished = lambda request, answer_case, ticket: finished.append(answer_case)
    presenter.finish(presenter.finish_form().request())
    slip = slip_for(finished[0], None, hall={}, clerk_name="张敏", staff="1001", window=1, today=TODAY)
    assert slip is not None and slip.document.case_number == finished[0]["case_number"] == "20261123-0001"


def test_a_slip_preview_is_a_png() -> None:
    slip = slip_for(case("promised"), None, hall={}, clerk_name="张敏", staff="1001", window=1, today=TODAY)
    assert slip is not None
    assert preview_png(slip).startswith(b"\x89PNG")


def test_days_left_count_working_days_of_the_halls_calendar() -> None:
    calendar = official_calendar(make_config())  # the test hall's own holiday: 2027-01-01
    assert days_left(calendar, TODAY, dt.date(2026, 11, 30)) == ("还剩 5 个工作日", "5 working day(s) left", False)
    assert days_left(calendar, TODAY, TODAY) == ("今日到期", "due today", False)
    assert days_left(calendar, dt.date(2026, 12, 1), dt.date(2026, 11, 27)) == (
        "已超期 2 个工作日",
        "2 working day(s) overdue",
        True,
    )
    # across the hall's own holiday and a weekend: Wed 30 Dec → Mon 4 Jan is 2 working days (Fri 1 Jan is off)
    assert days_left(calendar, dt.date(2026, 12, 30), dt.date(2027, 1, 4))[0] == "还剩 2 个工作日"
    # without the hall's file: the State Council calendar (known to 2026) and weekends only
    assert days_left(hall_calendar(), dt.date(2026, 12, 30), dt.date(2027, 1, 4))[0] == "还剩 3 个工作日"
    assert days_left(calendar, dt.date(2026, 12, 31), dt.date(2027, 1, 4))[0] == "还剩 1 个工作日"


def test_the_ledger_lists_open_cases_overdue_first_then_todays_slips() -> None:
    items = [{"code": "HJ-01", "name": "户口迁入"}]
    cases = [
        case("promised", id="later", case_number="20261120-0001", due_date="2026-11-27"),
        case("promised", id="late", case_number="20261110-0003", due_date="2026-11-20"),
        case("incomplete", id="slip", case_number="20261123-0002", status="completed", due_date=None),
        case("immediate", id="no-slip", status="completed", due_date=None),
        case("incomplete", id="old-slip", status="completed", due_date=None, accepted_on="2026-11-20"),
    ]
    rows = ledger_rows(cases, items, case_types(), official_calendar(make_config()), TODAY)
    assert [r.case_id for r in rows] == ["late", "later", "slip"]
    late, later, slip = rows
    assert late.overdue and late.left_zh == "已超期 1 个工作日" and late.due_text == "2026-11-20（周五）"
    assert later.text == "20261120-0001  户口迁入（A007 承诺件） · 到期 2026-11-27（周五） · 还剩 4 个工作日"
    assert not slip.is_open and slip.slip == "incomplete" and slip.left_zh == "已办结"
