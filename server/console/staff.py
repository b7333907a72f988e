"""Staff (人员): everyone in the hall's configuration with her role, windows and whether she may sign in — never a
PIN or its hash. Add a person (her PIN shown once), disable or re-enable her, reset her PIN (shown once), change her
role. Each action is a command of application/staff.py (a new configuration version where the configuration
holds the change), permission-checked by core/permissions.py and on the audit record."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template, request

from application.staff import StaffAdmin
from core.config import ROLES
from core.permissions import ROLE_NAMES, STAFF_MANAGED
from hallfile.problems import ConfigError
from server.console.base import Who, console_blueprint, done, hall, page
from server.console.config import versions

bp = console_blueprint("staff")


def admin() -> StaffAdmin:
    found = current_app.extensions.get("hallq.staff_admin")
    if found is None:
        found = StaffAdmin(hall(), versions(), hall().store)  # type: ignore[arg-type]  # the SQLite store
        current_app.extensions["hallq.staff_admin"] = found
    return found


def _render(
    who: Who, *, shown: dict[str, Any] | None = None, problems: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    managed = STAFF_MANAGED.get(who.role, frozenset())
    return render_template(
        "console/staff/staff.html",
        who=who,
        people=admin().people(),
        roles=[(r, *ROLE_NAMES[r]) for r in ROLES],
        managed=managed,
        shown=shown,
        problems=problems or [],
        form=request.form if problems else {},
        has_version=bool(versions().latest()),
    ), status


def _name(code: str) -> str:
    member = hall().config.staff_member(code)
    return f"{member.name}（{code}）" if member else code


@page(bp, "/staff", "page.staff")
def staff(who: Who) -> tuple[str, int]:
    return _render(who)


@page(bp, "/staff", "act.staff", methods=("POST",))
def add_person(who: Who) -> tuple[str, int]:
    """The new person's PIN is shown on the answer page, once: it is stored hashed."""
    form = request.form
    try:
        added = admin().add(
            who.session,
            who.role,
            form.get("code", ""),
            form.get("name", ""),
            form.get("role", ""),
            form.get("pin", ""),
            form.get("title", ""),
        )
    except ConfigError as exc:
        return _render(who, problems=exc.problems, status=400)
    return _render(
        who,
        shown={
            **added,
            "zh": f"已添加{added['name']}（{added['code']}），保存为版本 {added['version']}。",
            "en": f"{added['code']} was added (version {added['version']}).",
        },
    )


@page(bp, "/staff/<code>/role", "act.staff", methods=("POST",))
def change_role(who: Who, code: str) -> Response | tuple[str, int]:
    role = request.form.get("role", "")
    try:
        number = admin().change_role(who.session, who.role, code, role)
    except ConfigError as exc:
        return _render(who, problems=exc.problems, status=400)
    zh, en = ROLE_NAMES.get(role, (role, role))
    return done(
        f"{_name(code)}已改为{zh}（版本 {number}），其登录已结束。 / {code} is now a {en} (version {number}); their"
        " sign-ins ended.",
        default="console_staff.staff",
    )


@page(bp, "/staff/<code>/disable", "act.staff", methods=("POST",))
def disable(who: Who, code: str) -> Response:
    answer = admin().set_disabled(who.session, who.role, code, True)
    where = "、".join(f"{n}号窗口" for n in answer["signed_out"])
    also_zh = f"，已从{where}签退" if where else ""
    return done(
        f"{_name(code)}已停用，不能再登录{also_zh}。 / {code} is disabled and can no longer sign in.",
        default="console_staff.staff",
    )


@page(bp, "/staff/<code>/enable", "act.staff", methods=("POST",))
def enable(who: Who, code: str) -> Response:
    admin().set_disabled(who.session, who.role, code, False)
    return done(f"{_name(code)}已恢复启用。 / {code} may sign in again.", default="console_staff.staff")


@page(bp, "/staff/<code>/pin", "act.reset_pin", methods=("POST",))
def reset_pin(who: Who, code: str) -> tuple[str, int]:
    """The new PIN is shown on the answer page, once: it is stored hashed."""
    pin = admin().reset_pin(who.session, who.role, code, request.form.get("pin", ""))
    member = hall().config.staff_member(code)
    return _render(
        who,
        shown={
            "code": code,
            "name": member.name if member else code,
            "pin": pin,
            "zh": f"{_name(code)}的 PIN 已重置，其所有登录已结束。",
            "en": f"{code}'s PIN was reset; all their sign-ins ended.",
        },
    )
