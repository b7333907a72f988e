"""hallfile: the hall's TOML file and a display PC's signs file, every mistake named by key at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from core.config import DEFAULT_DEDUCTIONS, DEFAULT_LED_CALLED, DEFAULT_VOICE, HallConfig, SignConfig
from hallfile import ConfigError, load_hall, load_signs
from server.cli import main
from tests.factories import hall_dict


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_hall(data)
    return caught.value.problems


def keys_of(problems: list[str]) -> list[str]:
    return [p.split(": ", 1)[0] for p in problems]


def window(number: int, **changes: Any) -> dict[str, Any]:
    return {"number": number, "services": ["HJ"], "staff_a": "1001", **changes}


ONLY_HJ = [{"code": "HJ", "name": "户籍", "prefix": "H"}, {"code": "YB", "name": "医保", "prefix": "C"}]


# ---- a good file -------------------------------------------------------------------------------------


def test_small_hall_loads_into_core_dataclasses_with_defaults() -> None:
    hall = load_hall(hall_dict())
    assert isinstance(hall, HallConfig)
    assert hall.timezone == "Asia/Shanghai" and hall.number_width == 3 and hall.source == ""
    assert hall.sessions[0].start == dt.time(8, 30)
    assert [w.number for w in hall.windows] == [1, 2, 3]
    assert hall.window(2) is not None and hall.window(2).levels == (("SB", "YB"),)  # type: ignore[union-attr]
    assert hall.item("HJ-01").materials[0].copies == "原件1份"  # type: ignore[union-attr]
    assert hall.item("SB-01").time_limit_days == 0  # type: ignore[union-attr]
    assert hall.announce.voice == DEFAULT_VOICE and hall.announce.led_called == DEFAULT_LED_CALLED
    assert hall.announce.languages == ("zh",) and hall.announce.repeat == 2
    assert hall.scoring.deductions == DEFAULT_DEDUCTIONS
    assert hall.calendar.holidays == frozenset({dt.date(2027, 1, 1)})
    assert hall.green_channel == ("老年人", "残疾人", "孕妇")


def test_item_without_a_time_limit_takes_the_default_deadline() -> None:
    data = hall_dict(deadlines={"default_workdays": 9})
    del data["items"][0]["time_limit_days"]
    assert load_hall(data).item("HJ-01").time_limit_days == 9  # type: ignore[union-attr]


def test_english_of_guides_and_reasons_is_optional_and_kept() -> None:
    data = hall_dict(ratings={"bad_reasons": ["等候时间过长", "其他"], "bad_reasons_en": ["Waited too long", ""]})
    item = data["items"][0]
    item.update(
        fees_en="Free",
        legal_basis_en="Household Registration Regulations, Article 13",
        conditions_en="",
        procedure_en=["Hand in the papers", "Review", "Done"],
    )
    item["materials"][0].update(name_en="Household register", copies_en="1 original", note_en="")
    hall = load_hall(data)
    guide = hall.item("HJ-01")
    assert guide is not None and guide.fees_en == "Free" and guide.procedure_en[0] == "Hand in the papers"
    assert guide.materials[0].name_en == "Household register" and guide.materials[0].copies_en == "1 original"
    assert guide.materials[1].name_en == "" and guide.sample_forms_en == ()  # none given: the Chinese is shown
    assert hall.ratings.bad_reasons_en == ("Waited too long", "")
    default = load_hall(hall_dict())  # no reasons in the file: the default ones, in both languages
    assert len(default.ratings.bad_reasons_en) == len(default.ratings.bad_reasons) and all(
        default.ratings.bad_reasons_en
    )


def test_an_english_procedure_must_match_the_chinese_step_for_step() -> None:
    data = hall_dict()
    data["items"][0]["procedure_en"] = ["Hand in the papers"]
    problems = problems_of(data)
    assert keys_of(problems) == ["items[0].procedure_en"] and "line for line" in problems[0]


def test_the_demo_hall_gives_english_for_every_guide_and_reason() -> None:
    from assets import DEMO_HALL

    hall = load_hall(DEMO_HALL)
    assert len(hall.items) == 24
    for item in hall.items:
        assert item.name_en and item.fees_en and item.legal_basis_en and item.conditions_en, item.code
        assert len(item.procedure_en) == len(item.procedure), item.code
        assert len(item.sample_forms_en) == len(item.sample_forms), item.code
        for material in item.materials:
            assert material.name_en and material.copies_en, (item.code, material.name)
            assert bool(material.note_en) == bool(material.note), (item.code, material.name)
    assert len(hall.ratings.bad_reasons_en) == len(hall.ratings.bad_reasons) and all(hall.ratings.bad_reasons_en)


def test_codes_and_pins_may_be_written_as_numbers() -> None:
    data = hall_dict()
    data["staff"][0].update(code=1001, pin=1234)
    data["windows"][0]["staff_a"] = 1001
    hall = load_hall(data)
    assert hall.staff_member("1001") is not None and hall.staff_member("1001").pin == "1234"  # type: ignore[union-attr]


def test_hall_file_path_is_kept_as_the_source(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(
        '[hall]\nname = "x"\nhours = [{ start = 08:30:00, end = "12:00" }]\n'  # a TOML time or "HH:MM"
        '[[services]]\ncode = "a"\nname = "A"\nprefix = "A"\n'
        '[[windows]]\nnumber = 1\nservices = ["a"]\n',
        encoding="utf-8",
    )
    hall = load_hall(path)
    assert hall.source == str(path) and hall.sessions[0].start == dt.time(8, 30)


# ---- one mistake, named by key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sections", "key", "fragment"),
    [
        # a wrong type
        ({"hall": {"enforce_hours": "yes"}}, "hall.enforce_hours", "true or false"),
        ({"hall": {"number_width": "3"}}, "hall.number_width", "positive whole number, got '3'"),
        ({"hall": {"early_minutes": True}}, "hall.early_minutes", "whole number ≥ 0, got True"),
        ({"ratings": {"timeout_s": 1.5}}, "ratings.timeout_s", "whole number ≥ 0"),
        ({"services": [{"code": "SB", "name": 3, "prefix": "A"}, *ONLY_HJ]}, "services[0].name", "must be text, got 3"),
        ({"windows": ["HJ"]}, "windows[0]", "must be a table [[windows]]"),
        ({"calendar": {"holidays": ["2027-13-01"]}}, "calendar.holidays[0]", "date must be YYYY-MM-DD"),
        ({"calendar": {"weekend": [6, 8]}}, "calendar.weekend", "ISO weekdays 1–7"),
        ({"deadlines": {"study_days": -1}}, "deadlines.study_days", "whole number ≥ 0"),
        ({"scoring": {"deductions": {"late": "1"}}}, "scoring.deductions.late", "whole number ≥ 0"),
        # a missing required key
        ({"services": [{"code": "SB", "name": "社保"}, *ONLY_HJ]}, "services[0].prefix", "this key is required"),
        ({"windows": [{"services": ["HJ"]}]}, "windows[0].number", "this key is required"),
        ({"hall": {"hours": []}}, "hall.hours", "at least one opening session"),
        # a wrong value
        ({"hall": {"timezone": "Mars/Base"}}, "hall.timezone", "unknown time zone"),
        ({"hall": {"hours": [{"start": "12:00", "end": "08:00"}]}}, "hall.hours[0]", "end must be after start"),
        ({"hall": {"priority_policy": "vip"}}, "hall.priority_policy", "must be one of strict, interleave"),
        ({"announce": {"repeat": 9}}, "announce.repeat", "repeat must be 1–5"),
        ({"announce": {"led_called": "{window}号窗口"}}, "announce.led_called", "must contain {number}"),
        ({"announce": {"led_idle": "{windw}号窗口"}}, "announce.led_idle", "only {number} and {window}"),
        ({"announce": {"voice": {"zh": "请{number号"}}}, "announce.voice.zh", "braces"),
        ({"announce": {"languages": ["zh", "yue"]}}, "announce.languages", "'yue' has no voice template"),
        ({"scoring": {"deductions": {"sleeping": 3}}}, "scoring.deductions", "unknown deduction sleeping"),
        ({"security": {"pin_attempts": 0}}, "security.pin_attempts", "positive whole number"),
        (
            {"ratings": {"bad_reasons": ["慢"], "bad_reasons_en": ["Slow", "Rude"]}},
            "ratings.bad_reasons_en",
            "line for line",
        ),
        # an unknown key (a typo is never silently ignored)
        ({"hall": {"enforce_hour": False}}, "hall.enforce_hour", "unknown key"),
        ({"kiosks": {}}, "kiosks", "unknown key"),
        # across tables
        ({"windows": [window(1, services=["HJ", "NOPE"])]}, "windows[0].services", "service 'NOPE' is not defined"),
        ({"windows": [window(1, staff_b="4242")]}, "windows[0].staff_b", "staff '4242' is not in [[staff]]"),
        ({"windows": [window(1), window(1)]}, "windows", "duplicate window number 1"),
    ],
)
def test_a_mistake_is_named_by_key_in_both_languages(sections: dict[str, Any], key: str, fragment: str) -> None:
    problems = problems_of(hall_dict(**sections))
    assert keys_of(problems) == [key], problems
    assert fragment in problems[0] and " / " in problems[0]


@pytest.mark.parametrize(
    ("table", "index", "missing"),
    [("hall", None, "name"), ("items", 0, "materials"), ("items", 1, "legal_basis"), ("staff", 2, "name")],
)
def test_a_missing_required_key_is_named(table: str, index: int | None, missing: str) -> None:
    data = hall_dict()
    del (data[table] if index is None else data[table][index])[missing]
    key = f"{table}.{missing}" if index is None else f"{table}[{index}].{missing}"
    [message] = problems_of(data)
    assert message.startswith(f"{key}: ") and " / " in message


def test_a_hall_without_services_says_so_and_what_refers_to_them() -> None:
    problems = problems_of(hall_dict(services=[], items=[], windows=[window(1)]))
    assert problems == [
        "services: 至少需要一个服务 / at least one service is required",
        "windows[0].services: 服务 'HJ' 未定义 / service 'HJ' is not defined in [[services]]",
    ]


def test_unknown_key_lists_the_known_ones() -> None:
    [message] = problems_of(hall_dict(windows=[window(1, sign={"port": "loop://", "baud": 9600})]))
    assert message.startswith("windows[0].sign.baud: 未知的键 / unknown key (known: port, protocol, address")


def test_window_referring_to_an_unknown_service_names_the_window() -> None:
    problems = problems_of(hall_dict(windows=[window(1), window(2), window(3, services=[["SB", "XX"], "HJ"])]))
    assert problems == ["windows[2].services: 服务 'XX' 未定义 / service 'XX' is not defined in [[services]]"]


# ---- every mistake at once ------------------------------------------------------------------------------


def test_two_problems_in_different_tables_are_reported_together() -> None:
    data = hall_dict()
    data["hall"]["hours"][0]["start"] = "25:00"  # a field's value
    data["windows"][2]["services"] = ["HJ", "NOPE"]  # a reference across tables
    assert keys_of(problems_of(data)) == ["hall.hours[0].start", "windows[2].services"]


def test_type_errors_references_and_duplicates_all_come_at_once() -> None:
    data = hall_dict()
    data["hall"]["early_minutes"] = "ten"
    data["services"][1]["prefix"] = "A"  # duplicate of HJ's
    data["items"][0]["service"] = "NOPE"
    del data["items"][1]["materials"]
    data["staff"][0]["pin"] = "12"
    data["windows"][0]["staff_b"] = "4242"
    assert sorted(keys_of(problems_of(data))) == sorted(
        [
            "hall.early_minutes",
            "items[0].service",
            "items[1].materials",
            "windows[0].staff_b",
            "staff[0].pin",
            "services",
        ]
    )


def test_a_services_table_that_is_not_a_list_is_said_once() -> None:
    assert keys_of(problems_of(hall_dict(services={"code": "HJ"}))) == ["services"]


def test_files_that_cannot_be_read_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="找不到配置文件 / configuration file not found"):
        load_hall(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[hall\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_hall(bad)


def test_check_config_prints_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text('[hall]\nname = 3\n\n[[services]]\ncode = "a"\nname = "A"\nprefix = "a"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 2
    for key in ("hall.name", "hall.hours", "services[0].prefix", "windows"):
        assert f"  - {key}: " in result.output


def test_check_config_accepts_the_demo_hall() -> None:
    result = CliRunner().invoke(main, ["check-config", "assets/demo-hall.toml"])
    assert result.exit_code == 0 and result.output.startswith("OK: 青山镇便民服务中心")


# ---- the signs file -----------------------------------------------------------------------------------


def test_signs_load_from_a_parsed_file() -> None:
    rows = [{"window": 2, "port": " /dev/ttyUSB0 ", "width": 96}, {"window": 3, "port": "COM3", "protocol": "text"}]
    assert load_signs({"sign": rows}) == [
        (2, SignConfig("/dev/ttyUSB0", "bx", 1, 57600, 96, None)),
        (3, SignConfig("COM3", "text", 1, 57600)),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, ["signs: sign: 至少需要一个 [[sign]] 表 / at least one [[sign]] table is required"]),
        ({"sign": []}, ["signs: sign: 至少需要一个 [[sign]] 表 / at least one [[sign]] table is required"]),
        ({"sign": [{"window": 1, "port": " "}]}, ['signs: sign[0].port: 须填写串口，如 "/dev/ttyUSB0" / a port is required, e.g. "/dev/ttyUSB0"']),
        ({"sign": [{"window": 1, "port": "a", "height": 0}]}, ["signs: sign[0].height: 应为正整数，实际为 0 / must be a positive whole number, got 0"]),
        ({"sign": ["COM3"]}, ["signs: sign[0]: 应为表格 [[sign]]，实际为 'COM3' / must be a table [[sign]], got 'COM3'"]),
        ({"signs": [{"window": 1, "port": "a"}]}, ["signs: sign: 至少需要一个 [[sign]] 表 / at least one [[sign]] table is required", "signs: signs: 未知的键 / unknown key (known: sign)"]),
    ],
)  # fmt: skip
def test_signs_file_problems_are_sentences(data: dict[str, Any], expected: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_signs(data)
    assert caught.value.problems == expected


def test_signs_file_row_errors_and_shared_places_come_at_once() -> None:
    rows = [{"window": 1, "port": "a"}, {"window": 1, "port": "a"}, {"window": 2, "port": "b", "protocol": "morse"}]
    with pytest.raises(ConfigError) as caught:
        load_signs({"sign": rows})
    problems = caught.value.problems
    assert len(problems) == 3
    assert "sign[2].protocol" in problems[0]
    assert "window 1 has two signs" in problems[1]
    assert "two signs share address 1 on port a" in problems[2]


def test_signs_file_problems_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "signs.toml"
    path.write_text("[[sign]]\nwindow = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_signs(path)
    assert caught.value.problems == [
        f'{path}: sign[0].port: 须填写串口，如 "/dev/ttyUSB0" / a port is required, e.g. "/dev/ttyUSB0"'
    ]


def test_one_error_class_for_both_files() -> None:
    assert issubclass(ConfigError, ValueError)
    with pytest.raises(ValueError):
        load_signs({})


def test_a_file_without_pins_checks_but_a_new_hall_needs_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A configuration exported from the console carries no PINs: it checks, re-imports, and a server on a new data
    directory says who needs one (nobody could sign in as them)."""
    import tomli_w

    from server import logs

    monkeypatch.setattr(logs, "install", lambda: None)  # (its filter would stay on pytest's log handlers)

    data = hall_dict()
    for person in data["staff"]:
        person.pop("pin", None)
    path = tmp_path / "exported.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    assert CliRunner().invoke(main, ["check-config", str(path)]).exit_code == 0
    result = CliRunner().invoke(main, ["serve", "--config", str(path), "--data", str(tmp_path / "new"), "--port", "0"])
    assert result.exit_code == 2
    assert f"staff {data['staff'][0]['code']}: 新人员须在配置文件中设置 PIN" in result.output
