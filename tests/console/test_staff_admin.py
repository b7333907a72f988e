"""Staff administration (issue 11): the staff page lists people without their PINs; a manager adds a clerk (her PIN
shown once), disables and re-enables her (a disabled person cannot sign in; her window and sessions end); an
administrator resets a PIN (shown once; her sign-ins end) and changes roles. Staff PINs are never in a
configuration version nor in an export; a file imported with a PIN sets it, hashed."""

from __future__ import annotations

import re
import sqlite3
import tomllib
from typing import Any

import pytest
import tomli_w

from server import create_app
from tests.console.conftest import Console, hall_app

PIN_IN_TEXT = re.compile(r"\bpin\s*=", re.I)


@pytest.fixture
def app(tmp_path, clock, hall_file):
    with hall_app(str(hall_file), tmp_path / "data", clock) as app:
        yield app


def signed_in(app, staff: str) -> Console:
    return Console(app).sign_in(staff)


def api_login(app, staff: str, pin: str, window: int | None) -> Any:
    return app.test_client().post("/api/v1/auth/login", json={"staff": staff, "pin": pin, "window": window})


def stored_versions(tmp_path) -> list[str]:
    with sqlite3.connect(tmp_path / "data" / "hall.db") as db:
        return [row[0] for row in db.execute("SELECT toml FROM config_versions ORDER BY version")]


def latest_version(c: Console) -> int:
    return int(re.search(r'id="current-version">(\d+)<', c.get("/console/config").get_data(as_text=True)).group(1))


def test_the_staff_page_lists_everyone_and_never_a_pin(app) -> None:
    c = signed_in(app, "9001")
    page = c.get("/console/staff").get_data(as_text=True)
    for code, name in (("1001", "张敏"), ("1002", "王芳"), ("9002", "林主任")):
        assert f'data-code="{code}"' in page and name in page
    row = page.split('data-code="1001"')[1].split("</tr>")[0]
    assert "1号负责人" in row and "1号A岗" in row and "窗口工作人员" in row and "启用" in row
    assert "1234" not in page and "pbkdf2" not in page
    # the manager manages clerks: buttons on a clerk's row, none on the director's
    director = page.split('data-code="9002"')[1].split("</tr>")[0]
    assert "停用" not in director and "改角色" not in director and "管理" not in director
    assert "重置 PIN" not in page  # act.reset_pin: administrators only
    assert "重置 PIN" in signed_in(app, "9000").get("/console/staff").get_data(as_text=True)
    director = signed_in(app, "9002").get("/console/staff").get_data(as_text=True)  # sees, changes nothing
    assert (
        'data-code="1002"' in director
        and "new-person" not in director
        and "<form method" not in director.split("</header>")[1]
    )


def test_a_manager_adds_a_clerk_whose_pin_is_shown_once_and_works(app, tmp_path) -> None:
    c = signed_in(app, "9001")
    r = c.post("/console/staff", {"code": "1201", "name": "周 洁", "role": "clerk", "pin": "", "title": "科员"})
    assert r.status_code == 200, r.get_data(as_text=True)[:2000]
    page = r.get_data(as_text=True)
    pin = re.search(r'id="pin"[^>]*>(\d{6})<', page).group(1)
    assert "保存为版本 2" in page and "只显示这一次" in page
    assert c.service.config.staff_member("1201").name == "周 洁"  # live, no restart
    assert pin not in c.get("/console/staff").get_data(as_text=True)  # never again
    assert all(not PIN_IN_TEXT.search(text) for text in stored_versions(tmp_path))
    assert 'code = "1201"' in stored_versions(tmp_path)[-1]
    assert api_login(app, "1201", pin, None).status_code == 400  # a clerk signs in at a window: she has none yet
    assert Console(app).client.post("/console/login", data={}).status_code == 400  # (the form needs its token)
    console = Console(app).sign_in("1201", pin)  # the console: her own figures
    assert console.get("/console/me").status_code == 200
    added = [a for a in c.service.audit_log(limit=20) if a["action"] == "staff.added"]
    assert added and added[0]["staff"] == "9001" and added[0]["target"] == "1201"


def test_adding_refuses_a_bad_pin_a_taken_number_and_a_role_beyond_the_manager(app) -> None:
    c = signed_in(app, "9001")
    assert "PIN 应为 4–8 位数字" in c.flash(
        c.post("/console/staff", {"code": "1201", "name": "周洁", "role": "clerk", "pin": "12a4"})
    )
    assert "工号 1002 已存在" in c.flash(c.post("/console/staff", {"code": "1002", "name": "重名", "role": "clerk"}))
    refused = c.flash(c.post("/console/staff", {"code": "9100", "name": "新管理员", "role": "admin", "pin": "5678"}))
    assert "无权管理系统管理员" in refused
    assert "请填写姓名" in c.flash(c.post("/console/staff", {"code": "1202", "name": " ", "role": "clerk"}))
    assert latest_version(c) == 1  # nothing changed
    assert c.service.config.staff_member("9100") is None and c.service.config.staff_member("1202") is None


def test_a_disabled_clerk_is_signed_out_and_refused_at_the_caller_and_the_console(app) -> None:
    login = api_login(app, "1002", "1234", 2)
    assert login.status_code == 200
    clerk = {"Authorization": f"Bearer {login.json['token']}"}
    api = app.test_client()
    assert api.get("/api/v1/auth/me", headers=clerk).status_code == 200
    c = signed_in(app, "9001")
    said = c.flash(c.post("/console/staff/1002/disable"))
    assert "王芳（1002）已停用" in said and "已从2号窗口签退" in said
    assert api.get("/api/v1/auth/me", headers=clerk).status_code == 401  # her session ended
    window = next(w for w in api.get("/api/v1/hall").json["windows"] if w["number"] == 2)
    assert window["status"] == "closed" and window["staff"] is None
    refused = api_login(app, "1002", "1234", 2)
    assert refused.status_code == 403 and "已停用" in refused.json["message"]
    assert api_login(app, "1002", "9999", 2).json["error"] == "wrong_pin"  # a guesser learns nothing
    page = c.get("/console/staff").get_data(as_text=True)
    assert "已停用" in page.split('data-code="1002"')[1].split("</tr>")[0]
    console = Console(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', console.get("/console/login").get_data(as_text=True))
    r = console.client.post("/console/login", data={"staff": "1002", "pin": "1234", "csrf_token": token.group(1)})
    assert "已停用" in r.get_data(as_text=True) or "已停用" in console.client.get(r.headers.get("Location", "/")).text
    assert "已恢复启用" in c.flash(c.post("/console/staff/1002/enable"))
    assert api_login(app, "1002", "1234", 2).status_code == 200
    actions = [a["action"] for a in c.service.audit_log(limit=20)]
    assert "staff.disabled" in actions and "staff.enabled" in actions and "window.forced_sign_out" in actions


def test_nobody_disables_herself_and_a_manager_not_a_director(app) -> None:
    c = signed_in(app, "9001")
    assert "不能对自己执行此操作" in c.flash(c.post("/console/staff/9001/disable"))
    assert "无权管理中心主任" in c.flash(c.post("/console/staff/9002/disable"))
    assert api_login(app, "9002", "1234", None).status_code == 200


def test_an_admin_resets_a_pin_shown_once_and_the_old_sign_ins_end(app) -> None:
    login = api_login(app, "1003", "1234", 3)
    clerk = {"Authorization": f"Bearer {login.json['token']}"}
    manager = signed_in(app, "9001")
    assert manager.post("/console/staff/1003/pin", {"pin": "4321"}).status_code == 403  # the permission table
    admin = signed_in(app, "9000")
    r = admin.post("/console/staff/1003/pin", {"pin": ""})
    assert r.status_code == 200
    pin = re.search(r'id="pin"[^>]*>(\d{6})<', r.get_data(as_text=True)).group(1)
    assert "PIN 已重置" in r.get_data(as_text=True)
    assert app.test_client().get("/api/v1/auth/me", headers=clerk).status_code == 401
    assert api_login(app, "1003", "1234", 3).status_code == 401
    assert api_login(app, "1003", pin, 3).status_code == 200
    chosen = admin.post("/console/staff/1003/pin", {"pin": "24680"})
    assert 'id="pin"' in chosen.get_data(as_text=True) and api_login(app, "1003", "24680", 3).status_code == 200
    assert "PIN 应为 4–8 位数字" in admin.flash(admin.post("/console/staff/1003/pin", {"pin": "12"}))
    assert "不能重置自己的 PIN" in admin.flash(admin.post("/console/staff/9000/pin", {"pin": "5555"}))
    reset = [a for a in admin.service.audit_log(limit=20) if a["action"] == "pin.reset"]
    assert reset and reset[0]["staff"] == "9000" and reset[0]["target"] == "1003"
    assert all(pin not in (a["after"] or "") and "24680" not in (a["after"] or "") for a in reset)


def test_a_role_change_is_a_new_version_and_takes_effect_at_once(app, tmp_path) -> None:
    login = api_login(app, "1003", "1234", 3)
    clerk = {"Authorization": f"Bearer {login.json['token']}"}
    admin = signed_in(app, "9000")
    said = admin.flash(admin.post("/console/staff/1003/role", {"role": "manager"}))
    assert "赵磊（1003）已改为大厅负责人（版本 2）" in said
    assert admin.service.config.staff_member("1003").role == "manager"
    assert tomllib.loads(stored_versions(tmp_path)[-1])["staff"][3] == {
        "code": "1003",
        "name": "赵磊",
        "role": "manager",
    }
    diff = admin.get("/console/config/versions/2").get_data(as_text=True).split('id="diff"')[1].split("</pre>")[0]
    assert "manager" in diff
    assert app.test_client().get("/api/v1/auth/me", headers=clerk).status_code == 401  # the old role's session
    assert api_login(app, "1003", "1234", None).json["role"] == "manager"  # a manager signs in without a window
    manager = signed_in(app, "9001")
    assert "无权管理大厅负责人" in manager.flash(manager.post("/console/staff/1003/role", {"role": "clerk"}))
    assert "已是大厅负责人" in admin.flash(admin.post("/console/staff/1003/role", {"role": "manager"}))


def test_no_version_and_no_export_holds_a_pin(app, tmp_path) -> None:
    c = signed_in(app, "9001")
    c.post("/console/config/areas/calendar", {"toml": '[calendar]\nholidays = ["2026-12-24"]\n'})
    c.post("/console/staff", {"code": "1201", "name": "周洁", "role": "clerk", "pin": "86420"})
    texts = stored_versions(tmp_path)
    assert len(texts) == 3 and all(not PIN_IN_TEXT.search(t) and "86420" not in t for t in texts)
    for number in (1, 2, 3):
        exported = c.get(f"/console/config/versions/{number}/export").get_data(as_text=True)
        assert not PIN_IN_TEXT.search(exported)
        assert tomllib.loads(exported)["staff"][0] == {"code": "1001", "name": "张敏", "role": "clerk"}


def test_an_import_with_a_pin_sets_it_and_one_without_keeps_them(app, tmp_path) -> None:
    c = signed_in(app, "9001")
    data = tomllib.loads(c.get("/console/config/versions/1/export").get_data(as_text=True))
    data["staff"][2]["pin"] = "97531"  # 1002
    r = c.post("/console/config/import", {"toml": tomli_w.dumps(data), "note": "王芳的新 PIN"})
    assert "已保存为版本 2" in c.flash(r)
    assert all(not PIN_IN_TEXT.search(t) and "97531" not in t for t in stored_versions(tmp_path))
    assert api_login(app, "1002", "97531", 2).status_code == 200
    assert api_login(app, "1002", "1234", 2).status_code == 401
    assert api_login(app, "1001", "1234", 1).status_code == 200  # no PIN in the file: hers is kept
    changed = [a for a in c.service.audit_log(limit=20) if a["action"] == "config.changed"]
    assert '"pins_set": ["1002"]' in changed[0]["after"]
    del data["staff"][2]["pin"]
    data["staff"].append({"code": "1301", "name": "无PIN", "role": "clerk"})
    refused = c.post("/console/config/import", {"toml": tomli_w.dumps(data)})
    assert refused.status_code == 400
    assert re.search(r'class="problem">staff\[8\]\.pin: 新增人员须设置 PIN', refused.get_data(as_text=True))
    data["staff"][-1]["pin"] = "12"
    bad = c.post("/console/config/import", {"toml": tomli_w.dumps(data)}).get_data(as_text=True)
    assert re.search(r'class="problem">staff\[8\]\.pin: PIN 应为 4–8 位数字', bad)
    assert latest_version(c) == 2


def test_a_restart_keeps_the_pins_and_the_people(app, tmp_path, clock, hall_file) -> None:
    c = signed_in(app, "9001")
    c.post("/console/staff", {"code": "1201", "name": "周洁", "role": "clerk", "pin": "86420"})
    app.extensions["hallq"].close()
    again = create_app({"HALL_CONFIG": str(hall_file), "DATA_DIR": tmp_path / "data", "CLOCK": clock, "TESTING": True})
    try:
        assert again.extensions["hallq"].config.staff_member("1201").name == "周洁"
        assert api_login(again, "1001", "1234", 1).status_code == 200
        assert Console(again).sign_in("1201", "86420").get("/console/me").status_code == 200
    finally:
        again.extensions["hallq"].close()


def test_the_migration_strips_pins_from_versions_stored_before(tmp_path, clock, hall_file) -> None:
    """A data directory from before m402: version 1 holds the file's PINs and one person is missing from the staff
    table; after the upgrade no version holds a PIN and she signs in with the PIN the version had."""
    first = create_app({"HALL_CONFIG": str(hall_file), "DATA_DIR": tmp_path / "data", "CLOCK": clock, "TESTING": True})
    first.extensions["hallq"].close()
    with sqlite3.connect(tmp_path / "data" / "hall.db") as db:
        db.execute("DROP TRIGGER config_versions_no_update")
        db.execute("UPDATE config_versions SET toml = ? WHERE version = 1", (hall_file.read_text(encoding="utf-8"),))
        db.execute(
            "CREATE TRIGGER config_versions_no_update BEFORE UPDATE ON config_versions "
            "BEGIN SELECT RAISE(ABORT, 'configuration versions are never changed'); END"
        )
        db.execute("DELETE FROM staff WHERE code = '1003'")
        db.execute("ALTER TABLE staff DROP COLUMN disabled_at")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm402_config_versions_without_pins'")
    assert PIN_IN_TEXT.search(stored_versions(tmp_path)[0])
    app = create_app({"HALL_CONFIG": str(hall_file), "DATA_DIR": tmp_path / "data", "CLOCK": clock, "TESTING": True})
    try:
        texts = stored_versions(tmp_path)
        assert texts[0].startswith("# the test hall\n") and not PIN_IN_TEXT.search(texts[0])
        assert api_login(app, "1003", "1234", 3).status_code == 200
        with sqlite3.connect(tmp_path / "data" / "hall.db") as db, pytest.raises(sqlite3.IntegrityError):
            db.execute("UPDATE config_versions SET note = 'x'")  # never changed again
    finally:
        app.extensions["hallq"].close()


def test_a_form_without_its_csrf_token_changes_nobody(app) -> None:
    admin = signed_in(app, "9000")
    for path, data in (
        ("/console/staff", {"code": "1201", "name": "周洁", "role": "clerk", "pin": "5678"}),
        ("/console/staff/1002/disable", {}),
        ("/console/staff/1002/pin", {"pin": "5678"}),
        ("/console/staff/1002/role", {"role": "manager"}),
    ):
        r = admin.post(path, data, csrf=False)
        assert r.status_code == 400 and "安全令牌" in r.get_data(as_text=True), path
    assert admin.service.config.staff_member("1201") is None
    assert admin.service.config.staff_member("1002").role == "clerk"
    assert api_login(app, "1002", "1234", 2).status_code == 200  # not disabled, PIN unchanged


@pytest.mark.parametrize(
    "staff",
    [
        '[[staff]]\ncode = "1"\nname = "甲"\npin = "1234" # first PIN\n\n[[staff]]\ncode = "2"\nname = "乙"\npin = \'5678\'\n',
        'staff = [\n  { code = "1", name = "甲", pin = "1234" },\n  { pin = 5678, code = "2", name = "乙" },\n]\n',
        # a notice that mentions pin = "…" is not touched: the data is written anew without the PINs
        'notice = \'pin = "0000" is not a PIN\'\n[[staff]]\ncode = "1"\nname = "甲"\npin = "1234"\n',
    ],
)
def test_without_pins_takes_out_every_pin_and_only_pins(staff: str) -> None:
    from application.config_versions import parse, without_pins

    text = "# a hall\n" + staff
    out = without_pins(text)
    data, before = parse(out), parse(text)
    assert [r for r in data["staff"]] == [{k: v for k, v in r.items() if k != "pin"} for r in before["staff"]]
    assert data.get("notice") == before.get("notice")
    assert "1234" not in out and "5678" not in out
    assert without_pins(out) == out
    assert ("# a hall" in out) == ("notice" not in staff)  # the line edit keeps comments; the fallback cannot


@pytest.mark.slow
def test_in_the_browser_an_admin_resets_a_clerks_pin_and_she_signs_in_with_it(tmp_path, browser, hall_file) -> None:
    import requests

    from tests.browser import console_page, shot
    from tests.live import LiveServer

    with LiveServer(tmp_path / "live", config=hall_file) as server:
        page = console_page(browser, server.url, "9000", "1234", bypass_csp=True)
        page.click("header nav a[href='/console/staff']")
        row = "#staff tr[data-code='1002']"
        page.wait_for_selector(row)
        assert "王芳" in page.text_content(f"{row} td.name")
        page.click(f"{row} summary")
        page.click(f"{row} form.reset-pin button")
        page.wait_for_selector("#shown-pin #pin")
        pin = page.text_content("#pin").strip()
        assert re.fullmatch(r"\d{6}", pin), pin
        assert "王芳（1002）的 PIN 已重置" in page.text_content("#shown-pin")
        shot(page, "console_staff_pin_reset", full=False)
        page.goto(f"{server.url}/console/staff")  # shown once: gone after leaving the answer page
        assert page.locator("#pin").count() == 0
        page.click("#staff-tabs a[href='/console/windows']")
        page.wait_for_selector(".window[data-number='3'] textarea[name=services]")
        shot(page, "console_windows", full=False)
        page.close()

        api = f"{server.url}/api/v1/auth/login"
        assert requests.post(api, json={"staff": "1002", "pin": "1234", "window": 2}, timeout=5).status_code == 401
        clerk = console_page(browser, server.url, "1002", pin, bypass_csp=True)
        clerk.wait_for_selector("#who")
        assert "王芳（1002）" in clerk.text_content("#who")
        assert clerk.url.endswith("/console/me")
        shot(clerk, "console_staff_clerk_signed_in", full=False)
        clerk.close()
        assert requests.post(api, json={"staff": "1002", "pin": pin, "window": 2}, timeout=5).status_code == 200
