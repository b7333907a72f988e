"""The browser hall screen (/display) shows the honour roll (光荣榜) as the hall chose in [awards]: a hall whose
December is closed (the red flag) and whose fourth quarter is selected and published (model windows and clerks),
its roll in a band under the calls ("panel") or in place of the calls now and then ("rotate", short seconds here;
a call brings the calls back at once). Names and titles only: no score, no staff number. Headless Chromium over a
real server thread; screenshots tests/_shots/display_browser_honour_*.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from client.api import HttpHallApi, WindowCalls
from server import create_app
from tests.browser import serve, shot
from tests.clock import FakeClock
from tests.factories import SHANGHAI
from tests.people.conftest import people_hall
from tests.people.helpers import fill
from tests.people.test_people_pages import at

MARKS = {
    ("staff", "1001"): 90, ("staff", "1002"): 95, ("staff", "1003"): 80, ("staff", "1101"): 85,
    ("window", "1"): 88, ("window", "2"): 97, ("window", "3"): 99,
}  # fmt: skip


def honours_hall(tmp_path: Path, clock: Any, publish: bool = True, **awards: Any) -> Any:
    """A hall on 2027-01-06 09:00 with December 2026 closed and 2026-Q4's selection marked (and published)."""
    scheme = {"shortlist_windows": 3, "select_windows": 2, "shortlist_staff": 4, "select_staff": 2, **awards}
    config = people_hall(awards=scheme)
    app = create_app({"HALL_CONFIG": config, "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True})
    service, people = app.extensions["hallq"], app.extensions["hallq.people"]
    clock.now = at(dt.date(2026, 12, 31), 17, 50)
    fill(
        service,
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
        late={("1002", dt.date(2026, 12, 10)): 12, ("1001", dt.date(2026, 12, 14)): 5},
    )
    clock.now = at(dt.date(2027, 1, 6), 9)
    people.close_month("2026-12")
    quarter = people.quarter("2026-Q4")
    for subject in ("windows", "staff"):
        for placed in quarter[subject]:
            if placed.shortlisted:
                mark = MARKS[(subject.rstrip("s"), placed.candidate.key)]
                for component in ("peer", "leaders"):
                    people.set_mark("2026-Q4", subject.rstrip("s"), placed.candidate.key, component, mark)
    if publish:
        people.publish("2026-Q4")
    return app


@pytest.fixture
def clock() -> Any:
    return FakeClock(dt.datetime(2027, 1, 6, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def panel_app(tmp_path, clock) -> Iterator[Any]:
    app = honours_hall(tmp_path, clock, honour_roll_display="panel")
    yield app
    app.extensions["hallq"].close()


@pytest.fixture
def rotate_app(tmp_path, clock) -> Iterator[Any]:
    app = honours_hall(tmp_path, clock, honour_roll_display="rotate", honour_roll_every_s=4, honour_roll_show_s=3)
    yield app
    app.extensions["hallq"].close()


def answer(app: Any) -> dict[str, Any]:
    return app.test_client().get("/api/v1/honours").get_json()


def assert_public(text: str, data: dict[str, Any]) -> None:
    """Nothing but names and titles: no staff number, no score, no rule."""
    assert not any(code in text for code in ("1001", "1002", "1003", "1101", "9001")), text
    assert data["red_flag"]["rule"] not in text and "分" not in text and "score" not in text.lower(), text


def test_the_test_hall_has_a_roll_with_a_score_the_screen_must_not_show(panel_app) -> None:
    data = answer(panel_app)
    assert data["display"]["mode"] == "panel"
    assert data["red_flag"]["month"] == "2026-12" and data["red_flag"]["score"] is not None
    assert [w["number"] for w in data["red_flag"]["windows"]] == [3]
    assert data["period"] == "2026-Q4" and len(data["windows"]) == 2 and len(data["staff"]) == 2
    html = panel_app.test_client().get("/display").get_data(as_text=True)
    assert 'id="roll"' in html and 'id="honour-band"' in html and "光荣榜" in html and "Honour roll" in html
    script = panel_app.test_client().get("/static/display.js").get_data(as_text=True)
    assert "/api/v1/honours" in script and "day.rolled" in script


@pytest.mark.slow
def test_panel_shows_the_roll_a_section_at_a_time_under_the_calls(panel_app, browser) -> None:
    data = answer(panel_app)
    flag = data["red_flag"]["windows"][0]["name"]
    windows = "、".join(f"{w['number']}号 {w['name']}" for w in data["windows"])
    staff = "、".join(s["name"] for s in data["staff"])
    with serve(panel_app) as url:
        page = browser.new_page(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
        page.goto(f"{url}/display")
        page.wait_for_selector("#honour-band", state="visible", timeout=5_000)
        page.wait_for_selector("#windows tr[data-window='3']")
        line = page.text_content("#honour-line")
        assert line.startswith(f"流动红旗 · 2026年12月：{flag}") and "Red flag · 2026-12" in line
        assert page.is_visible("#latest") and page.is_hidden("#roll")  # the calls stay on screen
        footer = page.evaluate("document.querySelector('footer').getBoundingClientRect().top")
        band = page.evaluate("document.getElementById('honour-band').getBoundingClientRect().bottom")
        assert band <= footer + 0.5  # the band lies above the scrolling notice
        shot(page, "display_browser_honour_panel", full=False)
        seen = [line]
        for _ in range(2):  # the next sections, BAND_LINE_S apart
            page.evaluate("() => { roll.epoch -= BAND_LINE_S * 1000; renderRoll(); }")
            seen.append(page.text_content("#honour-line"))
        assert seen[1] == f"优质服务窗口 · 2026年第四季度：{windows}  Model windows · 2026 Q4"
        assert seen[2] == f"优秀服务标兵 · 2026年第四季度：{staff}  Model clerks · 2026 Q4"
        shot(page, "display_browser_honour_panel_staff", full=False)
        for text in seen:
            assert_public(text, data)
        page.close()


WAIT_ROLL = "() => !document.getElementById('roll').hidden"


@pytest.mark.slow
def test_rotate_puts_the_roll_in_place_of_the_calls_and_a_call_brings_them_back(rotate_app, browser) -> None:
    data = answer(rotate_app)
    with serve(rotate_app) as url:
        page = browser.new_page(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
        page.goto(f"{url}/display")
        page.wait_for_selector("#windows tr[data-window='3']")
        page.wait_for_function(WAIT_ROLL, timeout=6_000, polling=50)
        assert page.is_hidden("#latest") and page.is_hidden("#honour-band")  # in place of the calls, no band
        body = page.text_content("#roll")
        assert "光荣榜" in body and "Honour roll" in body
        assert "流动红旗 · 2026年12月" in body and "Red flag · 2026-12" in body
        assert page.locator(".roll-flag span").all_text_contents() == ["3号 综合窗口"]
        assert page.locator(".roll-window").all_text_contents() == [
            f"{w['number']}号 {w['name']}" for w in data["windows"]
        ]
        clerks = page.locator(".roll-clerk b").all_text_contents()
        assert clerks == [s["name"] for s in data["staff"]] and "Model clerks · 2026 Q4" in body
        assert_public(page.text_content("main") + body, data)
        shot(page, "display_browser_honour_rotate", full=False)

        # the calls come back by themselves after show_s …
        page.wait_for_function("() => document.getElementById('roll').hidden", timeout=5_000, polling=50)
        assert page.is_visible("#latest")
        # … and at once when someone is called while the roll stands
        page.wait_for_function(WAIT_ROLL, timeout=6_000, polling=50)
        number = HttpHallApi(url).issue("HJ")["number"]
        clerk = HttpHallApi(url)
        clerk.login("1001", "1234", 1)
        WindowCalls(clerk, 1).call_next()
        page.wait_for_function(
            f"() => document.getElementById('latest-text').textContent.includes('{number}')", timeout=3_000
        )
        state = page.evaluate(
            "() => ({ phase: ((performance.now() - roll.epoch) / 1000) % roll.everyS, showS: roll.showS,"
            " everyS: roll.everyS, rollHidden: document.getElementById('roll').hidden,"
            " showing: document.body.classList.contains('showing-roll') })"
        )
        assert state["phase"] >= state["everyS"] - state["showS"], state  # the roll's own turn is not over …
        assert state["rollHidden"] and not state["showing"], state  # … yet the call is on screen
        assert page.is_visible("#latest") and page.text_content("#latest-text") == f"{number} → 1号窗口"
        shot(page, "display_browser_honour_rotate_call", full=False)
        page.wait_for_function(WAIT_ROLL, timeout=6_000, polling=50)  # and the roll takes its next turn
        page.close()


@pytest.mark.slow
def test_the_screen_reads_the_roll_again_when_the_day_rolls(tmp_path, clock, browser) -> None:
    """A quarter's publication publishes no event: the screen reads the roll again when the day rolls (and every
    refresh_s, 600 s here, out of the test's reach)."""
    app = honours_hall(tmp_path, clock, publish=False, honour_roll_display="panel")
    try:
        with serve(app) as url:
            page = browser.new_page(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
            page.goto(f"{url}/display")
            page.wait_for_selector("#honour-band", state="visible", timeout=5_000)
            assert page.evaluate("() => rollLines(roll.data).length") == 1  # the red flag only
            app.extensions["hallq.people"].publish("2026-Q4")
            page.wait_for_timeout(500)
            assert page.evaluate("() => rollLines(roll.data).length") == 1  # nothing told the screen yet
            clock.now = at(dt.date(2027, 1, 7), 8, 30)
            app.extensions["hallq"].roll_if_due()  # day.rolled
            page.wait_for_function("() => rollLines(roll.data).length === 3", timeout=5_000)
            page.evaluate("() => { roll.epoch -= BAND_LINE_S * 1000; renderRoll(); }")
            assert page.text_content("#honour-line").startswith("优质服务窗口 · 2026年第四季度：")
            page.close()
    finally:
        app.extensions["hallq"].close()
