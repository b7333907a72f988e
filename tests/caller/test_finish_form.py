"""The finish form (办结) without Kivy: core's case-type table and core's check_finish, said before sending."""

from __future__ import annotations

import datetime as dt

import pytest

from caller.finish_form import FinishPresenter
from client.fake import FakeHallApi
from core.cases import CASE_TYPE_LIST, check_finish, require_case_type
from tests.caller.helpers import CLOCK, refusal


def form_for(api: FakeHallApi, item: str | None = "HJ-01") -> FinishPresenter:
    return FinishPresenter(api, {"service": "HJ", "item": item, "number": "A001"}, api.items())


def test_incomplete_needs_ticked_materials(api: FakeHallApi) -> None:
    form = form_for(api)
    form.choose_case_type("补办件")
    assert form.validate() is not None
    form.toggle_material_at(2)
    form.toggle_material_at(0)
    assert form.validate() is None
    assert form.request().missing_materials == ("居民户口簿", "准予迁入证明")


def test_returned_needs_a_reason_carried_as_the_note(api: FakeHallApi) -> None:
    form = form_for(api)
    form.choose_case_type("returned")
    assert form.validate() is not None
    form.returned_reason = "不符合迁入条件"
    assert form.validate() is None and form.request().note == "不符合迁入条件"


def test_changed_due_date_needs_a_reason(api: FakeHallApi) -> None:
    form = form_for(api)
    later = dt.date.fromisoformat(form.computed_due or "") + dt.timedelta(days=7)
    form.due_text = later.isoformat()
    assert form.validate() is not None
    form.due_reason = "需实地核查"
    assert form.validate() is None
    assert form.request().due_date == later and form.request().due_reason == "需实地核查"


@pytest.mark.parametrize("text", ["2026-13-01", "tomorrow", "21/11/2026"])
def test_bad_due_date_text_is_refused(api: FakeHallApi, text: str) -> None:
    form = form_for(api)
    form.due_text = text
    assert form.validate() is not None


def test_item_is_needed_for_a_promised_case(api: FakeHallApi) -> None:
    form = FinishPresenter(api, {"service": "SB", "item": None}, api.items())
    form.choose_case_type("promised")
    form.item_code = None
    assert form.validate() is not None


def test_changing_item_clears_ticked_materials(api: FakeHallApi) -> None:
    items = api.items() + [{**api.items()[0], "code": "HJ-99", "name": "另一事项"}]
    form = FinishPresenter(api, {"service": "HJ", "item": "HJ-01"}, items)
    form.choose_case_type("incomplete")
    form.toggle_material_at(0)
    form.move_item(1)
    assert form.missing == [] and form.item_code == "HJ-99"


# ---- the rules are core's: the form says core's sentence before anything is sent


def test_returned_without_a_reason_is_refused_with_cores_sentence(api: FakeHallApi) -> None:
    form = form_for(api)
    form.choose_case_type("退回件")
    form.note = "a note is not the reason"
    returned = require_case_type("returned")
    assert form.validate() == refusal(lambda: check_finish(returned, item="HJ-01", note=""))
    assert form.validate().zh == "退回件须写明退回理由。"  # type: ignore[union-attr]


def test_incomplete_without_materials_is_refused_with_cores_sentence(api: FakeHallApi) -> None:
    form = form_for(api)
    form.choose_case_type("incomplete")
    incomplete = require_case_type("incomplete")
    assert form.validate() == refusal(lambda: check_finish(incomplete, item="HJ-01", missing_materials=()))


def test_promised_without_an_item_is_refused_with_cores_sentence(api: FakeHallApi) -> None:
    form = FinishPresenter(api, {"service": "SB", "item": None}, api.items())
    form.choose_case_type("promised")
    form.item_code = None
    assert form.validate() == refusal(lambda: check_finish(require_case_type("promised"), item=None))


def test_a_changed_due_date_is_refused_with_cores_sentence_until_a_reason_is_given(api: FakeHallApi) -> None:
    form = form_for(api)
    computed = dt.date.fromisoformat(form.computed_due or "")
    later = computed + dt.timedelta(days=7)
    form.due_text = later.isoformat()
    promised = require_case_type("promised")
    assert form.validate() == refusal(
        lambda: check_finish(promised, item="HJ-01", due_date=later, computed_due=computed)
    )
    form.due_reason = "需实地核查"
    assert form.validate() is None


def test_a_due_date_before_today_is_refused_when_the_form_knows_the_day(api: FakeHallApi) -> None:
    today = CLOCK.date()
    form = FinishPresenter(api, {"service": "HJ", "item": "HJ-01"}, api.items(), today=lambda: today)
    earlier = today - dt.timedelta(days=1)
    form.due_text, form.due_reason = earlier.isoformat(), "录入错误"
    promised = require_case_type("promised")
    assert form.validate() == refusal(
        lambda: check_finish(promised, item="HJ-01", due_date=earlier, accepted_on=today, due_reason="录入错误")
    )


def test_without_a_list_from_the_server_the_form_offers_cores_table(api: FakeHallApi) -> None:
    form = form_for(api)
    assert [c["code"] for c in form.case_types] == [c.code for c in CASE_TYPE_LIST]


@pytest.mark.parametrize("kind", CASE_TYPE_LIST, ids=lambda kind: kind.code)
def test_the_form_asks_for_what_cores_table_says(api: FakeHallApi, kind) -> None:
    form = form_for(api)
    form.choose_case_type(kind.code)
    assert form.case_type == kind.code
    assert (form.needs_due_date, form.needs_missing, form.needs_reason) == (
        kind.needs_due_date,
        kind.needs_missing,
        kind.needs_reason,
    )
