"""Satisfaction surveys: composed, opened, answered once per ticket from the phone page, anonymous, reported and
published; the hall's monthly follow-up visits against its target."""

from __future__ import annotations

import re

import pytest

from core import feedback as fb
from core.tickets import DomainError
from tests.feedback.conftest import VIEWERS, as_, serve

QUESTIONS = [
    {"text": "您对本中心的总体服务是否满意", "kind": "levels"},
    {"text": "窗口工作人员的服务态度", "kind": "levels"},
    {"text": "您是通过什么渠道了解办事指南的", "kind": "choice", "options": ["取号机", "网站", "电话咨询"]},
]


def survey(feedback, **changes):
    with as_("manager"):
        s = feedback.create_survey(
            VIEWERS["manager"],
            {
                "title": "2026年第四季度服务对象满意度调查",
                "questions": QUESTIONS,
                "opens_on": "2026-11-01",
                "closes_on": "2026-12-31",
                **changes,
            },
        )
        return feedback.set_survey_status(VIEWERS["manager"], s["id"], "open")


def test_only_managers_compose_surveys(app, feedback) -> None:
    with pytest.raises(DomainError), as_("supervisor"):
        feedback.create_survey(
            VIEWERS["supervisor"],
            {"title": "t", "questions": QUESTIONS, "opens_on": "2026-11-01", "closes_on": "2026-11-30"},
        )


def test_answers_once_per_ticket_with_the_serving_window_and_no_ticket(app, feedback) -> None:
    s = survey(feedback)
    t = serve(app, "1003")
    assert feedback.survey_for_ticket(t)["id"] == s["id"]
    feedback.answer_survey(s["id"], t, {"q1": "5", "q2": "4", "q3": "网站"}, "窗口很干净，电话13812348000")
    with pytest.raises(DomainError) as twice:
        feedback.answer_survey(s["id"], t, {"q1": "1", "q2": "1", "q3": "网站"})
    assert twice.value.code == "already_answered"
    assert feedback.survey_for_ticket(t) is None
    rows = feedback.store._rows("SELECT * FROM survey_answers")
    assert len(rows) == 1 and rows[0]["window"] == 3
    assert t not in str(dict(rows[0])) and "13812348000" not in str(dict(rows[0]))
    report = feedback.survey_report(s["id"])
    assert report["answers"] == 1 and report["questions"][0]["satisfaction"] == 1.0
    assert report["questions"][2]["options"] == [("取号机", 0), ("网站", 1), ("电话咨询", 0)]
    assert report["comments"] == ["窗口很干净，电话138****8000"]


def test_closing_forgets_which_ticket_answered(app, feedback) -> None:
    s = survey(feedback)
    t = serve(app, "1003")
    feedback.answer_survey(s["id"], t, {"q1": "5", "q2": "4", "q3": "网站"})
    with as_("manager"):
        feedback.set_survey_status(VIEWERS["manager"], s["id"], "closed")
    assert feedback.store.survey(s["id"])["salt"] == ""
    with pytest.raises(DomainError) as closed:
        feedback.answer_survey(s["id"], t, {"q1": "5", "q2": "4", "q3": "网站"})
    assert closed.value.code == "survey_closed"


def test_a_survey_answered_on_the_phone_page(app, feedback) -> None:
    s = survey(feedback)
    t = serve(app, "1001")
    web = app.test_client()
    ticket_page = web.get(f"/t/{t}").get_data(as_text=True)
    assert f"/s/{t}" in ticket_page and f"/t/{t}/rate" in ticket_page
    page = web.get(f"/s/{t}").get_data(as_text=True)
    assert s["title"] in page and "匿名" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = web.post(f"/s/{t}", data={"csrf_token": token, "survey": s["id"], "q1": "4"})
    assert "请回答" in r.get_data(as_text=True)  # every question answered
    r = web.post(f"/s/{t}", data={"csrf_token": token, "survey": s["id"], "q1": "4", "q2": "5", "q3": "取号机"})
    assert "谢谢" in r.get_data(as_text=True)
    assert feedback.survey_report(s["id"], window=1)["answers"] == 1
    assert feedback.survey_report(s["id"], window=3)["answers"] == 0


def test_the_report_and_its_rectifications_are_published(app, feedback) -> None:
    s = survey(feedback)
    assert app.test_client().get(f"/public/surveys/{s['id']}").status_code == 404  # not yet published
    with as_("manager"):
        feedback.add_survey_action(VIEWERS["manager"], s["id"], "增设导办员一名", "综合办", "2026-12-15")
        feedback.publish_survey_report(VIEWERS["manager"], s["id"], "本次调查总体满意度较高，群众反映等候时间偏长。")
    page = app.test_client().get(f"/public/surveys/{s['id']}").get_data(as_text=True)
    assert "增设导办员一名" in page and "等候时间偏长" in page
    month = app.test_client().get("/public/ratings/2026-11").get_data(as_text=True)
    assert s["title"] in month


def test_visits_against_the_monthly_target(app, feedback) -> None:
    month = fb.parse_period("2026-11")
    assert feedback.visits(month)["due"] == 4
    with as_("manager"):
        v = feedback.add_visit(
            VIEWERS["manager"],
            {
                "day": "2026-11-20",
                "who_kind": "organization",
                "who": "青山建材有限公司",
                "how": "visit",
                "said": "希望增加企业专窗",
                "plan": "研究开设企业服务专窗",
            },
        )
        feedback.visit_told_back(VIEWERS["manager"], v["id"], "已于周三起开设企业专窗")
    data = feedback.visits(month)
    assert data["due"] == 3 and data["visits"][0]["told_back_on"] == "2026-11-23"
    assert data["months"][-1] == {"month": "2026-11", "done": 1, "due": 3}
    assert data["months"][0]["month"] == "2025-12" and len(data["months"]) == 12
    assert feedback.alerts(VIEWERS["manager"])["visits"] == {"done": 1, "due": 3}
    with pytest.raises(DomainError), as_("clerk3"):
        feedback.add_visit(VIEWERS["clerk3"], {"who_kind": "person", "who": "x", "how": "phone", "said": "y"})
    with pytest.raises(DomainError), as_("manager"):  # not in the future
        feedback.add_visit(
            VIEWERS["manager"], {"day": "2026-11-24", "who_kind": "person", "who": "x", "how": "phone", "said": "y"}
        )
