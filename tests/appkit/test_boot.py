"""Kivy start-up: environment, idempotence, the Chinese default font."""

import subprocess
import sys
from pathlib import Path

import pytest

from appkit import boot

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HALLQ_HEADLESS": "1"}, True),
        ({"HALLQ_HEADLESS": "yes", "DISPLAY": ":0"}, True),
        ({"HALLQ_HEADLESS": "0"}, False),
        ({"DISPLAY": ":0"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, False),
        ({}, sys.platform.startswith("linux")),
    ],
)
def test_headless_is_decided_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: bool
) -> None:
    for name in ("HALLQ_HEADLESS", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert boot.headless_wanted() is expected


def test_an_explicit_headless_argument_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HALLQ_HEADLESS", "1")
    assert boot.headless_wanted(False) is False


def test_a_garbled_headless_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HALLQ_HEADLESS", "maybe")
    with pytest.raises(ValueError, match="HALLQ_HEADLESS"):
        boot.headless_wanted()


@pytest.mark.parametrize("bad", [(0, 600), (-1, 10), ("wide", 3), (800,), None])
def test_bad_window_sizes_are_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="窗口尺寸.*window size"):
        boot.checked_size(bad)  # type: ignore[arg-type]


def test_assets_path_finds_the_bundled_font() -> None:
    assert boot.assets_path("fonts", "wqy-microhei.ttc").is_file()
    assert boot.default_font_file() == boot.assets_path("fonts", "wqy-microhei.ttc")


@pytest.mark.ui
def test_prepare_kivy_is_idempotent_and_registers_the_chinese_font() -> None:
    first = boot.prepare_kivy()
    assert boot.prepare_kivy() is first
    assert boot.ensure_prepared() is first
    assert first.headless is boot.headless_wanted()  # tests/conftest.py sets HALLQ_HEADLESS=1 by default

    from kivy.core.text import DEFAULT_FONT, LabelBase

    assert LabelBase._fonts[DEFAULT_FONT][0] == str(boot.default_font_file())


@pytest.mark.ui
def test_switching_headless_mode_after_start_is_refused() -> None:
    info = boot.prepare_kivy()
    with pytest.raises(RuntimeError, match="headless"):
        boot.prepare_kivy(headless=not info.headless)


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_preparing_after_kivy_was_imported_is_a_clear_error() -> None:
    result = _run_python(
        "import os; os.environ['KIVY_NO_ARGS'] = '1'\n"
        "import kivy\n"
        "from appkit.boot import prepare_kivy\n"
        "try:\n    prepare_kivy(headless=True)\nexcept RuntimeError as error:\n    print(error)\n"
    )
    assert "must run before Kivy is imported" in result.stdout, result.stderr


def test_a_fresh_process_boots_headless_with_the_requested_window_size() -> None:
    result = _run_python(
        "from appkit.boot import prepare_kivy\n"
        "info = prepare_kivy(headless=True, size=(640, 360))\n"
        "import os\n"
        "from kivy.core.window import Window\n"
        "print(os.environ['SDL_VIDEODRIVER'], tuple(Window.size), info.kivy_home == os.environ['KIVY_HOME'])\n"
    )
    assert result.stdout.strip().splitlines()[-1] == "offscreen (640, 360) True", result.stderr
