"""The people pages in headless Chromium over a real server thread: a month of attendance with late arrivals →
the drafted warning confirmed and its letter → the month's scores opening to their lines → the close and the red
flag → the public honour roll; a quarter's selection with a disqualified candidate, marks typed in, the published
announcement (通报) and its PDF rendered to PNG. Screenshots land in tests/_shots/ (people_*.png)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

from tests.browser import SHOTS, serve, shot, sign_in
from tests.console.conftest import Console, hall_app
from tests.people.conftest import people_hall
from tests.people.helpers import fill
from tests.people.test_people_pages import a_month, at


def test_a_month_to_a_warning_the_scores_and_the_red_flag(app, clock, browser):
    clock.now = at(dt.date(2026, 11, 30), 17, 45)
    a_month(app, clock)
    clock.now = at(dt.date(2026, 12, 4), 9)
    with serve(app) as url:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, url, "9001")
        page.goto(f"{url}/console/people/attendance/month?month=2026-11")
        row = page.locator("#attendance-month tr[data-staff='1002']")
        assert "alert" in (row.get_attribute("class") or "")
        assert row.locator("td").nth(2).text_content().strip() == "4"  # four late arrivals
        shot(page, "people_attendance_month")

        page.goto(f"{url}/console/people/warnings")
        draft = page.locator("#warning-drafts tr[data-basis='late_early:1002:2026-11']")
        assert "上下班迟到、早退" in draft.text_content()
        draft.locator("button[value=confirm]").click()
        page.wait_for_selector("#flash .flash.ok")
        assert "效告〔2026〕1号" in page.text_content("#flash")
        shot(page, "people_warnings")
        page.click("#warnings-decided a:has-text('告诫书')")
        page.wait_for_selector("h1:has-text('效能告诫书')")
        assert "王芳" in page.text_content("body")
        shot(page, "people_warning_letter")

        page.goto(f"{url}/console/people/scores?month=2026-11")
        w3 = page.locator("#window-scores tr[data-key='3']")
        assert w3.locator("td").nth(2).text_content().strip() == "94"
        page.locator("#staff-scores tr[data-key='1003'] summary").click()
        lines = page.locator("#staff-scores tr[data-key='1003'] table.lines tbody tr")
        assert lines.count() == 2 and "旷工半天" in lines.nth(1).text_content()
        page.click("#close-month button")
        page.wait_for_selector("#flash .flash.ok")
        assert "流动红旗：1号" in page.text_content("#flash")
        assert "户籍窗口" in page.text_content("#red-flag")
        assert "已确认" in page.text_content("#month-state")
        shot(page, "people_scores_closed")

        page.goto(f"{url}/honours")
        assert "户籍窗口" in page.text_content("#red-flag")
        shot(page, "people_honours")
        page.close()


def test_a_quarter_with_a_disqualified_candidate_and_its_announcement(tmp_path, clock, browser):
    awards = {"shortlist_windows": 3, "select_windows": 1, "shortlist_staff": 3, "select_staff": 2}
    with hall_app(people_hall(awards=awards), tmp_path, clock) as app:
        service = app.extensions["hallq"]
        clock.now = at(dt.date(2026, 11, 12), 17, 50)
        fill(service, dt.date(2026, 10, 1), dt.date(2026, 12, 31), late={("1002", dt.date(2026, 11, 10)): 5})
        people = app.extensions["hallq.people"]
        people.add_entry(
            dt.date(2026, 11, 12), "verified_complaint", "群众投诉办事推诿，经查属实", staff="1003", window=3,
            source="complaint",
        )  # fmt: skip
        clock.now = at(dt.date(2027, 1, 6), 9)
        with serve(app) as url:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            sign_in(page, url, "9001")
            page.goto(f"{url}/console/people/awards?period=2026-Q4")
            out = page.locator("#award-staff tr[data-key='1003']")
            assert "取消资格" in out.text_content() and "被投诉查实" in out.text_content()
            assert "不足60天" in page.text_content("#award-staff tr[data-key='1101']")
            assert "取消资格" in page.text_content("#award-windows tr[data-key='3']")
            marks = {
                "award-windows": {("window", "1"): (88, 90), ("window", "2"): (97, 99)},
                "award-staff": {("staff", "1001"): (90, 92), ("staff", "1002"): (95, 96)},
            }
            for table, entries in marks.items():
                for (subject, key), (peer, leaders) in entries.items():
                    page.fill(f"input[name='mark:{subject}:{key}:peer']", str(peer))
                    page.fill(f"input[name='mark:{subject}:{key}:leaders']", str(leaders))
                page.locator(f"#{table}").locator("xpath=..").locator("button[type=submit]").click()
                page.wait_for_selector("#flash .flash.ok")
            assert "当选" in page.text_content("#award-windows tr[data-key='2']")
            shot(page, "people_awards")
            page.click("#publish button")
            page.wait_for_selector("#published")
            page.click("#published a:has-text('通报')")
            page.wait_for_selector("h1")
            text = page.text_content("body")
            assert "第四季度" in text and "张敏" in text and "赵磊" not in text
            shot(page, "people_announcement")
            page.close()
        manager = Console(app).sign_in("9001")
        for name in ("announcement", "certificates"):
            pdf = manager.get(f"/console/people/awards/2026-Q4/{name}?format=pdf")
            assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
            path = SHOTS / f"people_{name}.pdf"
            path.write_bytes(pdf.data)
            if shutil.which("pdftoppm"):
                subprocess.run(
                    ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(path.with_suffix(""))],
                    check=True,
                )
                assert any(SHOTS.glob(f"people_{name}-*.png"))


pytestmark = pytest.mark.slow
