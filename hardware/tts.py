"""Speech engines for voice announcements (stdlib only; pyttsx3 is optional): which voice, and text → PCM.

`pick_voice` / `choose_voices` choose a voice per language from what an engine offers; a `Synthesizer`
(`EspeakCliSynthesizer`, `Pyttsx3FileSynthesizer`) turns a sentence into PCM (hardware/audio.py). The
sentence itself (digits and letters read one by one) comes from core.announce.

Why the Linux file backend is the `espeak-ng` command and not pyttsx3 (checked with pyttsx3 2.99):
- several `save_to_file` calls queued before one `runAndWait` write only the last file;
- after one `save_to_file` the espeak driver keeps the file name, so a later `say()` overwrites that
  file instead of playing;
- an unknown voice id is ignored silently (the previous voice keeps speaking);
- it prints "Audio saved to ..." on stdout and live playback shells out to `aplay`.
`espeak-ng -w` runs in its own process for every file, so none of this can leak between announcements.
On Windows/macOS the file synthesizer falls back to pyttsx3, one `runAndWait` per file, and checks
that the file holds audio.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from hardware.audio import Pcm, SynthesisError, read_wav

# --- voices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        """Language codes, lower case with '-' (SAPI gives zh-CN, espeak gives cmn-latn-pinyin)."""
        return tuple(code.lower().replace("_", "-") for code in self.languages)

    def matches_id(self, wanted: str) -> bool:
        wanted = wanted.lower()
        own = self.id.lower()
        return wanted in (own, self.name.lower()) or own.endswith("/" + wanted) or own.endswith("\\" + wanted)


def _has_code(*codes: str) -> Callable[[VoiceInfo], bool]:
    return lambda v: (
        any(c in codes for c in v.codes) or any(v.id.lower() == c or v.id.lower().endswith("/" + c) for c in codes)
    )


def _name_has(*words: str) -> Callable[[VoiceInfo], bool]:
    return lambda v: any(w in f"{v.name} {v.id}".lower() for w in words)


def _code_starts(prefix: str) -> Callable[[VoiceInfo], bool]:
    return lambda v: any(c == prefix or c.startswith(prefix + "-") for c in v.codes)


# Preference order per language: the first rule any voice satisfies wins.
_VOICE_RULES: dict[str, tuple[Callable[[VoiceInfo], bool], ...]] = {
    "zh": (
        _has_code("cmn-latn-pinyin"),  # espeak-ng: reads Latin letters as pinyin, Chinese as Mandarin
        _has_code("zh-cn", "zh-hans", "zh-hans-cn", "zh-sg"),  # SAPI5 / OneCore Simplified Chinese
        _name_has("huihui", "yaoyao", "kangkang", "xiaoxiao", "chinese (simplified)", "tingting"),
        _code_starts("zh"),
        _name_has("chinese", "mandarin"),
    ),
    "en": (
        _has_code("en-us"),
        _has_code("en-gb", "en"),
        _code_starts("en"),
        _name_has("english", "zira", "david"),
    ),
}

# espeak-ng's plain "cmn" voice is never used for Chinese (the brief's finding: it reads the call wrongly),
# nor are Cantonese / Taiwanese voices picked for Mandarin announcements.
_NOT_FOR: dict[str, Callable[[VoiceInfo], bool]] = {
    "zh": lambda v: (
        v.id.lower().endswith(("/cmn", "\\cmn"))
        or v.id.lower() == "cmn"
        or "cmn" in v.codes
        or any(c.startswith(("zh-yue", "yue", "zh-hk", "zh-tw")) for c in v.codes)
        or any(w in v.name.lower() for w in ("cantonese", "hongkong", "hong kong", "taiwan"))
    ),
}

VOICE_HINTS = {
    "zh": (
        "需要 espeak-ng 的 cmn-latn-pinyin 语音或 Windows 中文语音（如 Huihui）",
        "needs espeak-ng's cmn-latn-pinyin voice or a Chinese Windows voice such as Huihui",
    ),
    "en": (
        "需要英文语音（如 espeak-ng en-us 或 Windows Zira）",
        "needs an English voice such as espeak-ng en-us or Windows Zira",
    ),
}


def pick_voice(voices: Sequence[VoiceInfo], language: str, wanted: str | None = None) -> VoiceInfo | None:
    """The voice to use for a language; `wanted` (an id or name from the hall's setup) must exist exactly."""
    if wanted:
        return next((v for v in voices if v.matches_id(wanted)), None)
    excluded = _NOT_FOR.get(language, lambda v: False)
    rules = _VOICE_RULES.get(language, (_has_code(language.lower()), _code_starts(language.lower())))
    for rule in rules:
        for voice in voices:
            if not excluded(voice) and rule(voice):
                return voice
    return None


def choose_voices(
    voices: Sequence[VoiceInfo], languages: Sequence[str], wanted: Mapping[str, str] | None = None
) -> tuple[dict[str, VoiceInfo], list[str]]:
    """A voice per language, plus one warning sentence for each language without one."""
    chosen: dict[str, VoiceInfo] = {}
    warnings: list[str] = []
    for language in languages:
        asked = (wanted or {}).get(language)
        voice = pick_voice(voices, language, asked)
        if voice is not None:
            chosen[language] = voice
        elif asked:
            warnings.append(
                f"语音播报：找不到语音 {asked!r}（语言 {language}），该语言不播报 / "
                f"voice announcements: voice {asked!r} for language {language!r} not found; this language is skipped"
            )
        else:
            zh, en = VOICE_HINTS.get(language, ("需要安装该语言的语音", "install a voice for it"))
            warnings.append(
                f"语音播报：没有“{language}”语言的语音，{zh}；该语言不播报 / "
                f"voice announcements: no voice for language {language!r} ({en}); this language is skipped"
            )
    return chosen, warnings


# --- synthesizers -------------------------------------------------------------------------------


class Synthesizer(Protocol):
    """Turns text into PCM with a given voice id; used by the WAV-folder backend."""

    name: str

    def voices(self) -> list[VoiceInfo]: ...

    def synthesize(self, text: str, voice_id: str) -> Pcm: ...


class EspeakCliSynthesizer:
    """Runs `espeak-ng -v VOICE -w FILE` once per text (text on stdin, UTF-8)."""

    name = "espeak-ng"

    def __init__(self, executable: str = "espeak-ng", words_per_minute: int | None = None, timeout_s: float = 20.0):
        found = shutil.which(executable)
        if found is None:
            raise SynthesisError(f"找不到 {executable} 命令 / the {executable} command is not installed")
        self.executable = found
        self.words_per_minute = words_per_minute
        self.timeout_s = timeout_s

    def voices(self) -> list[VoiceInfo]:
        listing = subprocess.run([self.executable, "--voices"], capture_output=True, text=True, timeout=self.timeout_s)
        return parse_espeak_voices(listing.stdout)

    def synthesize(self, text: str, voice_id: str) -> Pcm:
        command = [self.executable, "-v", voice_id, "-b", "1"]
        if self.words_per_minute:
            command += ["-s", str(self.words_per_minute)]
        with tempfile.TemporaryDirectory(prefix="hallq-tts-") as folder:
            target = Path(folder) / "speech.wav"
            result = subprocess.run(
                [*command, "-w", str(target)], input=text.encode("utf-8"), capture_output=True, timeout=self.timeout_s
            )
            if result.returncode != 0 or not target.exists():
                message = result.stderr.decode("utf-8", "replace").strip()
                raise SynthesisError(f"espeak-ng 合成失败 / espeak-ng failed ({result.returncode}): {message}")
            pcm = read_wav(target)
        if not pcm.frames:
            raise SynthesisError(f"espeak-ng 没有输出声音 / espeak-ng produced no audio for {text!r}")
        return pcm


def parse_espeak_voices(listing: str) -> list[VoiceInfo]:
    """Parse `espeak-ng --voices`: Pty Language Age/Gender VoiceName File (Other languages)."""
    voices = []
    for line in listing.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5:
            language, name = parts[1], parts[3].replace("_", " ")
            voices.append(VoiceInfo(id=language, name=name, languages=(language,)))
    return voices


def voices_from_engine(engine: Any) -> list[VoiceInfo]:
    """VoiceInfo for every voice a pyttsx3 engine reports."""
    found = []
    for voice in engine.getProperty("voices") or ():
        languages = tuple(
            lang.decode("utf-8", "ignore").lstrip("\x05") if isinstance(lang, bytes) else str(lang)
            for lang in (getattr(voice, "languages", None) or ())
        )
        found.append(VoiceInfo(id=str(voice.id), name=str(getattr(voice, "name", "") or ""), languages=languages))
    return found


class Pyttsx3FileSynthesizer:
    """pyttsx3 `save_to_file`, one file per `runAndWait`, the result checked for audio."""

    name = "pyttsx3"

    def __init__(self, engine: Any = None):
        if engine is None:
            import pyttsx3

            engine = pyttsx3.init()
        self.engine = engine

    def voices(self) -> list[VoiceInfo]:
        return voices_from_engine(self.engine)

    def synthesize(self, text: str, voice_id: str) -> Pcm:
        self.engine.setProperty("voice", voice_id)
        with tempfile.TemporaryDirectory(prefix="hallq-tts-") as folder:
            target = Path(folder) / "speech.wav"
            with contextlib.redirect_stdout(io.StringIO()):  # the espeak driver prints "Audio saved to ..."
                self.engine.save_to_file(text, str(target))
                self.engine.runAndWait()
            self._forget_file_target()
            if not target.exists() or target.stat().st_size <= 44:
                raise SynthesisError(f"pyttsx3 没有写出声音文件 / pyttsx3 wrote no audio for {text!r}")
            pcm = read_wav(target)
        if not pcm.frames:
            raise SynthesisError(f"pyttsx3 写出了空文件 / pyttsx3 wrote an empty file for {text!r}")
        return pcm

    def _forget_file_target(self) -> None:
        # pyttsx3 2.99's espeak driver keeps the last file name, so a later say() on the shared engine
        # would overwrite that file instead of playing; clear it (private attribute, hence the guard).
        driver = getattr(getattr(self.engine, "proxy", None), "_driver", None)
        if driver is not None and hasattr(driver, "_save_file"):
            driver._save_file = None


def default_file_synthesizer() -> Synthesizer:
    """espeak-ng on Linux when installed, otherwise pyttsx3 (Windows SAPI5, macOS)."""
    if sys.platform.startswith("linux") and shutil.which("espeak-ng"):
        return EspeakCliSynthesizer()
    return Pyttsx3FileSynthesizer()
