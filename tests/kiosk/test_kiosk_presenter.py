"""The kiosk's logic without Kivy: choosing, the complete guide, issuing with retries, printing, idle, exit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assets import DEMO_HALL
from client.api import ApiError
from client.fake import FakeHallApi
from core.views import item_view
from hallfile import load_hall
from kiosk.common import OFFLINE, hall_zone
from kiosk.guide import GuideLine, guide_sections
from kiosk.presenters import DEFAULT_IDLE_S, NO_SERVER, KioskPresenter, service_detail
from tests.clock import FakeClock
from tests.factories import at, make_config
from tests.kiosk.helpers import SyncSink

PUBLIC_URL = "http://hall.example:8080"


class FlakyApi(FakeHallApi):
    """Loses the answer of the first `lost` issue calls after the server acted on them."""

    def __init__(self, *args: Any, lost: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lost = lost
        self.issue_calls = 0

    def issue(self, *args: Any, **kwargs: Any) -> Any:
        self.issue_calls += 1
        ticket = super().issue(*args, **kwargs)
        if self.lost > 0:
            self.lost -= 1
            raise ApiError(
                0, "unreachable", "与服务器的连接已断开，正在重试… / Cannot reach the hall server; retrying…"
            )
        return ticket


@pytest.fixture
def sink() -> SyncSink:
    return SyncSink()


def make_kiosk(api: FakeHallApi, clock: FakeClock[float], sink: SyncSink | None, **options: Any) -> KioskPresenter:
    kiosk = KioskPresenter(api, public_url=PUBLIC_URL, printer=sink, clock=clock, **options)
    kiosk.start()
    return kiosk


def test_home_lists_every_service_with_waiting_and_estimate(api: FakeHallApi, clock: FakeClock[float]) -> None:
    api.issue("SB")
    kiosk = make_kiosk(api, clock, None)
    assert kiosk.hall_name == "测试镇便民服务中心"
    assert [s["code"] for s in kiosk.services] == ["HJ", "SB", "YB"]
    assert kiosk.service_by_code("SB")["waiting"] == 1  # type: ignore[index]
    assert all("estimated_wait_s" in s for s in kiosk.services)


def test_a_service_with_items_shows_them_and_an_item_shows_its_complete_guide(
    api: FakeHallApi, clock: FakeClock[float], sink: SyncSink
) -> None:
    kiosk = make_kiosk(api, clock, sink)
    kiosk.choose_service("HJ")
    assert kiosk.screen == "items"
    assert [i["code"] for i in kiosk.items] == ["HJ-01"]
    kiosk.choose_item("HJ-01")
    assert kiosk.screen == "guide"
    guide = kiosk.item
    assert guide is not None
    assert [m["name"] for m in guide["materials"]] == ["居民户口簿", "居民身份证", "准予迁入证明"]
    assert guide["legal_basis"] and guide["fees"] and guide["procedure"] and guide["time_limit_days"] == 5
    assert sink.printer.jobs == []  # nothing issued before the citizen chooses to


def test_taking_a_ticket_prints_number_materials_and_qr_payload(
    api: FakeHallApi, clock: FakeClock[float], sink: SyncSink
) -> None:
    kiosk = make_kiosk(api, clock, sink)
    kiosk.choose_service("HJ")
    kiosk.choose_item("HJ-01")
    kiosk.take_ticket()
    assert kiosk.screen == "ticket"
    assert kiosk.ticket is not None and kiosk.ticket["number"] == "A001"
    assert kiosk.print_state == "printed" and not kiosk.show_qr
    printed = sink.printer.jobs[0]
    assert "A001".encode("gb18030") in printed
    assert "准予迁入证明".encode("gb18030") in printed
    assert f"{PUBLIC_URL}/t/{kiosk.ticket['id']}".encode() in printed


def test_a_service_without_items_issues_at_once(api: FakeHallApi, clock: FakeClock[float], sink: SyncSink) -> None:
    kiosk = make_kiosk(api, clock, sink)
    kiosk.choose_service("YB")
    assert kiosk.screen == "ticket"
    assert kiosk.ticket is not None and kiosk.ticket["number"] == "C001"


def test_the_green_channel_takes_a_priority_ticket(api: FakeHallApi, clock: FakeClock[float], sink: SyncSink) -> None:
    kiosk = make_kiosk(api, clock, sink)
    kiosk.toggle_green_channel()
    kiosk.choose_service("YB")
    assert kiosk.ticket is not None
    assert kiosk.ticket["priority"] is True and kiosk.ticket["priority_reason"] == "green_channel"
    assert kiosk.document is not None and kiosk.document.priority_label == "绿色通道"


def test_a_lost_answer_is_retried_with_the_same_key_and_yields_one_ticket(clock: FakeClock[float]) -> None:
    api = FlakyApi(make_config(), clock=lambda: at(9), lost=2)
    kiosk = make_kiosk(api, clock, None, retry_s=3)
    kiosk.choose_service("YB")
    assert kiosk.screen == "issuing" and kiosk.ticket is None and kiosk.offline == OFFLINE
    for _ in range(2):
        clock.now += 3
        kiosk.tick()
    assert api.issue_calls == 3
    assert kiosk.screen == "ticket" and kiosk.ticket is not None
    assert kiosk.ticket["number"] == "C001"
    assert len(api.tickets) == 1  # the server issued exactly one ticket
    assert kiosk.offline is None


def test_a_dead_server_never_yields_a_number(api: FakeHallApi, clock: FakeClock[float], sink: SyncSink) -> None:
    kiosk = make_kiosk(api, clock, sink)
    api.online = False
    kiosk.choose_service("YB")
    for _ in range(5):
        clock.now += 3
        kiosk.tick()
    assert kiosk.screen == "issuing" and kiosk.ticket is None and kiosk.document is None
    assert kiosk.offline == OFFLINE
    assert sink.printer.jobs == []
    api.online = True
    clock.now += 3
    kiosk.tick()
    assert kiosk.ticket is not None and kiosk.ticket["number"] == "C001"


def test_a_double_touch_takes_one_ticket(api: FakeHallApi, clock: FakeClock[float]) -> None:
    answers: list[Any] = []
    kiosk = make_kiosk(api, clock, None, runner=lambda work, done, error: answers.append((work, done, error)))
    answers.clear()
    kiosk.services = api.services()
    kiosk.choose_service("YB")
    kiosk.take_ticket()
    assert len(answers) == 1


@pytest.mark.parametrize("fault", ["no_paper", "not_connected"])
def test_a_printer_failure_says_so_and_keeps_the_ticket_on_screen(
    api: FakeHallApi, clock: FakeClock[float], fault: str
) -> None:
    kiosk = make_kiosk(api, clock, SyncSink(fault=fault))
    kiosk.choose_service("YB")
    assert kiosk.screen == "ticket" and kiosk.ticket is not None
    assert kiosk.print_state == "failed" and kiosk.show_qr
    assert kiosk.qr_payload == f"{PUBLIC_URL}/t/{kiosk.ticket['id']}"
    zh, en = kiosk.print_status
    assert ("缺纸" if fault == "no_paper" else "未连接") in zh and "ticket is valid" in en


def test_without_a_printer_the_ticket_is_shown_with_its_qr_code(api: FakeHallApi, clock: FakeClock[float]) -> None:
    kiosk = make_kiosk(api, clock, None)
    kiosk.choose_service("YB")
    assert kiosk.print_state == "no_printer" and kiosk.show_qr


def test_a_closed_service_is_refused_plainly(api: FakeHallApi, clock: FakeClock[float]) -> None:
    api.hall.closed_services.add("SB")
    kiosk = make_kiosk(api, clock, None)
    kiosk.choose_service("SB")
    assert kiosk.screen == "home" and kiosk.ticket is None
    assert kiosk.message is not None and "暂停取号" in kiosk.message[0]


@pytest.mark.parametrize("idle_s", [None, 20])
def test_after_the_halls_idle_time_it_returns_home_and_resets_the_citizens_choices(
    clock: FakeClock[float], idle_s: int | None
) -> None:
    hall = make_config(kiosk={"idle_timeout_s": idle_s}) if idle_s else make_config()  # the test hall: 60 s
    api = FakeHallApi(hall, clock=lambda: at(9))
    idle_s = idle_s or 60
    assert api.hall_state()["kiosk_idle_s"] == idle_s
    kiosk = make_kiosk(api, clock, None)
    assert kiosk.idle_s == idle_s
    kiosk.switch_language()
    kiosk.toggle_large_text()
    kiosk.choose_service("HJ")
    kiosk.touched()
    clock.now += idle_s - 1
    kiosk.tick()
    assert kiosk.screen == "items"
    clock.now += 1
    kiosk.tick()
    assert kiosk.screen == "home" and kiosk.language == "zh" and not kiosk.large_text


def test_until_the_hall_answers_the_idle_time_is_the_default(clock: FakeClock[float]) -> None:
    api = FakeHallApi(make_config(kiosk={"idle_timeout_s": 90}), clock=lambda: at(9))
    api.online = False
    kiosk = make_kiosk(api, clock, None)
    assert kiosk.idle_s == DEFAULT_IDLE_S
    api.online = True
    kiosk.start()
    assert kiosk.idle_s == 90


def test_language_switch_puts_english_first(api: FakeHallApi, clock: FakeClock[float]) -> None:
    kiosk = make_kiosk(api, clock, None)
    assert kiosk.text(("取号", "Take a ticket")) == ("取号", "Take a ticket")
    kiosk.switch_language()
    assert kiosk.text(("取号", "Take a ticket")) == ("Take a ticket", "取号")


def test_an_appointment_code_gives_the_booked_citizen_a_priority_ticket(
    api: FakeHallApi, clock: FakeClock[float], sink: SyncSink
) -> None:
    api.add_booking(code="246810", service="HJ", item="HJ-01")
    kiosk = make_kiosk(api, clock, sink)
    kiosk.open_check_in()
    for digit in "246810":
        kiosk.type_digit(digit)
    kiosk.submit_booking()
    assert kiosk.ticket is not None and kiosk.ticket["priority_reason"] == "appointment"
    assert kiosk.document is not None and kiosk.document.priority_label == "预约"
    assert "居民户口簿" in [m.name for m in kiosk.document.materials]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("123", "6位"), ("999999", "没有找到这个预约码")],
    ids=["too-short", "unknown"],
)
def test_a_bad_booking_code_is_explained(api: FakeHallApi, clock: FakeClock[float], code: str, expected: str) -> None:
    kiosk = make_kiosk(api, clock, None)
    kiosk.open_check_in()
    kiosk.set_booking_code(code)
    kiosk.submit_booking()
    assert kiosk.screen == "checkin" and kiosk.ticket is None
    assert kiosk.message is not None and expected in kiosk.message[0]


def test_a_used_booking_cannot_check_in_twice(api: FakeHallApi, clock: FakeClock[float]) -> None:
    api.add_booking(code="135790", service="SB")
    kiosk = make_kiosk(api, clock, None)
    for _ in range(2):
        kiosk.open_check_in()
        kiosk.set_booking_code("135790")
        kiosk.submit_booking()
    assert kiosk.screen == "checkin" and kiosk.message is not None and "已经签到" in kiosk.message[0]


@pytest.mark.parametrize(
    ("staff", "pin", "leaves"), [("9001", "1234", True), ("9001", "0000", False), ("1001", "1234", False)]
)
def test_leaving_kiosk_mode_needs_a_manager_pin(
    api: FakeHallApi, clock: FakeClock[float], staff: str, pin: str, leaves: bool
) -> None:
    exits: list[bool] = []
    kiosk = make_kiosk(api, clock, None, on_exit=lambda: exits.append(True))
    kiosk.request_exit()
    kiosk.submit_exit(staff, pin)
    assert exits == ([True] if leaves else [])
    assert (kiosk.message is None) == leaves
    assert api.token is None  # the kiosk keeps no staff session


def test_the_green_channel_names_the_groups_the_hall_configures(clock: FakeClock[float]) -> None:
    config = make_config(
        kiosk={
            "green_channel": ["老年人", "残疾人", "军人"],
            "green_channel_en": ["elderly", "disabled", "service members"],
        }
    )
    kiosk = make_kiosk(FakeHallApi(config, clock=lambda: at(9)), clock, None)
    kiosk.start()
    assert kiosk.green_groups == ("老年人·残疾人·军人", "elderly, disabled, service members")


# ---- issue 9: the first day on the hall floor --------------------------------------------------------


def test_a_service_no_open_window_serves_says_so_instead_of_a_wait(api: FakeHallApi, clock: FakeClock[float]) -> None:
    api.issue("SB")
    kiosk = make_kiosk(api, clock, None)
    social = kiosk.service_by_code("SB")
    assert social is not None and social["staffed"] is False
    assert service_detail(social) == ("暂无窗口办理 · 等候 1 人", "No window open · 1 waiting")
    assert "约" not in service_detail(social)[0]  # no estimate for a queue nobody serves
    api.login("1002", "1234", 2)  # window 2 serves SB and YB
    kiosk.refresh_services()
    assert service_detail(kiosk.service_by_code("SB")) == ("等候 1 人 · 约 5 分钟", "1 waiting · about 5 min")  # type: ignore[arg-type]
    assert service_detail(kiosk.service_by_code("HJ"))[0] == "暂无窗口办理"  # type: ignore[arg-type]


def test_done_on_the_ticket_screen_resets_language_and_large_text(api: FakeHallApi, clock: FakeClock[float]) -> None:
    kiosk = make_kiosk(api, clock, None)
    kiosk.switch_language()
    kiosk.toggle_large_text()
    kiosk.choose_service("YB")
    assert kiosk.screen == "ticket" and kiosk.language == "en" and kiosk.large_text
    kiosk.finish()  # 完成: the next citizen starts in Chinese, normal text, without waiting for the idle time
    assert kiosk.screen == "home" and kiosk.language == "zh" and not kiosk.large_text


def test_with_the_server_down_the_lists_say_so_and_retry(clock: FakeClock[float]) -> None:
    api = FakeHallApi(make_config(), clock=lambda: at(9))
    api.online = False
    kiosk = make_kiosk(api, clock, None)
    assert kiosk.services == [] and kiosk.list_note == NO_SERVER  # a sentence, not an empty screen
    api.online = True
    clock.now += 3
    kiosk.tick()
    assert kiosk.services and kiosk.list_note is None
    api.online = False
    kiosk.choose_service("HJ")
    assert kiosk.screen == "items" and kiosk.items == [] and kiosk.list_note == NO_SERVER
    api.online = True
    clock.now += 3
    kiosk.tick()  # retried while the list is shown
    assert [i["code"] for i in kiosk.items] == ["HJ-01"] and kiosk.list_note is None


def test_the_kiosk_keeps_the_halls_time_zone_not_the_pcs(clock: FakeClock[float]) -> None:
    api = FakeHallApi(make_config(hall={"timezone": "Pacific/Kiritimati"}), clock=lambda: at(9))
    kiosk = make_kiosk(api, clock, None)
    assert kiosk.hall_now().utcoffset() == dt.timedelta(hours=14)
    assert hall_zone({"now": "2026-11-30T09:28:00+08:00"}).utcoffset(None) == dt.timedelta(
        hours=8
    )  # no name: the offset


def test_the_guide_in_english_shows_the_halls_english_and_the_chinese_where_none() -> None:
    guide = item_view(load_hall(DEMO_HALL).item("HJ01"))  # type: ignore[arg-type]
    sections = dict(guide_sections(guide, "en"))
    materials = sections[("What to bring — every material", "所需材料（请全部带齐）")]
    assert materials[0] == GuideLine(
        "Medical Certificate of Birth (1 original)",
        "Issued by the hospital of birth; the name must match the name registered",
        "1.",
    )
    assert sections[("Fees", "收费标准")][0].text == "Free of charge"
    assert sections[("Procedure", "办理流程")][0].text.startswith("Take a ticket")
    bare = make_config().item("HJ-01")  # no English in this hall file
    for heading, lines in guide_sections(item_view(bare), "en"):  # type: ignore[arg-type]
        assert heading[0] and heading[1] and all(line.text for line in lines), heading
    english = dict(guide_sections(item_view(bare), "en"))  # type: ignore[arg-type]
    assert english[("What to bring — every material", "所需材料（请全部带齐）")][0].text == "居民户口簿 (原件1份)"
    assert english[("Legal basis", "办理依据")][0].text == "《中华人民共和国户口登记条例》第十三条"


def test_a_guide_on_screen_follows_a_new_configuration_without_a_restart(
    api: FakeHallApi, clock: FakeClock[float], sink: SyncSink
) -> None:
    from hallfile import load_hall
    from tests.factories import hall_dict

    kiosk = make_kiosk(api, clock, sink)
    heard: list[str] = []
    api.listen(lambda _id, name, _payload: heard.append(name))
    kiosk.choose_service("HJ")
    kiosk.choose_item("HJ-01")
    data = hall_dict()
    data["items"][0]["materials"].append({"name": "结婚证", "copies": "原件1份"})
    api.service.reconfigure(load_hall(data), version=2)  # what the console's editor does
    assert heard == ["hall.configured"]
    kiosk.on_configured()  # the app calls it on that event
    assert kiosk.screen == "guide" and kiosk.item is not None
    assert [m["name"] for m in kiosk.item["materials"]][-1] == "结婚证"
