"""Staff administration (issue 11): add a person, disable or re-enable her, reset her PIN, change her role.

Where staff live: who someone is (number, name, role, title) and where she works (a window's A/B post, its head)
are the hall's configuration — the [[staff]] and [[windows]] tables of the newest configuration version — so
adding someone or changing her role is a new version (application/config_versions.py), with its diff. Her PIN
lives hashed in the staff table only (never in a version), and so does whether she is disabled. Each command is
on the audit record and checked against core/permissions.py (whom a role may manage: STAFF_MANAGED).
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any, Protocol

from application.auth import Session, hash_pin
from application.config_versions import ConfigVersions
from core.config import ROLES
from core.permissions import ROLE_NAMES, staff_change_refusal
from core.tickets import DomainError

if TYPE_CHECKING:
    from application.service import HallService

PIN_RULE = re.compile(r"^\d{4,8}$")  # the hall file's rule (hallfile/hall.py) and the caller's ChangePin
GENERATED_PIN_DIGITS = 6
DISABLED_REASON = "人员已停用 / staff disabled"


class StaffStore(Protocol):
    def staff_rows(self) -> list[dict[str, Any]]: ...
    def set_staff_disabled(self, code: str, at: str | None) -> None: ...
    def set_pin(self, staff: str, pin_hash: str, pin_salt: str) -> None: ...


def new_pin() -> str:
    """A PIN the console shows once (the person changes it at her caller: 修改 PIN)."""
    return f"{secrets.randbelow(10**GENERATED_PIN_DIGITS):0{GENERATED_PIN_DIGITS}d}"


def checked_pin(pin: str) -> str:
    """The PIN the admin typed, or a new one when she left it empty; a bad PIN is refused with a sentence."""
    pin = pin.strip()
    if not pin:
        return new_pin()
    if not PIN_RULE.match(pin):
        raise DomainError("bad_pin", "PIN 应为 4–8 位数字。 / A PIN is 4–8 digits.", 400)
    return pin


def _role_name(role: str) -> tuple[str, str]:
    return ROLE_NAMES.get(role, (role, role))


class StaffAdmin:
    """The console's staff commands over the hall service, its configuration versions and the staff table."""

    def __init__(self, service: HallService, versions: ConfigVersions, store: StaffStore):
        self.service = service
        self.versions = versions
        self.store = store

    # ---- reading -----------------------------------------------------------------------------------------

    def people(self) -> list[dict[str, Any]]:
        """Everyone in the configuration, in its order: number, name, role, windows, disabled. Never a PIN."""
        config = self.service.config
        disabled = {r["code"]: r.get("disabled_at") for r in self.store.staff_rows()}
        with self.service.lock:
            at_window = {ws.staff: n for n, ws in self.service.hall.windows.items() if ws.staff}
        out = []
        for s in config.staff:
            posts = []
            for w in config.windows:
                for post, code in (("A", w.staff_a), ("B", w.staff_b), ("head", w.head)):
                    if code == s.code:
                        posts.append({"window": w.number, "post": post})
            out.append(
                {
                    "code": s.code,
                    "name": s.name,
                    "role": s.role,
                    "title": s.title,
                    "posts": posts,
                    "signed_in_at": at_window.get(s.code),
                    "disabled_at": disabled.get(s.code),
                }
            )
        return out

    def member(self, code: str) -> Any:
        found = self.service.config.staff_member(code)
        if found is None:
            raise DomainError("unknown_staff", f"没有工号 {code}。 / There is no staff number {code}.", 404)
        return found

    # ---- commands ----------------------------------------------------------------------------------------

    def _refuse(self, actor: Session, actor_role: str, target: str, roles: list[str]) -> None:
        refusal = staff_change_refusal(actor_role, actor.staff, target, roles)
        if refusal:
            raise DomainError("not_your_staff", refusal, 403)

    def add(
        self, actor: Session, actor_role: str, code: str, name: str, role: str, pin: str = "", title: str = ""
    ) -> dict[str, Any]:
        """A new person: a new configuration version with her [[staff]] row (no PIN in it); her PIN hashed into
        the staff table. Returns the version and the PIN, to show once."""
        code, name, title = code.strip(), " ".join(name.split()), title.strip()
        if not code:
            raise DomainError("bad_code", "请填写工号。 / Enter the staff number.", 400)
        if not name:
            raise DomainError("bad_name", "请填写姓名。 / Enter the name.", 400)
        if role not in ROLES:
            raise DomainError("bad_role", "请选择角色。 / Choose a role.", 400)
        self._refuse(actor, actor_role, code, [role])
        if self.service.config.staff_member(code) is not None or code in self.service.store.staff_codes():
            raise DomainError("staff_exists", f"工号 {code} 已存在。 / Staff number {code} exists already.", 409)
        pin = checked_pin(pin)
        data = self.versions.editable_data()
        row: dict[str, Any] = {"code": code, "name": name, "role": role}
        if title:
            row["title"] = title
        data["staff"] = [*data.get("staff", []), row]
        zh, en = _role_name(role)
        number = self.versions.change(data, f"新增人员 {code} {name}（{zh}） / {code} added as {en}", pins={code: pin})
        with self.service.writing():
            self.service.audit("staff.added", code, after={"name": name, "role": role, "version": number})
        return {"version": number, "pin": pin, "code": code, "name": name}

    def change_role(self, actor: Session, actor_role: str, code: str, role: str) -> int:
        """Her role in the configuration (a new version); her sign-ins end, so the new role applies at once."""
        member = self.member(code)
        if role not in ROLES:
            raise DomainError("bad_role", "请选择角色。 / Choose a role.", 400)
        self._refuse(actor, actor_role, code, [member.role, role])
        if role == member.role:
            zh, en = _role_name(role)
            raise DomainError("same_role", f"{member.name}已是{zh}。 / {code} is a {en} already.", 400)
        data = self.versions.editable_data()
        data["staff"] = [{**r, "role": role} if r.get("code") == code else r for r in data.get("staff", [])]
        zh, en = _role_name(role)
        number = self.versions.change(data, f"{code} {member.name} 改为{zh} / {code} is now a {en}")
        with self.service.writing():
            self.service.end_sessions_of(code)
            self.service.audit("staff.role_changed", code, before={"role": member.role}, after={"role": role})
        return number

    def set_disabled(self, actor: Session, actor_role: str, code: str, disabled: bool) -> dict[str, Any]:
        """Disable (she cannot sign in; she is signed out of her window, her sessions end) or re-enable her."""
        member = self.member(code)
        self._refuse(actor, actor_role, code, [member.role])
        service = self.service
        signed_out = []
        if disabled:
            with service.lock:
                windows = [n for n, ws in service.hall.windows.items() if ws.staff == code]
            for number in windows:
                service.force_sign_out(actor, number, DISABLED_REASON)
                signed_out.append(number)
        with service.writing():
            self.store.set_staff_disabled(code, service.now().isoformat() if disabled else None)
            if disabled:
                service.end_sessions_of(code)
            service.audit("staff.disabled" if disabled else "staff.enabled", code, after={"signed_out": signed_out})
        return {"code": code, "name": member.name, "signed_out": signed_out}

    def reset_pin(self, actor: Session, actor_role: str, code: str, pin: str = "") -> str:
        """A new PIN for her (typed by the admin, or made now), hashed; her sign-ins end. Returned to show once."""
        self.member(code)
        if actor.staff == code:
            raise DomainError(
                "own_pin",
                "不能重置自己的 PIN，请另一位系统管理员重置。 / You cannot reset your own PIN; ask another administrator.",
                400,
            )
        pin = checked_pin(pin)
        service = self.service
        salt = secrets.token_bytes(16)
        with service.writing():
            self.store.set_pin(code, hash_pin(pin, salt, service.pin_iterations), salt.hex())
            service.end_sessions_of(code)
            service.audit("pin.reset", code, after={"by": "console"})
        service.pins_per_account.succeeded(code)  # a lockout from her forgotten PIN ends with the new one
        return pin
