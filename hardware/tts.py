"""Speech synthesis and plain-WAV helpers for voice announcements (stdlib only; pyttsx3 is optional).

Audio is handled as 16-bit mono PCM (`Pcm`) so the chime, the speech and the pauses can be joined
into one WAV with the `wave` module alone (no audioop, no numpy).

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
import math
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

SAMPLE_WIDTH = 2  # bytes: 16-bit signed little-endian
ESPEAK_RATE = 22050  # espeak-ng's native output rate; the chime asset is generated at this rate


class SynthesisError(RuntimeError):
    """The speech engine produced no usable audio."""


# --- PCM helpers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit little-endian samples at `rate` Hz."""

    frames: bytes
    rate: int

    @property
    def sample_count(self) -> int:
        return len(self.frames) // SAMPLE_WIDTH

    @property
    def duration_s(self) -> float:
        return self.sample_count / self.rate if self.rate else 0.0

    def samples(self) -> array:
        values = array("h")
        values.frombytes(self.frames[: self.sample_count * SAMPLE_WIDTH])
        if sys.byteorder == "big":
            values.byteswap()
        return values


def _pcm_from_samples(values: array, rate: int) -> Pcm:
    if sys.byteorder == "big":
        values = array("h", values)
        values.byteswap()
    return Pcm(values.tobytes(), rate)


def silence(seconds: float, rate: int) -> Pcm:
    return Pcm(bytes(SAMPLE_WIDTH * max(0, round(seconds * rate))), rate)


def resample(pcm: Pcm, rate: int) -> Pcm:
    """Linear-interpolation resampling; good enough for a chime or speech."""
    if pcm.rate == rate or not pcm.frames:
        return Pcm(pcm.frames, rate)
    source = pcm.samples()
    count = max(1, round(len(source) * rate / pcm.rate))
    step = (len(source) - 1) / max(1, count - 1)
    out = array("h", bytes(SAMPLE_WIDTH * count))
    last = len(source) - 1
    for i in range(count):
        position = i * step
        left = int(position)
        right = min(left + 1, last)
        fraction = position - left
        out[i] = round(source[left] + (source[right] - source[left]) * fraction)
    return _pcm_from_samples(out, rate)


def concat(parts: Iterable[Pcm], rate: int) -> Pcm:
    """Join parts, converting any part recorded at another rate."""
    return Pcm(b"".join(resample(part, rate).frames for part in parts), rate)


def rms(pcm: Pcm) -> float:
    """Root mean square level, 0 (silence) … 32767 (full scale)."""
    values = pcm.samples()
    if not values:
        return 0.0
    return math.sqrt(sum(v * v for v in values) / len(values))


def _to_16bit(raw: bytes, width: int) -> array:
    if width == 2:
        values = array("h")
        values.frombytes(raw)
        if sys.byteorder == "big":
            values.byteswap()
        return values
    if width == 1:  # unsigned 8-bit
        return array("h", ((b - 128) << 8 for b in raw))
    if width in (3, 4):  # keep the two most significant bytes of each little-endian sample
        return array(
            "h",
            (int.from_bytes(raw[i + width - 2 : i + width], "little", signed=True) for i in range(0, len(raw), width)),
        )
    raise SynthesisError(f"不支持的采样位宽 {width * 8} 位 / unsupported sample width {width * 8} bits")


def _mix_to_mono(values: array, channels: int) -> array:
    if channels == 1:
        return values
    return array(
        "h", (sum(values[i : i + channels]) // channels for i in range(0, len(values) - channels + 1, channels))
    )


def read_wav(source: str | Path | bytes) -> Pcm:
    """Read a PCM WAV file (any width, any channel count) as 16-bit mono."""
    handle = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        with wave.open(handle, "rb") as wav:
            raw = wav.readframes(wav.getnframes())
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
    except (wave.Error, EOFError) as exc:
        raise SynthesisError(
            f"不是可读的 WAV 文件：{source if not isinstance(source, bytes) else '<bytes>'} / not a readable WAV file: {exc}"
        ) from exc
    usable = len(raw) - len(raw) % (width * channels)
    return _pcm_from_samples(_mix_to_mono(_to_16bit(raw[:usable], width), channels), rate)


def write_wav_atomic(path: Path, pcm: Pcm) -> Path:
    """Write via a hidden temporary file in the same folder, then rename: readers never see half a file."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    with wave.open(str(temporary), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(pcm.rate)
        wav.writeframes(pcm.frames)
    os.replace(temporary, path)
    return path


# --- the chime ----------------------------------------------------------------------------------


def make_chime(rate: int = ESPEAK_RATE, volume: float = 0.45) -> Pcm:
    """A two-tone "ding-dong" (E6 then C6, bell-like decay), 1.2 s."""
    notes = ((1318.51, 0.0), (1046.50, 0.45))  # (frequency Hz, start s)
    length_s, decay_per_s = 1.2, 4.5
    count = round(length_s * rate)
    out = array("h", bytes(SAMPLE_WIDTH * count))
    for i in range(count):
        t = i / rate
        level = 0.0
        for frequency, start in notes:
            if t >= start:
                local = t - start
                envelope = math.exp(-decay_per_s * local) * min(1.0, local / 0.005)  # 5 ms attack: no click
                level += envelope * (
                    math.sin(2 * math.pi * frequency * local) + 0.3 * math.sin(4 * math.pi * frequency * local)
                )
        out[i] = max(-32767, min(32767, round(level * volume / 1.3 * 32767)))
    return _pcm_from_samples(out, rate)


def write_chime(path: str | Path, rate: int = ESPEAK_RATE) -> Path:
    return write_wav_atomic(Path(path), make_chime(rate))


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


# --- playing a WAV (the chime in live mode) -----------------------------------------------------

_PLAYERS = (("aplay", "-q"), ("paplay",), ("pw-play",), ("play", "-q"), ("afplay",))


def find_player() -> tuple[str, ...] | None:
    """A command that plays a WAV file, or ("winsound",) on Windows, or None."""
    if sys.platform == "win32":
        return ("winsound",)
    for command, *options in _PLAYERS:
        found = shutil.which(command)
        if found:
            return (found, *options)
    return None


def play_wav(player: Sequence[str], path: Path, timeout_s: float = 15.0) -> None:
    """Play a WAV file and return when it has finished."""
    if sys.platform == "win32" and tuple(player) == ("winsound",):
        import winsound

        winsound.PlaySound(str(path), winsound.SND_FILENAME)
        return
    subprocess.run([*player, str(path)], capture_output=True, timeout=timeout_s, check=True)
