"""Which notice a finished case gets, and how many copies: read from core's case-type table, never kept here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from caller.slips import slip_for
from core.cases import CASE_TYPE_LIST, CaseType
from hardware.documents import IncompleteNotice, PromiseNotice, ReturnedNotice

DOCUMENT_OF_SLIP = {"incomplete": IncompleteNotice, "returned": ReturnedNotice, "promise": PromiseNotice}
TODAY = dt.date(2026, 11, 23)


def finished(kind: CaseType) -> dict[str, Any]:
    return {
        "case_type": kind.code,
        "number": "A001",
        "item": "HJ-01",
        "accepted_on": TODAY.isoformat(),
        "due_date": "2026-11-30",
        "note": "不符合迁入条件",
        "missing_materials": ["居民户口簿"],
    }


@pytest.mark.parametrize("kind", CASE_TYPE_LIST, ids=lambda kind: kind.code)
def test_each_case_type_gets_the_slip_and_copies_cores_table_names(kind: CaseType) -> None:
    slip = slip_for(
        finished(kind), None, hall={"name": "测试镇"}, clerk_name="张敏", staff="1001", window=1, today=TODAY
    )
    if not kind.slip:
        assert slip is None
        return
    assert slip is not None
    assert isinstance(slip.document, DOCUMENT_OF_SLIP[kind.slip])
    assert slip.copies == kind.slip_copies
    assert slip.name == f"2026-11-23-A001-{kind.slip}"


def test_the_promise_notice_is_printed_in_three_copies() -> None:
    promised = next(kind for kind in CASE_TYPE_LIST if kind.code == "promised")
    slip = slip_for(finished(promised), None, hall={}, clerk_name="张敏", staff="1001", window=1, today=TODAY)
    assert slip is not None and slip.copies == 3
