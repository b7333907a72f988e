"""The console's one table of who may see and do what (core/permissions.py), pinned role by role."""

from __future__ import annotations

import pytest

from core import permissions as p
from core.config import ROLES

# The console's foundation rows as the hall expects them: a change to one of them must change this too (the
# pages that build on the console pin their own rows beside their tests).
EXPECTED = {
    "page.live": {"admin", "director", "manager", "supervisor", "window_head"},
    "page.bookings": {"admin", "director", "manager"},
    "page.me": {"admin", "director", "manager", "supervisor", "window_head", "clerk"},
    "act.force_sign_out": {"admin", "manager"},
    "act.reinstate": {"admin", "manager"},
    "act.move_transfer": {"admin", "manager"},
    "act.open_service": {"admin", "manager"},
    "act.pause_window": {"admin", "manager", "window_head"},
    "act.set_notice": {"admin", "manager"},
    "act.bookings": {"admin", "manager"},
    "page.config": {"admin", "director", "manager"},
    "act.edit_config": {"admin", "manager"},
    "act.reset_pin": {"admin"},
    "page.devices": {"admin", "manager"},
    "act.devices": {"admin", "manager"},
    "page.audit": {"admin", "director"},
    "page.ratings": {"admin", "director", "manager", "supervisor", "window_head"},
    "act.export_ratings": {"admin", "director", "manager", "supervisor"},
    "page.rectifications": {"admin", "director", "manager", "supervisor", "window_head", "clerk"},
    "act.rectify": {"manager", "window_head", "clerk"},
    "act.decide_appeal": {"director"},
    "act.follow_up": {"director", "manager", "supervisor"},
    "page.complaints": {"director", "manager", "supervisor", "window_head", "clerk"},
    "act.accept_complaint": {"director", "manager", "supervisor"},
    "act.handle_complaint": {"director", "supervisor"},
    "page.surveys": {"admin", "director", "manager", "supervisor"},
    "act.surveys": {"admin", "director", "manager"},
    "page.visits": {"director", "manager", "supervisor"},
    "act.visits": {"director", "manager", "supervisor"},
}


def test_the_table_is_as_the_hall_expects() -> None:
    assert {code: set(p.PERMISSIONS[code].roles) for code in EXPECTED if code in p.PERMISSIONS} == EXPECTED


@pytest.mark.parametrize("code", sorted(EXPECTED))
@pytest.mark.parametrize("role", p.CONSOLE_ROLES)
def test_may_follows_the_table(role: str, code: str) -> None:
    assert p.may(role, code) == (role in EXPECTED[code])


def test_every_permission_has_both_languages_and_known_roles() -> None:
    for perm in p.PERMISSION_LIST:
        assert perm.zh and perm.en
        assert perm.roles <= set(p.CONSOLE_ROLES)
    assert set(p.ROLE_NAMES) == set(p.CONSOLE_ROLES)


def test_an_unknown_page_or_role_may_nothing() -> None:
    assert not p.may("admin", "page.nowhere")
    assert not p.may("cleaner", "page.me")
    assert not p.may("", "page.me")


@pytest.mark.parametrize(
    ("staff_role", "heads", "expected"),
    [
        ("clerk", False, "clerk"),
        ("clerk", True, "window_head"),
        ("manager", True, "manager"),  # a manager named as head stays a manager
        ("director", False, "director"),
        ("supervisor", False, "supervisor"),
        ("admin", False, "admin"),
        ("kiosk", False, None),
    ],
)
def test_console_role_of_staff(staff_role: str, heads: bool, expected: str | None) -> None:
    assert p.console_role(staff_role, heads) == expected


def test_every_hall_file_role_is_a_console_role() -> None:
    assert set(ROLES) <= set(p.CONSOLE_ROLES)


@pytest.mark.parametrize(
    ("role", "home"), [("manager", "page.live"), ("window_head", "page.live"), ("clerk", "page.me")]
)
def test_home_page(role: str, home: str) -> None:
    assert p.home(role) == home


def test_only_the_manager_and_the_admin_stand_in_at_any_window() -> None:
    assert [r for r in p.CONSOLE_ROLES if p.may_cover_window(r)] == ["admin", "manager"]


def test_allowed_lists_a_roles_permissions_in_table_order() -> None:
    foundation = ["page.live", "page.bookings", "page.me", "act.pause_window", "act.open_service"]
    codes = [perm.code for perm in p.allowed("window_head", foundation)]
    assert codes == ["page.live", "page.me", "act.pause_window"]
    assert [perm.code for perm in p.allowed("manager", {"page.audit", "page.live"})] == ["page.live"]
