"""End to end through real devices: an event on the stream → exact bytes on a socat pty, a WAV with the right words."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from client.events import wait_until
from client.fake import FakeHallApi
from core.announce import voice_text
from core.config import SignConfig
from display.presenter import DisplayPresenter
from display.signs import SignTexts
from hardware.audio import Pcm, read_wav, rms
from hardware.led import SignBoard
from hardware.led_protocols import encode_bx, encode_text
from hardware.speaker import Announcer, WavFolderBackend
from hardware.tts import VoiceInfo, default_file_synthesizer
from tests.display.helpers import clerk, demo_hall, issue
from tests.hardware.test_led_pty import PtyPair, read_frame

pytestmark = pytest.mark.skipif(
    shutil.which("socat") is None or shutil.which("espeak-ng") is None,
    reason="socat and espeak-ng are needed (apt-get install socat espeak-ng)",
)

FAST: dict[str, Any] = {"retry_initial_s": 0.05, "retry_max_s": 0.5, "refresh_s": None}
AUDIBLE_RMS = 300.0


class RecordingSynthesizer:
    """espeak-ng, remembering every (text, voice) it was asked to speak."""

    def __init__(self) -> None:
        self.inner = default_file_synthesizer()
        self.name = self.inner.name
        self.sent: list[tuple[str, str]] = []

    def voices(self) -> list[VoiceInfo]:
        return list(self.inner.voices())

    def synthesize(self, text: str, voice_id: str) -> Pcm:
        self.sent.append((text, voice_id))
        return self.inner.synthesize(text, voice_id)


@pytest.fixture
def pty_pair(tmp_path: Path):
    pair = PtyPair(tmp_path)
    pair.start()
    yield pair
    pair.stop()


@pytest.fixture
def rig(tmp_path: Path, pty_pair: PtyPair):
    """Window 3's BX sign (address 3) on the pty, a WAV-folder voice, the demo hall on FakeHallApi; window 3's
    clerk is signed in (an open window's sign reads "3号窗口")."""
    api = FakeHallApi(demo_hall())
    clerk(api, 3)
    reader = pty_pair.reader()
    board = SignBoard([(3, SignConfig(os.fspath(pty_pair.sign_end), "bx", 3))], **FAST)
    synthesizer = RecordingSynthesizer()
    backend = WavFolderBackend(tmp_path / "calls", synthesizer=synthesizer)
    announcer = Announcer(api.config.announce, backend, max_age_s=None)
    presenter = DisplayPresenter(
        api, signs=board, voice=announcer, sign_texts=SignTexts.from_announce(api.config.announce)
    )
    presenter.start()
    idle = encode_bx("3号窗口", 3)
    assert read_frame(reader, len(idle)) == idle
    yield api, reader, backend, synthesizer, announcer, board
    announcer.close()
    board.close()
    reader.close()


def test_a_call_puts_exact_bytes_on_the_sign_and_a_spoken_wav_in_the_folder(rig) -> None:
    api, reader, backend, synthesizer, announcer, _ = rig
    [number] = issue(api, 3)
    clerk(api, 3).call_next()
    expected = encode_bx(f"请{number}号", 3)
    assert read_frame(reader, len(expected)) == expected
    assert announcer.wait_idle(30)
    [wav] = backend.written
    assert wav.name.endswith(f"_{number}_w003.wav")
    sentence = voice_text(api.config.announce.voice["zh"], number, 3, "zh")
    assert sentence == f"请 {' '.join(['B', '零', '零', '一'])} 号到 三 号窗口办理"
    assert [text for text, _ in synthesizer.sent] == [sentence]
    pcm = read_wav(wav)
    assert 3.0 <= pcm.duration_s <= 30.0  # chime + the sentence twice
    assert rms(pcm) > AUDIBLE_RMS


def test_a_recall_is_announced_again_and_resent_to_the_sign(rig) -> None:
    api, reader, backend, _, announcer, _ = rig
    [number] = issue(api, 3)
    calls = clerk(api, 3)
    frame = encode_bx(f"请{number}号", 3)
    calls.call_next()
    assert read_frame(reader, len(frame)) == frame
    calls.recall()
    assert read_frame(reader, len(frame)) == frame  # told again (a newer text would replace an unwritten one)
    assert announcer.wait_idle(30)
    assert [path.name.endswith("_recall.wav") for path in backend.written] == [False, True]


def test_a_paused_window_shows_the_pause_text(rig) -> None:
    api, reader, _, _, _, _ = rig
    clerk(api, 3).pause("会议")
    expected = encode_bx("暂停服务", 3)
    assert read_frame(reader, len(expected)) == expected


def test_a_closed_window_shows_the_not_serving_text_not_its_number(rig) -> None:
    api, reader, _, _, _, _ = rig
    api.logout()
    expected = encode_bx("暂停服务", 3)
    assert read_frame(reader, len(expected)) == expected


def test_an_unplugged_sign_shows_the_current_state_when_it_is_back(rig, pty_pair) -> None:
    api, reader, backend, _, announcer, board = rig
    reader.close()
    pty_pair.stop()  # the adapter is pulled out
    [first, second] = issue(api, 3, count=2)
    calls = clerk(api, 3)
    calls.call_next()
    calls.no_show()
    calls.call_next()
    assert wait_until(lambda: board.status(3).state == "offline", 5)
    assert announcer.wait_idle(30) and len(backend.written) == 2  # the voice carried on
    pty_pair.start()  # plugged back in
    new_reader = pty_pair.reader()
    expected = encode_bx(f"请{second}号", 3)
    assert read_frame(new_reader, len(expected), timeout=5.0) == expected
    new_reader.close()


def test_a_text_protocol_sign_gets_its_own_frame(tmp_path, pty_pair) -> None:
    api = FakeHallApi(demo_hall())
    reader = pty_pair.reader()
    board = SignBoard([(10, SignConfig(os.fspath(pty_pair.sign_end), "text", 10, 9600))], **FAST)
    clerk(api, 10)
    DisplayPresenter(api, signs=board).start()
    idle = encode_text("10号窗口", 10)
    assert read_frame(reader, len(idle)) == idle
    [number] = issue(api, 10)
    clerk(api, 10).call_next()
    expected = encode_text(f"请{number}号", 10)
    assert read_frame(reader, len(expected)) == expected
    board.close()
    reader.close()
