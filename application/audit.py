"""Who is acting: set once per request (by the API's route decorator, the console, the CLI), read when a
privileged action is written to the audit log — so no command needs an extra argument to be on record."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    staff: str  # staff number, or "" for a device or the system
    role: str
    source: str  # the device's name or the client's address, "cli", "system"


SYSTEM = Actor("", "system", "system")
current_actor: ContextVar[Actor] = ContextVar("hallq_actor", default=SYSTEM)


@contextlib.contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    token = current_actor.set(actor)
    try:
        yield actor
    finally:
        current_actor.reset(token)
