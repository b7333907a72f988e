"""The kiosk and the pad as real Kivy widgets, headless: taps, screens, screenshots (tests/_shots/kiosk_*.png)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

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
