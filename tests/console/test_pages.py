"""The console's pages and floor actions against the test hall (Flask test client, the hall's fake clock)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from application import commands as cmd
from server import create_app
from tests.console.conftest import Console, console_hall, csrf_of, hall_app


def clerk_at(service: Any, window: int, staff: str) -> None:
    service.login(staff, "1234", window)


def row(html: str, attr: str, value: Any) -> str:
    found = re.search(rf'<tr data-{attr}="{value}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row {attr}={value}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def section(html: str, ident: str) -> str:
    found = re.search(rf'<section class="card[^"]*" id="{ident}">(.*?)</section>', html, re.S)
    assert found, f"no section {ident}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


# ---- signing in ------------------------------------------------------------------------------------------


def _login(app, staff: str, pin: str) -> Any:
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    return client, client.post("/console/login", data={"staff": staff, "pin": pin, "csrf_token": token})


def test_a_manager_signs_in_and_lands_on_the_live_hall(app) -> None:
    client, r = _login(app, "9001", "1234")
    assert r.status_code == 303 and r.headers["Location"] == "/console/live"
    page = client.get("/console/live").get_data(as_text=True)
    assert "陈主任（9001）" in page and "大厅负责人" in page and "Hall manager" in page


def test_a_wrong_pin_is_said_plainly_and_slowed_like_the_api(app) -> None:
    for _ in range(5):
        _, r = _login(app, "9001", "0000")
        assert r.status_code == 401 and "工号或 PIN 不正确" in r.get_data(as_text=True)
    _, r = _login(app, "9001", "1234")
    assert r.status_code == 429 and "PIN 错误次数过多" in r.get_data(as_text=True)


def test_the_session_cookie_is_http_only_and_same_site(app) -> None:
    _, r = _login(app, "9001", "1234")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_when_configured(tmp_path, clock) -> None:
    with hall_app(console_hall(), tmp_path, clock, SESSION_COOKIE_SECURE=True) as app:
        client = app.test_client()
        login = client.get("/console/login", base_url="https://localhost")
        r = client.post(
            "/console/login",
            data={"staff": "9001", "pin": "1234", "csrf_token": csrf_of(login.get_data(as_text=True))},
            base_url="https://localhost",
            headers={"Referer": "https://localhost/console/login"},  # over HTTPS the form must come from here
        )
        assert r.status_code == 303 and "Secure" in r.headers["Set-Cookie"]


def test_the_signing_key_survives_a_restart(tmp_path, clock) -> None:
    first = create_app({"HALL_CONFIG": console_hall(), "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True})
    key = first.config["SECRET_KEY"]
    first.extensions["hallq"].close()
    assert (tmp_path / "console.key").stat().st_mode & 0o077 == 0
    again = create_app({"HALL_CONFIG": console_hall(), "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True})
    assert again.config["SECRET_KEY"] == key
    again.extensions["hallq"].close()


def test_signing_out_ends_the_session(console) -> None:
    user = console("manager")
    token = user.client.get_cookie("hallq_console")
    assert token is not None
    r = user.post("/console/logout")
    assert r.status_code == 303 and r.headers["Location"] == "/console/login"
    assert user.get("/console/live").status_code == 303


def test_the_session_ends_after_idle_time_and_a_live_refresh_does_not_count(console, clock) -> None:
    user = console("manager")
    clock.advance(minutes=20)
    assert user.get("/console/live/panels", headers={"X-Console-Poll": "1"}).status_code == 200
    clock.advance(minutes=11)  # 31 minutes since the last click
    r = user.get("/console/live")
    assert r.status_code == 303 and "/console/login" in r.headers["Location"]
    page = user.get(r.headers["Location"]).get_data(as_text=True)
    assert "长时间未操作" in page


def test_a_click_keeps_the_session_alive(console, clock) -> None:
    user = console("manager")
    for _ in range(4):
        clock.advance(minutes=20)
        assert user.get("/console/live").status_code == 200


def test_the_session_ends_when_its_sign_in_expires(console, clock) -> None:
    user = console("manager")
    for _ in range(13):  # 12 h (the hall's token_ttl_s), clicking every hour
        clock.advance(hours=1)
        r = user.get("/console/me")
    assert r.status_code == 303


# ---- the live hall ---------------------------------------------------------------------------------------


@pytest.fixture
def busy(app, clock) -> Any:
    """9:00–9:20: windows 1 and 2 signed in, A001 called at 1, window 2 paused, A002 and B001 waiting."""
    service = app.extensions["hallq"]
    clerk_at(service, 1, "1001")
    clerk_at(service, 2, "1002")
    service.issue("HJ")
    clock.advance(minutes=2)
    service.issue("HJ")
    service.issue("SB")
    service.call_next(1)
    service.pause(2, cmd.Pause(reason="业务培训"))
    clock.advance(minutes=18)
    return service


def test_the_live_page_shows_every_window(console, busy) -> None:
    html = console("manager").get("/console/live").get_data(as_text=True)
    one = row(html, "window", 1)
    assert "张敏" in one and "1001 · A岗" in one and "开放" in one and "A001" in one and "已叫号 · 18分00秒" in one
    assert "业务培训" in row(html, "window", 2) and "暂停" in row(html, "window", 2)
    assert "未签到" in row(html, "window", 3)
    assert "业务培训 · 18分00秒" in section(html, "paused")


def test_waiting_per_service_with_the_longest_wait_and_its_chart(console, busy) -> None:
    html = console("manager").get("/console/live").get_data(as_text=True)
    assert row(html, "service", "HJ").startswith("户籍业务 Household registration 1 18分00秒 A002")
    assert "暂无开放窗口" in row(html, "service", "SB")  # window 2 paused, window 3 closed
    option = re.search(r'<script type="application/json" id="waiting-chart-option">(.*?)</script>', html, re.S)
    assert option and '"type": "bar"' in option.group(1).replace('":"', '": "')
    assert "/static/vendor/echarts.min.js" in html and "/static/vendor/htmx.min.js" in html


def test_windows_nobody_signed_in_count_only_in_opening_hours(console, busy, clock) -> None:
    user = console("manager")
    assert "outside opening hours" not in user.get("/console/live").get_data(as_text=True)
    # the test hall does not enforce its hours for tickets, but they still say when a window should be staffed
    assert section(user.get("/console/live").get_data(as_text=True), "unstaffed").startswith(
        "无人签到的窗口 Windows nobody signed in 1 3号"
    )
    clock.advance(hours=3)  # 12:20
    user = console("manager")  # (signed out meanwhile: idle)
    assert "Outside opening hours" in section(user.get("/console/live").get_data(as_text=True), "unstaffed")


def test_served_today_and_average_handling_time(console, busy, clock) -> None:
    busy.finish(1, cmd.Finish())  # A001, called at 9:02, finished at 9:20
    html = console("manager").get("/console/live").get_data(as_text=True)
    assert row(html, "window", 1).endswith("1 18分00秒")


def test_overdue_promised_cases_are_listed(console, busy, clock) -> None:
    case = busy.finish(1, cmd.Finish(case_type="promised", item="HJ-01"))["case"]
    clock.advance(days=10)
    html = console("manager").get("/console/live").get_data(as_text=True)
    assert case["case_number"] in section(html, "overdue")


def test_a_stuck_transfer_is_listed_with_why(console, busy, clock) -> None:
    clerk_at(busy, 3, "1003")
    busy.transfer(1, cmd.Transfer(note="需要综合窗口", window=3))
    busy.logout(busy.authenticate(_token_of(busy, "1003")))
    html = console("manager").get("/console/live").get_data(as_text=True)
    assert "A001" in section(html, "stuck") and "目标窗口无人签到" in section(html, "stuck")


def _token_of(service: Any, staff: str) -> str:
    return service.login(staff, "1234", None)["token"] if staff.startswith("9") else _relogin(service, staff)


def _relogin(service: Any, staff: str) -> str:
    window = next(w.number for w in service.config.windows if w.staff_a == staff)
    token: str = service.login(staff, "1234", window)["token"]
    return token


def test_offline_or_faulty_devices_are_listed(console, busy, monkeypatch) -> None:
    devices = [
        {
            "name": "取号机1",
            "role": "kiosk",
            "window": None,
            "paired": True,
            "online": False,
            "state": "",
            "last_seen_at": None,
        },
        {
            "name": "评价器2",
            "role": "pad",
            "window": 2,
            "paired": True,
            "online": True,
            "state": "",
            "last_seen_at": None,
        },
        {
            "name": "窗口屏1",
            "role": "sign",
            "window": 1,
            "paired": True,
            "online": True,
            "state": "串口无响应",
            "last_seen_at": None,
        },
        {
            "name": "旧评价器",
            "role": "pad",
            "window": 1,
            "paired": False,
            "online": False,
            "state": "",
            "revoked": True,
        },
    ]
    monkeypatch.setattr(busy, "devices", lambda: devices, raising=False)
    html = console("manager").get("/console/live").get_data(as_text=True)
    listed = section(html, "devices")
    assert "取号机1" in listed and "窗口屏1" in listed and "串口无响应" in listed
    assert "评价器2" not in listed and "旧评价器" not in listed
    head = console("window_head").get("/console/live").get_data(as_text=True)
    assert "窗口屏1" in section(head, "devices") and "取号机1" not in section(head, "devices")


def test_a_window_head_sees_her_own_window_only(console, busy) -> None:
    html = console("window_head").get("/console/live").get_data(as_text=True)
    assert 'data-window="1"' in html and 'data-window="2"' not in html and 'data-window="3"' not in html
    assert 'data-service="HJ"' in html and 'data-service="SB"' not in html
    assert "窗口负责人" in html


def test_the_panels_fragment_is_the_live_part_alone(console, busy) -> None:
    user = console("manager")
    fragment = user.get("/console/live/panels").get_data(as_text=True)
    assert "<html" not in fragment and 'id="windows"' in fragment and "data-last-event=" in fragment
    page = user.get("/console/live").get_data(as_text=True)
    assert "ticket.called" in page and "data-panels=" in page  # the events the page follows


def test_a_clerk_sees_her_own_figures(console, busy, clock) -> None:
    case = busy.finish(1, cmd.Finish(case_type="promised", item="HJ-01"))["case"]
    clerk = console("window_head")  # 1001, also the clerk who accepted the case
    html = clerk.get("/console/me").get_data(as_text=True)
    assert "1号窗口" in html and case["case_number"] in html
    other = console("clerk").get("/console/me").get_data(as_text=True)
    assert case["case_number"] not in other


# ---- floor actions -------------------------------------------------------------------------------------


def test_closing_and_opening_a_service(console, busy) -> None:
    user = console("manager")
    r = user.post("/console/floor/services/HJ/close")
    assert user.flash(r) == "已暂停户籍业务取号。 / Household registration has stopped taking tickets."
    assert not next(s for s in busy.services() if s["code"] == "HJ")["open"]
    assert user.flash(user.post("/console/floor/services/HJ/open")).startswith("已恢复户籍业务取号")
    assert next(s for s in busy.services() if s["code"] == "HJ")["open"]


def test_console_writes_are_on_the_record_with_who_and_where(console, busy) -> None:
    user = console("manager")
    user.post("/console/floor/services/YB/close")
    entry = busy.audit_log()[0]
    assert (entry["staff"], entry["role"], entry["action"], entry["target"]) == (
        "9001",
        "manager",
        "service.closed",
        "YB",
    )
    assert entry["source"].startswith("console")


def test_pausing_and_resuming_a_window_on_the_clerks_behalf(console, busy) -> None:
    user = console("manager")
    busy.finish(1, cmd.Finish())
    r = user.post("/console/floor/windows/pause", {"window": "1", "reason": "临时离岗"})
    assert user.flash(r) == "已代为暂停1号窗口（临时离岗）。 / Window 1 is paused (临时离岗)."
    assert busy.hall_state()["windows"][0]["status"] == "paused"
    assert user.flash(user.post("/console/floor/windows/resume", {"window": "1"})).startswith("1号窗口已恢复服务")


def test_a_refused_command_says_why(console, busy) -> None:
    user = console("manager")
    r = user.post("/console/floor/windows/pause", {"window": "1", "reason": "临时离岗"})  # A001 still at window 1
    assert "1号窗口正在办理A001号" in user.flash(r)
    r = user.post("/console/floor/windows/pause", {"window": "3", "reason": ""})
    assert "请求内容有误" in user.flash(r)


def test_a_window_head_pauses_her_own_window_only(console, busy) -> None:
    head = console("window_head")
    busy.finish(1, cmd.Finish())
    assert head.post("/console/floor/windows/pause", {"window": "2", "reason": "x"}).status_code == 403
    assert head.post("/console/floor/windows/resume", {"window": "2"}).status_code == 403
    assert "已代为暂停1号窗口" in head.flash(
        head.post("/console/floor/windows/pause", {"window": "1", "reason": "培训"})
    )


def test_reinstating_a_missed_ticket_by_id_or_by_its_qr_link(console, busy) -> None:
    user = console("manager")
    missed = busy.no_show(1)["ticket"]
    r = user.post("/console/floor/reinstate", {"ticket": f"http://hall.local:8080/t/{missed['id']}"})
    assert user.flash(r) == "A001号已恢复排队，前面还有 0 人。 / A001 is back in its queue, 0 ahead."
    again = user.post("/console/floor/reinstate", {"ticket": missed["id"]})
    assert "不是今天过号的号" in user.flash(again)
    assert "请输入票号 ID" in user.flash(user.post("/console/floor/reinstate", {"ticket": "<script>"}))


def test_force_sign_out_goes_through_the_service(console, busy, monkeypatch) -> None:
    calls = []

    def force_sign_out(session, window, reason):
        calls.append((session.staff, window, reason))
        return {"window": {"number": window}, "staff": "1002"}

    monkeypatch.setattr(busy, "force_sign_out", force_sign_out, raising=False)
    user = console("manager")
    assert "强制签退" in user.get("/console/live").get_data(as_text=True)
    r = user.post("/console/floor/windows/sign-out", {"window": "2", "reason": "忘记签退"})
    assert user.flash(r) == "已将王芳（1002）从2号窗口签退。 / 1002 was signed out of window 2."
    assert calls == [("9001", 2, "忘记签退")]


def test_moving_a_stuck_transfer_goes_through_the_service(console, busy, monkeypatch) -> None:
    clerk_at(busy, 3, "1003")
    busy.transfer(1, cmd.Transfer(note="需要综合窗口", window=3))
    busy.logout(busy.authenticate(_relogin(busy, "1003")))
    calls = []

    def move_transfer(session, ticket_id, *, service=None, window=None, note):
        calls.append((session.staff, ticket_id, service, window, note))
        return {"id": ticket_id, "number": "A001"}

    monkeypatch.setattr(busy, "move_transfer", move_transfer, raising=False)
    user = console("manager")
    html = user.get("/console/live").get_data(as_text=True)
    link = re.search(r'href="(/console/floor/transfers/[^"]+)"', html)
    assert link, "the stuck transfer has a move link"
    form = user.get(link.group(1)).get_data(as_text=True)
    assert "A001" in form and 'value="service:HJ"' in form
    r = user.post(link.group(1), {"target": "service:HJ", "note": "3号窗口已下班"})
    assert user.flash(r) == "已将A001号移至户籍业务。 / A001 was moved to Household registration."
    assert calls == [("9001", link.group(1).rsplit("/", 1)[1], "HJ", None, "3号窗口已下班")]


def test_setting_the_displays_notice_goes_through_the_service(console, busy, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(busy, "set_notice", lambda session, text: calls.append((session.staff, text)), raising=False)
    user = console("manager")
    assert 'id="notice-form"' in user.get("/console/live").get_data(as_text=True)
    r = user.post("/console/floor/notice", {"notice": "  今天下午 3 点\n系统升级  "})
    assert user.flash(r).startswith("综合屏滚动通知已更新：今天下午 3 点 系统升级")
    assert calls == [("9001", "今天下午 3 点 系统升级")]


# ---- bookings ------------------------------------------------------------------------------------------


def test_bookings_are_created_listed_masked_and_cancelled(console, busy) -> None:
    user = console("manager")
    day = dt.date(2026, 11, 24).isoformat()
    r = user.post(
        "/console/bookings",
        {
            "service": "HJ",
            "item": "HJ-01",
            "day": day,
            "time": "10:30",
            "name": "张三丰",
            "phone": "13800138000",
            "back": f"/console/bookings?day={day}",
        },
    )
    sentence = user.flash(r)
    code = re.search(r"签到码 (\d{6})", sentence)
    assert code and sentence.startswith(f"已预约户籍业务（{day} 10:30）")
    html = user.get(f"/console/bookings?day={day}").get_data(as_text=True)
    line = row(html, "code", code.group(1))
    assert "138****8000" in line and "13800138000" not in html and "张**" in line and "户口迁入" in line
    r = user.post(f"/console/bookings/{code.group(1)}/cancel", {"back": f"/console/bookings?day={day}"})
    assert user.flash(r) == f"预约 {code.group(1)} 已取消。 / Booking {code.group(1)} is cancelled."
    assert "已取消" in row(user.get(f"/console/bookings?day={day}").get_data(as_text=True), "code", code.group(1))


def test_a_booking_the_rules_refuse_is_said_plainly(console, busy) -> None:
    user = console("manager")
    r = user.post("/console/bookings", {"service": "HJ", "day": "2026-11-01"})
    assert user.flash(r) == "预约日期太早。 / That day is too early to book."
    sentence = user.flash(user.post("/console/bookings", {"service": "HJ", "day": "2026-11-24", "phone": "12-34"}))
    assert sentence.startswith("请求内容有误 / Invalid request: phone:")


def test_an_action_never_returns_to_another_site(console, busy) -> None:
    user = console("manager")
    r = user.post("/console/floor/services/HJ/close", {"back": "https://evil.example/console/"})
    assert r.headers["Location"] == "/console/live"
    r = user.post("/console/floor/services/HJ/open", {"back": "//evil.example/x"})
    assert r.headers["Location"] == "/console/live"


def test_console_pages_are_never_cached(console) -> None:
    assert console("manager").get("/console/live").headers["Cache-Control"] == "no-store"


def test_console_pages_work_for_a_console_object(app) -> None:
    assert Console(app).sign_in("9002").get("/console/bookings").status_code == 200
