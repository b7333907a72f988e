"""The issue's walks in headless Chromium against the hall server (in this process, on the tests' fake clock):
a bad rating from the pad through verification, rectification, follow-up and the monthly public page; a complaint
from acceptance to the printed reply and the archive; a clerk denied the complainant's identity; a survey composed,
answered from a phone page and reported. Screenshots land in tests/_shots/feedback_*.png (and the reply letter as
tests/_shots/feedback_reply_letter.png)."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import requests

from tests.browser import CONSOLE_VIEWPORT, SHOTS, console_page, shot, submit
from tests.feedback.conftest import serve

pytestmark = pytest.mark.slow


def clerk_page(chromium: Any, app: Any, url: str, staff: str, window: int) -> Any:
    """A clerk in the console: her caller's sign-in put in the console's cookie (the console signs clerks in at a
    window only for now)."""
    service = app.extensions["hallq"]
    if service.hall.windows[window].staff != staff:
        service.login(staff, "1234", window)
    token = service.login(staff, "1234", window)["token"]
    cookie = app.session_interface.get_signing_serializer(app).dumps({"token": token, "_permanent": True})
    context = chromium.new_context(viewport=CONSOLE_VIEWPORT)
    context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": url}])
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_a_bad_rating_from_the_pad_to_the_public_page(app, url, browser, clock) -> None:
    ticket = serve(app, "1003", booking_phone="13812348000")
    r = requests.post(
        f"{url}/api/v1/ratings",
        json={"ticket": ticket, "score": 1, "reasons": ["服务态度不好"], "comment": "问了两遍都不耐烦", "window": 3},
        timeout=5,
    )
    assert r.status_code == 201, r.text
    left = serve(app, "1001")  # another, at window 1: nobody verifies it
    requests.post(
        f"{url}/api/v1/ratings", json={"ticket": left, "score": 2, "reasons": ["等候时间过长"], "window": 1}, timeout=5
    )

    clerk = clerk_page(browser, app, url, "1003", 3)
    clerk.goto(f"{url}/console/rectifications")
    row = clerk.locator(f"#rectifications tr[data-ticket='{ticket}']")
    assert "非常不满意" in row.text_content() and "138****8000" in row.text_content()
    assert clerk.locator(f"#rectifications tr[data-ticket='{left}']").count() == 0  # not hers
    shot(clerk, "feedback_rectifications_clerk")
    row.locator("a").first.click()
    clerk.fill("#form-verify textarea[name=note]", "属实：高峰期解释不耐心")
    submit(clerk, "#form-verify")
    assert "已记录：核实" in clerk.text_content("#flash")
    clerk.select_option("#form-outcome select[name=action]", "deadline")
    clerk.fill("#form-outcome textarea[name=note]", "组织窗口人员文明用语培训")
    clerk.fill("#form-outcome textarea[name=measures]", "开展文明用语和政策解释培训，设置“首问引导”提示牌")
    submit(clerk, "#form-outcome")
    assert "限期整改中" in clerk.text_content("#state")
    clerk.fill("#form-complete textarea[name=note]", "培训已完成，提示牌已设置")
    submit(clerk, "#form-complete")
    assert "已整改" in clerk.text_content("#state")
    assert "显示完整号码" not in clerk.text_content("#record")  # the clerk rated never calls the citizen
    shot(clerk, "feedback_rectification_done_by_clerk")

    sup = console_page(browser, url, "9003")
    sup.goto(f"{url}/console/rectifications/{ticket}")
    assert "138****8000" in sup.text_content("#phone")
    sup.click("#phone button")
    sup.wait_for_load_state()
    assert "13812348000" in sup.text_content("#phone")
    sup.select_option("#form-follow-up select[name=view]", "satisfied")
    sup.fill("#form-follow-up textarea[name=note]", "群众对整改表示满意")
    submit(sup, "#form-follow-up")
    assert "已回访办结" in sup.text_content("#state")
    assert "查看回访电话" in sup.text_content("#record .history")
    shot(sup, "feedback_rectification_followed_up")

    clock.advance(days=2)  # the one at window 1 is now past its verify day: red for the window head and the live page
    head = clerk_page(browser, app, url, "1001", 1)
    head.goto(f"{url}/console/rectifications")
    assert "overdue" in head.get_attribute(f"#rectifications tr[data-ticket='{left}']", "class")
    shot(head, "feedback_rectifications_window_head_overdue")
    manager = console_page(browser, url, "9001")
    manager.goto(f"{url}/console/live")
    manager.wait_for_selector("#feedback-overdue")
    assert "1号" in manager.text_content("#feedback-overdue") and "hot" in manager.get_attribute(
        "#feedback-overdue", "class"
    )
    shot(manager, "feedback_live_overdue_rectification", full=False)

    manager.goto(f"{url}/console/ratings?period=2026-11&by=window")
    manager.wait_for_selector("#trend-chart svg")
    assert "3号 综合窗口" in manager.text_content("#figures")
    shot(manager, "feedback_rating_figures")

    public = browser.new_page(viewport={"width": 1000, "height": 900})
    public.goto(f"{url}/public/ratings/2026-11")
    text = public.text_content("body")
    assert "开展文明用语和政策解释培训" in text and "限期整改" in text and "满意" in text
    for private in ("13812348000", "赵磊", "问了两遍"):
        assert private not in text
    shot(public, "feedback_public_month")
    public.emulate_media(media="print")
    shot(public, "feedback_public_month_print")


def test_a_complaint_from_acceptance_to_the_printed_reply_and_the_archive(app, url, browser, tmp_path) -> None:
    sup = console_page(browser, url, "9003")
    sup.goto(f"{url}/console/complaints/new")
    sup.select_option("select[name=channel]", "letter")
    sup.fill("input[name=name]", "李四")
    sup.fill("input[name=phone]", "13912345678")
    sup.fill("input[name=address]", "测试镇幸福路8号")
    sup.select_option("select[name=window]", "3")
    sup.select_option("select[name=staff]", "1003")
    sup.check("input[name=grounds][value='服务态度差']")
    sup.fill("textarea[name=summary]", "11月20日在3号窗口办理社保卡补办，工作人员态度生硬。")
    sup.select_option("select[name=complexity]", "complex")
    shot(sup, "feedback_complaint_accept_form")
    submit(sup, "#complaint-form")
    assert "已登记" in sup.text_content("#flash") and "2026-11-30" in sup.text_content("#flash")
    complaint_url = sup.url
    assert "李四" not in sup.text_content("#complainant")  # confidential until looked at, on record
    sup.click("#complainant button")
    sup.wait_for_load_state()
    assert "李四" in sup.text_content("#complainant")
    sup.fill("#form-investigate textarea[name=note]", "调阅监控录像，询问当事人及B岗")
    submit(sup, "#form-investigate")
    sup.select_option("#form-decide select[name=finding]", "partly")
    sup.fill("#form-decide textarea[name=action_taken]", "约谈窗口负责人，对当事人批评教育")
    submit(sup, "#form-decide")
    sup.fill(
        "#form-answer textarea[name=answer_text]",
        "您反映的问题经调查部分属实。\n本中心已对当事人批评教育，并开展文明服务培训。",
    )
    sup.select_option("#form-answer select[name=satisfaction]", "fair")
    submit(sup, "#form-answer")
    assert "已答复" in sup.text_content("#state")
    href = sup.get_attribute("#reply-pdf", "href")
    pdf = sup.request.get(f"{url}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    letter = tmp_path / "reply.pdf"
    letter.write_bytes(pdf.body())
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-singlefile", str(letter), str(SHOTS / "feedback_reply_letter")], check=True
    )
    text = subprocess.run(["pdftotext", str(letter), "-"], capture_output=True, text=True, check=True).stdout
    assert "投诉答复函" in text and "部分属实" in text
    submit(sup, "#form-archive")
    assert "已归档" in sup.text_content("#state") and "只读" in sup.text_content("#steps")
    shot(sup, "feedback_complaint_archived")

    clerk = clerk_page(browser, app, url, "1003", 3)  # the clerk it names
    clerk.goto(complaint_url)
    assert "保密" in clerk.text_content("#complainant")
    assert "李四" not in clerk.text_content("body") and "13912345678" not in clerk.text_content("body")
    shot(clerk, "feedback_complaint_seen_by_the_clerk_named")
    csrf = clerk.get_attribute("input[name=csrf_token]", "value") or ""
    denied = clerk.request.post(f"{complaint_url}/identity", form={"csrf_token": csrf})
    assert denied.status == 403 and "李四" not in denied.text()
    other = clerk_page(browser, app, url, "1002", 2)  # a clerk it does not name: not even the complaint
    other.goto(f"{url}/console/complaints")
    assert other.locator("#complaints tr[data-complaint]").count() == 0


def test_a_survey_composed_answered_on_a_phone_and_reported(app, url, browser) -> None:
    manager = console_page(browser, url, "9001")
    manager.goto(f"{url}/console/surveys")
    manager.fill("#new-survey input[name=title]", "2026年第四季度服务对象满意度调查")
    texts = manager.locator("#new-survey input[name=q_text]")
    kinds = manager.locator("#new-survey select[name=q_kind]")
    texts.nth(0).fill("您对本中心的总体服务是否满意")
    texts.nth(1).fill("窗口工作人员的服务态度")
    texts.nth(2).fill("您是通过什么渠道了解办事指南的")
    kinds.nth(2).select_option("choice")
    manager.locator("#new-survey input[name=q_options]").nth(2).fill("取号机/网站/电话咨询")
    manager.fill("#new-survey input[name=opens_on]", "2026-11-01")
    submit(manager, "#new-survey")
    survey_url = manager.url
    manager.goto(f"{url}/console/surveys")
    manager.click("#surveys button")  # open it
    manager.wait_for_load_state()
    assert "进行中" in manager.text_content("#surveys")

    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    for staff, answers in (("1003", ("5", "4", "网站")), ("1001", ("4", "2", "取号机"))):
        ticket = serve(app, staff)
        phone.goto(f"{url}/t/{ticket}")
        phone.click("#feedback-links a[href*='/s/']")
        phone.wait_for_selector("#survey-form")
        phone.check(f"input[name=q1][value='{answers[0]}']", force=True)
        phone.check(f"input[name=q2][value='{answers[1]}']", force=True)
        phone.check(f"input[name=q3][value='{answers[2]}']", force=True)
        phone.fill("textarea[name=comment]", "希望增加自助填表机")
        if staff == "1003":
            shot(phone, "feedback_survey_on_phone")
        submit(phone, "#survey-form")
        assert "谢谢" in phone.text_content("#thanks")
        phone.goto(f"{url}/s/{ticket}")
        assert "已经参加过" in phone.text_content("body")

    manager.goto(survey_url)
    manager.wait_for_selector("#survey-chart svg")
    assert manager.text_content("#answer-count").strip() == "2"
    assert "希望增加自助填表机" in manager.text_content("body")
    manager.fill("#form-action input[name=text]", "增设自助填表机两台")
    submit(manager, "#form-action")
    manager.fill(
        "#form-report textarea[name=report]", "本次调查共收回答卷2份，总体满意度100%；群众建议增设自助填表机。"
    )
    submit(manager, "#form-report")
    manager.goto(survey_url)
    shot(manager, "feedback_survey_report")
    public = browser.new_page(viewport={"width": 900, "height": 900})
    public.goto(f"{url}/public/ratings/2026-11")
    public.click("text=2026年第四季度服务对象满意度调查")
    public.wait_for_load_state()
    assert "增设自助填表机两台" in public.text_content("body")
    shot(public, "feedback_survey_public")
