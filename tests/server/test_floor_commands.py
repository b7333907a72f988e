"""The service desk's floor commands (used by the console): forced sign-out, moving a stuck transfer, the notice."""

import pytest

from application.audit import Actor, acting
from core.tickets import DomainError


@pytest.fixture
def service(app):
    return app.extensions["hallq"]


def manager(service):
    return service.authenticate(service.console_login("9001", "1234")["token"])


def test_a_forced_sign_out_is_on_record_and_refused_with_a_citizen_there(service):
    service.login("1001", "1234", 1)
    boss = manager(service)
    with acting(Actor("9001", "manager", "console")):
        answer = service.force_sign_out(boss, 1, "忘记签退")
    assert answer["staff"] == "1001" and answer["window"]["status"] == "closed"
    rows = service.store.attendance(service.today())
    assert rows[-1]["kind"] == "sign_out" and "forced_by=9001" in rows[-1]["note"]
    assert service.audit_log()[0]["action"] == "window.forced_sign_out"
    service.login("1001", "1234", 1)
    service.issue("HJ", staff=True)
    service.call_next(1)
    with pytest.raises(DomainError) as err:
        service.force_sign_out(boss, 1, "忘记签退")
    assert err.value.code == "window_busy"


def test_a_stuck_transfer_moves_to_an_open_window_with_a_referral(service):
    service.login("1003", "1234", 3)
    service.login("1001", "1234", 1)
    service.issue("HJ", staff=True)
    service.call_next(1)
    from application import commands as cmd

    moved = service.transfer(1, cmd.Transfer(note="社保问题", window=3))["ticket"]
    boss = manager(service)
    with pytest.raises(DomainError) as err:
        service.move_transfer(boss, moved["id"], window=2, note="改到2号")
    assert err.value.code == "target_closed"
    view = service.move_transfer(boss, moved["id"], service="SB", note="3号窗口暂停，改排社保队首")
    assert view["status"] == "transferred" and view["service"] == "SB" and view["target_window"] is None
    assert view["referrals"][-1]["from_staff"] == "9001" and view["ahead"] == 0


def test_the_notice_is_kept_and_empty_restores_the_halls_own(service):
    boss = manager(service)
    service.set_notice(boss, "今日下午14:30起社保系统维护")
    assert service.hall_state()["notice"] == "今日下午14:30起社保系统维护"
    assert service.store.setting("notice") == "今日下午14:30起社保系统维护"
    assert service.set_notice(boss, "")["notice"] == service.config.notice
    with pytest.raises(DomainError):
        service.set_notice(boss, "长" * 201)


def test_missed_numbers_of_the_day_are_listed_for_the_desk(service):
    service.login("1001", "1234", 1)
    first = service.issue("HJ", staff=True)
    service.call_next(1)
    service.no_show(1)
    assert [t["id"] for t in service.missed_tickets()] == [first["id"]]
    stats = service.window_stats(service.today())
    assert set(stats) == {w.number for w in service.config.windows} and stats[1]["served"] == 0


def test_a_new_configuration_applies_without_a_restart_and_apps_hear_of_it(service):
    from hallfile import load_hall
    from tests.factories import hall_dict

    heard = []
    service.on_publish(lambda events: heard.extend(e.name for e in events))
    data = hall_dict()
    data["items"][0]["materials"].append({"name": "新增材料：结婚证", "copies": "原件1份"})
    service.reconfigure(load_hall(data), version=2)
    assert heard == ["hall.configured"]
    assert any(m["name"] == "新增材料：结婚证" for m in service.item("HJ-01")["materials"])
    service.login("1001", "1234", 1)
    service.issue("HJ", staff=True)
    fewer = hall_dict()
    fewer["services"] = [s for s in fewer["services"] if s["code"] != "HJ"]
    fewer["items"] = [i for i in fewer["items"] if i["service"] != "HJ"]
    fewer["windows"] = [{**w, "services": ["SB"]} if w["number"] == 1 else w for w in fewer["windows"]]
    for w in fewer["windows"]:
        w["services"] = [
            [s for s in level if s != "HJ"] if isinstance(level, list) else level
            for level in w["services"]
            if level != "HJ"
        ]
    with pytest.raises(DomainError) as err:
        service.reconfigure(load_hall(fewer), version=3)
    assert err.value.code == "service_in_use"
    assert service.config.service("HJ") is not None  # nothing changed
