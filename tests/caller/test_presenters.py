"""The caller's presenters on FakeHallApi, without Kivy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from caller.presenters import (
    FinishPresenter,
    FinishRequest,
    KeyMap,
    Message,
    SignInPresenter,
    WindowPresenter,
    format_duration,
)
from client.api import ApiError, Session
from client.fake import FakeHallApi
from tests.factories import at, make_config

CLOCK = at(9, 0)


@pytest.fixture
def api() -> FakeHallApi:
    return FakeHallApi(make_config(), clock=lambda: CLOCK)


def signed_in(api: FakeHallApi, window: int = 1, staff: str = "1001") -> WindowPresenter:
    session = api.login(staff, "1234", window)
    presenter = WindowPresenter(api, window, session, today=lambda: CLOCK.date())
    presenter.start()
    return presenter


def issue(api: FakeHallApi, service: str = "HJ", item: str | None = None) -> dict[str, Any]:
    token = api.token
    ticket = api.issue(service, item=item)
    api.token = token
    return dict(ticket)


# ---- sign-in


@pytest.mark.parametrize(
    ("staff", "pin"), [("", "1234"), ("abc", "1234"), ("1001", ""), ("1001", "12"), ("1001", "12a4")]
)
def test_sign_in_refuses_malformed_input_without_asking_the_server(api: FakeHallApi, staff: str, pin: str) -> None:
    presenter = SignInPresenter(api, 1)
    presenter.submit(staff, pin)
    assert presenter.message is not None and presenter.message.kind == "error"
    assert api.token is None


def test_sign_in_with_wrong_pin_shows_the_servers_sentence(api: FakeHallApi) -> None:
    presenter = SignInPresenter(api, 1)
    presenter.submit("1001", "9999")
    assert presenter.message == Message("工号或 PIN 不正确。", "Wrong staff number or PIN.", "error")


def test_sign_in_hands_over_the_session(api: FakeHallApi) -> None:
    sessions: list[Session] = []
    SignInPresenter(api, 1, on_signed_in=sessions.append).submit("1001", "1234")
    assert sessions[0]["staff"] == "1001" and sessions[0]["window"] == 1


def test_b_post_signing_in_takes_over_the_window(api: FakeHallApi) -> None:
    SignInPresenter(api, 1).submit("1001", "1234")
    SignInPresenter(api, 1).submit("1101", "1234")
    opened = [payload for _id, name, payload in api.log if name == "window.opened"]
    assert opened[-1]["handover_from"] == "1001" and opened[-1]["post"] == "B"


# ---- calling


def test_call_next_shows_the_called_number(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    issue(api)
    presenter.call_next()
    assert presenter.view().number == "A001"
    assert "A001" in presenter.view().message.zh  # type: ignore[union-attr]


def test_call_with_nobody_waiting_says_so(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    presenter.call_next()
    assert presenter.view().number == "—"
    assert presenter.message == Message("暂时没有等候的群众。", "Nobody is waiting.", "info")


def test_call_is_disabled_while_a_ticket_is_at_the_window(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    issue(api), issue(api)
    presenter.call_next()
    presenter.call_next()
    assert presenter.current_number == "A001"
    assert presenter.view().enabled["call"] is False
    assert api.hall.waiting_counts()["HJ"] == 1


@pytest.mark.parametrize(
    ("action", "status", "enabled"),
    [
        ("recall", "called", True),
        ("start", "called", True),
        ("no-show", "called", True),
        ("recall", "serving", False),
        ("start", "serving", False),
        ("finish", "serving", True),
        ("suspend", "serving", True),
        ("transfer", "serving", True),
        ("pause", "serving", False),
    ],
)
def test_buttons_follow_the_ticket_state(api: FakeHallApi, action: str, status: str, enabled: bool) -> None:
    presenter = signed_in(api)
    issue(api)
    presenter.call_next()
    if status == "serving":
        presenter.start_service()
    assert presenter.enabled()[action] is enabled


def test_lost_call_answer_is_not_resent_and_is_checked_on_reconnect(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    issue(api)
    real_action = api.window_action
    sent: list[str] = []

    def lose_the_answer(window: int, action: str, body: dict[str, Any] | None = None) -> Any:
        sent.append(action)
        real_action(window, action, body)  # the server did it…
        api.online = False
        raise ApiError(0, "unreachable", "断开 / gone")  # …but the answer never arrived

    api.window_action = lose_the_answer  # type: ignore[method-assign]
    presenter.call_next()
    assert presenter.online is False and presenter.unsure is True
    presenter.call_next()
    assert sent == ["call"]
    api.online = True
    presenter.probe()
    assert presenter.current_number == "A001"
    assert presenter.online and not presenter.unsure
    assert "A001" in presenter.message.zh  # type: ignore[union-attr]


def test_offline_status_from_the_stream_disables_calling(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    presenter.on_status(False, "down")
    assert presenter.view().online is False
    assert presenter.enabled()["call"] is False
    presenter.on_status(True, "")
    assert presenter.enabled()["call"] is True


def test_events_ask_for_a_refresh(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    asked: list[str] = []
    presenter.refresh_soon = lambda: asked.append("refresh")
    presenter.on_event(1, "ticket.issued", {})
    presenter.on_event(2, "rating.recorded", {})
    assert asked == ["refresh"]


def test_expired_session_signs_the_clerk_out(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    gone: list[Message | None] = []
    presenter.on_signed_out = gone.append
    api.token = "stale"
    presenter.refresh()
    assert gone and gone[0].kind == "warning"  # type: ignore[union-attr]


# ---- suspend, transfer, pause


def test_suspended_ticket_is_listed_and_taken_back_without_requeueing(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    first = issue(api)
    issue(api)
    presenter.call_next()
    presenter.suspend()
    assert [row.key for row in presenter.view().suspended] == [first["id"]]
    presenter.resume_ticket(first["id"])
    assert presenter.current_number == "A001"
    assert presenter.view().suspended == []


def test_transfer_to_a_window_tells_where_and_keeps_tracking(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    issue(api)
    presenter.call_next()
    presenter.transfer("需社保窗口办理", window=3)
    assert "3 号窗口" in presenter.message.zh  # type: ignore[union-attr]
    referred = presenter.view().referred
    assert len(referred) == 1 and "3号窗口" in referred[0].text


def test_transfer_to_a_service_names_the_windows_serving_it(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    issue(api)
    presenter.call_next()
    presenter.transfer("医保问题", service="YB")
    assert "2、3 号窗口" in presenter.message.zh  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("note", "service", "window"), [("", "SB", None), ("  ", None, 2), ("why", None, None), ("why", "SB", 2)]
)
def test_transfer_needs_a_note_and_one_target(
    api: FakeHallApi, note: str, service: str | None, window: int | None
) -> None:
    presenter = signed_in(api)
    issue(api)
    presenter.call_next()
    presenter.transfer(note, service=service, window=window)
    assert presenter.message.kind == "error"  # type: ignore[union-attr]
    assert presenter.current_number == "A001"


def test_pause_needs_a_reason_and_resume_reopens(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    presenter.pause(" ")
    assert presenter.window_status == "open"
    presenter.toggle_pause("会议")
    assert presenter.view().paused and presenter.view().pause_reason == "会议"
    assert presenter.enabled()["call"] is False
    presenter.toggle_pause()
    assert presenter.window_status == "open"


# ---- finishing and cases


def test_finishing_a_promised_case_lists_it_with_its_due_date(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    issue(api, item="HJ-01")
    presenter.call_next()
    form = presenter.finish_form()
    assert form.case_type == "promised" and form.computed_due == api.due_date("HJ-01")
    finished: list[dict[str, Any]] = []
    presenter.on_finished = lambda request, case, ticket: finished.append(case)
    presenter.finish(form.request())
    assert finished[0]["due_date"] == form.computed_due
    assert [row.key for row in presenter.view().cases] == [finished[0]["id"]]
    presenter.complete_case(finished[0]["id"])
    assert presenter.view().cases == []


def test_overdue_cases_come_first_and_red(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    for _ in range(2):
        issue(api, item="HJ-01")
        presenter.call_next()
        presenter.finish(presenter.finish_form().request())
    first = next(iter(api.cases_by_id.values()))
    first["due_date"] = "2026-01-01"
    presenter.refresh()
    rows = presenter.view().cases
    assert rows[0].alert and rows[0].key == first["id"] and not rows[1].alert


def test_today_figures_are_shown(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    issue(api, service="HJ")
    presenter.call_next()
    presenter.finish(FinishRequest("immediate", None))
    assert presenter.view().today.startswith("今日已办 1 件")


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


@pytest.mark.parametrize(("seconds", "text"), [(None, "—"), (42, "42秒"), (312, "5分12秒"), (60, "1分00秒")])
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(("key", "action"), [("f1", "call"), ("spacebar", "call"), ("f4", "finish"), ("x", None)])
def test_keymap(key: str, action: str | None) -> None:
    assert KeyMap().action(key) == action
