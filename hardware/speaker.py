"""Voice announcements (语音播报): a chime, then the hall's call sentence, `repeat` times, per language.

`Announcer` owns one worker thread; only that thread touches the speech engine or audio, so calls are
spoken in order, never overlapping, and never on the UI thread. `announce()` returns at once.
When calls arrive faster than they can be spoken, stale ones are dropped (oldest first, or older than
`max_age_s`) and reported through `on_dropped` and `dropped_count` — never silently.

Backends (same interface, see `SpeakerBackend`):
- `Pyttsx3Backend`: live speech through pyttsx3; the chime through aplay/paplay/play/winsound.
- `WavFolderBackend(folder)`: headless; one WAV per announcement (chime + speech) written atomically,
  for tests and for halls that feed their own PA system. Uses the espeak-ng command on Linux (see tts.py; the
  PCM and WAV work is audio.py).
- `FakeSpeaker`: records what would have been said, for app tests.

Callbacks: `on_started` / `on_finished` run on the worker thread; `on_dropped` runs on the thread that
caused the drop (the worker, or the caller of `announce()` when the queue overflows). Keep them short;
Kivy apps should hand over with `Clock.schedule_once`.
"""

from __future__ import annotations

import itertools
import logging
import re
import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from core.announce import voice_text
from core.config import Announce
from hardware.audio import (
    ESPEAK_RATE,
    Pcm,
    SynthesisError,
    concat,
    find_player,
    play_wav,
    read_wav,
    silence,
    write_wav_atomic,
)
from hardware.tts import Synthesizer, VoiceInfo, choose_voices, default_file_synthesizer, voices_from_engine

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DropReason = Literal["queue_full", "stale", "closed", "failed"]


@dataclass(frozen=True)
class Announcement:
    number: str
    window: int
    is_recall: bool = False
    created_at: float = field(default_factory=time.monotonic)  # time.monotonic() when announce() was called
    seq: int = 0  # order of arrival at this announcer, from 1


@dataclass(frozen=True)
class Script:
    """Everything one announcement says: chime, then each round speaks every line once."""

    announcement: Announcement
    lines: tuple[tuple[str, str], ...]  # (language, text) in the hall's language order
    repeat: int
    chime: Path | None

    @property
    def texts(self) -> dict[str, str]:
        return dict(self.lines)


def build_script(cfg: Announce, announcement: Announcement, chime: Path | None = None) -> Script:
    lines = tuple(
        (lang, voice_text(cfg.voice[lang], announcement.number, announcement.window, lang)) for lang in cfg.languages
    )
    return Script(announcement, lines, max(1, cfg.repeat), chime)


@dataclass(frozen=True)
class SpeakerStatus:
    """What the display app can show: which voice speaks each language, and every start-up problem."""

    backend: str
    voices: Mapping[str, str] = field(default_factory=dict)  # language → voice id
    warnings: tuple[str, ...] = ()
    chime: bool = False  # the chime will sound

    @property
    def ok(self) -> bool:
        return not self.warnings

    def summary(self) -> str:
        if self.ok:
            return f"语音播报正常 / voice announcements ready ({self.backend})"
        return "\n".join(self.warnings)


class SpeakerBackend(Protocol):
    """Called only from the announcer's worker thread."""

    def open(self, languages: Sequence[str], chime: Path | None) -> SpeakerStatus: ...

    def speak(self, script: Script) -> None: ...

    def close(self) -> None: ...


def resolve_chime(path: str | Path | None) -> Path | None:
    """The configured chime as given, or relative to the repository (the default is "assets/sounds/chime.wav")."""
    if not path:
        return None
    given = Path(path)
    if given.is_absolute():
        return given
    return given.resolve() if given.exists() else REPO_ROOT / given


def _chime_warning(chime: Path | None) -> list[str]:
    if chime is None or chime.is_file():
        return []
    return [
        f"语音播报：找不到提示音文件 {chime}，将不播放提示音 / voice announcements: chime file {chime} not found; no chime"
    ]


# --- the announcer ------------------------------------------------------------------------------


class Announcer:
    """Queues calls and speaks them one after another on its own worker thread."""

    def __init__(
        self,
        announce_cfg: Announce,
        backend: SpeakerBackend,
        *,
        max_pending: int | None = 4,
        max_age_s: float | None = 45.0,
        on_started: Callable[[Announcement, float], None] | None = None,
        on_finished: Callable[[Announcement, float], None] | None = None,
        on_dropped: Callable[[Announcement, DropReason], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        open_timeout_s: float = 15.0,
    ):
        if max_pending is not None and max_pending < 1:
            raise ValueError(
                f"max_pending 至少为 1（或 None 表示不限）/ max_pending must be ≥ 1 or None, got {max_pending!r}"
            )
        if max_age_s is not None and max_age_s <= 0:
            raise ValueError(
                f"max_age_s 应大于 0（或 None 表示不限）/ max_age_s must be > 0 or None, got {max_age_s!r}"
            )
        self.cfg = announce_cfg
        self.backend = backend
        self.max_pending = max_pending
        self.max_age_s = max_age_s
        self.on_started = on_started
        self.on_finished = on_finished
        self.on_dropped = on_dropped
        self.clock = clock
        self.chime = resolve_chime(announce_cfg.chime)
        self.spoken_count = 0
        self.dropped_count = 0
        self.dropped_by_reason: dict[str, int] = {}
        self._pending: deque[Announcement] = deque()
        self._cond = threading.Condition()
        self._speaking = False
        self._closing = False
        self._seq = itertools.count(1)
        self._status = SpeakerStatus(
            type(backend).__name__, warnings=("语音播报正在启动 / voice announcements starting",)
        )
        self._ready = threading.Event()
        self._worker = threading.Thread(target=self._run, name="hallq-announcer", daemon=True)
        self._worker.start()
        self._ready.wait(open_timeout_s)

    # public API

    @property
    def status(self) -> SpeakerStatus:
        return self._status

    @property
    def pending_count(self) -> int:
        with self._cond:
            return len(self._pending)

    def announce(self, number: str, window: int, recall: bool = False) -> Announcement:
        """Queue a call (or a recall) and return at once."""
        if not isinstance(number, str) or not number.strip():
            raise ValueError(f"号码不能为空 / the ticket number must be non-empty text, got {number!r}")
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise ValueError(f"窗口号应为正整数 / the window number must be a positive whole number, got {window!r}")
        called_at = self.clock()
        with self._cond:  # the sequence number and the queue order agree even with many callers
            item = Announcement(number.strip(), window, recall, called_at, next(self._seq))
            if self._closing:
                reason: DropReason = "closed"
                dropped = [item]
            else:
                reason = "queue_full"
                self._pending.append(item)
                dropped = self._trim_pending()
                self._cond.notify_all()
        for old_item in dropped:
            self._report_drop(old_item, reason)
        return item

    def _trim_pending(self) -> list[Announcement]:
        """Drop the oldest waiting announcements beyond max_pending (lock held)."""
        dropped = []
        while self.max_pending is not None and len(self._pending) > self.max_pending:
            dropped.append(self._pending.popleft())
        return dropped

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or being spoken; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending or self._speaking:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Stop after the announcement being spoken; the ones still waiting are reported as dropped ("closed")."""
        with self._cond:
            if self._closing:
                leftovers: list[Announcement] = []
            else:
                self._closing = True
                leftovers = list(self._pending)
                self._pending.clear()
            self._cond.notify_all()
        for item in leftovers:
            self._report_drop(item, "closed")
        if self._worker is not threading.current_thread():
            self._worker.join(timeout)

    def __enter__(self) -> Announcer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # worker thread

    def _run(self) -> None:
        self._open_backend()
        try:
            while (item := self._next()) is not None:
                self._handle(item)
        finally:
            try:
                self.backend.close()
            except Exception:
                log.exception("closing the speaker backend failed")

    def _open_backend(self) -> None:
        try:
            self._status = self.backend.open(self.cfg.languages, self.chime)
        except Exception as exc:  # a broken speaker must never stop the hall's apps
            log.exception("speaker backend failed to start")
            self._status = SpeakerStatus(
                type(self.backend).__name__,
                warnings=(f"语音播报无法启动：{exc} / voice announcements could not start: {exc}",),
            )
        for warning in self._status.warnings:
            log.warning("%s", warning)
        self._ready.set()

    def _next(self) -> Announcement | None:
        with self._cond:
            while not self._pending and not self._closing:
                self._cond.wait()
            if self._closing:
                return None
            self._speaking = True
            return self._pending.popleft()

    def _handle(self, item: Announcement) -> None:
        try:
            if self.max_age_s is not None and self.clock() - item.created_at > self.max_age_s:
                self._report_drop(item, "stale")
                return
            self._callback(self.on_started, item, self.clock())
            try:
                self.backend.speak(build_script(self.cfg, item, self.chime))
            except Exception:
                log.exception("announcing %s → window %s failed", item.number, item.window)
                self._report_drop(item, "failed")
                return
            self.spoken_count += 1
            self._callback(self.on_finished, item, self.clock())
        finally:
            with self._cond:
                self._speaking = False
                self._cond.notify_all()

    def _report_drop(self, item: Announcement, reason: DropReason) -> None:
        with self._cond:
            self.dropped_count += 1
            self.dropped_by_reason[reason] = self.dropped_by_reason.get(reason, 0) + 1
        log.info("announcement %s → window %s dropped (%s)", item.number, item.window, reason)
        self._callback(self.on_dropped, item, reason)

    @staticmethod
    def _callback(callback: Callable[[Announcement, Any], None] | None, item: Announcement, value: Any) -> None:
        if callback is None:
            return
        try:
            callback(item, value)
        except Exception:
            log.exception("announcer callback %r failed", callback)


# --- backends -----------------------------------------------------------------------------------


class Pyttsx3Backend:
    """Live speech through pyttsx3 (it plays itself); the chime through a small command-line player."""

    def __init__(
        self,
        voices: Mapping[str, str] | None = None,
        words_per_minute: int | None = None,
        pause_s: float = 0.3,
        engine_factory: Callable[[], Any] | None = None,
        player: Sequence[str] | None | Literal["auto"] = "auto",
    ):
        self.wanted_voices = dict(voices or {})
        self.words_per_minute = words_per_minute
        self.pause_s = pause_s
        self.engine_factory = engine_factory
        self.player = find_player() if player == "auto" else (tuple(player) if player else None)
        self.engine: Any = None
        self.voice_ids: dict[str, str] = {}
        self.chime: Path | None = None

    def open(self, languages: Sequence[str], chime: Path | None) -> SpeakerStatus:
        if self.engine_factory is None:
            import pyttsx3

            self.engine = pyttsx3.init()
        else:
            self.engine = self.engine_factory()
        if self.words_per_minute:
            self.engine.setProperty("rate", self.words_per_minute)
        chosen, warnings = choose_voices(voices_from_engine(self.engine), languages, self.wanted_voices)
        self.voice_ids = {lang: voice.id for lang, voice in chosen.items()}
        warnings += self._playback_warnings()
        warnings += _chime_warning(chime)
        if chime is not None and chime.is_file() and self.player is not None:
            self.chime = chime
        elif chime is not None and chime.is_file():
            warnings.append(
                "语音播报：没有可用的播放程序（aplay/paplay/play），不播放提示音 / voice announcements: no audio player (aplay/paplay/play) found; the chime is skipped"
            )
        return SpeakerStatus("pyttsx3", dict(self.voice_ids), tuple(warnings), self.chime is not None)

    def _playback_warnings(self) -> list[str]:
        # pyttsx3's espeak driver renders to a temporary WAV and plays it with `aplay` (alsa-utils)
        if self.engine_factory is None and sys.platform.startswith("linux") and not shutil.which("aplay"):
            return [
                "语音播报：pyttsx3 在 Linux 上需要 aplay（alsa-utils）才能出声 / voice announcements: pyttsx3 on Linux needs aplay (alsa-utils) to be heard"
            ]
        return []

    def speak(self, script: Script) -> None:
        if self.chime is not None and self.player is not None:
            try:
                play_wav(self.player, self.chime)
            except Exception as exc:  # the call itself still matters more than the chime
                log.warning("chime failed: %s", exc)
        for _round in range(script.repeat):
            for lang, text in script.lines:
                voice = self.voice_ids.get(lang)
                if voice is None:
                    continue
                self.engine.setProperty("voice", voice)
                self.engine.say(text)
                self.engine.runAndWait()  # one utterance per run: the espeak driver speaks only the last queued text
                time.sleep(self.pause_s)

    def close(self) -> None:
        if self.engine is not None:
            try:
                self.engine.stop()
            except Exception:
                log.debug("pyttsx3 stop failed", exc_info=True)


class WavFolderBackend:
    """Headless: each announcement becomes one WAV (chime + speech × repeat) in `folder`.

    Files are named `000042_A105_w003.wav` (`_recall` added for recalls): the sequence number sorts them
    and continues after a restart, so names stay unique in the folder. Files appear atomically.
    """

    FILE_PATTERN = re.compile(r"^(\d{6,})_.*\.wav$")

    def __init__(
        self,
        folder: str | Path,
        synthesizer: Synthesizer | None = None,
        voices: Mapping[str, str] | None = None,
        pause_s: float = 0.4,
        chime_gap_s: float = 0.25,
    ):
        self.folder = Path(folder)
        self.synthesizer = synthesizer
        self.wanted_voices = dict(voices or {})
        self.pause_s = pause_s
        self.chime_gap_s = chime_gap_s
        self.voice_ids: dict[str, str] = {}
        self.chime_pcm: Pcm | None = None
        self.written: list[Path] = []
        self._next_seq = 1

    def open(self, languages: Sequence[str], chime: Path | None) -> SpeakerStatus:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._next_seq = self._last_seq_in_folder() + 1
        if self.synthesizer is None:
            self.synthesizer = default_file_synthesizer()
        chosen, warnings = choose_voices(self.synthesizer.voices(), languages, self.wanted_voices)
        self.voice_ids = {lang: voice.id for lang, voice in chosen.items()}
        warnings += _chime_warning(chime)
        if chime is not None and chime.is_file():
            try:
                self.chime_pcm = read_wav(chime)
            except SynthesisError as exc:
                warnings.append(f"语音播报：提示音文件无法读取 / voice announcements: the chime cannot be read: {exc}")
        return SpeakerStatus(
            f"wav:{self.synthesizer.name}", dict(self.voice_ids), tuple(warnings), self.chime_pcm is not None
        )

    def _last_seq_in_folder(self) -> int:
        numbers = [int(m.group(1)) for p in self.folder.iterdir() if (m := self.FILE_PATTERN.match(p.name))]
        return max(numbers, default=0)

    def render(self, script: Script) -> Pcm:
        """The whole announcement as one PCM stream: chime, then every line once per round."""
        assert self.synthesizer is not None, "open() first"
        spoken = [
            self.synthesizer.synthesize(text, self.voice_ids[lang])
            for lang, text in script.lines
            if lang in self.voice_ids
        ]
        rate = spoken[0].rate if spoken else (self.chime_pcm.rate if self.chime_pcm else ESPEAK_RATE)
        parts = [self.chime_pcm, silence(self.chime_gap_s, rate)] if self.chime_pcm else []
        for _round in range(script.repeat):
            for speech in spoken:
                parts += [speech, silence(self.pause_s, rate)]
        return concat(parts, rate)

    def file_name(self, script: Script, seq: int) -> str:
        item = script.announcement
        number = re.sub(r"[^A-Za-z0-9-]", "-", item.number)
        return f"{seq:06d}_{number}_w{item.window:03d}{'_recall' if item.is_recall else ''}.wav"

    def speak(self, script: Script) -> None:
        pcm = self.render(script)
        path = write_wav_atomic(self.folder / self.file_name(script, self._next_seq), pcm)
        self._next_seq += 1
        self.written.append(path)

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class SpokenCall:
    """One announcement as the fake speaker heard it."""

    number: str
    window: int
    is_recall: bool
    texts: dict[str, str]  # language → sentence sent to the engine
    repeat: int
    chime: Path | None
    created_at: float
    started_at: float
    finished_at: float


class FakeSpeaker:
    """Records announcements instead of speaking; `missing_languages` simulates absent voices."""

    def __init__(self, missing_languages: Sequence[str] = (), speak_s: float = 0.0, fail_numbers: Sequence[str] = ()):
        self.missing_languages = set(missing_languages)
        self.speak_s = speak_s
        self.fail_numbers = set(fail_numbers)
        self.opened_with: tuple[str, ...] = ()
        self.closed = False
        self._calls: list[SpokenCall] = []
        self._lock = threading.Lock()

    def open(self, languages: Sequence[str], chime: Path | None) -> SpeakerStatus:
        self.opened_with = tuple(languages)
        fake_voices = [
            VoiceInfo(f"fake-{lang}", f"Fake {lang}", (lang,))
            for lang in languages
            if lang not in self.missing_languages
        ]
        chosen, warnings = choose_voices(fake_voices, languages, {lang: f"fake-{lang}" for lang in languages})
        return SpeakerStatus("fake", {lang: v.id for lang, v in chosen.items()}, tuple(warnings), chime is not None)

    def speak(self, script: Script) -> None:
        item = script.announcement
        started = time.monotonic()
        if item.number in self.fail_numbers:
            raise RuntimeError(f"fake failure for {item.number}")
        if self.speak_s:
            time.sleep(self.speak_s)
        texts = {lang: text for lang, text in script.lines if lang not in self.missing_languages}
        call = SpokenCall(
            item.number,
            item.window,
            item.is_recall,
            texts,
            script.repeat,
            script.chime,
            item.created_at,
            started,
            time.monotonic(),
        )
        with self._lock:
            self._calls.append(call)

    def close(self) -> None:
        self.closed = True

    @property
    def calls(self) -> list[SpokenCall]:
        with self._lock:
            return list(self._calls)

    @property
    def numbers(self) -> list[str]:
        return [call.number for call in self.calls]
