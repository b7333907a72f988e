"""Against a real `hallq serve`: the display follows calls, survives a server crash and misses or repeats nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.api import HttpHallApi, WindowCalls
from client.events import wait_until
from display.presenter import DisplayPresenter
from display.signs import align_loopback_baudrates, signs_from_hall
from hardware.led import FakeSignBoard
from tests.display.helpers import RecordingVoice, demo_hall
from tests.live import LiveServer

pytestmark = pytest.mark.slow


def clerk_at(url: str, window: int) -> WindowCalls:
    api = HttpHallApi(url)
    api.login(str(1000 + window), "1234", window)
    return WindowCalls(api, window)


def test_display_resumes_after_a_server_crash_without_missing_or_repeating_a_call(tmp_path: Path) -> None:
    voice = RecordingVoice()
    signs = FakeSignBoard(align_loopback_baudrates(signs_from_hall(demo_hall())))
    with LiveServer(tmp_path / "hall") as server:
        presenter = DisplayPresenter(HttpHallApi(server.url), signs=signs, voice=voice)
        presenter.start()
        try:
            assert wait_until(lambda: presenter.view().connected, 10)
            public = HttpHallApi(server.url)
            numbers = [public.issue("social")["number"] for _ in range(3)]
            calls = clerk_at(server.url, 3)
            calls.call_next()
            assert wait_until(lambda: len(voice.said) == 1, 10)

            server.kill()
            assert wait_until(lambda: not presenter.view().connected, 10)
            assert "重新连接" in presenter.view().connection_message
            server.start()
            calls = clerk_at(server.url, 3)  # calls made before the display is back on the stream
            for _ in range(2):
                calls.no_show()
                calls.call_next()

            assert wait_until(lambda: len(voice.said) >= 3 and presenter.view().connected, 20)
            assert wait_until(lambda: signs.signs[3].last_text == f"请{numbers[2]}号", 5)
        finally:
            presenter.stop()
    assert voice.said == [(n, 3, False) for n in numbers]
    assert [row.number for row in presenter.view().recent] == list(reversed(numbers))
