"""The hall display's honour roll (光荣榜) and the red-flag window's LED idle text: presenter without Kivy, on
FakeHallApi with the roll the server would answer (GET /api/v1/honours)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from client.fake import FakeHallApi
from display.presenter import HONOUR_RETRY_S, DisplayPresenter, HonourClerk, honour_roll_of
from display.signs import SignTexts, align_loopback_baudrates, signs_from_hall
from hardware.led import FakeSignBoard
from tests.display.helpers import clerk, demo_hall, issue

ROLL: dict[str, Any] = {
    "shows": ["windows", "staff", "red_flag"],
    "display": {"mode": "rotate", "every_s": 100, "show_s": 20, "refresh_s": 300},
    "red_flag": {
        "month": "2026-10",
        "windows": [{"number": 3, "name": "3号 社保医保窗口"}],
        "score": 98,
        "rule": "当月得分最高（98分）。 / Highest score (98).",
    },
    "period": "2026-Q3",
    "window_title": "优质服务窗口",
    "staff_title": "优秀服务标兵",
    "windows": [{"number": 1, "name": "户籍窗口"}, {"number": 3, "name": "社保医保窗口"}],
    "staff": [
        {"name": "张敏", "window": "1号 户籍窗口", "title": "科员"},
        {"name": "李强", "window": "3号 社保医保窗口", "title": ""},
    ],
}


class Ticker:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api() -> FakeHallApi:
    api = FakeHallApi(demo_hall())
    api.honour_roll = copy.deepcopy(ROLL)
    return api


@pytest.fixture
def signs() -> FakeSignBoard:
    return FakeSignBoard(align_loopback_baudrates(signs_from_hall(demo_hall())))


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


def make(api: FakeHallApi, signs: FakeSignBoard, ticker: Ticker, **kw: Any) -> DisplayPresenter:
    p = DisplayPresenter(api, signs=signs, monotonic=ticker, **kw)
    p.start()
    return p


def test_the_roll_keeps_names_and_titles_only(api, signs, ticker) -> None:
    view = make(api, signs, ticker).view()
    roll = view.honours
    assert roll is not None
    assert roll.red_flag == ("3号 社保医保窗口",) and roll.red_flag_month == "2026年10月"
    assert roll.period == "2026年第三季度" and roll.period_en == "2026 Q3"
    assert roll.windows == ("1号 户籍窗口", "3号 社保医保窗口")
    assert roll.staff == (HonourClerk("张敏", "1号 户籍窗口", "科员"), HonourClerk("李强", "3号 社保医保窗口", ""))
    shown = repr(roll)
    assert "98" not in shown and "Highest" not in shown  # the flag's score and rule stay off the public screen


def test_unknown_fields_and_personal_data_never_reach_the_view() -> None:
    data = copy.deepcopy(ROLL)
    data["staff"][0].update(phone="13800138000", id_card="110101199001011234", score=99.5)
    roll, display, flags = honour_roll_of(data)
    assert "13800138000" not in repr(roll) and "110101" not in repr(roll) and "99.5" not in repr(roll)
    assert (display.mode, display.every_s, display.show_s, display.refresh_s) == ("rotate", 100, 20, 300)
    assert flags == frozenset({3})


def test_rotate_shows_the_roll_for_show_s_of_every_every_s_and_a_call_ends_it(api, signs, ticker) -> None:
    p = make(api, signs, ticker)
    assert p.view().honour_mode == "rotate"
    assert not p.view().showing_honours  # the cycle starts with the calls
    ticker.now += 79
    assert not p.view().showing_honours
    ticker.now += 1  # 80 s into the 100 s cycle: the last 20 s are the roll's
    assert p.view().showing_honours
    [number] = issue(api, 3)
    clerk(api, 3).call_next()
    view = p.view()
    assert not view.showing_honours and view.latest is not None and view.latest.number == number
    ticker.now += 19  # still this cycle's roll time: the calls stay
    assert not p.view().showing_honours
    ticker.now += 81  # the next cycle's roll time
    assert p.view().showing_honours
    ticker.now += 20
    assert not p.view().showing_honours


def test_panel_mode_shows_the_rolls_lines_in_turn_under_the_calls(api, signs, ticker) -> None:
    api.honour_roll["display"] = {"mode": "panel", "every_s": 100, "show_s": 20, "refresh_s": 300}
    p = make(api, signs, ticker)
    seen = []
    for _ in range(4):
        view = p.view()
        assert view.honour_mode == "panel" and view.honours is not None and not view.showing_honours
        seen.append(view.honour_line)
        ticker.now += 8
    assert seen == [
        "流动红旗 · 2026年10月：3号 社保医保窗口",
        "优质服务窗口 · 2026年第三季度：1号 户籍窗口、3号 社保医保窗口",
        "优秀服务标兵 · 2026年第三季度：张敏、李强",
        "流动红旗 · 2026年10月：3号 社保医保窗口",
    ]


def test_off_or_an_empty_roll_shows_nothing(api, signs, ticker) -> None:
    api.honour_roll["display"]["mode"] = "off"
    p = make(api, signs, ticker)
    ticker.now += 90
    assert p.view().honours is None and not p.view().showing_honours and not p.view().honour_line
    api.honour_roll = None  # the hall's own empty roll (nothing closed or published yet)
    q = make(api, signs, ticker)
    ticker.now += 90
    assert q.view().honours is None and not q.view().showing_honours


def test_the_roll_is_read_again_after_refresh_s_and_when_the_day_rolls(api, signs, ticker) -> None:
    p = make(api, signs, ticker)
    api.honour_roll["red_flag"]["windows"] = [{"number": 5, "name": "5号 医保窗口"}]
    ticker.now += 299
    p.tick()
    assert p.view().honours.red_flag == ("3号 社保医保窗口",)
    ticker.now += 1
    p.tick()
    assert p.view().honours.red_flag == ("5号 医保窗口",)
    api.honour_roll["red_flag"] = None
    api.emit("day.rolled", {"day": "2026-12-01"})
    assert p.view().honours.red_flag == ()


def test_a_failed_read_is_tried_again_and_keeps_the_last_roll(api, signs, ticker) -> None:
    p = make(api, signs, ticker)
    api.online = False
    ticker.now += 300
    p.tick()
    assert p.view().honours.red_flag == ("3号 社保医保窗口",)
    api.online = True
    api.honour_roll["windows"] = [{"number": 2, "name": "不动产窗口"}]
    ticker.now += HONOUR_RETRY_S - 1
    p.tick()
    assert p.view().honours.windows == ("1号 户籍窗口", "3号 社保医保窗口")
    ticker.now += 1
    p.tick()
    assert p.view().honours.windows == ("2号 不动产窗口",)


def test_the_red_flag_windows_idle_sign_shows_the_halls_template(api, signs, ticker) -> None:
    p = make(api, signs, ticker, sign_texts=SignTexts(red_flag="流动红旗窗口 {window}"))
    clerk(api, 1)
    calls = clerk(api, 3)
    assert signs.signs[3].last_text == "流动红旗窗口 3"  # open and free
    assert signs.signs[1].last_text == "1号窗口"  # an ordinary idle window
    [number] = issue(api, 3)
    calls.call_next()
    assert signs.signs[3].last_text == f"请{number}号"  # a call is a call
    calls.finish()
    assert signs.signs[3].last_text == "流动红旗窗口 3"
    calls.pause("会议")
    assert signs.signs[3].last_text == "暂停服务"  # paused: not serving, flag or not
    calls.resume()
    api.honour_roll["red_flag"] = None  # the flag passed on (a new month)
    ticker.now += 300
    p.tick()
    assert signs.signs[3].last_text == "3号窗口"


def test_an_empty_red_flag_template_leaves_the_sign_as_any_other(api, signs, ticker) -> None:
    make(api, signs, ticker, sign_texts=SignTexts(red_flag=""))
    clerk(api, 3)
    assert signs.signs[3].last_text == "3号窗口"


def test_the_fake_answers_the_halls_empty_roll_with_its_display_settings() -> None:
    api = FakeHallApi(demo_hall())
    roll = api.honours()
    assert roll["red_flag"] is None and roll["windows"] == [] and roll["staff"] == []
    assert roll["display"] == {"mode": "rotate", "every_s": 180, "show_s": 20, "refresh_s": 600}


def test_the_hall_file_keys_are_checked_with_a_sentence() -> None:
    from hallfile import ConfigError
    from tests.factories import make_config

    config = make_config(
        awards={"honour_roll_display": "panel", "honour_roll_every_s": 60, "honour_roll_show_s": 15},
        announce={"led_red_flag": "流动红旗窗口 {window}"},
    )
    assert (config.awards.honour_roll_display, config.awards.honour_roll_every_s) == ("panel", 60)
    assert SignTexts.from_announce(config.announce).red_flag == "流动红旗窗口 {window}"
    assert make_config().announce.led_red_flag == "流动红旗 {window}号窗口"
    bad = [
        ({"awards": {"honour_roll_display": "side"}}, 'must be "rotate", "panel" or "off"'),
        ({"awards": {"honour_roll_every_s": 30, "honour_roll_show_s": 30}}, "honour_roll_show_s must be less"),
        ({"awards": {"honour_roll_refresh_s": 0}}, "must be a positive whole number"),
        ({"announce": {"led_red_flag": "红旗 {name}"}}, "templates may use only {number} and {window}"),
    ]
    for sections, sentence in bad:
        with pytest.raises(ConfigError) as caught:
            make_config(**sections)
        assert any(sentence in problem for problem in caught.value.problems), (sections, caught.value.problems)
