"""application/oversight.py over the real store: extensions and the on-time rate, each type's flow through the
service, the register's scope and masking, the summary and the day's close, inspections, the rota, and what the
scores (issue 14) and the caller read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from application.oversight import CaseQuery, Scope
from core.tickets import DomainError
from tests.factories import SHANGHAI

D = dt.date.fromisoformat


def session(app: Any, staff: str) -> Any:
    """A fresh sign-in (a clerk at her window: the days in these tests run past a sign-in's 12 hours)."""
    service = app.extensions["hallq"]
    window = None
    if service.config.staff_member(staff).role == "clerk":
        window = next(w.number for w in service.config.windows if staff in (w.staff_a, w.staff_b))
    return service.authenticate(service.login(staff, "1234", window)["token"])


EVERYTHING = Scope("9001", "manager", unmask=True)


def go(clock: Any, day: str, hour: int = 9) -> None:
    clock.now = dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=SHANGHAI)


# ---- extensions and the rate ------------------------------------------------------------------------------------


def test_an_extension_approved_in_time_moves_the_date_the_case_is_held_to(app, clock, work, oversight) -> None:
    case = work.case("promised", "HJ-01")  # Mon 11-23, due 11-30
    clerk, director = session(app, "1001"), session(app, "9002")
    ext = oversight.request_extension(clerk, case["id"], D("2026-12-04"), "需实地核实房屋情况")
    assert oversight.store.case(case["id"])["due_date"] == "2026-11-30"  # nothing moves before approval
    with pytest.raises(DomainError) as refused:
        oversight.decide_extension(session(app, "9001"), ext["id"], True)  # the manager is not an approver here
    assert refused.value.code == "forbidden"
    go(clock, "2026-11-30")  # the last day: still in time
    decided = oversight.decide_extension(director, ext["id"], True, "同意")
    assert decided["in_time"] == 1
    row = oversight.store.case(case["id"])
    assert (row["due_date"], row["original_due"], row["counted_due"], row["due_rule"]) == (
        "2026-12-04",
        "2026-11-30",
        None,
        "extension",
    )
    go(clock, "2026-12-03")
    oversight.advance(clerk, case["id"], "completed")
    described = oversight.case_detail(EVERYTHING, case["id"])["case"]
    assert described["outcome"] == "on_time"
    assert described["due_rule"] == "extension"
    figures = oversight.on_time(D("2026-12-01"), D("2026-12-31"))
    assert (figures["total"].on_time, figures["total"].due) == (1, 1)
    notice = oversight.extension_notice(ext["id"])
    assert notice["extension"]["to_due"] == "2026-12-04" and notice["approver"] == "林主任"


def test_an_extension_approved_after_the_date_passed_does_not_excuse_the_delay(app, clock, work, oversight) -> None:
    case = work.case("promised", "HJ-01")  # due 11-30
    ext = oversight.request_extension(session(app, "1001"), case["id"], D("2026-12-04"), "材料待补正")
    go(clock, "2026-12-01")
    decided = oversight.decide_extension(session(app, "9002"), ext["id"], True)
    assert decided["in_time"] == 0
    row = oversight.store.case(case["id"])
    assert (row["due_date"], row["counted_due"]) == ("2026-12-04", "2026-11-30")
    assert oversight.case_detail(EVERYTHING, case["id"])["case"]["overdue"] is False  # the citizen's new date
    go(clock, "2026-12-03")
    oversight.advance(session(app, "1001"), case["id"], "completed")
    assert oversight.on_time(D("2026-11-01"), D("2026-11-30"))["total"].late == 1
    lines = oversight.score_lines(D("2026-11-01"), D("2026-11-30"))
    assert [(ln["kind"], ln["window"], ln["ground"]) for ln in lines] == [("overdue_case", 1, "")]  # told the citizen


def test_a_refused_extension_and_one_request_at_a_time(app, work, oversight) -> None:
    case = work.case("promised", "HJ-01")
    clerk = session(app, "1001")
    ext = oversight.request_extension(clerk, case["id"], D("2026-12-04"), "x")
    with pytest.raises(DomainError):
        oversight.request_extension(clerk, case["id"], D("2026-12-07"), "y")
    oversight.decide_extension(session(app, "9002"), ext["id"], False, "理由不充分")
    assert oversight.store.case(case["id"])["due_date"] == "2026-11-30"
    with pytest.raises(DomainError):
        oversight.decide_extension(session(app, "9002"), ext["id"], True)


def test_a_clerk_extends_only_her_own_or_her_windows_cases(app, work, oversight) -> None:
    case = work.case("promised", "HJ-01")
    with pytest.raises(DomainError) as refused:
        oversight.request_extension(session(app, "1002"), case["id"], D("2026-12-04"), "x")
    assert refused.value.status == 403


def test_the_rate_per_window_clerk_and_item_uses_the_one_rule(app, clock, work, oversight) -> None:
    on_time = work.case("promised", "HJ-01")
    late = work.case("promised", "HJ-01")
    open_ = work.case("promised", "HJ-01")
    other = work.case("promised", "HJ-01", window=3, staff="1003")
    go(clock, "2026-11-27")
    oversight.advance(session(app, "1001"), on_time["id"], "completed")
    go(clock, "2026-12-01")
    oversight.advance(session(app, "1001"), late["id"], "completed")
    go(clock, "2026-12-02")
    for by, key in (("window", 1), ("staff", "1001"), ("item", "HJ-01")):
        groups = {k: f for k, _, f in oversight.on_time(D("2026-11-01"), D("2026-11-30"), by)["groups"]}
        figures = groups[key]
        if by == "item":
            assert (figures.on_time, figures.late, figures.overdue) == (1, 1, 2)
        else:
            assert (figures.on_time, figures.late, figures.overdue, round(figures.rate, 3)) == (1, 1, 1, 0.333)
    assert open_["id"] and other["id"]
    caused = oversight.overdue_caused_by_window(D("2026-11-01"), D("2026-11-30"))
    assert sorted((c["window"], c["outcome"]) for c in caused) == [(1, "late"), (1, "overdue"), (3, "overdue")]


# ---- the flows through the service ------------------------------------------------------------------------------------


def test_a_forwarded_case_goes_through_its_stages_and_completes_when_collected(app, clock, work, oversight) -> None:
    case = work.case("forwarded", "HJ-02")
    clerk = session(app, "1001")
    for stage, note in (
        ("submitted", ""),
        ("returned_for_more", "县局要求补充房屋证明"),
        ("submitted", ""),
        ("approved", ""),
        ("ready", ""),
    ):
        detail = oversight.advance(clerk, case["id"], stage, note=note)
        assert detail["case"]["stage"] == stage
    assert oversight.store.case(case["id"])["status"] == "open"
    with pytest.raises(DomainError):
        oversight.advance(clerk, case["id"], "submitted")
    detail = oversight.advance(clerk, case["id"], "collected")
    assert detail["case"]["status"] == "completed" and detail["case"]["stage"] == "collected"
    assert [s["stage"] for s in detail["stages"]] == [
        "submitted",
        "returned_for_more",
        "submitted",
        "approved",
        "ready",
        "collected",
    ]


def test_a_joint_case_completes_after_every_window_involved(app, work, oversight) -> None:
    case = work.case("joint", "HJ-01")
    lead, other = session(app, "1001"), session(app, "1002")
    oversight.advance(lead, case["id"], "step_sent", window=2, note="请社保窗口核定")
    with pytest.raises(DomainError):
        oversight.advance(lead, case["id"], "completed")
    oversight.advance(other, case["id"], "step_done", window=2, note="已核定")  # the window involved records its step
    detail = oversight.advance(lead, case["id"], "completed")
    assert detail["case"]["status"] == "completed"
    assert detail["steps_done"] == [2]


def test_an_unowned_case_is_assigned_by_the_centre(app, clock, work, oversight) -> None:
    case = work.case("unowned", "HJ-01")
    with pytest.raises(DomainError) as refused:
        oversight.advance(session(app, "1001"), case["id"], "assigned", window=3, deadline=D("2026-12-04"))
    assert refused.value.status == 403
    detail = oversight.advance(
        session(app, "9001"), case["id"], "assigned", window=3, deadline=D("2026-12-04"), note="由综合窗口牵头"
    )
    c = detail["case"]
    assert (c["owner_window"], c["due_date"], c["due_rule"], c["responsible_window"]) == (
        3,
        "2026-12-04",
        "assigned",
        3,
    )
    owner_view = Scope("1003", "clerk", windows=(3,))
    assert [r["id"] for r in oversight.attention(Scope("9001", "manager"))["due_soon"]] == []
    go(clock, "2026-12-02")
    assert [r["id"] for r in oversight.attention(owner_view)["due_soon"]] == [case["id"]]


def test_a_returned_cases_review_is_the_directors(app, work, oversight) -> None:
    case = work.case("returned", "HJ-01", note="不符合迁入条件")
    detail = oversight.case_detail(EVERYTHING, case["id"])
    assert detail["case"]["decision_due"] == "2026-11-26"  # returned_decision_workdays = 3
    oversight.advance(session(app, "1001"), case["id"], "review_requested", note="申请人对退回理由有异议")
    with pytest.raises(DomainError):
        oversight.advance(session(app, "9001"), case["id"], "review_upheld", note="维持")
    detail = oversight.advance(session(app, "9002"), case["id"], "review_overturned", note="重新受理")
    assert detail["case"]["stage"] == "review_overturned"


def test_an_incomplete_case_links_the_return_visit(app, work, oversight) -> None:
    case = work.case("incomplete", "HJ-01", missing_materials=["准予迁入证明"])
    with pytest.raises(DomainError) as refused:
        oversight.advance(session(app, "1001"), case["id"], "followed_up", ref="no-such-ticket")
    assert refused.value.code == "unknown_ref"
    again = work.client.post("/api/v1/tickets", json={"service": "HJ"}).json
    detail = oversight.advance(session(app, "1001"), case["id"], "followed_up", ref=again["id"])
    assert detail["stages"][-1]["ref"] == f"ticket:{again['id']}"


def test_an_urgent_case_is_listed_first(app, clock, work, oversight) -> None:
    plain = work.case("promised", "HJ-01")
    urgent = work.case("urgent", "HJ-01")
    go(clock, "2026-11-27")
    due = oversight.attention(EVERYTHING)["due_soon"]
    assert [r["id"] for r in due] == [urgent["id"], plain["id"]]


# ---- the register: scope and masking ------------------------------------------------------------------------------


def test_the_register_searches_and_masks_the_citizen(app, work, oversight) -> None:
    mine = work.case("promised", "HJ-01")
    theirs = work.case("promised", "HJ-01", window=3, staff="1003")
    oversight.set_citizen(session(app, "1001"), mine["id"], "张三丰", "11010519491231002X")
    whole = oversight.register(Scope("1001", "clerk", own_only=True), CaseQuery())
    assert [r["id"] for r in whole["rows"]] == [mine["id"]]  # a clerk: her own
    assert (whole["rows"][0]["citizen_name"], whole["rows"][0]["citizen_id"]) == ("张三丰", "110105********002X")
    supervisor = oversight.register(Scope("9003", "supervisor"), CaseQuery(window=1))["rows"][0]
    assert (supervisor["citizen_name"], supervisor["citizen_id_whole"]) == ("张**", "")
    by_number = oversight.register(EVERYTHING, CaseQuery(number=theirs["case_number"]))
    assert [r["id"] for r in by_number["rows"]] == [theirs["id"]]
    assert oversight.register(EVERYTHING, CaseQuery(status="due_soon"))["total"] == 0
    assert oversight.register(EVERYTHING, CaseQuery(case_type="promised", accepted_from=D("2026-11-23")))["total"] == 2


def test_the_callers_case_rows_carry_days_left_and_due_soon(app, clock, work) -> None:
    work.case("promised", "HJ-01")
    go(clock, "2026-11-26")
    work.tokens.clear()
    r = work.client.get("/api/v1/cases", headers=work.login(1, "1001"))
    assert r.status_code == 200
    assert {k: r.json[0][k] for k in ("days_left", "due_soon", "overdue")} == {
        "days_left": 2,
        "due_soon": True,
        "overdue": False,
    }


# ---- the summary and the day's close ---------------------------------------------------------------------------------


def test_the_days_summary_and_its_close(app, clock, work, oversight) -> None:
    work.case("promised", "HJ-01")
    work.case("immediate", "SB-01", window=2, staff="1002")
    manager = session(app, "9001")
    oversight.record_inspection(manager, kind="patrol", checked=["在岗在位"])
    s = oversight.summary(D("2026-11-23"), D("2026-11-23"))
    assert (s["tickets"]["issued"], s["tickets"]["served"], s["cases_accepted"]) == (2, 2, 2)
    assert {c["code"]: c["n"] for c in s["cases_by_type"]}["promised"] == 1
    assert s["inspections"]["per_kind"]["patrol"] == 1 and s["inspections"]["short_days"] == [
        {"day": "2026-11-23", "done": 1, "required": 2}
    ]
    with pytest.raises(DomainError) as refused:
        oversight.close_day(manager, D("2026-11-23"))  # before closing time
    assert refused.value.code == "day_not_over"
    go(clock, "2026-11-23", 18)
    kept = oversight.close_day(manager, D("2026-11-23"), "正常")
    assert kept["tickets"]["issued"] == 2
    with pytest.raises(DomainError):
        oversight.close_day(manager, D("2026-11-23"))
    assert oversight.day_close(D("2026-11-23"))["summary"]["cases_accepted"] == 2


# ---- inspections and the rota -----------------------------------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_patrol_with_a_finding_a_photo_and_its_rectification(app, work, oversight) -> None:
    work.login(2, "1002")  # the clerk signed in at window 2
    manager = session(app, "9001")
    patrol = oversight.record_inspection(
        manager, kind="patrol", checked=["在岗在位", "禁止行为"], note="上午第一次巡查"
    )
    finding = oversight.add_finding(
        manager,
        patrol["id"],
        window=2,
        checklist_item="禁止行为",
        deduction="forbidden_behaviour",
        note="工作时间玩手机",
        photo=PNG,
    )
    assert (finding["staff"], finding["points"], finding["rectify_by"]) == ("1002", 2, "2026-11-30")
    assert oversight.photo(finding["id"]) == (PNG, "image/png")
    with pytest.raises(DomainError):
        oversight.add_finding(manager, patrol["id"], window=2, note="x", photo=b"GIF89a...")
    with pytest.raises(DomainError) as refused:
        oversight.rectify(session(app, "1003"), finding["id"], "已改正")
    assert refused.value.status == 403
    oversight.rectify(session(app, "1002"), finding["id"], "已批评教育，手机统一存放")
    assert oversight.findings(D("2026-11-23"), D("2026-11-23"))[0]["rectification"] == "done"
    assert oversight.deductions(D("2026-11-01"), D("2026-11-30")) == [
        {
            "id": finding["id"],
            "day": "2026-11-23",
            "window": 2,
            "staff": "1002",
            "kind": "forbidden_behaviour",
            "points": 2,
            "inspection_kind": "patrol",
            "note": "工作时间玩手机",
        }
    ]
    assert oversight.patrol_count(D("2026-11-23")).short == 1


def test_the_rota_is_filled_in_turn_and_a_duty_lapse_costs_points(app, clock, oversight) -> None:
    manager = session(app, "9001")
    assert oversight.fill_rota(manager, D("2026-11-23"), D("2026-11-29")) == 5
    rota = {r["day"].isoformat(): r["window"] for r in oversight.rota(D("2026-11-23"), D("2026-11-29"))}
    assert rota == {
        "2026-11-23": 1, "2026-11-24": 2, "2026-11-25": 3, "2026-11-26": 1, "2026-11-27": 2, "2026-11-28": None, "2026-11-29": None
    }  # fmt: skip
    assert oversight.fill_rota(manager, D("2026-11-23"), D("2026-11-29")) == 0
    oversight.set_duty(manager, D("2026-11-24"), 3, "2号窗口培训，3号代班")
    assert oversight.duty_window(D("2026-11-24")) == 3
    go(clock, "2026-11-24", 12)
    past = oversight.rota(D("2026-11-23"), D("2026-11-23"))[0]
    assert past["late_open"] is True  # nobody of window 1 signed in before 08:20
    lapse = oversight.record_duty_lapse(manager, D("2026-11-23"), "未提前十分钟开门")
    assert (lapse["window"], lapse["staff"], lapse["points"], lapse["deduction"]) == (1, "1001", 5, "duty_lapse")
    assert [d["kind"] for d in oversight.duty_lapses(D("2026-11-01"), D("2026-11-30"))] == ["duty_lapse"]
    lines = oversight.score_lines(D("2026-11-01"), D("2026-11-30"))
    assert [(ln["kind"], ln["window"], ln["staff"], ln["points"], ln["source"]) for ln in lines] == [
        ("duty_lapse", 1, "1001", 5, "inspection")
    ]
