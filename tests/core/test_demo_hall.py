"""The demo hall (assets/demo-hall.toml) loads, is complete, and broken copies of it are rejected by key."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from core.cases import CASE_TYPES
from core.config import HallConfig
from hallfile import ConfigError, load_hall

DEMO_PATH = Path(__file__).resolve().parents[2] / "assets" / "demo-hall.toml"


@cache
def _raw() -> dict[str, Any]:
    return tomllib.loads(DEMO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hall() -> HallConfig:
    return load_hall(DEMO_PATH)


def _broken_copy(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(_raw())
    change(data)
    return data


def _problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_hall(data)
    return caught.value.problems


def _names_key(problems: list[str], key: str) -> bool:
    return any(p.startswith(f"{key}:") for p in problems)


# ---- the demo hall itself ------------------------------------------------------------------------


def test_demo_hall_has_enough_windows_services_and_items(hall: HallConfig) -> None:
    assert len(hall.windows) >= 8
    assert len(hall.services) >= 6
    assert len(hall.items) >= 20


def test_demo_hall_is_a_town_hall_in_shanghai_time(hall: HallConfig) -> None:
    assert hall.name == "青山镇便民服务中心"
    assert hall.timezone == "Asia/Shanghai"
    assert [(s.start, s.end) for s in hall.sessions] == [
        (dt.time(8, 30), dt.time(11, 30)),
        (dt.time(14, 30), dt.time(17, 30)),
    ]
    assert hall.notice and hall.consult_phone and hall.supervise_phone


@pytest.mark.parametrize(
    "field",
    ["materials", "legal_basis", "fees", "procedure", "conditions", "sample_forms", "consult_phone", "supervise_phone"],
)
def test_every_item_gives_the_complete_notice(hall: HallConfig, field: str) -> None:
    lacking = [item.code for item in hall.items if not getattr(item, field)]
    assert lacking == []


def test_every_item_names_itself_in_both_languages_and_a_department(hall: HallConfig) -> None:
    lacking = [item.code for item in hall.items if not (item.name and item.name_en and item.department)]
    assert lacking == []


def test_every_item_has_a_known_case_type(hall: HallConfig) -> None:
    unknown = [item.code for item in hall.items if item.case_type not in CASE_TYPES]
    assert unknown == []


def test_on_the_spot_items_have_no_time_limit(hall: HallConfig) -> None:
    late = [item.code for item in hall.items if item.case_type == "immediate" and item.time_limit_days != 0]
    assert late == []


def test_promised_limit_never_exceeds_the_legal_limit(hall: HallConfig) -> None:
    over = [
        item.code
        for item in hall.items
        if item.legal_limit_days is not None and item.time_limit_days > item.legal_limit_days
    ]
    assert over == []


def test_every_service_is_served_by_a_window_and_has_an_item(hall: HallConfig) -> None:
    unserved = [s.code for s in hall.services if not hall.windows_serving(s.code)]
    without_items = [s.code for s in hall.services if not hall.items_of(s.code)]
    assert unserved == []
    assert without_items == []


def test_some_service_is_served_by_several_windows(hall: HallConfig) -> None:
    assert max(len(hall.windows_serving(s.code)) for s in hall.services) >= 2


def test_a_comprehensive_window_serves_several_services(hall: HallConfig) -> None:
    comprehensive = [w for w in hall.windows if w.name == "综合窗口"]
    assert comprehensive
    assert len(comprehensive[0].services) >= 3


def test_ticket_prefixes_are_unique(hall: HallConfig) -> None:
    prefixes = [s.prefix for s in hall.services]
    assert len(prefixes) == len(set(prefixes))


def test_window_n_a_post_is_clerk_1000_plus_n_with_demo_pin(hall: HallConfig) -> None:
    for window in hall.windows:
        clerk = hall.staff_member(window.staff_a)
        assert window.staff_a == str(1000 + window.number)
        assert clerk is not None
        assert (clerk.role, clerk.pin) == ("clerk", "1234")


def test_every_window_has_both_posts_staffed_by_known_clerks(hall: HallConfig) -> None:
    for window in hall.windows:
        for code in (window.staff_a, window.staff_b):
            member = hall.staff_member(code)
            assert member is not None, f"window {window.number}: staff {code!r} missing"
            assert member.role == "clerk"
        assert window.staff_a != window.staff_b


def test_b_posts_use_codes_from_1101(hall: HallConfig) -> None:
    b_posts = {w.staff_b for w in hall.windows}
    assert all(code.startswith("11") for code in b_posts)
    assert "1101" in b_posts


@pytest.mark.parametrize(("code", "role"), [("9001", "manager"), ("9000", "admin")])
def test_hall_has_a_manager_and_an_admin(hall: HallConfig, code: str, role: str) -> None:
    member = hall.staff_member(code)
    assert member is not None
    assert (member.role, member.pin) == (role, "1234")


def test_every_window_has_a_loopback_sign_and_one_uses_plain_text(hall: HallConfig) -> None:
    signs = [w.sign for w in hall.windows]
    assert all(sign is not None and sign.port == "loop://" for sign in signs)
    assert {sign.protocol for sign in signs if sign} == {"bx", "text"}


@pytest.mark.parametrize(
    "day",
    [dt.date(2027, 1, 1), dt.date(2027, 2, 6), dt.date(2027, 4, 5), dt.date(2027, 5, 1), dt.date(2027, 10, 1)],
)
def test_2027_public_holidays_are_entered(hall: HallConfig, day: dt.date) -> None:
    assert day in hall.calendar.holidays


def test_2027_make_up_workdays_are_weekend_days_not_holidays(hall: HallConfig) -> None:
    workdays = hall.calendar.workdays
    assert workdays
    assert all(day.isoweekday() in hall.calendar.weekend for day in workdays)
    assert not workdays & hall.calendar.holidays


def test_announce_ratings_and_deadlines_follow_the_domain(hall: HallConfig) -> None:
    assert hall.announce.repeat == 2
    assert hall.announce.languages == ("zh",)
    assert 6 <= len(hall.ratings.bad_reasons) <= 8
    assert (hall.ratings.verify_workdays, hall.ratings.rectify_workdays) == (1, 15)
    assert (hall.deadlines.default_workdays, hall.deadlines.complaint_workdays) == (15, 5)
    assert hall.scoring.deductions["verified_complaint"] == 10
    assert (hall.security.token_ttl_s, hall.kiosk_idle_s) == (43200, 60)


# ---- broken copies are rejected, naming the key ----------------------------------------------------


def _set_window_service(data: dict[str, Any]) -> None:
    data["windows"][0]["services"] = ["no_such_service"]


def _set_bad_hour(data: dict[str, Any]) -> None:
    data["hall"]["hours"][0]["start"] = "25:00"


def _drop_materials(data: dict[str, Any]) -> None:
    del data["items"][3]["materials"]


def _empty_materials(data: dict[str, Any]) -> None:
    data["items"][3]["materials"] = []


def _blank_legal_basis(data: dict[str, Any]) -> None:
    data["items"][0]["legal_basis"] = "  "


def _item_of_unknown_service(data: dict[str, Any]) -> None:
    data["items"][1]["service"] = "no_such_service"


def _unknown_a_post(data: dict[str, Any]) -> None:
    data["windows"][2]["staff_a"] = "4242"


def _duplicate_prefix(data: dict[str, Any]) -> None:
    data["services"][1]["prefix"] = data["services"][0]["prefix"]


def _short_pin(data: dict[str, Any]) -> None:
    data["staff"][0]["pin"] = "12"


def _unknown_sign_protocol(data: dict[str, Any]) -> None:
    data["windows"][0]["sign"]["protocol"] = "morse"


def _impossible_case_type(data: dict[str, Any]) -> None:
    data["items"][2]["case_type"] = "someday"


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (_set_window_service, "windows[0].services"),
        (_set_bad_hour, "hall.hours[0].start"),
        (_drop_materials, "items[3].materials"),
        (_empty_materials, "items[3].materials"),
        (_blank_legal_basis, "items[0].legal_basis"),
        (_item_of_unknown_service, "items[1].service"),
        (_unknown_a_post, "windows[2].staff_a"),
        (_duplicate_prefix, "services"),
        (_short_pin, "staff[0].pin"),
        (_unknown_sign_protocol, "windows[0].sign.protocol"),
        (_impossible_case_type, "items[2].case_type"),
    ],
)
def test_broken_copy_is_rejected_naming_the_key(change: Callable[[dict[str, Any]], None], key: str) -> None:
    problems = _problems_of(_broken_copy(change))
    assert _names_key(problems, key), problems


def test_broken_copy_lists_every_problem_at_once() -> None:
    def break_three_things(data: dict[str, Any]) -> None:
        _set_window_service(data)
        _set_bad_hour(data)
        _drop_materials(data)

    problems = _problems_of(_broken_copy(break_three_things))
    assert all(_names_key(problems, k) for k in ("windows[0].services", "hall.hours[0].start", "items[3].materials"))


def test_problems_are_written_in_chinese_then_english() -> None:
    problems = _problems_of(_broken_copy(_set_bad_hour))
    assert all(" / " in p for p in problems)
    assert "时间格式" in problems[0] and "time must be" in problems[0]


def test_unchanged_copy_of_the_raw_data_still_loads() -> None:
    assert load_hall(_broken_copy(lambda data: None)).name == "青山镇便民服务中心"
