"""The audio itself: WAV files written by the headless backend, the chime asset, PCM conversions."""

import logging
import shutil
import subprocess
import wave
from array import array
from pathlib import Path

import pytest

from core.config import DEFAULT_VOICE, Announce
from hardware.audio import ESPEAK_RATE, Pcm, make_chime, read_wav, resample, rms, silence, write_wav_atomic
from hardware.speaker import Announcer, Pyttsx3Backend, WavFolderBackend
from hardware.tts import EspeakCliSynthesizer, Pyttsx3FileSynthesizer, VoiceInfo, parse_espeak_voices, pick_voice

REPO = Path(__file__).resolve().parents[2]
CHIME = REPO / "assets/sounds/chime.wav"
WAIT_S = 20.0
AUDIBLE_RMS = 300.0  # of 32767; espeak speech sits around 3000, silence at 0

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt install espeak-ng)"
)


def make_cfg(languages=("zh",), repeat=2, chime=str(CHIME)) -> Announce:
    return Announce(dict(DEFAULT_VOICE), tuple(languages), repeat, chime, "请{number}号", "暂停服务", "{window}号窗口")


def tone(seconds: float, rate: int, level: int = 8000) -> Pcm:
    values = array("h", (level if (i // 20) % 2 else -level for i in range(round(seconds * rate))))
    return Pcm(values.tobytes(), rate)


class RecordingSynthesizer:
    """Stands in for the engine: 0.5 s of tone per text, every (text, voice) remembered."""

    name = "recording"

    def __init__(self, rate: int = ESPEAK_RATE):
        self.rate = rate
        self.sent: list[tuple[str, str]] = []

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("cmn-latn-pinyin", "pinyin", ("cmn-latn-pinyin",)), VoiceInfo("en-us", "English", ("en-us",))]

    def synthesize(self, text: str, voice_id: str) -> Pcm:
        self.sent.append((text, voice_id))
        return tone(0.5, self.rate)


def run_calls(folder: Path, calls, cfg=None, **backend_options) -> tuple[Announcer, WavFolderBackend]:
    backend = WavFolderBackend(folder, **backend_options)
    announcer = Announcer(cfg or make_cfg(), backend, max_pending=None, max_age_s=None)
    for number, window, recall in calls:
        announcer.announce(number, window, recall)
    assert announcer.wait_idle(WAIT_S)
    announcer.close()
    return announcer, backend


# --- real speech through espeak-ng ------------------------------------------------------------


@needs_espeak
def test_chinese_call_spoken_twice_with_chime_is_a_real_wav(tmp_path):
    _, backend = run_calls(tmp_path, [("A105", 3, False)])
    [path] = backend.written
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
    pcm = read_wav(path)
    assert 2.0 <= pcm.duration_s <= 12.0
    assert rms(pcm) > AUDIBLE_RMS


@needs_espeak
def test_speech_after_the_chime_is_audible_and_repeated(tmp_path):
    _, once = run_calls(tmp_path / "once", [("A105", 3, False)], make_cfg(repeat=1))
    _, twice = run_calls(tmp_path / "twice", [("A105", 3, False)], make_cfg(repeat=2))
    one, two = read_wav(once.written[0]), read_wav(twice.written[0])
    speech_only = Pcm(one.frames[len(make_chime().frames) :], one.rate)
    assert rms(speech_only) > AUDIBLE_RMS
    assert two.duration_s > one.duration_s + 1.0  # the sentence is there a second time


@needs_espeak
def test_english_follows_chinese_when_configured(tmp_path):
    _, zh_only = run_calls(tmp_path / "zh", [("A105", 3, False)], make_cfg(("zh",)))
    _, both = run_calls(tmp_path / "both", [("A105", 3, False)], make_cfg(("zh", "en")))
    assert both.voice_ids == {"zh": "cmn-latn-pinyin", "en": "en-us"}
    assert read_wav(both.written[0]).duration_s > read_wav(zh_only.written[0]).duration_s + 2.0


@needs_espeak
def test_missing_voice_warns_and_still_writes_the_call(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="hardware.speaker"):
        announcer, backend = run_calls(
            tmp_path, [("A001", 1, False)], make_cfg(("zh", "en")), voices={"en": "no-such-voice"}
        )
    assert any("no-such-voice" in w for w in announcer.status.warnings)
    assert any("no-such-voice" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert backend.voice_ids == {"zh": "cmn-latn-pinyin"}
    assert rms(read_wav(backend.written[0])) > AUDIBLE_RMS


@needs_espeak
def test_espeak_reports_the_pinyin_voice():
    ids = [v.id for v in EspeakCliSynthesizer().voices()]
    assert "cmn-latn-pinyin" in ids


@needs_espeak
def test_pyttsx3_backend_on_this_machine_picks_pinyin_mandarin():
    status = Pyttsx3Backend(player=None).open(("zh", "en"), None)
    assert status.voices.get("zh") == "sit/cmn-latn-pinyin"
    assert status.voices.get("en", "").startswith("gmw/en")


@needs_espeak
def test_chosen_chinese_voice_reads_the_call_without_switching_to_english():
    voice = pick_voice(EspeakCliSynthesizer().voices(), "zh")
    text = "请 A 一 零 五 号到 三 号窗口办理"
    phonemes = subprocess.run(["espeak-ng", "-q", "-x", "-v", voice.id, text], capture_output=True, text=True).stdout
    plain_cmn = subprocess.run(["espeak-ng", "-q", "-x", "-v", "cmn", text], capture_output=True, text=True).stdout
    assert "(en)" in plain_cmn  # why the plain voice is never chosen
    assert "(en)" not in phonemes and phonemes.strip()


@needs_espeak
def test_pyttsx3_file_synthesis_leaves_the_engine_ready_to_speak():
    synthesizer = Pyttsx3FileSynthesizer()
    synthesizer.synthesize("请 A 一 号", "sit/cmn-latn-pinyin")
    assert synthesizer.engine.proxy._driver._save_file is None


@needs_espeak
def test_pyttsx3_backend_asked_for_unknown_voice_warns_instead_of_crashing():
    status = Pyttsx3Backend(voices={"zh": "no-such-voice"}, player=None).open(("zh",), None)
    assert "zh" not in status.voices
    assert any("no-such-voice" in w for w in status.warnings)


PYTTSX3_FILES = """
from hardware.audio import rms
from hardware.tts import Pyttsx3FileSynthesizer
synthesizer = Pyttsx3FileSynthesizer()
short = synthesizer.synthesize("请 A 一 号", "sit/cmn-latn-pinyin")
long = synthesizer.synthesize("请 A 一 零 五 号到 十二 号窗口办理", "sit/cmn-latn-pinyin")
print(rms(short), rms(long), short.duration_s, long.duration_s)
"""


@needs_espeak
def test_pyttsx3_file_synthesis_writes_each_file_separately():
    # In a process of its own: pyttsx3 keeps one engine per driver per process, and other tests' engines
    # in this process would change what it does (the very quirk this synthesizer works around).
    import sys

    out = subprocess.run([sys.executable, "-c", PYTTSX3_FILES], capture_output=True, text=True, timeout=60, check=True)
    short_rms, long_rms, short_s, long_s = map(float, out.stdout.split()[-4:])
    assert short_rms > AUDIBLE_RMS and long_rms > AUDIBLE_RMS
    assert long_s > short_s


def test_espeak_voice_listing_is_parsed():
    listing = (
        "Pty Language       Age/Gender VoiceName          File                 Other Languages\n"
        " 5  cmn-latn-pinyin --/M      Chinese_(Mandarin,_latin_as_Pinyin) sit/cmn-Latn-pinyin  (zh-cmn 5)(zh 5)\n"
        " 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)\n"
    )
    assert parse_espeak_voices(listing) == [
        VoiceInfo("cmn-latn-pinyin", "Chinese (Mandarin, latin as Pinyin)", ("cmn-latn-pinyin",)),
        VoiceInfo("en-us", "English (America)", ("en-us",)),
    ]


# --- the WAV folder, with a stand-in synthesizer ------------------------------------------------


def test_engine_receives_exactly_the_template_text(tmp_path):
    synthesizer = RecordingSynthesizer()
    run_calls(tmp_path, [("A105", 3, False)], make_cfg(("zh", "en")), synthesizer=synthesizer)
    assert synthesizer.sent == [
        ("请 A 一 零 五 号到 三 号窗口办理", "cmn-latn-pinyin"),
        ("Number A one zero five, please go to window 3", "en-us"),
    ]


def test_file_holds_chime_then_every_repeat(tmp_path):
    _, backend = run_calls(
        tmp_path, [("A001", 1, False)], make_cfg(repeat=3), synthesizer=RecordingSynthesizer(), pause_s=0.5
    )
    chime = read_wav(CHIME)
    expected = chime.duration_s + backend.chime_gap_s + 3 * (0.5 + 0.5)
    assert read_wav(backend.written[0]).duration_s == pytest.approx(expected, abs=0.01)


def test_file_names_sort_in_call_order_and_mark_recalls(tmp_path):
    calls = [("A001", 3, False), ("B012", 12, False), ("A001", 3, True)]
    _, backend = run_calls(tmp_path, calls, synthesizer=RecordingSynthesizer())
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["000001_A001_w003.wav", "000002_B012_w012.wav", "000003_A001_w003_recall.wav"]
    assert [p.name for p in backend.written] == names


def test_numbering_continues_after_a_restart(tmp_path):
    (tmp_path / "000041_A009_w002.wav").write_bytes(b"")
    _, backend = run_calls(tmp_path, [("A010", 2, False)], synthesizer=RecordingSynthesizer())
    assert backend.written[0].name == "000042_A010_w002.wav"


def test_no_temporary_file_is_left_behind(tmp_path):
    run_calls(tmp_path, [("A001", 1, False), ("A002", 1, False)], synthesizer=RecordingSynthesizer())
    assert all(p.suffix == ".wav" and not p.name.startswith(".") for p in tmp_path.iterdir())


@pytest.mark.parametrize("rate, channels, width", [(44100, 2, 2), (8000, 1, 1), (48000, 1, 3), (16000, 2, 4)])
def test_chime_in_another_format_is_converted_to_the_speech_rate(tmp_path, rate, channels, width):
    chime = tmp_path / "odd_chime.wav"
    with wave.open(str(chime), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        frame = (b"\x10" * (width - 1) + b"\x40") * channels  # loud positive sample on every channel
        quiet = (b"\x00" * (width - 1) + b"\x80" if width == 1 else b"\x00" * width) * channels
        wav.writeframes((frame * 10 + quiet * 10) * (rate // 20))  # one second
    _, backend = run_calls(
        tmp_path / "out",
        [("A001", 1, False)],
        make_cfg(repeat=1, chime=str(chime)),
        synthesizer=RecordingSynthesizer(),
        pause_s=0,
    )
    pcm = read_wav(backend.written[0])
    assert pcm.rate == ESPEAK_RATE
    assert pcm.duration_s == pytest.approx(1.0 + backend.chime_gap_s + 0.5, abs=0.01)
    first_half_second = Pcm(pcm.frames[: ESPEAK_RATE // 2 * 2], ESPEAK_RATE)  # 2 bytes per sample
    assert rms(first_half_second) > AUDIBLE_RMS


def test_missing_chime_file_is_a_warning(tmp_path):
    announcer, backend = run_calls(
        tmp_path, [("A001", 1, False)], make_cfg(chime="no/such/chime.wav"), synthesizer=RecordingSynthesizer()
    )
    assert any("chime" in w for w in announcer.status.warnings)
    assert read_wav(backend.written[0]).duration_s == pytest.approx(2 * (0.5 + backend.pause_s), abs=0.01)


# --- the chime asset and PCM helpers ------------------------------------------------------------


def test_chime_asset_is_a_short_audible_wav_at_the_speech_rate():
    chime = read_wav(CHIME)
    assert chime.rate == ESPEAK_RATE
    assert 0.5 <= chime.duration_s <= 2.0
    assert rms(chime) > AUDIBLE_RMS


def test_chime_asset_matches_its_generator():
    assert read_wav(CHIME).frames == make_chime().frames


@pytest.mark.parametrize("source_rate, target_rate", [(44100, 22050), (8000, 22050), (22050, 22050)])
def test_resampling_keeps_the_duration(source_rate, target_rate):
    converted = resample(tone(1.0, source_rate), target_rate)
    assert converted.rate == target_rate
    assert converted.duration_s == pytest.approx(1.0, abs=0.001)


def test_silence_has_no_level_and_tone_has():
    assert rms(silence(0.5, 8000)) == 0.0
    assert rms(tone(0.5, 8000, level=8000)) == pytest.approx(8000)


def test_atomic_write_round_trips(tmp_path):
    original = tone(0.25, 16000)
    path = write_wav_atomic(tmp_path / "x.wav", original)
    assert read_wav(path) == original
    assert [p.name for p in tmp_path.iterdir()] == ["x.wav"]
