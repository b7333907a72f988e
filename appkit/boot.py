"""Start-up of Kivy for the HallQ apps: environment first, then Kivy, then the Chinese default font.

Kivy reads its environment (KIVY_HOME, KIVY_NO_ARGS, SDL_VIDEODRIVER, KCFG_* config overrides) once, when
``kivy`` is first imported. So the order matters:

1. :func:`prepare_environment` only sets environment variables and never imports Kivy. ``tests/conftest.py``
   calls it so that any test module may import Kivy directly.
2. :func:`prepare_kivy` does step 1, imports Kivy's config, sets the window size and registers
   ``assets/fonts/wqy-microhei.ttc`` as the default font, so every Label renders Chinese and Latin digits.
   It also locks Kivy's developer screens away (:func:`lock_developer_screens`: no settings panel on F1,
   no inspector or other debugging modules), for every app.

Both are idempotent. Headless (no screen) means ``SDL_VIDEODRIVER=offscreen``: Kivy renders with Mesa into an
off-screen surface, ``Window.screenshot()`` still works. That surface keeps the size the window was created
with, so a headless window is created as a large canvas (HEADLESS_CANVAS, 1920×1920, or more if a bigger size
is asked for first) and then shrunk to the size wanted; any size up to the canvas renders completely. ``headless=None`` decides from the environment:
``HALLQ_HEADLESS=1/0`` if set, otherwise headless on Linux when neither DISPLAY nor WAYLAND_DISPLAY is set.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_WINDOW_SIZE: tuple[int, int] = (1280, 800)
HEADLESS_CANVAS: tuple[int, int] = (1920, 1920)  # covers a 1080×1920 kiosk and a 1920×1080 hall display
DEFAULT_FONT_FILE = ("fonts", "wqy-microhei.ttc")
LOG_LEVELS = ("trace", "debug", "info", "warning", "error", "critical")

_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class BootInfo:
    """What :func:`prepare_kivy` decided; handy in logs and tests."""

    headless: bool
    size: tuple[int, int]
    kivy_home: str
    font_file: Path
    canvas: tuple[int, int] | None = None  # headless only: the largest window size that renders completely


_environment_headless: bool | None = None
_canvas: tuple[int, int] | None = None
_boot_info: BootInfo | None = None


def assets_path(*parts: str) -> Path:
    """Path inside the repository's ``assets/`` folder, e.g. ``assets_path("fonts", "wqy-microhei.ttc")``."""
    return Path(__file__).resolve().parent.parent.joinpath("assets", *parts)


def default_font_file() -> Path:
    """The bundled Chinese font; a clear error if the file is missing."""
    path = assets_path(*DEFAULT_FONT_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"找不到中文字体文件 {path} / Chinese font file not found: {path}")
    return path


def headless_wanted(headless: bool | None = None) -> bool:
    """Decide headless mode: the argument, else HALLQ_HEADLESS, else 'no display on Linux'."""
    if headless is not None:
        return headless
    env_value = os.environ.get("HALLQ_HEADLESS")
    if env_value is not None:
        word = env_value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise ValueError(f"HALLQ_HEADLESS 的值 {env_value!r} 无效，应为 1 或 0 / HALLQ_HEADLESS must be 1 or 0")
    has_screen = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return sys.platform.startswith("linux") and not has_screen


def prepare_environment(
    headless: bool | None = None, log_level: str = "warning", size: tuple[int, int] | None = None
) -> bool:
    """Set the environment Kivy reads at import. Never imports Kivy. Returns whether headless.

    ``size`` only widens the headless canvas when it is bigger than HEADLESS_CANVAS.

    Must run before the first ``import kivy`` of the process; calling it again is harmless, but asking for
    a different headless mode once it has been decided is an error (SDL cannot switch video drivers).
    """
    global _environment_headless, _canvas
    wanted = headless_wanted(headless)
    if _environment_headless is not None:
        if headless is not None and wanted != _environment_headless:
            raise RuntimeError(
                f"Kivy 已按 headless={_environment_headless} 启动，无法更改 / "
                f"Kivy was already prepared with headless={_environment_headless}; it cannot change"
            )
        return _environment_headless
    if "kivy" in sys.modules:
        raise RuntimeError("prepare_kivy() 必须在导入 kivy 之前调用 / prepare_kivy() must run before Kivy is imported")
    if log_level not in LOG_LEVELS:
        raise ValueError(f"日志级别 {log_level!r} 无效 / log level must be one of {', '.join(LOG_LEVELS)}")

    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_LOG_LEVEL", log_level)
    # MIXED: Kivy logs through its own handlers only; it leaves the root logger and sys.stderr alone.
    os.environ.setdefault("KIVY_LOG_MODE", "MIXED")
    os.environ.setdefault("KCFG_KIVY_LOG_LEVEL", log_level)
    if not os.environ.get("KIVY_HOME"):
        os.environ["KIVY_HOME"] = _make_temporary_kivy_home()
        os.environ.setdefault("KIVY_NO_FILELOG", "1")
        os.environ.setdefault("KIVY_NO_CONFIG", "1")  # a throw-away home: neither read nor write config.ini
    # Config override read by kivy.core.text: the default font name keeps Kivy's "Roboto" key.
    font = str(default_font_file())
    os.environ["KCFG_KIVY_DEFAULT_FONT"] = repr(["Roboto", font, font, font, font])
    if wanted:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        first_size = checked_size(size) if size is not None else HEADLESS_CANVAS
        _canvas = (max(HEADLESS_CANVAS[0], first_size[0]), max(HEADLESS_CANVAS[1], first_size[1]))
        # Config overrides Kivy reads at import: the window is created this big even if Kivy is imported directly.
        os.environ["KCFG_GRAPHICS_WIDTH"] = str(_canvas[0])
        os.environ["KCFG_GRAPHICS_HEIGHT"] = str(_canvas[1])
    _environment_headless = wanted
    return wanted


def prepare_kivy(
    headless: bool | None = None,
    size: tuple[int, int] | None = None,
    log_level: str = "warning",
    fullscreen: bool = False,
) -> BootInfo:
    """Prepare the environment, import Kivy's config, set the window size, register the Chinese default font.

    ``size`` is (width, height) in pixels; None keeps the current choice (first call: 1280×800). A later call
    with another size resizes the window (or the configured size if the window does not exist yet).
    ``fullscreen`` (kiosk, hall display on their own screen) takes the whole screen; it is ignored headless
    and only counts on the first call, before the window exists.
    """
    global _boot_info
    wanted_size = checked_size(size) if size is not None else None
    is_headless = prepare_environment(headless, log_level, wanted_size)
    if _boot_info is None:
        _boot_info = _first_kivy_setup(is_headless, wanted_size or DEFAULT_WINDOW_SIZE, fullscreen)
    elif wanted_size is not None and wanted_size != _boot_info.size:
        _apply_window_size(wanted_size)
        _boot_info = BootInfo(is_headless, wanted_size, _boot_info.kivy_home, _boot_info.font_file, _canvas)
    return _boot_info


def ensure_prepared() -> BootInfo:
    """Used by appkit modules before they import Kivy: prepare with defaults unless already done."""
    return _boot_info if _boot_info is not None else prepare_kivy()


def boot_info() -> BootInfo | None:
    """The result of the first :func:`prepare_kivy`, or None before it ran."""
    return _boot_info


def _first_kivy_setup(is_headless: bool, size: tuple[int, int], fullscreen: bool) -> BootInfo:
    from kivy.config import Config

    if fullscreen and not is_headless:
        Config.set("graphics", "fullscreen", "auto")
    lock_developer_screens()

    if is_headless:
        # No touch hardware to probe on a headless run; tests inject touches themselves.
        for name, _provider in Config.items("input"):
            Config.remove_option("input", name)
        # Create the window now, at canvas size (from the KCFG_GRAPHICS_* overrides), then shrink it.
        from kivy.core.window import Window  # noqa: F401
    _apply_window_size(size)
    font = register_default_font()
    return BootInfo(is_headless, size, os.environ["KIVY_HOME"], font, _canvas)


def lock_developer_screens() -> None:
    """No HallQ app ever shows Kivy's settings panel (F1 is the caller's call key), inspector or other
    developer screens: the settings key is never bound, ``open_settings`` does nothing, and the modules a
    ``config.ini`` may switch on (inspector, monitor, keybinding, webdebugger …) are dropped before the
    window exists. Idempotent; :func:`prepare_kivy` calls it."""
    from kivy.app import App
    from kivy.config import Config

    for name in list(Config.options("modules")) if Config.has_section("modules") else []:
        Config.remove_option("modules", name)
    App.use_kivy_settings = False
    App.open_settings = _no_settings
    App._install_settings_keys = _no_settings_keys


def _no_settings(_app: object, *_args: object) -> bool:
    return False


def _no_settings_keys(_app: object, _window: object) -> None:
    return None


def register_default_font(font_file: Path | None = None) -> Path:
    """Make ``font_file`` (default: the bundled WenQuanYi Micro Hei) Kivy's default font for every Label."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = font_file or default_font_file()
    LabelBase.register(DEFAULT_FONT, str(path), str(path), str(path), str(path))
    return path


def headless_canvas() -> tuple[int, int] | None:
    """Headless: the largest window size that renders completely; None with a real screen."""
    return _canvas


def _apply_window_size(size: tuple[int, int]) -> None:
    from kivy.config import Config

    if _canvas is not None and (size[0] > _canvas[0] or size[1] > _canvas[1]):
        raise ValueError(
            f"窗口尺寸 {size} 超出无头画布 {_canvas} / window size {size} exceeds the headless canvas {_canvas}; "
            "pass the size to the first prepare_kivy() call"
        )
    if _canvas is None:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    window_module = sys.modules.get("kivy.core.window")
    window = getattr(window_module, "Window", None)
    if window is not None:
        window.size = size


def checked_size(size: tuple[int, int]) -> tuple[int, int]:
    """(width, height) as two positive ints, or a clear ValueError."""
    try:
        width, height = (int(value) for value in size)
    except (TypeError, ValueError):
        width = height = 0
    if width <= 0 or height <= 0:
        raise ValueError(f"窗口尺寸 {size!r} 无效，应为两个正整数 / window size must be two positive integers")
    return width, height


def parse_size(text: str) -> tuple[int, int]:
    """An app's ``--size`` option: "1280x800" → (1280, 800), or a clear ValueError."""
    width, separator, height = text.strip().lower().partition("x")
    if not separator or not width.isdigit() or not height.isdigit():
        raise ValueError(f"尺寸应写成 宽x高，例如 1280x800，实际为 {text!r} / Size must be WxH, e.g. 1280x800")
    return checked_size((int(width), int(height)))


def _make_temporary_kivy_home() -> str:
    home = tempfile.mkdtemp(prefix="hallq-kivy-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    return home
