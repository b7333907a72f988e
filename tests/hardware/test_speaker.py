"""The announcer's queue, callbacks and text, and voice choice — no audio device or engine needed."""

import logging
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from core.config import DEFAULT_VOICE, Announce
from hardware.speaker import Announcement, Announcer, FakeSpeaker, Pyttsx3Backend, Script, SpeakerStatus, build_script
from hardware.tts import VoiceInfo, pick_voice
from tests.clock import FakeClock

WAIT_S = 10.0


def make_cfg(languages: tuple[str, ...] = ("zh",), repeat: int = 2, chime: str = "assets/sounds/chime.wav") -> Announce:
    return Announce(
        voice=dict(DEFAULT_VOICE),
        languages=languages,
        repeat=repeat,
        chime=chime,
        led_called="请{number}号",
        led_paused="暂停服务",
        led_idle="{window}号窗口",
    )


class GatedSpeaker(FakeSpeaker):
    """Holds each announcement until the test opens the gate; records the thread that spoke."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.gate = threading.Event()
        self.first_started = threading.Event()
        self.threads: list[str] = []

    def speak(self, script: Script) -> None:
        self.threads.append(threading.current_thread().name)
        self.first_started.set()
        assert self.gate.wait(WAIT_S), "test never opened the gate"
        super().speak(script)


@pytest.fixture
def announcers():
    made: list[Announcer] = []

    def make(backend, cfg=None, **kwargs) -> Announcer:
        announcer = Announcer(cfg or make_cfg(), backend, **kwargs)
        made.append(announcer)
        return announcer

    yield make
    for announcer in made:
        if isinstance(announcer.backend, GatedSpeaker):
            announcer.backend.gate.set()
        announcer.close()


def test_text_sent_to_engine_follows_the_template(announcers):
    speaker = FakeSpeaker()
    announcer = announcers(speaker, make_cfg(("zh", "en")))
    announcer.announce("A105", 3)
    assert announcer.wait_idle(WAIT_S)
    [call] = speaker.calls
    assert call.texts == {
        "zh": "请 A 一 零 五 号到 三 号窗口办理",
        "en": "Number A one zero five, please go to window 3",
    }
    assert call.repeat == 2


def test_calls_are_spoken_in_order_on_the_worker_thread(announcers):
    speaker = GatedSpeaker()
    speaker.gate.set()
    announcer = announcers(speaker, max_pending=None, max_age_s=None)
    numbers = [f"A{n:03d}" for n in range(1, 8)]
    for number in numbers:
        announcer.announce(number, 1)
    assert announcer.wait_idle(WAIT_S)
    assert speaker.numbers == numbers
    assert set(speaker.threads) == {"hallq-announcer"}


def test_announcements_never_overlap_even_from_many_threads(announcers):
    speaker = FakeSpeaker(speak_s=0.005)
    announcer = announcers(speaker, max_pending=None, max_age_s=None)
    callers = [
        threading.Thread(target=lambda w=w: [announcer.announce(f"B{w}{n:02d}", w) for n in range(5)])
        for w in range(1, 5)
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert announcer.wait_idle(WAIT_S)
    calls = sorted(speaker.calls, key=lambda c: c.started_at)
    assert len(calls) == 20
    assert all(earlier.finished_at <= later.started_at for earlier, later in zip(calls, calls[1:], strict=False))


def test_announce_returns_before_speech_finishes(announcers):
    speaker = GatedSpeaker()
    announcer = announcers(speaker)
    item = announcer.announce("A001", 2)
    assert isinstance(item, Announcement)
    assert speaker.first_started.wait(WAIT_S)
    assert speaker.calls == []  # still being "spoken" while announce() has long returned
    speaker.gate.set()
    assert announcer.wait_idle(WAIT_S)
    assert speaker.numbers == ["A001"]


def test_recall_is_announced_again(announcers):
    speaker = FakeSpeaker()
    announcer = announcers(speaker)
    announcer.announce("A001", 3)
    announcer.announce("A001", 3, recall=True)
    assert announcer.wait_idle(WAIT_S)
    assert [(c.number, c.is_recall) for c in speaker.calls] == [("A001", False), ("A001", True)]


def speaking_the_first(announcers, **options) -> tuple[GatedSpeaker, Announcer, list[tuple[str, str]]]:
    """An announcer whose gated speaker is busy with A001; drops are recorded as (number, reason)."""
    speaker = GatedSpeaker()
    dropped: list[tuple[str, str]] = []
    announcer = announcers(speaker, on_dropped=lambda a, why: dropped.append((a.number, why)), **options)
    announcer.announce("A001", 1)
    assert speaker.first_started.wait(WAIT_S)
    return speaker, announcer, dropped


def test_burst_drops_the_oldest_waiting_beyond_max_pending(announcers):
    speaker, announcer, dropped = speaking_the_first(announcers, max_pending=2, max_age_s=None)
    for n in range(2, 7):
        announcer.announce(f"A{n:03d}", 1)
    speaker.gate.set()
    assert announcer.wait_idle(WAIT_S)
    assert speaker.numbers == ["A001", "A005", "A006"]
    assert dropped == [("A002", "queue_full"), ("A003", "queue_full"), ("A004", "queue_full")]
    assert announcer.dropped_count == 3


def test_announcements_older_than_max_age_are_skipped_and_reported(announcers):
    clock = FakeClock(1000.0)
    speaker, announcer, dropped = speaking_the_first(announcers, max_age_s=30, clock=clock)
    announcer.announce("A002", 1)
    clock.now += 60  # A001 took a minute; A002 has gone stale meanwhile
    announcer.announce("A003", 1)
    speaker.gate.set()
    assert announcer.wait_idle(WAIT_S)
    assert speaker.numbers == ["A001", "A003"]
    assert dropped == [("A002", "stale")]
    assert announcer.dropped_by_reason == {"stale": 1}


def test_started_callback_gets_each_announcement_with_a_time(announcers):
    started: list[tuple[str, float]] = []
    announcer = announcers(FakeSpeaker(), on_started=lambda a, t: started.append((a.number, t - a.created_at)))
    announcer.announce("A001", 1)
    announcer.announce("A002", 2)
    assert announcer.wait_idle(WAIT_S)
    assert [number for number, _ in started] == ["A001", "A002"]
    assert all(delay >= 0 for _, delay in started)


def test_failing_backend_is_reported_and_the_next_call_still_spoken(announcers):
    speaker = FakeSpeaker(fail_numbers=["A001"])
    dropped: list[tuple[str, str]] = []
    announcer = announcers(speaker, on_dropped=lambda a, why: dropped.append((a.number, why)))
    announcer.announce("A001", 1)
    announcer.announce("A002", 1)
    assert announcer.wait_idle(WAIT_S)
    assert dropped == [("A001", "failed")]
    assert speaker.numbers == ["A002"]


def test_a_broken_callback_does_not_stop_the_worker(announcers):
    def explode(announcement, when):
        raise RuntimeError("bad callback")

    speaker = FakeSpeaker()
    announcer = announcers(speaker, on_started=explode)
    announcer.announce("A001", 1)
    announcer.announce("A002", 1)
    assert announcer.wait_idle(WAIT_S)
    assert speaker.numbers == ["A001", "A002"]


def test_close_reports_waiting_announcements_and_closes_backend(announcers):
    speaker = GatedSpeaker()
    dropped: list[tuple[str, str]] = []
    announcer = announcers(speaker, on_dropped=lambda a, why: dropped.append((a.number, why)))
    announcer.announce("A001", 1)
    assert speaker.first_started.wait(WAIT_S)
    announcer.announce("A002", 1)
    speaker.gate.set()
    announcer.close()
    announcer.announce("A003", 1)  # after close: reported, not raised
    assert dropped == [("A002", "closed"), ("A003", "closed")]
    assert speaker.closed


@pytest.mark.parametrize(
    "number, window", [("", 3), ("   ", 3), ("A001", 0), ("A001", -2), ("A001", True), ("A001", "3")]
)
def test_bad_call_is_refused_with_a_clear_error(announcers, number, window):
    announcer = announcers(FakeSpeaker())
    with pytest.raises(ValueError, match="/"):
        announcer.announce(number, window)


@pytest.mark.parametrize("options", [{"max_pending": 0}, {"max_age_s": 0}, {"max_age_s": -1.0}])
def test_bad_limits_are_refused(options):
    with pytest.raises(ValueError, match="/"):
        Announcer(make_cfg(), FakeSpeaker(), **options)


def test_missing_voice_is_a_warning_not_a_crash(announcers, caplog):
    speaker = FakeSpeaker(missing_languages=["en"])
    with caplog.at_level(logging.WARNING, logger="hardware.speaker"):
        announcer = announcers(speaker, make_cfg(("zh", "en")))
    assert not announcer.status.ok
    assert "en" in announcer.status.summary()
    assert any(r.levelno == logging.WARNING and "en" in r.getMessage() for r in caplog.records)
    announcer.announce("A001", 1)
    assert announcer.wait_idle(WAIT_S)
    assert list(speaker.calls[0].texts) == ["zh"]


def test_backend_that_cannot_start_leaves_a_status_not_a_crash(announcers):
    class Broken(FakeSpeaker):
        def open(self, languages, chime):
            raise OSError("no sound card")

    announcer = announcers(Broken())
    assert "no sound card" in announcer.status.summary()
    announcer.announce("A001", 1)
    assert announcer.wait_idle(WAIT_S)


def test_status_is_ok_when_every_language_has_a_voice(announcers):
    announcer = announcers(FakeSpeaker(), make_cfg(("zh", "en")))
    assert announcer.status.ok
    assert announcer.status.voices == {"zh": "fake-zh", "en": "fake-en"}


def test_relative_chime_is_found_in_the_repository(announcers, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an app started from elsewhere still finds assets/sounds/chime.wav
    speaker = FakeSpeaker()
    announcer = announcers(speaker)
    announcer.announce("A001", 1)
    assert announcer.wait_idle(WAIT_S)
    assert speaker.calls[0].chime == Path(__file__).resolve().parents[2] / "assets/sounds/chime.wav"


# --- voice choice ------------------------------------------------------------------------------

ESPEAK_VOICES = [
    VoiceInfo("sit/cmn", "Chinese (Mandarin, latin as English)", ("cmn",)),
    VoiceInfo("sit/cmn-latn-pinyin", "Chinese (Mandarin, latin as Pinyin)", ("cmn-latn-pinyin",)),
    VoiceInfo("sit/yue", "Chinese (Cantonese)", ("yue",)),
    VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",)),
    VoiceInfo("gmw/en-us", "English (America)", ("en-us",)),
]
TOKENS = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Speech\\Voices\\Tokens\\"
SAPI_VOICES = [
    VoiceInfo(TOKENS + "TTS_MS_EN-US_ZIRA_11.0", "Microsoft Zira Desktop - English (United States)", ("en-US",)),
    VoiceInfo(
        TOKENS + "TTS_MS_ZH-HK_TRACY_11.0", "Microsoft Tracy Desktop - Chinese(Traditional, HongKong SAR)", ("zh-HK",)
    ),
    VoiceInfo(TOKENS + "TTS_MS_ZH-CN_HUIHUI_11.0", "Microsoft Huihui Desktop - Chinese (Simplified)", ("zh-CN",)),
]


@pytest.mark.parametrize(
    "voices, language, expected",
    [
        (ESPEAK_VOICES, "zh", "sit/cmn-latn-pinyin"),
        (ESPEAK_VOICES, "en", "gmw/en-us"),
        (SAPI_VOICES, "zh", TOKENS + "TTS_MS_ZH-CN_HUIHUI_11.0"),
        (SAPI_VOICES, "en", TOKENS + "TTS_MS_EN-US_ZIRA_11.0"),
        ([VoiceInfo("x\\HUIHUI", "Microsoft Huihui Desktop - Chinese (Simplified)")], "zh", "x\\HUIHUI"),
    ],
)
def test_the_right_voice_is_picked_per_platform(voices, language, expected):
    assert pick_voice(voices, language).id == expected


@pytest.mark.parametrize(
    "voices",
    [
        [VoiceInfo("sit/cmn", "Chinese (Mandarin, latin as English)", ("cmn",))],  # reads the call wrongly
        [SAPI_VOICES[1]],  # Cantonese only
        [],
    ],
)
def test_no_unsuitable_voice_is_used_for_chinese(voices):
    assert pick_voice(voices, "zh") is None


def test_a_named_voice_must_exist():
    assert pick_voice(ESPEAK_VOICES, "zh", "cmn-latn-pinyin").id == "sit/cmn-latn-pinyin"
    assert pick_voice(ESPEAK_VOICES, "zh", "no-such-voice") is None


# --- pyttsx3 backend with a stand-in engine ------------------------------------------------------


class StandInEngine:
    def __init__(self, voices: list[VoiceInfo]):
        self._voices = voices
        self.log: list[tuple[str, str]] = []

    def getProperty(self, name):  # noqa: N802 - pyttsx3's spelling
        assert name == "voices"
        return self._voices

    def setProperty(self, name, value):  # noqa: N802
        self.log.append((name, str(value)))

    def say(self, text):
        self.log.append(("say", text))

    def runAndWait(self):  # noqa: N802
        self.log.append(("run", ""))

    def stop(self):
        pass


def test_pyttsx3_backend_speaks_each_line_with_its_voice_then_repeats():
    engine = StandInEngine(ESPEAK_VOICES)
    backend = Pyttsx3Backend(engine_factory=lambda: engine, pause_s=0, player=None)
    status = backend.open(("zh", "en"), None)
    assert status == SpeakerStatus("pyttsx3", {"zh": "sit/cmn-latn-pinyin", "en": "gmw/en-us"}, (), False)
    cfg = make_cfg(("zh", "en"), repeat=2)
    backend.speak(build_script(cfg, Announcement("A105", 3)))
    zh, en = "请 A 一 零 五 号到 三 号窗口办理", "Number A one zero five, please go to window 3"
    one_round = [
        ("voice", "sit/cmn-latn-pinyin"),
        ("say", zh),
        ("run", ""),
        ("voice", "gmw/en-us"),
        ("say", en),
        ("run", ""),
    ]
    assert engine.log == one_round * 2


def test_pyttsx3_backend_without_player_warns_that_the_chime_is_skipped():
    backend = Pyttsx3Backend(engine_factory=lambda: StandInEngine(ESPEAK_VOICES), player=None)
    chime = Path(__file__).resolve().parents[2] / "assets/sounds/chime.wav"
    status = backend.open(("zh",), chime)
    assert not status.chime
    assert any("chime" in w for w in status.warnings)


def test_config_with_one_repeat_speaks_once():
    engine = StandInEngine(ESPEAK_VOICES)
    backend = Pyttsx3Backend(engine_factory=lambda: engine, pause_s=0, player=None)
    backend.open(("zh",), None)
    backend.speak(build_script(replace(make_cfg(), repeat=1), Announcement("A001", 1)))
    assert [entry for entry in engine.log if entry[0] == "say"] == [("say", "请 A 零 零 一 号到 一 号窗口办理")]
