"""A clerk's own-score page (/console/people/mine): her month's score with every line, her attendance, warnings
and leave, earlier months — and nobody else's figures, whoever asks."""

from __future__ import annotations

import datetime as dt

from core import permissions
from tests.browser import serve, shot, sign_in
from tests.people.test_people_pages import NOV, a_month, at


def _a_decided_month(app, clock, console) -> None:
    """November 2026 (a_month): 1002 late four times, away one afternoon (her leave for it not yet approved); her
    warning confirmed; 1003 commended."""
    clock.now = at(NOV[16], 17, 40)
    a_month(app, clock)
    people = app.extensions["hallq.people"]
    manager = console("manager")
    manager.post(
        "/console/people/leave",
        {"staff": "1002", "type": "personal", "start_day": "2026-11-18", "start_time": "14:30",
         "end_day": "2026-11-18", "end_time": "17:30", "reason": "孩子生病", "written": "1"},
    )  # fmt: skip
    clock.now = at(dt.date(2026, 12, 2), 9)
    manager = console("manager")
    manager.post(
        "/console/people/scores/entry",
        {"day": "2026-11-20", "target": "s:1003", "kind": "commendation", "source": "manual", "what": "收到表扬信"},
    )
    manager.post("/console/people/warnings/decide", {"basis": "late_early:1002:2026-11", "decision": "confirm"})
    assert any(w["staff"] == "1002" and w["number"] for w in people.warnings(2026))


def test_the_clerk_sees_her_own_month_line_by_line_and_nothing_of_others(app, clock, console) -> None:
    _a_decided_month(app, clock, console)
    clerk = console("clerk")  # 王芳 1002
    html = clerk.get("/console/people/mine?month=2026-11").get_data(as_text=True)
    mine = app.extensions["hallq.people"].own_month("1002", "2026-11")
    kinds = [line["kind"] for line in mine["score"]["lines"]]
    assert kinds == ["late"] * 4 + ["half_day_absence"]  # the leave still waits for its approvals
    assert mine["score"]["total"] == 100 + sum(line["points"] for line in mine["score"]["lines"]) == 91
    assert f"<strong>{mine['score']['total']}</strong> 分" in html
    assert html.count("迟到：") >= 4  # every line: date, what, source, points, who
    for line in mine["score"]["lines"]:
        assert line["day"] in html
    assert "11-03" in html and "上午迟到" in html  # her days with their findings
    assert "效告〔2026〕1号" in html  # her confirmed warning
    assert "孩子生病" in html and "审批中" in html  # her leave of the month
    assert "王芳" in html
    for other in ("赵磊", "张敏", "李强", "收到表扬信"):  # nobody else's name or lines
        assert other not in html, other
    assert "2026-10" in html  # earlier months to open


def test_asking_for_anothers_figures_is_refused_with_a_sentence(app, clock, console) -> None:
    _a_decided_month(app, clock, console)
    for role in ("clerk", "manager"):
        r = console(role).get("/console/people/mine?staff=1003&month=2026-11")
        assert r.status_code == 403
        assert "不能查看他人的数据" in r.get_data(as_text=True)
    manager_page = console("manager").get("/console/people/mine?month=2026-11").get_data(as_text=True)
    assert "陈主任" in manager_page and "王芳" not in manager_page  # the manager's own (empty) month
    assert "本月无扣分、加分记录" in manager_page


def test_a_bad_month_is_a_sentence(console) -> None:
    r = console("clerk").get("/console/people/mine?month=2026-13")
    assert r.status_code == 400 and "月份格式应为 YYYY-MM" in r.get_data(as_text=True)


def test_every_console_role_has_her_own_page() -> None:
    assert permissions.PERMISSIONS["page.my_scores"].roles == frozenset(permissions.CONSOLE_ROLES)


def test_the_own_score_page_in_the_browser(app, clock, console, browser) -> None:
    _a_decided_month(app, clock, console)
    with serve(app) as url:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        sign_in(page, url, "1002")
        page.goto(f"{url}/console/people/scores?month=2026-11")
        assert "无权查看" in page.text_content("body")  # the hall's scores are not a clerk's page
        page.goto(f"{url}/console/people/leave")
        page.click("#people-nav a:has-text('我的考核')")
        page.wait_for_selector("#my-total")
        page.select_option("select[name=month]", "2026-11")
        page.click("form.filters button[type=submit]")
        page.wait_for_selector("#my-lines")
        assert page.locator("#my-lines tbody tr").count() == 5
        assert page.locator("#my-days tr.alert").count() == 5
        assert "效告〔2026〕1号" in page.text_content("#my-warnings")
        shot(page, "people_my_scores")
