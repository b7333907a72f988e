"""Windows edited in a form (issue 11): name, services in priority order, A/B posts, head and LED sign; each save a
new configuration version, validated by hallfile (every problem by key, the sentences of `hallq check-config`)
and in effect at once (GET /api/v1/hall, no restart). A window is added and removed; one with someone signed in is
not removed."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from tests.console.conftest import Console, hall_app
from tests.console.test_staff_admin import api_login, latest_version


@pytest.fixture
def app(tmp_path, clock, hall_file):
    with hall_app(str(hall_file), tmp_path / "data", clock) as app:
        yield app


def manager(app: Any) -> Console:
    return Console(app).sign_in("9001")


def window_2(**changes: str) -> dict[str, str]:
    form = {
        "name": "社保医保窗口",
        "services": "SB, YB",
        "staff_a": "1002",
        "staff_b": "",
        "head": "",
        "sign_port": "",
        "sign_address": "",
    }
    return {**form, **changes}


def live_window(app: Any, number: int) -> dict[str, Any] | None:
    windows = app.test_client().get("/api/v1/hall").json["windows"]
    return next((w for w in windows if w["number"] == number), None)


def test_the_page_shows_each_window_in_a_form(app) -> None:
    page = manager(app).get("/console/windows").get_data(as_text=True)
    assert page.count('class="card window"') == 3
    two = page.split('data-number="2"')[1].split("</section>")[0]
    assert "社保医保窗口" in two and ">SB, YB</textarea>" in two
    assert '<option value="1002" selected>' in two
    one = page.split('data-number="1"')[1].split("</section>")[0]
    assert re.search(r'name="head".*<option value="1001" selected>', one, re.S)
    director = Console(app).sign_in("9002").get("/console/windows").get_data(as_text=True)
    assert "社保医保窗口" in director and "保存 <span" not in director and "disabled" in director


def test_an_edit_is_a_new_version_in_effect_without_a_restart(app) -> None:
    c = manager(app)
    form = window_2(name="社保窗口", services="YB\nSB", staff_b="1101", head="1002")
    form.update(sign_port="/dev/ttyUSB0", sign_address="3")
    said = c.flash(c.post("/console/windows/2", form))
    assert "2号窗口已更新，已保存为版本 2 并立即生效" in said
    live = live_window(app, 2)
    assert live["name"] == "社保窗口" and live["services"] == ["YB", "SB"]
    config = c.service.config.window(2)
    assert (config.staff_b, config.head, config.sign.address) == ("1101", "1002", 3)
    exported = tomllib.loads(c.get("/console/config/versions/2/export").get_data(as_text=True))
    assert exported["windows"][1]["services"] == ["YB", "SB"]
    assert exported["windows"][1]["sign"] == {"port": "/dev/ttyUSB0", "address": 3}
    diff = c.get("/console/config/versions/2").get_data(as_text=True).split('id="diff"')[1].split("</pre>")[0]
    assert "社保窗口" in diff
    changed = [a for a in c.service.audit_log(limit=10) if a["action"] == "config.changed"]
    assert changed[0]["staff"] == "9001" and changed[0]["target"] == "v2"


def test_a_wrong_form_names_each_problem_by_key_and_changes_nothing(app) -> None:
    c = manager(app)
    r = c.post("/console/windows/2", window_2(services="SB\nXX", staff_a="7777", sign_port="COM3", sign_address="x"))
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    problems = re.findall(r'class="problem">([^<]*)<', page)
    assert any(p.startswith("windows[1].services: 服务 &#39;XX&#39; 未定义") for p in problems), problems
    assert any(p.startswith("windows[1].staff_a: 工号 &#39;7777&#39; 不在 [[staff]] 中") for p in problems), problems
    assert any(p.startswith("windows[1].sign.address") for p in problems), problems
    assert ">SB\nXX</textarea>" in page  # the form as typed, to put right
    r = c.post("/console/windows/2", window_2(services=""))
    assert "windows[1].services: 窗口至少办理一个服务" in r.get_data(as_text=True)
    assert latest_version(c) == 1 and live_window(app, 2)["name"] == "社保医保窗口"


def test_a_window_is_added_and_removed(app) -> None:
    c = manager(app)
    said = c.flash(
        c.post("/console/windows/add", {**window_2(name="新窗口", services="HJ", staff_a="1003"), "number": "4"})
    )
    assert "已新增4号窗口" in said
    assert live_window(app, 4)["name"] == "新窗口"
    assert api_login(app, "1003", "1234", 4).status_code == 200  # her new post, at once
    assert "4号窗口有赵磊（1003）签到或正在办理" in c.flash(c.post("/console/windows/4/remove"))
    assert live_window(app, 4) is not None
    assert "4号窗口已存在" in c.flash(c.post("/console/windows/add", {**window_2(), "number": "4"}))
    c.service.force_sign_out(c.service.authenticate(api_login(app, "9001", "1234", None).json["token"]), 4, "下班")
    assert "已删除4号窗口" in c.flash(c.post("/console/windows/4/remove"))
    assert live_window(app, 4) is None and latest_version(c) == 3
    bad = c.post("/console/windows/add", {**window_2(), "number": "x"})
    assert bad.status_code == 400 and "windows[3].number" in bad.get_data(as_text=True)
