"""Plain audio for voice announcements (stdlib only): PCM, WAV files, the chime, and playing a WAV.

Audio is handled as 16-bit mono PCM (`Pcm`) so the chime, the speech and the pauses can be joined
into one WAV with the `wave` module alone (no audioop, no numpy). The speech engines that make the
speech are hardware/tts.py; the announcer that joins and plays it all is hardware/speaker.py.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import sys
import wave
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_WIDTH = 2  # bytes: 16-bit signed little-endian
ESPEAK_RATE = 22050  # espeak-ng's native output rate; the chime asset is generated at this rate


class SynthesisError(RuntimeError):
    """No usable audio: the speech engine made none, or a WAV file cannot be read."""


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
