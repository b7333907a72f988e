"""The caller's real widgets, headless: taps, keys, screenshots (tests/_shots/caller_*.png)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from client.fake import FakeHallApi
from core.rules import require_pause_reason
from tests.caller.helpers import CLOCK, issue, open_window, refusal

pytestmark = pytest.mark.ui

SIZE = (1280, 800)


def start_caller(ui_app: Callable[..., Any], api: FakeHallApi, tmp_path: Path, window: int = 1) -> Any:
    """The caller app of `window` on `api`, headless, its slips written as PNGs under tmp_path/slips."""
    from caller.app import CallerApp
    from caller.slips import SlipOutput

    app = CallerApp(api, window, SlipOutput(None, tmp_path / "slips", "png"), today=lambda: CLOCK.date())
    return ui_app(app, size=SIZE)


@pytest.fixture
def caller(ui_app: Callable[..., Any], api: FakeHallApi, tmp_path: Path) -> Any:
    return start_caller(ui_app, api, tmp_path)


def type_sign_in(app: Any, staff: str, pin: str = "1234") -> None:
    """Type the staff code and the PIN on the sign-in screen, each with Enter (the answer is not waited for)."""
    from appkit.testing import press_key, type_keys

    type_keys(staff, app.sign_in_screen.ids.staff_input)
    press_key("enter")
    type_keys(pin)
    press_key("enter")


def sign_in_by_keyboard(app: Any, staff: str = "1001", pin: str = "1234") -> None:
    from appkit.testing import wait_until

    type_sign_in(app, staff, pin)
    wait_until(lambda: app.root.current == "window" and app.presenter and app.presenter.detail)


def sign_in_and_call(app: Any) -> None:
    """Sign the window's clerk in and call with F1; the first ticket (A001) is then on the screen."""
    from appkit.testing import press_key

    sign_in_by_keyboard(app)
    press_key("f1")
    settle(app, lambda: app.window_screen.number == "A001")


def settle(app: Any, predicate: Callable[[], Any]) -> None:
    from appkit.testing import wait_until

    wait_until(predicate)


def test_signing_in_by_keyboard_opens_the_window(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import screenshot

    sign_in_by_keyboard(caller)
    assert caller.window_screen.title.startswith("1号窗口")
    assert api.hall.windows[1].staff == "1001"
    screenshot("caller_idle")


def test_wrong_pin_is_shown_on_the_sign_in_screen(caller: Any) -> None:
    from appkit.testing import screenshot, wait_until

    type_sign_in(caller, "1001", "9999")
    wait_until(lambda: "PIN" in caller.sign_in_screen.message)
    assert caller.root.current == "sign-in"
    screenshot("caller_sign_in_error")


def test_f1_calls_and_space_does_not_call_twice(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import press_key, screenshot

    issue(api), issue(api)
    sign_in_by_keyboard(caller)
    settle(caller, lambda: caller.presenter.enabled()["call"])
    press_key("f1")
    settle(caller, lambda: caller.window_screen.number == "A001")
    press_key("spacebar")
    settle(caller, lambda: caller.presenter.busy is None)
    assert caller.window_screen.number == "A001"
    assert api.hall.waiting_counts()["HJ"] == 1
    assert caller.window_screen.ids.call_button.disabled
    screenshot("caller_called")


def test_tapping_call_and_suspend_lists_the_ticket(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import find_by_text, tap

    issue(api)
    sign_in_by_keyboard(caller)
    tap(caller.window_screen.ids.call_button)
    settle(caller, lambda: caller.window_screen.number == "A001")
    tap(caller.window_screen.ids.suspend_button)
    settle(caller, lambda: caller.presenter.view().suspended)
    tap(find_by_text("取回"))
    settle(caller, lambda: not caller.presenter.view().suspended)
    assert caller.window_screen.number == "A001"


def test_finish_as_incomplete_by_keyboard_writes_a_slip(caller: Any, api: FakeHallApi, tmp_path: Path) -> None:
    from appkit.testing import press_key, screenshot, type_keys

    issue(api, item="HJ-01")
    sign_in_and_call(caller)
    press_key("f4")
    assert caller.dialog is not None
    type_keys("5")  # 补办件
    type_keys("a")
    type_keys("c")
    screenshot("caller_finish_incomplete")
    press_key("enter")
    settle(caller, lambda: "告知单已保存" in caller.window_screen.slip_message)
    case = next(iter(api.cases_by_id.values()))
    assert case["case_type"] == "incomplete"
    assert list(case["missing_materials"]) == ["居民户口簿", "准予迁入证明"]
    assert list((tmp_path / "slips").glob("*-A001-incomplete.png"))
    screenshot("caller_after_finish")


def test_finish_promised_shows_the_computed_due_date_and_lists_the_case(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import find_by_text, press_key, screenshot, tap

    issue(api, item="HJ-01")
    sign_in_and_call(caller)
    press_key("f4")
    settle(caller, lambda: caller.dialog.due_input is not None and caller.dialog.due_input.text)
    assert caller.dialog.due_input.text == api.due_date("HJ-01")
    screenshot("caller_finish_promised")
    tap(caller.dialog.ok_button)
    settle(caller, lambda: caller.presenter.view().cases)
    settle(caller, lambda: "请打印3份" in caller.window_screen.slip_message)
    next(iter(api.cases_by_id.values()))["due_date"] = "2026-01-05"  # make it overdue
    caller.presenter.refresh()
    settle(caller, lambda: caller.presenter.view().cases[0].alert)
    screenshot("caller_overdue_case")
    tap(find_by_text("办结", root=caller.window_screen.ids.cases_panel))
    settle(caller, lambda: not caller.presenter.view().cases)


def test_transfer_dialog_by_keyboard(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import press_key, screenshot, type_keys

    issue(api)
    open_window(api, 3)
    sign_in_and_call(caller)
    press_key("f7")
    dialog = caller.dialog
    type_keys("3", dialog.window_input)
    press_key("tab")
    type_keys("需综合窗口办理", dialog.note_input)
    screenshot("caller_transfer")
    press_key("enter")
    settle(caller, lambda: caller.presenter.view().referred)
    assert "3 号窗口" in caller.window_screen.message
    assert api.hall.window_heads[3]


def test_pause_by_keys_and_resume(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import press_key, screenshot, type_keys

    sign_in_by_keyboard(caller)
    press_key("f8")
    type_keys("2")  # 休息
    settle(caller, lambda: caller.presenter.window_status == "paused")
    assert caller.window_screen.pause_zh == "恢复服务"
    screenshot("caller_paused")
    press_key("f8")
    settle(caller, lambda: caller.presenter.window_status == "open")


def test_pause_dialog_refuses_an_empty_reason_with_cores_sentence(caller: Any) -> None:
    from appkit.testing import press_key

    sign_in_by_keyboard(caller)
    press_key("f8")
    press_key("enter")
    expected = refusal(lambda: require_pause_reason(""))
    assert caller.dialog is not None and caller.dialog.error_label.text == f"{expected.zh}  {expected.en}"
    press_key("escape")
    assert caller.presenter.window_status == "open"


def test_offline_shows_the_banner_and_comes_back(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import screenshot

    sign_in_by_keyboard(caller)
    api.online = False
    caller.presenter.refresh()
    settle(caller, lambda: caller.window_screen.ids.banner.shown)
    assert caller.window_screen.ids.call_button.disabled
    screenshot("caller_offline")
    api.online = True
    caller.presenter.probe()
    settle(caller, lambda: not caller.window_screen.ids.banner.shown)


def test_touch_targets_are_large_enough(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import assert_touch_targets

    issue(api)
    sign_in_by_keyboard(caller)
    assert_touch_targets()
