"""The caller's real widgets on the hall floor (issue 9), headless: take-over, F1 on the sign-in screen, the
transfer dialog, no-show twice, reinstating, the ledger with its slip preview, sign-out, the key-help bar.
Screenshots: tests/_shots/caller_*.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assets import DEMO_HALL
from client.api import WindowCalls
from client.fake import FakeHallApi
from hallfile import load_hall
from tests.caller.helpers import CLOCK, issue, open_window
from tests.caller.test_caller_ui import settle, sign_in_and_call, sign_in_by_keyboard, start_caller, type_sign_in

pytestmark = pytest.mark.ui


@pytest.fixture
def caller(ui_app: Callable[..., Any], api: FakeHallApi, tmp_path: Path) -> Any:
    return start_caller(ui_app, api, tmp_path)


def as_other(api: FakeHallApi, action: Callable[[], Any]) -> Any:
    token = api.token
    try:
        return action()
    finally:
        api.token = token


def overlapping(widgets: list[Any]) -> list[tuple[str, str]]:
    """Pairs of widgets whose rectangles (in window coordinates) overlap."""
    boxes = []
    for widget in widgets:
        x, y = widget.to_window(widget.x, widget.y)
        boxes.append((widget, x, y, x + widget.width, y + widget.height))
    pairs = []
    for i, (a, ax0, ay0, ax1, ay1) in enumerate(boxes):
        for b, bx0, by0, bx1, by1 in boxes[i + 1 :]:
            if ax0 < bx1 - 1 and bx0 < ax1 - 1 and ay0 < by1 - 1 and by0 < ay1 - 1:
                pairs.append((a.text_zh, b.text_zh))
    return pairs


# ---- item 5: no developer screens


def test_f1_on_the_sign_in_screen_opens_no_settings(caller: Any) -> None:
    from kivy.uix.settings import Settings

    from appkit.testing import advance_frames, find_all, press_key, screenshot

    assert caller.root.current == "sign-in"
    press_key("f1")
    advance_frames(3)
    assert not find_all(lambda w: isinstance(w, Settings))
    assert caller._app_settings is None
    caller.open_settings()
    advance_frames(2)
    assert not find_all(lambda w: isinstance(w, Settings))
    screenshot("caller_sign_in_after_f1")


# ---- item 1: taken over; not your window


def test_a_take_over_returns_the_clerk_to_sign_in_naming_who(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import screenshot

    sign_in_by_keyboard(caller)
    as_other(api, lambda: api.login("1101", "1234", 1))
    settle(caller, lambda: caller.root.current == "sign-in")
    assert "1号窗口已由李强（1101）接班" in caller.sign_in_screen.message
    assert caller.presenter is None
    screenshot("caller_taken_over")


def test_signing_in_at_someone_elses_window_shows_the_servers_sentence(caller: Any) -> None:
    from appkit.testing import screenshot, wait_until

    type_sign_in(caller, "1003")
    wait_until(lambda: "不是1号窗口的A岗或B岗" in caller.sign_in_screen.message)
    assert caller.root.current == "sign-in"
    screenshot("caller_not_your_window")


# ---- item 2 and 12: the transfer dialog


def test_the_transfer_dialog_marks_closed_windows_and_long_names_cover_nothing(
    ui_app: Callable[..., Any], tmp_path: Path
) -> None:
    from appkit.testing import find_all, press_key, screenshot
    from appkit.widgets import BigButton

    api = FakeHallApi(load_hall(DEMO_HALL), clock=lambda: CLOCK)
    caller = start_caller(ui_app, api, tmp_path)
    as_other(api, lambda: (api.login("1003", "1234", 3), WindowCalls(api, 3).pause("会议")))
    as_other(api, lambda: api.login("1002", "1234", 2))
    as_other(api, lambda: api.issue("household"))
    sign_in_and_call(caller)
    press_key("f7")
    dialog = caller.dialog
    settle(caller, lambda: dialog.buttons[0][0].height > 0)
    buttons = [b for b in find_all(lambda w: isinstance(w, BigButton), dialog.body)]
    assert overlapping(buttons) == []
    assert all(b.height >= b.minimum_height - 1 for b in buttons), "a button's text is taller than the button"
    by_target = {target: button for button, target in dialog.buttons}
    assert by_target[("window", 4)].disabled and by_target[("window", 4)].text_en == "未开放 closed"
    assert by_target[("window", 3)].text_en == "暂停中 paused" and not by_target[("window", 3)].disabled
    assert not by_target[("window", 2)].disabled
    screenshot("caller_transfer_demo_hall")
    dialog.choose(("window", 3))
    dialog.note_input.text = "需社保窗口办理"
    press_key("enter")
    settle(caller, lambda: "暂停服务中" in caller.window_screen.message)
    settle(caller, lambda: caller.presenter.view().referred)
    assert caller.presenter.view().referred[0].text.startswith("A001 → 3号窗口")
    screenshot("caller_transfer_paused_warning")


def test_a_closed_window_typed_in_the_transfer_dialog_shows_the_servers_refusal(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import press_key, type_keys

    issue(api)
    sign_in_and_call(caller)
    press_key("f7")
    type_keys("3", caller.dialog.window_input)
    type_keys("需综合窗口办理", caller.dialog.note_input)
    press_key("enter")
    settle(caller, lambda: "3号窗口未开放" in caller.window_screen.message)
    assert caller.window_screen.number == "A001"


# ---- item 4: no-show twice; reinstate


def test_no_show_needs_f5_twice_and_names_the_number_then_f10_reinstates(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import press_key, screenshot, type_keys

    issue(api)
    sign_in_and_call(caller)
    press_key("f5")
    assert caller.window_screen.number == "A001"
    assert "再按一次确认 A001 过号" in caller.window_screen.message
    assert caller.window_screen.no_show_zh == "再按确认过号"
    screenshot("caller_no_show_armed")
    press_key("f5")
    settle(caller, lambda: caller.window_screen.number == "—")
    assert "A001 号已记为过号" in caller.window_screen.message
    settle(caller, lambda: caller.presenter.missed_here())
    press_key("f10")
    assert caller.dialog is not None
    screenshot("caller_reinstate")
    type_keys("1")
    settle(caller, lambda: "A001 号已恢复排队" in caller.window_screen.message)
    assert api.hall.waiting_counts()["HJ"] == 1


def test_reinstating_a_typed_number_nobody_missed_says_so(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import press_key, type_keys

    sign_in_by_keyboard(caller)
    press_key("f10")
    type_keys("A009", caller.dialog.number_input)
    press_key("enter")
    assert "A009" in caller.dialog.error_label.text
    press_key("escape")


# ---- item 7: the ledger, its preview and reprint


def test_the_ledger_shows_case_number_item_due_date_and_days_left_and_reprints(
    caller: Any, api: FakeHallApi, tmp_path: Path
) -> None:
    from appkit.testing import find_by_text, press_key, screenshot, tap

    issue(api, item="HJ-01")
    sign_in_and_call(caller)
    press_key("f4")
    settle(caller, lambda: caller.dialog.due_input is not None and caller.dialog.due_input.text)
    press_key("enter")
    settle(caller, lambda: "请打印3份" in caller.window_screen.slip_message)
    press_key("f9")
    dialog = caller.dialog
    settle(caller, lambda: not dialog.loading)
    [row] = dialog.rows
    assert row.text == "20261123-0001  户口迁入（A001 承诺件） · 到期 2026-11-30（周一） · 还剩 5 个工作日"
    find_by_text(row.text, exact=False)
    screenshot("caller_ledger")
    tap(find_by_text("预览", root=dialog))
    settle(caller, lambda: caller.dialog is not None and caller.dialog is not dialog)
    assert caller.dialog.image.texture is not None
    screenshot("caller_slip_preview")
    for slip in (tmp_path / "slips").glob("*.png"):
        slip.unlink()
    press_key("enter")  # 补打
    settle(caller, lambda: "告知单已保存" in caller.window_screen.slip_message)
    assert list((tmp_path / "slips").glob("*-A001-promise.png"))


# ---- item 9: signing out


def test_signing_out_says_signed_out(caller: Any) -> None:
    from appkit.testing import advance_frames, press_key, screenshot

    sign_in_by_keyboard(caller)
    press_key("f12")
    settle(caller, lambda: caller.root.current == "sign-in")
    advance_frames(30)  # the refresh the window.closed event asked for would have come by now
    assert caller.sign_in_screen.message == "已签退。  Signed out."
    screenshot("caller_signed_out")


# ---- item 12: the key-help bar


def test_the_key_help_bar_is_one_line_at_1280_by_800(caller: Any, api: FakeHallApi) -> None:
    from appkit.testing import screenshot

    open_window(api, 3)
    sign_in_by_keyboard(caller)
    bar = caller.window_screen.ids.hint_bar
    settle(caller, lambda: bar.texture_size[1] > 0)
    assert bar.texture_size[1] < bar.font_size * 2, "the key help wraps onto a second line"
    assert "F10 恢复过号" in bar.text and "F5×2 过号" in bar.text
    screenshot("caller_key_help")
