from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from application.history import generate_history
from core.config import HallConfig
from hallfile.hall import load_hall
from tests.server.conftest import browser  # noqa: F401 - headless Chromium

ASSETS = Path(__file__).resolve().parents[2] / "assets"
END = dt.date(2025, 3, 14)  # a Friday
DAYS = 42  # from 2025-02-01


@pytest.fixture(scope="session")
def config() -> HallConfig:
    return load_hall(ASSETS / "demo-hall.toml")


@pytest.fixture(scope="session")
def history_dir(tmp_path_factory: pytest.TempPathFactory, config: HallConfig) -> Path:
    """Six weeks of the demo hall's past (February whole: its month is rolled up), made by its own command
    handlers; the event log keeps the last 7 working days (the windows' pauses of those)."""
    path = tmp_path_factory.mktemp("history")
    generate_history(config, path, DAYS, seed=3, end_day=END, pin_iterations=1)
    return path
