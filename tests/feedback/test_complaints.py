"""The complaint ledger: 受理 → 调查 → 处置 → 答复 → 归档, its deadlines and escalation, where a complaint goes, and
the complainant's identity — only to supervisors and the director, every look on record."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest

from core.tickets import DomainError
from tests.feedback.conftest import VIEWERS, as_

COMPLAINT = {
    "channel": "letter",
    "name": "李四",
    "phone": "13912345678",
    "address": "青山镇幸福路8号",
    "window": "3",
    "staff": "1003",
    "grounds": ["服务态度差"],
    "summary": "11月20日在3号窗口办理社保卡补办，工作人员态度生硬。",
    "complexity": "complex",
}


def accept(feedback, who: str = "supervisor", **changes):
    with as_(who):
        return feedback.accept_complaint(VIEWERS[who], {**COMPLAINT, **changes})


def test_a_written_complaint_from_acceptance_to_the_archive(app, feedback, clock) -> None:
    c = accept(feedback)
    assert c["number"] == "TS20261123-001" and c["due_date"] == "2026-11-30" and c["route"] == "hall"
    sup = VIEWERS["supervisor"]
    with as_("supervisor"):
        feedback.complaint_step(sup, c["id"], "investigate", {"note": "调阅监控，询问当事人"})
        with pytest.raises(DomainError):  # a written complaint is answered in writing
            feedback.complaint_step(sup, c["id"], "answer", {"answer_form": "oral", "answer_text": "x"})
        feedback.complaint_step(sup, c["id"], "decide", {"finding": "founded", "action_taken": "批评教育，扣10分"})
        feedback.complaint_step(
            sup,
            c["id"],
            "answer",
            {"answer_text": "经调查，情况属实。\n已对当事人批评教育。", "satisfaction": "satisfied"},
        )
        view = feedback.complaint_step(sup, c["id"], "archive", {})
    assert view["status"] == "archived" and view["actions"] == []
    with pytest.raises(DomainError), as_("supervisor"):  # archived: read-only
        feedback.complaint_step(sup, c["id"], "investigate", {"note": "more"})
    with pytest.raises(DomainError), as_("supervisor"):  # only the director reopens
        feedback.complaint_step(sup, c["id"], "reopen", {"note": "x"})
    with as_("director"):
        view = feedback.complaint_step(VIEWERS["director"], c["id"], "reopen", {"note": "投诉人提出新情况"})
    assert view["status"] == "investigating" and view["reopened"] == 1
    actions = [h["action"] for h in feedback.store.history(c["id"])]
    assert actions == [
        "complaint.accepted",
        "complaint.investigate",
        "complaint.decide",
        "complaint.answer",
        "complaint.archive",
        "complaint.reopen",
    ]
    verified = feedback.verified_complaints(dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert [(v["number"], v["staff"], v["finding"]) for v in verified] == [("TS20261123-001", "1003", "founded")]
    assert "name" not in verified[0] and "phone" not in verified[0]


def test_an_oral_complaint_gets_an_oral_answer_on_record(app, feedback) -> None:
    c = accept(feedback, channel="phone", complexity="simple", name="", phone="", address="")
    assert c["form"] == "oral" and c["due_date"] == "2026-11-24"
    sup = VIEWERS["supervisor"]
    with as_("supervisor"):
        feedback.complaint_step(sup, c["id"], "decide", {"finding": "unfounded", "action_taken": "解释政策"})
        view = feedback.complaint_step(
            sup,
            c["id"],
            "answer",
            {"answer_text": "电话告知：材料要求依据……", "answered_to": "投诉人（电话）", "satisfaction": "fair"},
        )
    assert view["answer_form"] == "oral" and view["answered_by"] == "9003" and view["answered_to"] == "投诉人（电话）"
    with pytest.raises(DomainError):
        feedback.letter(sup, c["id"], "reply")  # no letter for an oral complaint


@pytest.mark.parametrize("who", ["clerk3", "window_head", "manager", "admin", "clerk"])
def test_nobody_but_supervisors_and_the_director_sees_the_complainant(app, feedback, who) -> None:
    c = accept(feedback, window="1", staff="1001")
    viewer = VIEWERS[who]
    with pytest.raises(DomainError) as refused, as_(who):
        feedback.complainant(viewer, c["id"])
    assert refused.value.status in (403, 404)
    for row in feedback.complaints(viewer):
        assert "name" not in row and "phone" not in row and "address" not in row


def test_every_look_at_the_complainant_is_on_record(app, feedback) -> None:
    c = accept(feedback)
    with as_("director"):
        who = feedback.complainant(VIEWERS["director"], c["id"])
    assert who["name"] == "李四" and who["phone"] == "13912345678"
    looks = [h for h in feedback.store.history(c["id"]) if h["action"] == "complaint.identity_viewed"]
    assert [(h["staff"], h["role"]) for h in looks] == [("9002", "director")]
    audit = app.extensions["hallq"].audit_log()
    accepted = next(a for a in audit if a["action"] == "complaint.accepted")
    assert "李四" not in (accepted["after"] or "") and "13912345678" not in (accepted["after"] or "")


def test_the_clerk_named_sees_the_complaint_but_never_its_complainant_nor_handles_it(app, feedback) -> None:
    c = accept(feedback)
    clerk = VIEWERS["clerk3"]
    view = feedback.complaint(clerk, c["id"])
    assert view["may_handle"] is False and view["may_see_identity"] is False and view["actions"] == []
    assert "name" not in view
    with pytest.raises(DomainError), as_("clerk3"):
        feedback.complaint_step(clerk, c["id"], "investigate", {"note": "我没有"})
    assert [r["id"] for r in feedback.complaints(VIEWERS["clerk"])] == []  # another clerk: nothing


def test_a_complaint_about_the_director_goes_higher_and_is_hidden_from_him(app, feedback) -> None:
    c = accept(feedback, window="", staff="", named=["9002"], summary="主任办事拖拉")
    assert c["route"] == "higher"
    row = feedback.store.complaint(c["id"])
    assert row["status"] == "forwarded" and row["referred_to"] == "县纪委监委派驻纪检监察组"
    assert feedback.complaints(VIEWERS["director"]) == []
    with pytest.raises(DomainError) as hidden:
        feedback.complaint(VIEWERS["director"], c["id"])
    assert hidden.value.status == 404
    view = feedback.complaint(VIEWERS["supervisor"], c["id"])
    assert view["actions"] == ["record_outcome", "archive"]


def test_a_complaint_about_a_supervisor_is_not_hers_to_handle(app, feedback) -> None:
    c = accept(feedback, who="manager", window="", staff="", named=["9003"], summary="督查人员态度差")
    assert c["route"] == "hall"
    view = feedback.complaint(VIEWERS["supervisor"], c["id"])
    assert view["may_handle"] is False and view["may_see_identity"] is False
    assert feedback.complaint(VIEWERS["director"], c["id"])["may_handle"] is True


def test_a_complaint_outside_the_remit_is_registered_with_where_to_go(app, feedback) -> None:
    with pytest.raises(DomainError):
        accept(feedback, outside_remit=True)
    c = accept(feedback, outside_remit=True, referred_to="县市场监管局（12315）")
    row = feedback.store.complaint(c["id"])
    assert row["route"] == "outside" and row["status"] == "referred" and row["referred_to"] == "县市场监管局（12315）"


def test_an_overdue_complaint_escalates_to_the_director_once(app, feedback, clock) -> None:
    c = accept(feedback, complexity="simple")
    assert feedback.complaints(VIEWERS["supervisor"])[0]["due_soon"] is True
    clock.advance(days=2)  # Wednesday; due Tuesday
    rows = feedback.complaints(VIEWERS["director"])
    assert rows[0]["overdue"] and rows[0]["escalated_at"]
    feedback.complaints(VIEWERS["director"])
    escalations = [h for h in feedback.store.history(c["id"]) if h["action"] == "complaint.escalated"]
    assert len(escalations) == 1
    detail = feedback.complaint(VIEWERS["director"], c["id"])
    assert detail["escalation"]["office"] == "县机关效能建设办公室"
    assert [x["id"] for x in feedback.alerts(VIEWERS["director"])["complaints"]] == [c["id"]]


def test_a_delay_is_told_on_record(app, feedback) -> None:
    c = accept(feedback)
    with as_("supervisor"):
        view = feedback.complaint_step(VIEWERS["supervisor"], c["id"], "delay", {"note": "需县人社局核实"})
    assert view["delay_reason"] == "需县人社局核实" and view["status"] == "accepted"


def test_the_reply_letter_is_an_a4_pdf_in_the_halls_font(app, feedback, console, tmp_path) -> None:
    c = accept(feedback)
    sup = VIEWERS["supervisor"]
    with as_("supervisor"):
        feedback.complaint_step(sup, c["id"], "decide", {"finding": "partly", "action_taken": "约谈窗口负责人"})
        feedback.complaint_step(sup, c["id"], "answer", {"answer_text": "您反映的问题部分属实。\n我们已整改。"})
    user = console("supervisor")
    r = user.get(f"/console/complaints/{c['id']}/letter/reply")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    pdf = tmp_path / "reply.pdf"
    pdf.write_bytes(r.data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+595\.\d* x 841\.\d* pts \(A4\)", info), info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "WenQuanYi" in fonts or "HallQ" in fonts or "MicroHei" in fonts, fonts
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "投诉答复函" in text and "部分属实" in text and "李四" in text
    clerk = console("clerk")
    assert clerk.get(f"/console/complaints/{c['id']}/letter/reply").status_code == 403


def test_the_scores_read_founded_complaints_and_late_rectifications(app, feedback, clock) -> None:
    from core.scoring import ScoreLine
    from tests.feedback.conftest import rate, serve

    c = accept(feedback)
    with as_("supervisor"):
        feedback.complaint_step(
            VIEWERS["supervisor"], c["id"], "decide", {"finding": "founded", "action_taken": "批评"}
        )
    ticket = serve(app, "1003")
    rate(app, ticket, 2)
    clock.advance(days=3)
    lines = [ScoreLine.of(x) for x in feedback.score_lines(dt.date(2026, 11, 1), dt.date(2026, 11, 30))]
    complaint = next(x for x in lines if x.kind == "verified_complaint")
    assert (complaint.staff, complaint.window, complaint.ground, complaint.source) == ("1003", 3, "rude", "complaint")
    assert complaint.day == dt.date(2026, 11, 23) and complaint.ref == "TS20261123-001"
    late = next(x for x in lines if x.source == "rating")
    assert (late.staff, late.window, late.day) == ("1003", 3, dt.date(2026, 11, 24)) and "核实逾期" in late.what
