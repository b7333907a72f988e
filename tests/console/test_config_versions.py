"""The hall's configuration, versioned (issue 11): the hall file is version 1 at the first start; every change in
the console is validated by hallfile, applied live and stored as a new version with who, when and a diff; any
version can be viewed, restored (a new version), exported; a file can be imported; a restart uses the newest."""

from __future__ import annotations

import re
import sqlite3
import tomllib

import pytest
import tomli_w

from application.config_versions import without_pins
from server import create_app
from tests.console.conftest import Console, hall_app
from tests.factories import hall_dict


@pytest.fixture
def app(tmp_path, clock, hall_file):
    with hall_app(str(hall_file), tmp_path / "data", clock) as app:
        yield app


def manager(app) -> Console:
    return Console(app).sign_in("9001")


def test_the_hall_file_is_version_1_word_for_word(app, hall_file) -> None:
    c = manager(app)
    page = c.get("/console/config").get_data(as_text=True)
    assert 'id="current-version">1<' in page
    exported = c.get("/console/config/versions/1/export")
    assert exported.status_code == 200
    # comments kept; staff PINs never in a version (they live hashed in the staff table)
    assert exported.get_data(as_text=True) == without_pins(hall_file.read_text(encoding="utf-8"))
    assert "pin" not in exported.get_data(as_text=True)


def test_an_area_edit_is_a_new_version_with_who_and_a_diff(app) -> None:
    c = manager(app)
    page = c.get("/console/config/areas/calendar").get_data(as_text=True)
    assert "textarea" in page
    text = '[calendar]\nholidays = ["2026-12-24"]\n'
    r = c.post("/console/config/areas/calendar", {"toml": text, "note": "平安夜闭厅"})
    assert "已保存为版本 2" in c.flash(r)
    assert tomllib.loads(c.get("/console/config/versions/2/export").get_data(as_text=True))["calendar"] == {
        "holidays": ["2026-12-24"]
    }
    version = c.get("/console/config/versions/2").get_data(as_text=True)
    diff = version.split('id="diff"')[1].split("</pre>")[0]
    assert re.search(r">\+\s+&#34;2026-12-24&#34;", diff), diff
    assert "平安夜闭厅" in version and "9001" in version
    assert "pin = " not in c.get("/console/config/versions/1").get_data(as_text=True)  # no PIN in any version
    changed = [r for r in c.service.audit_log(limit=10) if r["action"] == "config.changed"]
    assert changed and changed[0]["staff"] == "9001" and changed[0]["target"] == "v2"


def test_a_wrong_edit_names_every_problem_by_key_and_changes_nothing(app) -> None:
    c = manager(app)
    r = c.post("/console/config/areas/services", {"toml": '[[services]]\ncode = "household"\nprefix = "AA1"\n'})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert re.search(r'class="problem">services\[0\]\.name', page), page[:3000]
    assert "prefix = &#34;AA1&#34;" in page  # the text as typed, to put right
    assert c.post("/console/config/areas/services", {"toml": "[[services]\n"}).status_code == 400  # not TOML
    assert 'id="current-version">1<' in c.get("/console/config").get_data(as_text=True)


def test_materials_added_in_the_form_reach_the_items_answer_at_once(app) -> None:
    c = manager(app)
    code = c.service.config.items[0].code
    before = c.client.get(f"/api/v1/items/{code}").get_json()
    n = len(before["materials"])
    form = {"rows": str(n + 1), f"name_{n}": "居住证明", f"copies_{n}": "原件1份", f"note_{n}": "社区开具"}
    for i, m in enumerate(before["materials"]):
        form |= {f"name_{i}": m["name"], f"copies_{i}": m.get("copies", ""), f"note_{i}": m.get("note", "")}
    assert "已保存为版本 2" in c.flash(c.post(f"/console/config/items/{code}/materials", form))
    after = c.client.get(f"/api/v1/items/{code}").get_json()
    assert [m["name"] for m in after["materials"]][-1] == "居住证明"
    events = c.service.store._rows("SELECT name, payload FROM events WHERE name = 'hall.configured'")
    assert events and '"version": 2' in events[-1]["payload"].replace(":2", ": 2")


def test_restore_is_a_new_version_and_a_restart_keeps_the_newest(app, tmp_path, clock, hall_file) -> None:
    c = manager(app)
    c.post("/console/config/areas/calendar", {"toml": '[calendar]\nholidays = ["2026-12-24"]\n'})
    r = c.post("/console/config/versions/1/restore")
    assert "已保存为版本 3" in c.flash(r)
    assert c.get("/console/config/versions/3/export").get_data(as_text=True) == without_pins(
        hall_file.read_text(encoding="utf-8")
    )
    c.post("/console/config/areas/hall", {"toml": tomli_w.dumps({"hall": {**hall_dict()["hall"], "name": "新名字"}})})
    assert c.service.config.name == "新名字"
    app.extensions["hallq"].close()
    again = create_app({"HALL_CONFIG": str(hall_file), "DATA_DIR": tmp_path / "data", "CLOCK": clock, "TESTING": True})
    try:
        assert again.extensions["hallq"].config.name == "新名字"  # the newest version, not the file
    finally:
        again.extensions["hallq"].close()


def test_import_validates_first(app, hall_file) -> None:
    c = manager(app)
    good = hall_file.read_text(encoding="utf-8").replace('name = "测试中心"', 'name = "导入的大厅"')
    r = c.client.post(
        "/console/config/import",
        data={"csrf_token": c.token, "toml": good, "note": "从文件导入"},
    )
    assert r.status_code == 303
    bad = c.client.post("/console/config/import", data={"csrf_token": c.token, "toml": "[hall]\nname = 1\n"})
    assert bad.status_code == 400 and 'class="problem"' in bad.get_data(as_text=True)


def test_versions_are_never_changed(app) -> None:
    store = app.extensions["hallq"].store
    with pytest.raises(sqlite3.DatabaseError), store.transaction():
        store._writer.execute("UPDATE config_versions SET note = 'x'")
    with pytest.raises(sqlite3.DatabaseError), store.transaction():
        store._writer.execute("DELETE FROM config_versions")


def test_the_director_reads_but_cannot_change_or_export(app) -> None:
    d = Console(app).sign_in("9002")
    assert d.get("/console/config/areas/calendar").status_code == 200
    assert d.post("/console/config/areas/calendar", {"toml": "[calendar]\n"}).status_code == 403
    assert d.get("/console/config/versions/1/export").status_code == 403


def test_a_material_added_in_the_console_reaches_the_kiosk_without_a_restart(tmp_path, browser) -> None:
    import requests

    from tests.browser import console_page, shot
    from tests.live import LiveServer

    with LiveServer(tmp_path) as server:
        before = requests.get(f"{server.url}/api/v1/items/HJ01", timeout=5).json()
        page = console_page(browser, server.url, "9001", bypass_csp=True)
        page.wait_for_selector("#who")
        page.goto(f"{server.url}/console/config/items/HJ01")
        page.fill("#materials tr.new input[name^=name_]", "近期免冠证件照片")
        page.fill("#materials tr.new input[name^=copies_]", "2张")
        page.fill("#materials tr.new input[name^=note_]", "白底，一寸")
        page.click("#materials-form button[type=submit]")
        page.wait_for_selector("#flash .flash.ok")
        assert "已保存为版本 2" in page.text_content("#flash")
        after = requests.get(f"{server.url}/api/v1/items/HJ01", timeout=5).json()  # what the kiosk reads
        assert len(after["materials"]) == len(before["materials"]) + 1
        assert after["materials"][-1]["name"] == "近期免冠证件照片"
        page.goto(f"{server.url}/console/config/versions/2")
        assert "近期免冠证件照片" in page.text_content("#diff")
        shot(page, "console_config_material_diff", full=False)
        page.goto(f"{server.url}/console/config/items/HJ01")
        shot(page, "console_config_item_materials", full=False)
        page.close()
