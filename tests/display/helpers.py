"""Shared pieces of the display tests: the demo hall on FakeHallApi, a recording voice, clerk shortcuts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assets import DEMO_HALL
from client.api import WindowCalls
from client.fake import FakeHallApi
from core.config import HallConfig
from hallfile import load_hall

SERVICE_OF_WINDOW = {3: "social", 1: "household", 5: "medical", 10: "general"}


def demo_hall() -> HallConfig:
    return load_hall(DEMO_HALL)


@dataclass
class RecordingVoice:
    """Stands in for the Announcer: remembers (number, window, recall), in order."""

    said: list[tuple[str, int, bool]] = field(default_factory=list)
    status: Any = None

    def announce(self, number: str, window: int, recall: bool = False) -> None:
        self.said.append((number, window, recall))


def clerk(api: FakeHallApi, window: int) -> WindowCalls:
    """Sign the demo clerk of ``window`` in (staff 1000+N, PIN 1234) and return their commands."""
    api.login(str(1000 + window), "1234", window)
    return WindowCalls(api, window)


def issue(api: FakeHallApi, window: int, count: int = 1) -> list[str]:
    """Issue tickets of a service window ``window`` serves; returns their numbers."""
    return [api.issue(SERVICE_OF_WINDOW[window])["number"] for _ in range(count)]
