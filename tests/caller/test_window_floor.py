"""The hall floor at the clerk's window (issue 9), without Kivy: take-overs, transfers to closed or paused
windows, where a referral went, no-show with a confirmation, reinstating missed numbers, signing out."""

from __future__ import annotations

from typing import Any

import pytest

from caller.common import Message
from caller.signin import SignInPresenter
from caller.window import NO_SHOW_CONFIRM_S, SIGNED_OUT, WindowPresenter
from client.api import ApiError, WindowCalls
from client.fake import FakeHallApi
from tests.caller.helpers import CLOCK, issue, open_window


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def listening(api: FakeHallApi, window: int = 1, staff: str = "1001", clock: Clock | None = None) -> WindowPresenter:
    """A presenter that hears the hall's events, as the app's does."""
    session = api.login(staff, "1234", window)
    presenter = WindowPresenter(api, window, session, today=lambda: CLOCK.date(), clock=clock or Clock())
    presenter.start()
    api.listen(presenter.on_event)
    return presenter


def as_other(api: FakeHallApi, action: Any) -> Any:
    """Do something as another session, leaving the presenter's session as it was."""
    token = api.token
    try:
        return action()
    finally:
        api.token = token


def refused_sentence(action: Any) -> Message:
    with pytest.raises(ApiError) as refused:
        action()
    return Message.of(refused.value.message, "error")


# ---- item 1: a take-over is told at once, naming who


def test_a_b_post_taking_over_sends_the_clerk_back_naming_who(api: FakeHallApi) -> None:
    presenter = listening(api)
    gone: list[Message | None] = []
    presenter.on_signed_out = gone.append
    as_other(api, lambda: api.login("1101", "1234", 1))
    assert len(gone) == 1 and gone[0] is not None
    assert "李强（1101）" in gone[0].zh and "1号窗口" in gone[0].zh
    assert "1101" in gone[0].en
    assert presenter.stopped and not any(presenter.enabled().values())


def test_a_command_refused_as_taken_over_sends_the_clerk_back_with_the_servers_sentence(api: FakeHallApi) -> None:
    session = api.login("1001", "1234", 1)
    presenter = WindowPresenter(api, 1, session)  # hears no events: learns it from the answer
    presenter.start()
    gone: list[Message | None] = []
    presenter.on_signed_out = gone.append
    as_other(api, lambda: api.login("1101", "1234", 1))
    expected = refused_sentence(lambda: WindowCalls(api, 1).call_next())
    presenter.call_next()
    assert gone == [expected] and "1101" in expected.zh
    assert presenter.stopped


def test_a_reread_showing_another_clerk_sends_the_clerk_back(api: FakeHallApi) -> None:
    session = api.login("1001", "1234", 1)
    presenter = WindowPresenter(api, 1, session)
    presenter.start()
    gone: list[Message | None] = []
    presenter.on_signed_out = gone.append
    as_other(api, lambda: api.login("1101", "1234", 1))
    presenter.refresh()
    assert gone and gone[0] is not None and "李强（1101）" in gone[0].zh


def test_signing_in_at_someone_elses_window_shows_the_servers_sentence(api: FakeHallApi) -> None:
    expected = refused_sentence(lambda: api.login("1003", "1234", 1))
    presenter = SignInPresenter(api, 1)
    presenter.submit("1003", "1234")
    assert presenter.message == expected
    assert "不是1号窗口的A岗或B岗" in expected.zh


# ---- item 2: transfers to closed and paused windows; where a referral went


def test_a_transfer_to_a_closed_window_is_refused_with_the_servers_sentence(api: FakeHallApi) -> None:
    presenter = listening(api)
    issue(api)
    presenter.call_next()
    presenter.transfer("需综合窗口办理", window=3)
    assert presenter.message is not None and presenter.message.kind == "error"
    assert "3号窗口未开放" in presenter.message.zh
    assert presenter.current_number == "A001"


def test_a_transfer_to_a_paused_window_is_done_with_the_servers_warning(api: FakeHallApi) -> None:
    presenter = listening(api)
    as_other(api, lambda: (api.login("1003", "1234", 3), WindowCalls(api, 3).pause("会议")))
    issue(api)
    presenter.call_next()
    presenter.transfer("需综合窗口办理", window=3)
    assert presenter.message is not None and presenter.message.kind == "warning"
    assert "3 号窗口" in presenter.message.zh and "暂停服务中（会议）" in presenter.message.zh
    assert presenter.current is None


def test_the_transfer_targets_follow_the_windows_as_they_open_and_pause(api: FakeHallApi) -> None:
    presenter = listening(api)
    status = lambda: {w["number"]: w["status"] for w in presenter.transfer_targets()[1]}  # noqa: E731
    assert status() == {2: "closed", 3: "closed"}
    open_window(api, 3)
    as_other(api, lambda: (api.login("1002", "1234", 2), WindowCalls(api, 2).pause("培训")))
    assert status() == {2: "paused", 3: "open"}


def test_referred_by_me_names_the_service_or_window_it_went_to(api: FakeHallApi) -> None:
    presenter = listening(api)
    open_window(api, 3)
    issue(api), issue(api)
    presenter.call_next()
    presenter.transfer("医保问题", service="YB")
    presenter.call_next()
    presenter.transfer("需综合窗口办理", window=3)
    texts = [row.text for row in presenter.view().referred]
    assert texts == ["A001 → 医保业务 · 等候中 waiting", "A002 → 3号窗口 · 等候中 waiting"]


# ---- item 4: no-show asks twice and names the number; reinstating a missed number


def test_no_show_asks_for_a_second_press_and_names_the_number(api: FakeHallApi) -> None:
    clock = Clock()
    presenter = listening(api, clock=clock)
    issue(api)
    presenter.call_next()
    presenter.no_show()
    assert presenter.current_number == "A001"  # nothing sent yet
    assert presenter.view().message == Message(
        "再按一次确认 A001 过号（F5）", "Press again to mark A001 missed (F5)", "warning"
    )
    assert presenter.view().no_show_armed
    clock.now += NO_SHOW_CONFIRM_S - 1
    presenter.no_show()
    assert presenter.current is None
    assert presenter.message == Message("A001 号已记为过号。", "A001 marked as missed (not present).", "info")


def test_a_late_second_press_only_asks_again(api: FakeHallApi) -> None:
    clock = Clock()
    presenter = listening(api, clock=clock)
    issue(api)
    presenter.call_next()
    presenter.no_show()
    clock.now += NO_SHOW_CONFIRM_S + 1
    assert not presenter.view().no_show_armed and presenter.view().message is None  # the question has lapsed
    presenter.no_show()
    assert presenter.current_number == "A001" and presenter.view().no_show_armed


def test_another_command_between_the_presses_cancels_the_no_show(api: FakeHallApi) -> None:
    presenter = listening(api)
    issue(api)
    presenter.call_next()
    presenter.no_show()
    presenter.recall()
    presenter.no_show()
    assert presenter.current_number == "A001" and presenter.view().no_show_armed


def missed_once(api: FakeHallApi, presenter: WindowPresenter) -> dict[str, Any]:
    ticket = issue(api)
    presenter.call_next()
    presenter.no_show()
    presenter.no_show()
    return ticket


def test_a_missed_number_is_listed_and_reinstated(api: FakeHallApi) -> None:
    presenter = listening(api)
    ticket = missed_once(api, presenter)
    assert [t["number"] for t in presenter.missed_here()] == ["A001"]
    assert presenter.find_missed("a001") is not None
    presenter.reinstate(ticket["id"])
    assert api.ticket(ticket["id"])["status"] == "waiting"
    assert presenter.message == Message(
        "A001 号已恢复排队，前面还有 0 人。", "A001 is back in the queue; 0 ahead.", "success"
    )
    assert presenter.missed_here() == []
    assert [row for _id, name, row in api.log if name == "ticket.reinstated"]


def test_a_second_reinstatement_is_refused_with_the_servers_sentence(api: FakeHallApi) -> None:
    presenter = listening(api)
    ticket = missed_once(api, presenter)
    presenter.reinstate(ticket["id"])
    presenter.call_next()
    presenter.no_show()
    presenter.no_show()
    expected = refused_sentence(lambda: api.reinstate(ticket["id"]))
    presenter.reinstate(ticket["id"])
    assert presenter.message == expected and "不能再恢复" in expected.zh


def test_missed_numbers_of_other_services_are_not_listed_and_refused(api: FakeHallApi) -> None:
    at_one = listening(api)
    ticket = missed_once(api, at_one)  # 户籍 (HJ) at window 1
    at_two = as_other(api, lambda: listening(api, 2, "1002"))  # window 2 serves 社保/医保 only
    at_two.missed = dict(at_one.missed)
    assert at_two.missed_here() == []
    api.token = at_two.session["token"]
    at_two.reinstate(ticket["id"])
    assert at_two.message is not None and at_two.message.kind == "error" and "服务台" in at_two.message.zh


# ---- item 9: signing out says so, and nothing arriving later changes it


def test_signing_out_says_signed_out_even_when_a_late_answer_arrives(api: FakeHallApi) -> None:
    presenter = listening(api)
    gone: list[Message | None] = []
    presenter.on_signed_out = gone.append
    presenter.sign_out()
    presenter.refresh()  # e.g. the refresh the window.closed event asked for
    presenter.on_event(99, "window.closed", {"window": {"number": 1}})
    assert gone == [SIGNED_OUT] == [Message("已签退。", "Signed out.", "info")]
