"""The clerk's window presenter on FakeHallApi, without Kivy: calling, suspend, transfer, pause, cases."""

from __future__ import annotations

from typing import Any

import pytest

from caller.common import Message, format_duration
from caller.finish_form import FinishRequest
from caller.keys import KeyMap
from caller.window import WindowPresenter
from client.api import ApiError
from client.fake import FakeHallApi
from core.cases import CASE_TYPE_LIST
from core.rules import require_pause_reason, require_transfer_note
from core.views import case_types as core_case_types
from tests.caller.helpers import CLOCK, issue, open_window, refusal, signed_in

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
    open_window(api, 3)
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


def test_pause_without_a_reason_is_refused_with_cores_sentence(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    presenter.pause("  ")
    assert presenter.message == refusal(lambda: require_pause_reason("  "))
    assert presenter.window_status == "open"


def test_transfer_without_a_note_is_refused_with_cores_sentence(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    issue(api)
    presenter.call_next()
    presenter.transfer(" ", window=3)
    assert presenter.message == refusal(lambda: require_transfer_note(" "))
    assert presenter.current_number == "A001" and presenter.view().referred == []


# ---- case types: core's table, as the server lists it


def test_the_caller_offers_the_case_types_the_server_lists(api: FakeHallApi) -> None:
    presenter = signed_in(api)
    assert presenter.case_types == api.case_types() == core_case_types()
    assert [c["code"] for c in presenter.finish_form().case_types] == [c.code for c in CASE_TYPE_LIST]


def test_offline_the_caller_offers_exactly_cores_case_types(api: FakeHallApi) -> None:
    session = api.login("1001", "1234", 1)
    api.online = False
    presenter = WindowPresenter(api, 1, session, today=lambda: CLOCK.date())
    presenter.start()
    assert presenter.online is False
    assert [c["code"] for c in presenter.case_types] == [c.code for c in CASE_TYPE_LIST]
    assert presenter.case_types == core_case_types()  # every field: slip, copies, what each asks for


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


@pytest.mark.parametrize(("seconds", "text"), [(None, "—"), (42, "42秒"), (312, "5分12秒"), (60, "1分00秒")])
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(("key", "action"), [("f1", "call"), ("spacebar", "call"), ("f4", "finish"), ("x", None)])
def test_keymap(key: str, action: str | None) -> None:
    assert KeyMap().action(key) == action
