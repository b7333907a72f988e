"""The console's roles in the hall file: director and supervisor staff, and a window's head (窗口负责人)."""

from __future__ import annotations

import copy

import pytest

from assets import DEMO_HALL
from hallfile import ConfigError, load_hall
from tests.factories import BASE, hall_dict


def test_the_demo_hall_has_a_director_a_supervisor_and_a_window_head() -> None:
    hall = load_hall(DEMO_HALL)
    roles = {s.code: s.role for s in hall.staff}
    assert (roles["9002"], roles["9003"]) == ("director", "supervisor")
    assert [w.number for w in hall.headed_by("1001")] == [1]
    assert hall.headed_by("1002") == [] and hall.headed_by("") == []


def test_director_and_supervisor_are_roles_of_the_hall_file() -> None:
    staff = copy.deepcopy(BASE["staff"]) + [
        {"code": "9002", "name": "林主任", "role": "director", "pin": "1234"},
        {"code": "9003", "name": "苏督查", "role": "supervisor", "pin": "1234"},
    ]
    hall = load_hall(hall_dict(staff=staff))
    assert {s.role for s in hall.staff} == {"clerk", "manager", "director", "supervisor"}


def test_a_window_head_must_be_a_known_staff_member() -> None:
    windows = copy.deepcopy(BASE["windows"])
    windows[1]["head"] = "4242"
    with pytest.raises(ConfigError) as caught:
        load_hall(hall_dict(windows=windows))
    assert any("head" in p and "4242" in p for p in caught.value.problems)


def test_an_unknown_role_is_still_refused() -> None:
    staff = copy.deepcopy(BASE["staff"]) + [{"code": "9009", "name": "某人", "role": "cleaner", "pin": "1234"}]
    with pytest.raises(ConfigError) as caught:
        load_hall(hall_dict(staff=staff))
    assert any("role" in p for p in caught.value.problems)
