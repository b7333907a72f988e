"""Every bad rating opens a rectification record: verify within the hall's verify_workdays, one outcome, a
deadline within rectify_workdays, appeals decided by the director (an upheld one leaves the figures), and the
follow-up call with the phone masked except to the caller — each step by who may take it, on record."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core import feedback as fb
from core.tickets import DomainError
from tests.feedback.conftest import VIEWERS, as_, rate, serve


def test_a_bad_rating_opens_a_record_owned_by_the_clerk_with_a_verify_deadline(app, feedback) -> None:
    good, bad = serve(app, "1003"), serve(app, "1003")
    rate(app, good, 5)
    rate(app, bad, 1, ["服务态度不好"], "窗口人员一直玩手机")
    record = feedback.store.rectification(bad)
    assert feedback.store.rectification(good) is None
    assert record["status"] == "open" and record["staff"] == "1003" and record["window"] == 3
    assert record["verify_due"] == "2026-11-24"  # Monday + 1 working day
    assert record["item"] == "SB-01" and record["case_number"].startswith("20261123-")
    assert record["reasons"] == ["服务态度不好"] and record["comment"] == "窗口人员一直玩手机"
    opened = [h for h in feedback.store.history(bad) if h["action"] == "rectification.opened"]
    assert len(opened) == 1 and opened[0]["role"] == "system"


def test_a_missed_record_is_opened_at_start_up(app, feedback) -> None:
    ticket = serve(app, "1003")
    rate(app, ticket, 2)
    with app.extensions["hallq"].writing():  # as if the server stopped between the rating and its record
        feedback.store._write("DELETE FROM rectifications WHERE ticket = ?", (ticket,))
    assert feedback.open_missing_rectifications() == 1
    assert feedback.store.rectification(ticket)["status"] == "open"


def test_the_booking_phone_is_kept_for_the_follow_up_and_shown_masked(app, feedback) -> None:
    ticket = serve(app, "1003", booking_phone="13812348000")
    rate(app, ticket, 1)
    record = feedback.rectification(VIEWERS["manager"], ticket)
    assert "contact_phone" not in record and record["phone_masked"] == "138****8000"
    assert record["may_call"]


def test_the_whole_walk_rectification_with_a_deadline_then_follow_up(app, feedback, clock) -> None:
    ticket = serve(app, "1003", booking_phone="13812348000")
    rate(app, ticket, 2)
    with as_("clerk3"):
        feedback.step(VIEWERS["clerk3"], ticket, "verify", {"note": "属实：群众等候时窗口在接电话"})
    with pytest.raises(DomainError) as too_late, as_("clerk3"):
        feedback.step(VIEWERS["clerk3"], ticket, "deadline", {"note": "plan", "due": "2026-12-31"})
    assert too_late.value.code == "bad_due_date"  # past the 15 working days
    with as_("clerk3"):
        feedback.step(
            VIEWERS["clerk3"],
            ticket,
            "deadline",
            {"note": "窗口电话改由B岗接听", "measures": "窗口工作期间电话由B岗接听", "due": "2026-12-04"},
        )
    record = feedback.store.rectification(ticket)
    assert record["status"] == "rectifying" and record["rectify_due"] == "2026-12-04"
    with as_("clerk3"):
        feedback.step(VIEWERS["clerk3"], ticket, "complete", {"note": "已调整"})
    assert feedback.store.rectification(ticket)["follow_up_due"] == "2026-11-30"
    with pytest.raises(DomainError) as refused:  # the clerk rated never calls the citizen herself
        feedback.reveal_phone(VIEWERS["clerk3"], ticket)
    assert refused.value.status == 403
    with as_("supervisor"):
        assert feedback.reveal_phone(VIEWERS["supervisor"], ticket) == "13812348000"
        feedback.step(VIEWERS["supervisor"], ticket, "follow_up", {"view": "satisfied", "note": "群众表示满意"})
    record = feedback.store.rectification(ticket)
    assert record["status"] == "closed" and record["follow_up_view"] == "satisfied"
    actions = [(h["action"], h["staff"]) for h in feedback.store.history(ticket)]
    assert actions == [
        ("rectification.opened", ""),
        ("rectification.verify", "1003"),
        ("rectification.deadline", "1003"),
        ("rectification.complete", "1003"),
        ("rectification.phone_viewed", "9003"),
        ("rectification.follow_up", "9003"),
    ]


def test_an_upheld_appeal_takes_the_rating_out_of_the_figures_but_keeps_it(app, feedback) -> None:
    tickets = [serve(app, "1003") for _ in range(4)]
    for t, score in zip(tickets, (5, 5, 4, 1), strict=True):
        rate(app, t, score)
    month = fb.parse_period("2026-11")
    before = feedback.figures(month)["total"]
    assert before["rated"] == 4 and before["bad"] == 1 and before["satisfaction"] == 0.75
    with as_("clerk3"):
        feedback.step(VIEWERS["clerk3"], tickets[3], "verify", {"note": "监控显示办理顺利，评价人误按"})
        feedback.step(VIEWERS["clerk3"], tickets[3], "appeal", {"grounds": "mistaken", "note": "群众当场表示按错"})
    with pytest.raises(DomainError), as_("manager"):  # the manager cannot decide an appeal
        feedback.step(VIEWERS["manager"], tickets[3], "uphold", {"note": "x"})
    with as_("director"):
        feedback.step(VIEWERS["director"], tickets[3], "uphold", {"note": "核实为误评"})
    after = feedback.figures(month)["total"]
    assert after["rated"] == 3 and after["bad"] == 0 and after["satisfaction"] == 1.0
    assert feedback.store.rating(tickets[3])["score"] == 1  # never deleted
    rows = list(feedback.export_rows(month))
    assert {r["evaluateId"]: r["counted"] for r in rows}[tickets[3]] == 0


def test_a_rejected_appeal_needs_another_outcome_and_cannot_be_appealed_again(app, feedback) -> None:
    ticket = serve(app, "1003")
    rate(app, ticket, 1)
    with as_("clerk3"):
        feedback.step(VIEWERS["clerk3"], ticket, "verify", {"note": "n"})
        feedback.step(VIEWERS["clerk3"], ticket, "appeal", {"grounds": "malicious", "note": "n"})
    with as_("director"):
        feedback.step(VIEWERS["director"], ticket, "reject", {"note": "证据不足"})
    assert feedback.store.rectification(ticket)["status"] == "verified"
    with pytest.raises(DomainError) as again, as_("clerk3"):
        feedback.step(VIEWERS["clerk3"], ticket, "appeal", {"grounds": "malicious", "note": "n"})
    assert again.value.code == "appeal_decided"
    with as_("clerk3"):
        feedback.step(VIEWERS["clerk3"], ticket, "explanation", {"note": "已向群众解释政策"})
    assert feedback.store.rectification(ticket)["status"] == "explained"


@pytest.mark.parametrize(
    "who, allowed",
    [("clerk", False), ("window_head", False), ("clerk3", True), ("manager", True), ("supervisor", False)],
)
def test_who_may_verify(app, feedback, who, allowed) -> None:
    ticket = serve(app, "1003")
    rate(app, ticket, 2)
    with as_(who):
        if allowed:
            feedback.step(VIEWERS[who], ticket, "verify", {"note": "n"})
        else:
            with pytest.raises(DomainError) as refused:
                feedback.step(VIEWERS[who], ticket, "verify", {"note": "n"})
            assert refused.value.status == 403


def test_a_clerk_sees_her_own_records_a_window_head_her_windows(app, feedback) -> None:
    mine, theirs = serve(app, "1001"), serve(app, "1003")
    rate(app, mine, 2)
    rate(app, theirs, 2)
    seen = {who: {r["ticket"] for r in feedback.rectifications(VIEWERS[who], status="")} for who in VIEWERS}
    assert seen["window_head"] == {mine}
    assert seen["clerk3"] == {theirs}
    assert seen["clerk"] == set()
    assert seen["manager"] == seen["director"] == seen["supervisor"] == {mine, theirs}
    with pytest.raises(DomainError):
        feedback.rectification(VIEWERS["clerk"], theirs)


def test_overdue_steps_show_and_feed_the_scores(app, feedback, clock) -> None:
    ticket = serve(app, "1003")
    rate(app, ticket, 2)
    clock.advance(days=1)  # Tuesday 11-24: the verify day itself is not late
    assert feedback.rectifications(VIEWERS["manager"], status="overdue") == []
    clock.advance(days=1)  # Wednesday 11-25
    overdue = feedback.rectifications(VIEWERS["manager"], status="overdue")
    assert [(r["ticket"], r["overdue"]) for r in overdue] == [(ticket, "verify")]
    assert feedback.alerts(VIEWERS["window_head"])["rectifications"] == []  # not her window
    assert [r["ticket"] for r in feedback.alerts(VIEWERS["manager"])["rectifications"]] == [ticket]
    late = feedback.late_rectification_steps(dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert late == [
        {"ticket": ticket, "window": 3, "staff": "1003", "step": "verify", "due": "2026-11-24", "done_on": None}
    ]
    with as_("clerk3"):
        feedback.step(VIEWERS["clerk3"], ticket, "verify", {"note": "late"})
    late = feedback.late_rectification_steps(dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert late[0]["done_on"] == "2026-11-25"


def test_a_phone_rating_records_the_channel_and_its_phone(app, feedback) -> None:
    ticket = serve(app, "1003")
    web = app.test_client()
    page = web.get(f"/t/{ticket}/rate").get_data(as_text=True)
    assert "请为" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = web.post(
        f"/t/{ticket}/rate",
        data={
            "csrf_token": token,
            "score": "1",
            "reasons": ["等候时间过长"],
            "comment": "等了一个小时",
            "phone": "13900001111",
        },
    )
    assert r.status_code == 200 and "谢谢" in r.get_data(as_text=True)
    assert feedback.store.rating(ticket)["channel"] == "phone"
    record = feedback.store.rectification(ticket)
    assert record["contact_phone"] == "13900001111" and record["contact_source"] == "phone_page"
    again = web.get(f"/t/{ticket}/rate").get_data(as_text=True)
    assert "已经评价过" in again
    with pytest.raises(DomainError):  # the pad cannot rate it a second time either
        rate(app, ticket, 5)


def test_a_phone_rating_never_defaults(app, feedback) -> None:
    ticket = serve(app, "1003")
    with pytest.raises(DomainError):
        feedback.rate_by_phone(ticket, 0, [])
    with pytest.raises(DomainError):  # a bad one needs a reason
        feedback.rate_by_phone(ticket, 2, [], "")
    assert feedback.store.rating(ticket) is None
