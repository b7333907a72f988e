"""The people pages through the console (Flask test client): a month of attendance with late arrivals → a drafted
warning the manager confirms and prints → the month's scores with their lines → the close and the red flag; leave
through its approval chain; the quarter's selection with a disqualified candidate and its announcement."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.console.conftest import hall_app
from tests.factories import SHANGHAI
from tests.people.conftest import people_hall
from tests.people.helpers import fill

NOV = [dt.date(2026, 11, d) for d in range(1, 31)]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


def a_month(app, clock) -> None:
    """November 2026: 1002 late four times, 1003 late once and away one morning without leave, 1002 away one
    afternoon on leave approved through the chain."""
    service = app.extensions["hallq"]
    late = {("1002", NOV[2]): 7, ("1002", NOV[4]): 3, ("1002", NOV[9]): 12, ("1002", NOV[16]): 1, ("1003", NOV[11]): 20}
    away = {("1003", NOV[18]): 0, ("1002", NOV[17]): 1}
    fill(service, NOV[1], NOV[29], late=late, away=away)


def test_a_month_late_arrivals_a_warning_the_scores_and_the_red_flag(app, clock, console):
    clock.now = at(NOV[16], 17, 40)
    a_month(app, clock)
    manager = console("manager")
    # 1002's afternoon of the 18th: leave through window head → line leader (paper slip) → centre
    r = manager.post(
        "/console/people/leave",
        {"staff": "1002", "type": "personal", "start_day": "2026-11-18", "start_time": "14:30",
         "end_day": "2026-11-18", "end_time": "17:30", "reason": "孩子生病", "written": "1"},
    )  # fmt: skip
    assert "窗口负责人、线口分管领导、中心" in manager.flash(r)
    people = app.extensions["hallq.people"]
    leave_id = people.pending_leaves()[0]["leave"].id
    with pytest.raises(Exception):  # noqa: B017 - the head's step comes first
        people.decide_leave(leave_id, "centre", True, actor_role="manager")
    head = console("window_head")
    r = head.post(f"/console/people/leave/{leave_id}/decide", {"step": "window_head", "decision": "approve"})
    assert "审批中" in head.flash(r)
    r = manager.post(
        f"/console/people/leave/{leave_id}/decide",
        {"step": "line_leader", "decision": "approve", "signer": "人社所刘所长"},
    )
    assert "审批中" in manager.flash(r)
    r = manager.post(f"/console/people/leave/{leave_id}/decide", {"step": "centre", "decision": "approve"})
    assert "已批准" in manager.flash(r)

    clock.now = at(dt.date(2026, 12, 2), 9)
    manager = console("manager")  # a new day: signed in again
    page = manager.get("/console/people/attendance/month?month=2026-11").get_data(as_text=True)
    assert 'data-staff="1002" class="alert"' in page  # more than 3 late arrivals this month

    scores = people.month("2026-11")
    totals = {s["key"]: s["total"] for s in scores["staff"]}
    assert totals == {"1001": 100, "1002": 96, "1003": 94, "1101": 100}
    assert {s["key"]: s["total"] for s in scores["windows"]} == {"1": 100, "2": 96, "3": 94}
    lines_1003 = next(s for s in scores["staff"] if s["key"] == "1003")["lines"]
    assert [(ln["day"], ln["kind_zh"], ln["points"], ln["source_zh"]) for ln in lines_1003] == [
        ("2026-11-12", "迟到", -1, "考勤"),
        ("2026-11-19", "旷工半天", -5, "考勤"),
    ]
    html = manager.get("/console/people/scores?month=2026-11").get_data(as_text=True)
    assert "上午迟到 08:50 20分钟" in html and "流动红旗" in html
    assert "异议期至 2026-12-04" in html  # not yet closable

    # the warning: drafted from the facts, confirmed by the manager, printable
    drafts = people.warning_drafts(2026)
    assert [d.basis for d in drafts] == ["late_early:1002:2026-11"]
    r = manager.post("/console/people/warnings/decide", {"basis": drafts[0].basis, "decision": "confirm"})
    assert "效告〔2026〕1号" in manager.flash(r)
    letter = manager.get("/console/people/warnings/late_early:1002:2026-11/print").get_data(as_text=True)
    assert "王芳" in letter and "2026-11-03 上午迟到 08:37 7分钟" in letter
    pdf = manager.get("/console/people/warnings/late_early:1002:2026-11/print?format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert people.warning_drafts(2026) == []

    r = manager.post("/console/people/scores/close", {"month": "2026-11"})
    assert "异议期" in manager.flash(r)
    clock.now = at(dt.date(2026, 12, 4), 9)
    manager = console("manager")
    r = manager.post("/console/people/scores/close", {"month": "2026-11"})
    assert "流动红旗：1号" in manager.flash(r)
    assert people.red_flag_holder()["windows"] == [{"number": 1, "name": "1号 户籍窗口"}]
    honours = manager.get("/api/v1/honours").get_json()
    assert honours["red_flag"]["month"] == "2026-11" and honours["red_flag"]["windows"][0]["number"] == 1
    assert "户籍窗口" in manager.get("/honours").get_data(as_text=True)
    r = manager.post(
        "/console/people/scores/entry", {"day": "2026-11-20", "target": "s:1001", "kind": "commendation", "what": "x"}
    )
    assert "已确认" in manager.flash(r)  # a closed month does not change


def test_leave_of_a_day_needs_a_stand_in_and_a_clerk_sees_only_hers(app, clock, console):
    people = app.extensions["hallq.people"]
    manager = console("manager")
    r = manager.post(
        "/console/people/leave",
        {"staff": "1003", "type": "sick", "start_day": "2026-11-24", "start_time": "08:30",
         "end_day": "2026-11-24", "end_time": "17:30", "reason": "发烧"},
    )  # fmt: skip
    assert "线口分管领导、中心" in manager.flash(r)  # window 3 has no head
    leave_id = people.pending_leaves()[0]["leave"].id
    manager.post(
        f"/console/people/leave/{leave_id}/decide", {"step": "line_leader", "decision": "approve", "signer": "王"}
    )
    r = manager.post(f"/console/people/leave/{leave_id}/decide", {"step": "centre", "decision": "approve"})
    assert "书面请假条" in manager.flash(r)
    manager.post(f"/console/people/leave/{leave_id}/amend", {"written": "1"})
    r = manager.post(f"/console/people/leave/{leave_id}/decide", {"step": "centre", "decision": "approve"})
    assert "代岗人员" in manager.flash(r)
    manager.post(f"/console/people/leave/{leave_id}/amend", {"stand_in": "1101", "written": "1"})
    r = manager.post(f"/console/people/leave/{leave_id}/decide", {"step": "centre", "decision": "approve"})
    assert "已批准" in manager.flash(r)
    clerk = console("clerk")  # 1002
    page = clerk.get("/console/people/leave").get_data(as_text=True)
    assert "发烧" not in page and "data-leave=" not in page  # 1003's leave is not hers
    assert clerk.get("/console/people/scores").status_code == 403


def test_the_quarter_with_a_disqualified_candidate(tmp_path, clock):
    awards = {"shortlist_windows": 3, "select_windows": 1, "shortlist_staff": 3, "select_staff": 2}
    with hall_app(people_hall(awards=awards), tmp_path, clock) as app:
        service = app.extensions["hallq"]
        clock.now = at(dt.date(2026, 11, 12), 17, 50)
        days = fill(service, dt.date(2026, 10, 1), dt.date(2026, 12, 31), late={("1002", NOV[9]): 5})
        assert days == 62
        from tests.console.conftest import Console

        manager = Console(app).sign_in("9001")
        r = manager.post(
            "/console/people/scores/entry",
            {"day": "2026-11-12", "target": "s:1003", "kind": "verified_complaint", "source": "complaint",
             "what": "群众投诉办事推诿，经查属实"},
        )  # fmt: skip
        assert "已录入" in manager.flash(r)
        people = app.extensions["hallq.people"]
        entry = next(s for s in people.month("2026-11")["staff"] if s["key"] == "1003")["lines"][0]
        assert entry["kind"] == "verified_complaint" and entry["points"] == -10 and entry["window"] is None
        clock.now = at(dt.date(2027, 1, 6), 9)
        manager = Console(app).sign_in("9001")
        q = people.quarter("2026-Q4")
        staff = {p.candidate.key: p for p in q["staff"]}
        assert staff["1003"].eligible is False and "被投诉查实" in staff["1003"].why_not
        assert staff["1101"].eligible is False and "不足60天" in staff["1101"].why_not
        assert staff["1001"].candidate.days_on_duty == 62
        assert [k for k, p in staff.items() if p.shortlisted] == ["1001", "1002"]
        marks = {
            "mark:staff:1001:peer": "90", "mark:staff:1001:leaders": "92",
            "mark:staff:1002:peer": "95", "mark:staff:1002:leaders": "96",
            "mark:window:1:peer": "88", "mark:window:1:leaders": "90",
            "mark:window:2:peer": "97", "mark:window:2:leaders": "99",
            "mark:window:3:peer": "99", "mark:window:3:leaders": "99",
        }  # fmt: skip
        r = manager.post("/console/people/awards/marks", {"period": "2026-Q4", **marks})
        assert "已保存 10 项评分" in manager.flash(r)
        q = people.quarter("2026-Q4")
        windows = {p.candidate.key: p for p in q["windows"]}
        # window 3's founded complaint was entered against the clerk only: the window stays eligible
        assert windows["3"].eligible
        # 1: 0.8×100 + 8.8 + 9.0 = 97.8; 2: 0.8×99.67 + 9.7 + 9.9 = 99.34; 3: 0.8×100 + 9.9 + 9.9 = 99.8
        assert [(k, p.final, p.selected) for k, p in windows.items()] == [
            ("3", 99.8, True),
            ("2", 99.34, False),
            ("1", 97.8, False),
        ]
        r = manager.post("/console/people/awards/publish", {"period": "2026-Q4"})
        assert "已公布" in manager.flash(r)
        text = manager.get("/console/people/awards/2026-Q4/announcement").get_data(as_text=True)
        assert "第四季度" in text and "张敏" in text and "王芳" in text and "赵磊" not in text
        assert manager.get("/console/people/awards/2026-Q4/certificates?format=pdf").data.startswith(b"%PDF")
        honours = manager.get("/api/v1/honours").get_json()
        assert honours["period"] == "2026-Q4" and [w["number"] for w in honours["windows"]] == [3]
        assert [s["name"] for s in honours["staff"]] == ["王芳", "张敏"]
