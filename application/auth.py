"""Who may do what: roles, PIN hashing, sessions, and the guard that slows PIN guessing."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.tickets import DomainError

DEFAULT_PIN_ITERATIONS = 200_000


class Role(StrEnum):
    """The staff roles of the hall file. In the API each of clerk < manager < admin may do what the roles below it
    may (a manager may do a clerk's commands). The director (中心主任) and the supervisor (督查) work in the console
    (core/permissions.py says what each may see there) and have no API commands of their own."""

    CLERK = "clerk"
    MANAGER = "manager"
    ADMIN = "admin"
    DIRECTOR = "director"
    SUPERVISOR = "supervisor"


_RANK = {Role.CLERK: 0, Role.MANAGER: 1, Role.ADMIN: 2}  # the API's ladder; a role not on it may use no API command


def role_allows(have: str, needed: Role) -> bool:
    try:
        rank = _RANK.get(Role(have))
    except ValueError:
        return False
    return rank is not None and rank >= _RANK[needed]


@dataclass(frozen=True)
class Session:
    token: str
    staff: str
    role: str
    window: int | None
    expires_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "staff": self.staff,
            "role": self.role,
            "window": self.window,
            "expires_at": self.expires_at.isoformat(),
        }


def hash_pin(pin: str, salt: bytes, iterations: int = DEFAULT_PIN_ITERATIONS) -> str:
    """PBKDF2-SHA256; the stored text names its iteration count so it can be raised later."""
    return f"pbkdf2_sha256${iterations}${hashlib.pbkdf2_hmac('sha256', pin.encode(), salt, iterations).hex()}"


def pin_matches(pin: str, salt_hex: str, stored: str) -> bool:
    try:
        _, n, _ = stored.split("$")
        return hmac.compare_digest(stored, hash_pin(pin, bytes.fromhex(salt_hex), int(n)))
    except ValueError:
        return False


def hash_token(token: str) -> str:
    """Sessions are stored by the token's hash: a copy of the database signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


class PinGuard:
    """Slows down guessing: after N wrong tries under one key (a source and a staff number, a kiosk's check-in
    codes …) that key waits; each further lockout doubles the wait (back-off)."""

    def __init__(self, attempts: int, lockout_s: int, what: tuple[str, str] = ("PIN 错误", "wrong PINs")):
        self.attempts, self.lockout_s, self.what = attempts, lockout_s, what
        self._lockouts: dict[str, int] = {}
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, staff: str) -> int:
        with self._lock:
            fails = self._failures.get(staff, [])
            if len(fails) < self.attempts:
                return 0
            wait = self.lockout_s * 2 ** min(self._lockouts.get(staff, 0), 6) - (time.monotonic() - fails[-1])
            if wait <= 0:
                self._lockouts[staff] = self._lockouts.get(staff, 0) + 1
                self._failures[staff] = fails[-(self.attempts - 1) :] if self.attempts > 1 else []
                return 0
            return int(wait) + 1

    def check(self, staff: str) -> None:
        wait = self.retry_after(staff)
        if wait:
            raise DomainError(
                "too_many_attempts",
                f"{self.what[0]}次数过多，请 {wait} 秒后再试。 / Too many {self.what[1]}; try again in {wait} s.",
                429,
                headers={"Retry-After": str(wait)},
            )

    def failed(self, staff: str) -> None:
        with self._lock:
            self._failures.setdefault(staff, []).append(time.monotonic())

    def succeeded(self, staff: str) -> None:
        with self._lock:
            self._failures.pop(staff, None)
            self._lockouts.pop(staff, None)
