"""The live page's people card: a post left without its A or B person during opening hours is an alert (since
when), the day's handovers are shown, and today's duty window (值班) with who is on it."""

from __future__ import annotations

import datetime as dt
import re

from core import attendance as att
from tests.factories import SHANGHAI, make_config
from tests.people.test_people_pages import at

MONDAY = dt.date(2026, 11, 23)


def card(console, role: str) -> str:
    html = console(role).get("/console/live/panels").get_data(as_text=True)
    found = re.search(r'<section class="card[^"]*" id="posts-live">(.*?)</section>', html, re.S)
    assert found, html[:2000]
    return re.sub(r"\s+", " ", found.group(1))


def test_empty_posts_handovers_and_the_duty_window_on_the_live_page(app, clock, console) -> None:
    service = app.extensions["hallq"]
    clock.now = at(MONDAY, 8, 50)
    service.login("1001", "1234", 1)  # window 1's A post
    duty_clerk = service.login("1002", "1234", 2)  # window 2's A post; nobody at window 3 (A post 1003, no B post)
    oversight = app.extensions["hallq.oversight"]
    manager = service.login("9001", "1234", None)
    oversight.set_duty(service.authenticate(manager["token"]), MONDAY, 2)
    clock.now = at(MONDAY, 9, 40)
    service.login("1101", "1234", 1)  # window 1's B post takes over: a handover

    text = card(console, "manager")
    assert "3号 综合窗口</strong>：A岗 赵磊、B岗 — 均未在岗，自 08:30 起" in text
    assert "1号 户籍窗口</strong>：" not in text and "2号 社保医保窗口</strong>：" not in text
    assert "09:40 1号 户籍窗口：张敏 → 李强" in text
    assert '今日值班 <span class="en">On duty today</span>：<strong>2号 社保医保窗口</strong> · 王芳 在岗' in text

    clock.now = at(MONDAY, 10, 5)
    service.logout(service.authenticate(duty_clerk["token"]))  # the duty window's A post leaves: nobody covers
    text = card(console, "manager")
    assert "2号 社保医保窗口</strong>：A岗 王芳、B岗 李强 均未在岗，自 10:05 起" in text
    assert 'A岗 王芳、B岗 李强 <span class="warn">未签到' in text  # the duty window, nobody on it

    head = card(console, "window_head")  # 1001 heads windows 1 and 2: window 3 is not hers
    assert "2号 社保医保窗口</strong>：" in head and "3号 综合窗口" not in head


def test_outside_opening_hours_nothing_is_an_alert(app, clock, console) -> None:
    clock.now = at(MONDAY, 12, 10)  # the lunch break
    text = card(console, "manager")
    assert "均未在岗" not in text and "非办公时间" in text
    assert "未排值班" in text  # a working day without a rota


def test_since_is_the_last_sign_out_or_the_sessions_start() -> None:
    config = make_config()
    now = dt.datetime(2026, 11, 23, 15, 0, tzinfo=SHANGHAI)
    punches = [
        att.Punch("1001", "sign_out", dt.datetime(2026, 11, 23, 11, 30, tzinfo=SHANGHAI), 1, ""),
        att.Punch("1002", "sign_out", dt.datetime(2026, 11, 23, 14, 50, tzinfo=SHANGHAI), 2, ""),
        att.Punch("1003", "sign_out", dt.datetime(2026, 11, 23, 15, 30, tzinfo=SHANGHAI), 3, ""),  # after now
    ]
    since = att.unstaffed_since(config, punches, now)
    afternoon = dt.datetime.combine(now.date(), config.sessions[1].start, SHANGHAI)
    assert since == {1: afternoon, 2: dt.datetime(2026, 11, 23, 14, 50, tzinfo=SHANGHAI), 3: afternoon}
    assert att.unstaffed_since(config, punches, dt.datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)) == {}


def test_the_posts_card_on_the_live_page_in_the_browser(app, clock, browser) -> None:
    from tests.browser import serve, shot, sign_in

    service = app.extensions["hallq"]
    clock.now = at(MONDAY, 8, 50)
    service.login("1001", "1234", 1)
    manager = service.login("9001", "1234", None)
    app.extensions["hallq.oversight"].set_duty(service.authenticate(manager["token"]), MONDAY, 1)
    clock.now = at(MONDAY, 9, 40)
    service.login("1101", "1234", 1)  # the B post takes over window 1
    with serve(app) as url:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        sign_in(page, url, "9001")
        page.goto(f"{url}/console/live")
        card_ = page.locator("#posts-live")
        assert "hot" in (card_.get_attribute("class") or "")
        alerts = page.locator("#post-alerts p.warn")
        assert alerts.count() == 2  # windows 2 and 3: nobody since the morning session began
        assert "2号 社保医保窗口" in alerts.nth(0).text_content() and "自 08:30 起" in alerts.nth(0).text_content()
        assert "张敏 → 李强" in page.text_content("#handovers-live")
        assert "1号 户籍窗口" in page.text_content("#duty-live") and "李强 在岗" in page.text_content("#duty-live")
        card_.scroll_into_view_if_needed()
        shot(page, "people_live_posts")
