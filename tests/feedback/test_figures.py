"""Rating figures per clerk, window, service, item and line on a hand-made day; the flag two months running; the
export's field mapping; the monthly public page carries no personal data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from core import feedback as fb
from tests.feedback.conftest import VIEWERS, as_, rate, serve


def day_of_ratings(app):
    """Window 1 (1001): 3 served, rated 5, 4, 2 · window 3 (1003): 2 served, rated 3 · one served unrated."""
    t1 = [serve(app, "1001") for _ in range(3)]
    t3 = [serve(app, "1003") for _ in range(2)]
    for t, s in zip(t1, (5, 4, 2), strict=True):
        rate(app, t, s, ["等候时间过长"] if s <= 2 else [])
    rate(app, t3[0], 3)
    return t1, t3


def test_figures_per_unit(app, feedback) -> None:
    day_of_ratings(app)
    figures = feedback.figures(fb.parse_period("2026-11-23"))
    total = figures["total"]
    assert (total["served"], total["rated"], total["bad"]) == (5, 4, 1)
    assert total["rating_rate"] == 0.8 and total["satisfaction"] == 0.75 and total["bad_rate"] == 0.25
    windows = {r["unit"]: r for r in figures["tables"]["window"]}
    assert windows[1]["served"] == 3 and windows[1]["rated"] == 3 and windows[1]["levels"] == [1, 1, 0, 1, 0]
    assert windows[1]["reasons"] == [("等候时间过长", 1)]
    assert windows[3]["rating_rate"] == 0.5 and windows[3]["satisfaction"] == 1.0
    staff = {r["unit"]: r for r in figures["tables"]["staff"]}
    assert staff["1001"]["name"] == "张敏（1001）" and staff["1003"]["rated"] == 1
    items = {r["unit"]: r for r in figures["tables"]["item"]}
    assert items["HJ-01"]["served"] == 3 and items["SB-01"]["served"] == 2 and items["HJ-01"]["rated"] == 3
    services = {r["unit"]: r for r in figures["tables"]["service"]}
    assert services["HJ"]["rated"] == 3 and services["SB"]["served"] == 2


def test_a_hall_may_define_satisfaction_its_own_way(tmp_path, clock) -> None:
    from tests.console.conftest import console_hall, hall_app

    with hall_app(console_hall(feedback={"satisfied_levels": [5, 4]}), tmp_path, clock) as app:
        day_of_ratings(app)
        total = app.extensions["hallq.feedback"].figures(fb.parse_period("2026-11"))["total"]
        assert total["satisfaction"] == 0.5  # 5 and 4 of four ratings


def test_month_and_quarter_cover_the_days(app, feedback, clock) -> None:
    day_of_ratings(app)
    clock.advance(days=7)
    t = serve(app, "1003")
    rate(app, t, 5)
    month = feedback.figures(fb.parse_period("2026-11"))
    assert month["total"]["rated"] == 5 and len(month["days"]) == 30
    assert next(d for d in month["days"] if d["day"] == "2026-11-30")["rated"] == 1
    assert feedback.figures(fb.parse_period("2026-Q4"))["total"]["rated"] == 5
    assert feedback.figures(fb.parse_period("2026-11-30"))["total"]["rated"] == 1


def test_a_window_last_two_months_running_is_flagged(app, feedback, clock) -> None:
    """October and November: window 3 is last (and under 95 %) both months; window 1 never."""
    from tests.feedback.conftest import WINDOW_OF

    service = app.extensions["hallq"]
    with service.writing():  # ten ratings a month per window, written as the pad would have (flag_min_rated = 10)
        for month, day in (("10", "2026-10-20"), ("11", "2026-11-20")):
            for window, staff, scores in ((1, "1001", [5] * 10), (3, "1003", [5] * 8 + [2, 1])):
                for i, score in enumerate(scores):
                    feedback.store._write(
                        "INSERT INTO ratings (ticket, number, service, window, staff, score, reasons, comment, dimensions, at)"
                        " VALUES (?, ?, 'SB', ?, ?, ?, '[\"其他\"]', '', '{}', ?)",
                        (f"{month}-{window}-{i}", f"B{i:03d}", window, staff, score, f"{day}T10:00:00+08:00"),
                    )
    assert WINDOW_OF["1003"] == 3
    flags = feedback.flags(fb.parse_period("2026-11"))
    assert flags["window"] == {3: (("last", "below"), ("last", "below"))}
    assert set(flags["staff"]) == {"1003"}
    assert feedback.flags(fb.parse_period("2026-10"))["window"] == {}  # September had no ratings


def test_the_export_in_the_documented_mapping(app, feedback) -> None:
    t1, _ = day_of_ratings(app)
    month = fb.parse_period("2026-11")
    text = "".join(feedback.export_csv(month))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert list(rows[0]) == [k for k, _, _ in fb.EXPORT_FIELDS]
    bad = next(r for r in rows if r["evaluateId"] == t1[2])
    assert bad["alternate"] == "2" and bad["alternateName"] == "不满意" and bad["reasons"] == "等候时间过长"
    assert bad["taskCode"] == "HJ-01" and bad["taskName"] == "户口迁入" and bad["userName"] == "张敏"
    assert bad["channel"] == "3" and bad["windowNo"] == "1" and bad["counted"] == "1"
    assert bad["evalTime"] == "2026-11-23 09:00:00" and bad["rectifyState"] == "待核实"
    assert bad["projectNo"].startswith("20261123-")
    data = json.loads(b"".join(feedback.export_json(month)))
    assert [f["key"] for f in data["fields"]] == [k for k, _, _ in fb.EXPORT_FIELDS]
    assert len(data["records"]) == 4 and data["period"] == "2026-11"


def test_the_export_masks_numbers_in_comments(app, feedback) -> None:
    t = serve(app, "1003")
    rate(app, t, 1, ["其他"], "请打13812348000联系我")
    row = next(feedback.export_rows(fb.parse_period("2026-11")))
    assert row["evalContent"] == "请打138****8000联系我"


def test_the_export_is_on_record_and_for_who_may(app, feedback, console) -> None:
    day_of_ratings(app)
    manager = console("manager")
    r = manager.get("/console/ratings/export.csv?period=2026-11")
    assert r.status_code == 200 and r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    assert console("window_head").get("/console/ratings/export.csv?period=2026-11").status_code == 403
    assert any(a["action"] == "ratings.exported" for a in app.extensions["hallq"].audit_log())


def test_the_public_page_has_figures_and_rectifications_and_no_personal_data(app, feedback, clock) -> None:
    t = serve(app, "1003", booking_phone="13812348000")
    rate(app, t, 1, ["服务态度不好"], "赵磊对我大喊")
    with as_("clerk3"):
        feedback.step(VIEWERS["clerk3"], t, "verify", {"note": "属实"})
        feedback.step(
            VIEWERS["clerk3"], t, "on_the_spot", {"note": "当场道歉", "measures": "开展文明用语培训，联系13812348000"}
        )
    page = app.test_client().get("/public/ratings/2026-11").get_data(as_text=True)
    assert "好差评”情况公示" in page and "3号 综合窗口" in page
    assert "开展文明用语培训" in page and "立行立改" in page and "服务态度不好" in page
    for private in ("13812348000", "赵磊", "1003", "对我大喊", t, "张三"):
        assert private not in page, private
    assert "138****8000" in page  # a number typed into the measures is masked
    r = app.test_client().get("/public/ratings")
    assert r.status_code == 302 and r.headers["Location"].endswith("/public/ratings/2026-10")
    assert app.test_client().get("/public/ratings/2027-01").status_code == 404  # not yet


def test_the_figures_page_renders_for_a_window_head_with_her_windows_only(app, feedback, console) -> None:
    day_of_ratings(app)
    page = console("window_head").get("/console/ratings?period=2026-11&by=window").get_data(as_text=True)
    assert 'data-unit="1"' in page and 'data-unit="3"' not in page
    page = console("manager").get("/console/ratings?period=2026-11&by=window").get_data(as_text=True)
    assert 'data-unit="1"' in page and 'data-unit="3"' in page


def test_day_period_navigation(app, feedback, console) -> None:
    page = console("manager").get("/console/ratings?period=2026-11-23").get_data(as_text=True)
    assert "2026年11月23日" in page and "period=2026-11-22" in page
    assert console("manager").get("/console/ratings?period=nonsense").status_code == 400
    assert dt.date(2026, 11, 23).isoformat() in page


def test_a_window_head_sees_her_windows_totals_and_a_clerk_her_own(app, feedback, console) -> None:
    day_of_ratings(app)
    page = console("window_head").get("/console/ratings?period=2026-11").get_data(as_text=True)
    totals = page.split('id="totals"')[1].split("</div>\n  <p")[0]
    assert "<b>3</b>" in totals and "<b>5</b>" not in totals  # window 1's three, not the hall's five
    clerk = console("1003").get("/console/rectifications").get_data(as_text=True)
    assert (
        'id="my-ratings"' in clerk and "<strong>2</strong>" in clerk.split('id="my-ratings"')[1].split("</section>")[0]
    )
