"""The kiosk and the pad as real Kivy widgets, headless: taps, screens, screenshots (tests/_shots/kiosk_*.png)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from kivy.uix.textinput import TextInput

from appkit import theme
from appkit.runners import run_now
from appkit.testing import (
    advance_frames,
    assert_touch_targets,
    find_by_id,
    find_by_text,
    press_key,
    screenshot,
    tap,
    wait_until,
)
from appkit.widgets import format_clock
from assets import DEMO_HALL
from client.api import WindowCalls
from client.fake import FakeHallApi
from hallfile import load_hall
from hardware.printer import FakePrinter, PrintWorker
from kiosk.app import KIOSK_SIZE, PAD_SIZE, KioskApp, PadApp
from tests.kiosk.helpers import SyncSink

pytestmark = pytest.mark.ui
PUBLIC_URL = "http://hall.example"


@pytest.fixture(scope="module")
def demo_config() -> Any:
    return load_hall(DEMO_HALL)


@pytest.fixture
def api(demo_config: Any) -> FakeHallApi:
    return FakeHallApi(demo_config)


def start_kiosk(ui_app: Callable[..., Any], api: FakeHallApi, sink: Any = None, **options: Any) -> KioskApp:
    options.setdefault("runner", run_now)
    return ui_app(KioskApp(api, public_url=PUBLIC_URL, printer=sink, **options), size=KIOSK_SIZE)


def test_home_shows_every_service_and_touch_targets_are_large(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    api.issue("household")
    app = start_kiosk(ui_app, api)
    tiles = find_by_id("service_grid").children
    assert len(tiles) == 7
    assert "等候 1 人" in find_by_text("户籍业务").detail
    assert find_by_id("header").hall_name == "青山镇便民服务中心"
    assert_touch_targets(app.root)
    screenshot("kiosk_home")


def test_a_touch_path_to_a_printed_ticket(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    sink = SyncSink()
    app = start_kiosk(ui_app, api, sink)
    tap(find_by_text("户籍业务"))
    assert find_by_id("screens").current == "items"
    screenshot("kiosk_items")
    tap(find_by_text("出生登记"))
    assert find_by_id("screens").current == "guide"
    assert find_by_text("《出生医学证明》（原件1份）", exact=False)  # every material is shown before the ticket
    screenshot("kiosk_guide")
    tap(find_by_id("take_ticket"))
    assert find_by_id("screens").current == "ticket"
    assert find_by_id("ticket_number").text == "A001"
    assert b"A001" in sink.printer.jobs[0]
    assert find_by_id("qr").opacity == 0  # printed: no QR needed on screen
    assert app.presenter.print_state == "printed"
    screenshot("kiosk_ticket_printed")


def test_a_printer_out_of_paper_shows_the_ticket_and_its_qr_code(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    app = start_kiosk(ui_app, api, SyncSink(fault="no_paper"))
    tap(find_by_text("综合受理"))
    tap(find_by_text("其他事项，直接取号"))
    assert find_by_id("ticket_number").text == "G001"
    assert "缺纸" in find_by_id("print_status").text
    qr = find_by_id("qr")
    assert qr.opacity == 1 and qr.texture is not None
    assert qr.data == f"{PUBLIC_URL}/t/{app.presenter.ticket['id']}"  # type: ignore[index]
    screenshot("kiosk_ticket_no_paper")


def test_green_channel_and_large_text_and_english(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    app = start_kiosk(ui_app, api)
    tap(find_by_id("green_channel"))
    assert find_by_id("banner").shown and "绿色通道" in find_by_id("banner").message_zh
    tap(find_by_id("large_button"))
    assert theme.ui.large_text
    tap(find_by_id("lang_button"))
    assert find_by_text("Civil Affairs").text_en == "民政业务"  # English first, Chinese below
    screenshot("kiosk_home_green_large_english")
    tap(find_by_text("Civil Affairs"))
    tap(find_by_id("other_matter"))
    assert app.presenter.ticket is not None and app.presenter.ticket["priority"] is True


def test_appointment_check_in_on_the_keypad(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    api.add_booking(code="123456", service="social")
    app = start_kiosk(ui_app, api)
    tap(find_by_id("check_in"))
    for digit in "123456":
        tap(find_by_text(digit))
    assert find_by_id("code_display").text == "1 2 3 4 5 6"
    screenshot("kiosk_check_in")
    tap(find_by_id("submit_code"))
    assert app.presenter.ticket is not None and app.presenter.ticket["priority_reason"] == "appointment"
    assert find_by_id("screens").current == "ticket"


def test_an_unreachable_server_is_said_and_no_number_is_shown(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    start_kiosk(ui_app, api)
    api.online = False
    tap(find_by_text("综合受理"))
    tap(find_by_text("其他事项，直接取号"))
    assert find_by_id("screens").current == "issuing"
    assert find_by_id("banner").shown and "连接已断开" in find_by_id("banner").message_zh
    assert find_by_id("ticket_number").text == ""
    screenshot("kiosk_offline")


def test_escape_asks_for_the_manager_pin_and_does_not_close(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    exits: list[bool] = []
    app = start_kiosk(ui_app, api)
    app.presenter.on_exit = lambda: exits.append(True)
    press_key("escape")
    assert find_by_id("screens").current == "exit"
    find_by_id("exit_staff").text, find_by_id("exit_pin").text = "9001", "1234"
    screenshot("kiosk_exit")
    tap(find_by_id("exit_confirm"))
    assert exits == [True]


def test_the_real_worker_threads_deliver_ticket_and_print(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    printer = FakePrinter()
    app = ui_app(KioskApp(api, public_url=PUBLIC_URL, printer=PrintWorker(printer)), size=KIOSK_SIZE)
    wait_until(lambda: len(find_by_id("service_grid").children) == 7)
    tap(find_by_text("医保业务"))
    tap(find_by_text("其他事项，直接取号"))
    wait_until(lambda: app.presenter.print_state == "printed")
    assert find_by_id("ticket_number").text == "C001" and len(printer.jobs) == 1


# ---- the rating pad ---------------------------------------------------------------------------------


def test_the_pad_shows_the_clerk_then_records_a_bad_rating_with_reason(
    ui_app: Callable[..., Any], api: FakeHallApi
) -> None:
    api.login("1001", "1234", 1)
    app = ui_app(PadApp(api, window=1, runner=run_now), size=PAD_SIZE)
    assert find_by_id("clerk_name").text == "张丽华" and "1001" in find_by_id("staff_number").text
    screenshot("pad_idle")
    ticket = api.issue("household")
    calls = WindowCalls(api, 1)
    calls.call_next()
    calls.finish()
    assert find_by_id("screens").current == "rate"
    advance_frames(2)  # let the new screen lay out
    assert_touch_targets(app.root)
    screenshot("pad_rate")
    tap(find_by_text("非常不满意"))
    assert find_by_id("screens").current == "reason"
    tap(find_by_text("等候时间过长"))
    screenshot("pad_reason")
    tap(find_by_id("submit_reason"))
    assert api.ratings[ticket["id"]]["score"] == 1 and api.ratings[ticket["id"]]["reasons"] == ["等候时间过长"]
    assert find_by_id("screens").current == "thanks"
    screenshot("pad_thanks")


# ---- issue 9 --------------------------------------------------------------------------------------------


def _lines_of(label: Any) -> list[str]:
    """The lines a Kivy Label rendered its text into (after wrapping)."""
    advance_frames(1)
    return ["".join(word.text for word in line.words) for line in label._label._cached_lines]


def test_a_service_no_open_window_serves_says_so_instead_of_a_wait(
    ui_app: Callable[..., Any], api: FakeHallApi
) -> None:
    api.login("1001", "1234", 1)  # only window 1 (户籍) is open
    api.issue("social")
    app = start_kiosk(ui_app, api)
    household, social = find_by_text("户籍业务"), find_by_text("社保业务")
    assert "无需等候" in household.detail
    assert "暂无窗口办理" in social.detail and "No window open" in social.detail and "约" not in social.detail
    screenshot("kiosk_home_unstaffed")
    api.login("1003", "1234", 3)
    app.presenter.refresh_services()
    advance_frames(2)
    assert "约" in find_by_text("社保业务").detail


def test_the_leave_kiosk_mode_dialog_has_its_own_keypad(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    exits: list[bool] = []
    app = start_kiosk(ui_app, api)
    app.presenter.on_exit = lambda: exits.append(True)
    tap(find_by_id("exit_corner"))  # a short touch does nothing
    app.presenter.request_exit()  # what holding the corner 3 s (or Escape) does
    advance_frames(2)
    keypad = find_by_id("exit_keypad")
    staff, pin = find_by_id("exit_staff"), find_by_id("exit_pin")
    assert keypad.target == staff and staff.active and not pin.active  # the staff number first, without a keyboard
    for key in "90012":
        tap(keypad.keys[key])
    tap(keypad.keys["erase"])
    assert staff.text == "9001"
    tap(pin)  # choose the PIN field by touching it
    assert keypad.target == pin and pin.active and not staff.active
    for key in "1234":
        tap(keypad.keys[key])
    assert pin.text == "1234" and staff.text == "9001"
    assert_touch_targets(app.root)
    screenshot("kiosk_exit_keypad")
    tap(find_by_id("exit_confirm"))
    assert exits == [True]


def test_done_resets_language_and_large_text_for_the_next_citizen(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    app = start_kiosk(ui_app, api)
    tap(find_by_id("lang_button"))
    tap(find_by_id("large_button"))
    tap(find_by_text("General Services"))
    tap(find_by_id("other_matter"))
    assert find_by_id("screens").current == "ticket" and theme.ui.large_text
    screenshot("kiosk_ticket_large_english")
    tap(find_by_id("done"))
    assert find_by_id("screens").current == "home"
    assert app.presenter.language == "zh" and not theme.ui.large_text
    assert find_by_id("lang_button").text_zh == "English" and find_by_id("large_button").text_zh == "大字模式"


def test_the_guide_in_english_and_large_text_shows_the_halls_english(
    ui_app: Callable[..., Any], api: FakeHallApi
) -> None:
    start_kiosk(ui_app, api)
    tap(find_by_id("large_button"))
    tap(find_by_id("lang_button"))
    tap(find_by_text("Household Registration"))
    screenshot("kiosk_items_large_english")
    tap(find_by_text("Birth Registration"))
    assert find_by_id("screens").current == "guide"
    advance_frames(2)
    first = find_by_text("Medical Certificate of Birth (1 original)")
    assert first.note == "Issued by the hospital of birth; the name must match the name registered"
    assert find_by_text("Free of charge") and find_by_text("Collect the household register on the spot")
    # the note keeps its indent under the material however it wraps (large text)
    note = first.ids.note_label
    name_x = first.children[0].children[-1].to_window(0, 0)[0]
    assert note.to_window(note.x, 0)[0] > name_x + theme.mm(3)
    assert len(_lines_of(note)) >= 1 and note.height > 0
    screenshot("kiosk_guide_large_english")
    tap(find_by_id("take_ticket"))
    assert find_by_id("screens").current == "ticket"
    advance_frames(2)
    box = find_by_id("ticket_materials")
    assert find_by_text("Medical Certificate of Birth (1 original)", root=box)  # what to bring, in English too
    screenshot("kiosk_ticket_large_english_materials")


def test_large_text_is_at_least_one_and_a_half_times_and_keeps_the_green_channel_groups_whole(
    ui_app: Callable[..., Any], api: FakeHallApi
) -> None:
    start_kiosk(ui_app, api)
    normal = find_by_id("green_channel").ids.zh_label.font_size
    tap(find_by_id("large_button"))
    button = find_by_id("green_channel")
    assert button.ids.zh_label.font_size >= 1.5 * normal
    lines = _lines_of(button.ids.zh_label)
    assert all(not line.rstrip().endswith(("孕", "残", "老", "老年")) for line in lines), lines  # never "孕/妇"
    assert any("孕妇" in line for line in lines), lines
    assert_touch_targets()
    screenshot("kiosk_home_large")
    tap(find_by_id("lang_button"))
    screenshot("kiosk_home_large_english")
    tap(find_by_id("lang_button"))
    tap(find_by_text("户籍业务"))
    tap(find_by_text("户口迁入登记（投靠、购房、人才落户）"))
    advance_frames(2)
    entry = find_by_text("迁入地住所证明（原件及复印件各1份）")
    note = entry.ids.note_label
    assert len(_lines_of(note)) >= 2  # a long note wraps in large text…
    assert note.to_window(note.x, 0)[0] > entry.to_window(entry.x, 0)[0] + theme.mm(8)  # …and keeps its indent
    screenshot("kiosk_guide_large")


def test_with_the_server_down_the_service_list_says_so(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    api.online = False
    start_kiosk(ui_app, api)
    assert find_by_id("service_grid").children == []
    note = find_by_id("services_note")
    assert note.text == "无法连接服务器，正在重试…\nCannot reach the hall server; retrying…" and note.height > 0
    screenshot("kiosk_home_offline")


def test_with_the_server_down_the_item_list_says_so(ui_app: Callable[..., Any], api: FakeHallApi) -> None:
    start_kiosk(ui_app, api)
    api.online = False
    tap(find_by_text("户籍业务"))
    assert find_by_id("screens").current == "items" and find_by_id("item_list").children == []
    assert "无法连接服务器" in find_by_id("items_note").text
    screenshot("kiosk_items_offline")


def test_the_kiosk_clock_shows_the_halls_time_zone(ui_app: Callable[..., Any], demo_config: Any) -> None:
    zone = ZoneInfo("Pacific/Kiritimati")  # UTC+14: never the test machine's zone by accident
    api = FakeHallApi(dataclasses.replace(demo_config, timezone="Pacific/Kiritimati"))
    before = format_clock(datetime.now(zone))
    start_kiosk(ui_app, api)
    advance_frames(2)
    assert find_by_id("header").clock_text in (before, format_clock(datetime.now(zone)))


def test_the_pad_shows_the_number_being_served_and_english_reasons(
    ui_app: Callable[..., Any], api: FakeHallApi
) -> None:
    api.login("1001", "1234", 1)
    ticket = api.issue("household")
    calls = WindowCalls(api, 1)
    calls.call_next()
    app = ui_app(PadApp(api, window=1, runner=run_now), size=PAD_SIZE)
    assert find_by_id("serving").text == f"正在办理 {ticket['number']}"
    screenshot("pad_idle_serving")
    calls.finish()
    assert find_by_id("screens").current == "rate"
    advance_frames(2)  # let the new screen lay out
    tap(find_by_text("不满意"))
    advance_frames(2)
    reason = find_by_text("等候时间过长")
    assert reason.text_en == "Waited too long"
    assert not [w for w in app.root.walk() if isinstance(w, TextInput)]  # no comment box a citizen cannot type in
    assert_touch_targets(app.root)
    screenshot("pad_reason_english")
    tap(reason)
    tap(find_by_id("submit_reason"))
    assert api.ratings[ticket["id"]]["reasons"] == ["等候时间过长"]
    advance_frames(2)
    app.presenter.tick()
