"""The oversight pages of the console: who sees what (a clerk her cases, a window head her windows, names
masked except to those who need them), every table exported from the page's own query, the actions as forms, the
evidence photo (larger than the app's 64 KB limit on forms), the live page's card."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from tests.factories import SHANGHAI


def test_the_register_is_scoped_and_masked_by_role(console, work, oversight, app) -> None:
    mine = work.case("promised", "HJ-01")  # window 1 (head: 1001)
    other = work.case("promised", "HJ-01", window=3, staff="1003")
    session = app.extensions["hallq"].authenticate(app.extensions["hallq"].login("9001", "1234", None)["token"])
    oversight.set_citizen(session, mine["id"], "张三丰", "11010519491231002X")
    manager = console("manager").get("/console/oversight/cases").get_data(as_text=True)
    assert f'data-case="{mine["id"]}"' in manager and f'data-case="{other["id"]}"' in manager and "张三丰" in manager
    supervisor = console("supervisor").get("/console/oversight/cases").get_data(as_text=True)
    assert "张**" in supervisor and "张三丰" not in supervisor and "110105********002X" in supervisor
    head = console("window_head").get("/console/oversight/cases").get_data(as_text=True)
    assert f'data-case="{mine["id"]}"' in head and f'data-case="{other["id"]}"' not in head and "张三丰" in head
    clerk = console("clerk").get("/console/oversight/cases").get_data(as_text=True)  # 1002: none of hers
    assert "data-case=" not in clerk
    assert console("clerk").get(f"/console/oversight/cases/{mine['id']}").status_code == 403
    assert console("clerk").get("/console/oversight/on-time").status_code == 403


def test_the_register_exports_what_it_shows(console, work) -> None:
    case = work.case("forwarded", "HJ-02")
    user = console("manager")
    r = user.get(f"/console/oversight/cases?format=csv&number={case['case_number']}")
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["办件编号", "票号", "受理日期"]
    assert rows[1][0] == case["case_number"] and rows[1][3] == "上报件"
    data = json.loads(user.get("/console/oversight/cases?format=json&type=forwarded").get_data())
    assert [d["case_number"] for d in data] == [case["case_number"]]


def test_an_extension_by_form_and_its_approval(console, work, clock) -> None:
    case = work.case("promised", "HJ-01")
    manager = console("manager")
    r = manager.post(
        f"/console/oversight/cases/{case['id']}/extension", {"to_due": "2026-12-04", "reason": "需实地核实"}
    )
    assert "待领导审批" in manager.flash(r)
    due = manager.get("/console/oversight/due").get_data(as_text=True)
    assert "需实地核实" in due and 'value="approve"' not in due  # the manager is not an approver in this hall
    director = console("director")
    page = director.get("/console/oversight/due").get_data(as_text=True)
    ext = page.split('data-extension="')[1].split('"')[0]
    r = director.post(f"/console/oversight/extensions/{ext}/decide", {"decision": "approve"})
    assert "已批准延期至 2026-12-04" in director.flash(r)
    notice = director.get(f"/console/oversight/extensions/{ext}/notice?format=html").get_data(as_text=True)
    assert "延期办理告知书" in notice and "2026-12-04" in notice and "需实地核实" in notice
    pdf = director.get(f"/console/oversight/extensions/{ext}/notice")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_stage_forms_refuse_what_may_not_follow(console, work) -> None:
    case = work.case("forwarded", "HJ-02")
    manager = console("manager")
    r = manager.post(f"/console/oversight/cases/{case['id']}/stage", {"stage": "ready"})
    assert "不能进入" in manager.flash(r)
    r = manager.post(f"/console/oversight/cases/{case['id']}/stage", {"stage": "submitted", "note": "已上报"})
    assert "已登记：已上报" in manager.flash(r)


def test_the_on_time_page_and_its_export(console, work, oversight, app, clock) -> None:
    work.case("promised", "HJ-01")
    clock.now = dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    user = console("director")
    page = user.get("/console/oversight/on-time?month=2026-11").get_data(as_text=True)
    assert 'id="rate">0.0%' in page and "on-time-option" in page
    r = user.get("/console/oversight/on-time?month=2026-11&by=staff&format=csv")
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][:5] == ["张敏（1001）", "1", "0", "0", "1"] and rows[1][-1] == "0.0%"


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_the_summaries_print_and_export(console, work, period) -> None:
    work.case("promised", "HJ-01")
    user = console("supervisor")
    page = user.get(f"/console/oversight/summary?period={period}&day=2026-11-23")
    assert page.status_code == 200 and 'id="s-issued">1<' in page.get_data(as_text=True)
    assert user.get(f"/console/oversight/summary?period={period}&day=2026-11-23&format=pdf").data.startswith(b"%PDF")
    data = json.loads(user.get(f"/console/oversight/summary?period={period}&day=2026-11-23&format=json").data)
    assert data["tickets"]["issued"] == 1 and data["on_time"]["pending"] == (period == "month")  # due 11-30
    assert "close-day-form" not in page.get_data(as_text=True)  # only the manager closes a day


def test_a_finding_with_a_photo_larger_than_the_apps_form_limit(console, app) -> None:
    manager = console("manager")
    r = manager.post("/console/oversight/inspections", {"kind": "patrol", "checked": ["在岗在位", "禁止行为"]})
    assert r.status_code == 303
    inspection = r.headers["Location"].rsplit("/", 1)[1]
    photo = b"\xff\xd8\xff\xe0" + b"\x00" * 300_000  # a JPEG's first bytes, 300 KB
    r = manager.post(
        f"/console/oversight/inspections/{inspection}/findings",
        {
            "window": "2",
            "deduction": "forbidden_behaviour",
            "note": "窗口内吃零食",
            "photo": (io.BytesIO(photo), "a.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert "扣 2 分" in manager.flash(r)
    page = manager.get(f"/console/oversight/inspections/{inspection}").get_data(as_text=True)
    finding = page.split('data-finding="')[1].split('"')[0]
    shown = manager.get(f"/console/oversight/findings/{finding}/photo")
    assert shown.mimetype == "image/jpeg" and len(shown.data) == len(photo)
    assert manager.post("/console/bookings", {"name": "x" * 70_000}).status_code == 413  # elsewhere the limit holds
    head = console("window_head")  # window 1's head: window 2's photo and finding are not hers
    assert head.get(f"/console/oversight/findings/{finding}/photo").status_code == 404


def test_the_rota_and_a_duty_lapse(console, clock) -> None:
    manager = console("manager")
    r = manager.post("/console/oversight/rota/fill", {"first": "2026-11-01"})
    assert "21 个工作日" in manager.flash(r)
    r = manager.post("/console/oversight/rota/lapse", {"day": "2026-11-23", "note": "未提前十分钟开门"})
    assert "扣 5 分" in manager.flash(r)
    page = console("clerk").get("/console/oversight/rota?month=2026-11").get_data(as_text=True)
    assert 'data-day="2026-11-23"' in page and "已登记失职 1" in page and "rota/fill" not in page


def test_the_live_page_shows_the_days_patrols(console) -> None:
    page = console("manager").get("/console/live").get_data(as_text=True)
    assert 'id="oversight-live"' in page and "0/2" in page
