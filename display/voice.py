"""The display's voice: ``--voice live|wav:DIR|off`` turned into an Announcer (or none).

- ``live``: pyttsx3 speaks through the PC's speakers (espeak-ng ``cmn-latn-pinyin`` on Linux, a Chinese
  SAPI5 voice on Windows); the chime through aplay/paplay/winsound.
- ``wav:DIR``: one WAV per announcement in DIR (halls that feed their own PA system; tests).
- ``off``: no voice; the screen and the signs still work.

``--languages`` and ``--repeat`` override the hall's ``[announce]`` settings. Problems starting the voice
(missing Chinese voice, no audio player) become warnings on the screen's status line, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.config import (
    DEFAULT_CHIME,
    DEFAULT_LED_CALLED,
    DEFAULT_LED_IDLE,
    DEFAULT_LED_PAUSED,
    DEFAULT_VOICE,
    Announce,
)
from hardware.speaker import (
    Announcement,
    Announcer,
    DropReason,
    FakeSpeaker,
    Pyttsx3Backend,
    SpeakerBackend,
    WavFolderBackend,
)

VOICE_MODES = ("live", "wav", "off", "fake")


class VoiceOptionError(ValueError):
    """A bad --voice / --languages / --repeat value, as a sentence for the person starting the display."""


@dataclass(frozen=True)
class VoiceSpec:
    mode: str  # live | wav | off | fake (fake: recorded in memory, for tests)
    folder: Path | None = None


def parse_voice_spec(text: str) -> VoiceSpec:
    """``live``, ``off``, ``fake`` or ``wav:DIR``."""
    value = text.strip()
    if value in ("live", "off", "fake"):
        return VoiceSpec(value)
    if value.startswith("wav:") and value[4:].strip():
        return VoiceSpec("wav", Path(value[4:].strip()))
    raise VoiceOptionError(
        f"--voice 的值 {text!r} 无效，应为 live、off 或 wav:文件夹 / "
        f"--voice must be live, off or wav:FOLDER, got {text!r}"
    )


def parse_languages(text: str, voice_templates: dict[str, str]) -> tuple[str, ...]:
    """``zh`` or ``zh,en``: languages in speaking order, each with a template."""
    languages = tuple(part.strip() for part in text.split(",") if part.strip())
    if not languages:
        raise VoiceOptionError("--languages 不能为空，如 zh 或 zh,en / --languages must not be empty, e.g. zh or zh,en")
    missing = [lang for lang in languages if lang not in voice_templates]
    if missing:
        raise VoiceOptionError(
            f"语言 {', '.join(missing)} 没有播报模板（已有：{', '.join(voice_templates)}） / "
            f"no announcement template for {', '.join(missing)} (known: {', '.join(voice_templates)})"
        )
    return languages


def default_announce() -> Announce:
    """The hall defaults of core/config.py, for a display started without --config."""
    return Announce(
        dict(DEFAULT_VOICE),
        ("zh",),
        2,
        DEFAULT_CHIME,
        DEFAULT_LED_CALLED,
        DEFAULT_LED_PAUSED,
        DEFAULT_LED_IDLE,
    )


def with_overrides(announce: Announce, languages: Sequence[str] | None = None, repeat: int | None = None) -> Announce:
    """The hall's announce settings with the command-line overrides applied (and checked)."""
    if repeat is not None and not 1 <= repeat <= 5:
        raise VoiceOptionError(f"--repeat 应在 1–5 之间，实际为 {repeat} / --repeat must be 1–5, got {repeat}")
    return replace(
        announce,
        languages=tuple(languages) if languages else announce.languages,
        repeat=repeat if repeat is not None else announce.repeat,
    )


def make_backend(spec: VoiceSpec) -> SpeakerBackend | None:
    if spec.mode == "off":
        return None
    if spec.mode == "wav":
        assert spec.folder is not None
        return WavFolderBackend(spec.folder)
    if spec.mode == "fake":
        return FakeSpeaker()
    return Pyttsx3Backend()


def make_announcer(
    spec: VoiceSpec,
    announce: Announce,
    *,
    max_pending: int | None = 4,
    max_age_s: float | None = 45.0,
    on_started: Callable[[Announcement, float], None] | None = None,
    on_dropped: Callable[[Announcement, DropReason], None] | None = None,
    wait_ready_s: float = 0.0,
    **options: Any,
) -> Announcer | None:
    """The Announcer for ``spec`` (None for ``off``). Returns at once: the engine opens on the announcer's thread."""
    backend = make_backend(spec)
    if backend is None:
        return None
    return Announcer(
        announce,
        backend,
        max_pending=max_pending,
        max_age_s=max_age_s,
        on_started=on_started,
        on_dropped=on_dropped,
        open_timeout_s=wait_ready_s,
        **options,
    )
