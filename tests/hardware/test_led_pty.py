"""Signs on real pseudo-terminals made by socat: exact bytes on the wire, shared lines, unplug and replug."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import serial

from client.events import wait_until
from hardware.led import SignBus
from hardware.led_protocols import encode_bx, encode_text

pytestmark = pytest.mark.skipif(shutil.which("socat") is None, reason="socat is not installed (apt-get install socat)")

FAST: dict[str, Any] = {"retry_initial_s": 0.05, "retry_max_s": 0.5, "refresh_s": None}


class PtyPair:
    """Two linked pseudo-terminals at fixed symlinks: the sign's end and the end the test reads."""

    def __init__(self, folder: Path) -> None:
        self.sign_end = folder / "sign0"
        self.reader_end = folder / "reader0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        for link in (self.sign_end, self.reader_end):
            link.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                "socat",
                "-d",
                "-d",
                f"pty,raw,echo=0,link={self.sign_end}",
                f"pty,raw,echo=0,link={self.reader_end}",
            ],
            stderr=subprocess.PIPE,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        ready = b""
        while b"starting data transfer loop" not in ready:  # socat -d -d says so once both ptys exist
            line = self.process.stderr.readline()
            assert line, f"socat stopped early: {ready.decode(errors='replace')}"
            ready += line
        assert self.sign_end.exists() and self.reader_end.exists()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(5)
            self.process = None

    def reader(self) -> serial.Serial:
        return serial.Serial(os.fspath(self.reader_end), timeout=0.1)


def read_frame(port: serial.Serial, size: int, timeout: float = 5.0) -> bytes:
    received = b""
    deadline = time.monotonic() + timeout
    while len(received) < size and time.monotonic() < deadline:
        received += port.read(size - len(received))
    return received


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[PtyPair]:
    pair = PtyPair(tmp_path)
    pair.start()
    yield pair
    pair.stop()


def test_bx_frame_arrives_byte_for_byte(pty_pair: PtyPair) -> None:
    reader = pty_pair.reader()
    bus = SignBus(os.fspath(pty_pair.sign_end), **FAST)
    sign = bus.add_sign(address=2)
    sign.show("互助Z[请A001号")  # GB2312 bytes BB A5 and 5A 5B: escaped on the wire
    expected = encode_bx("互助Z[请A001号", 2)
    assert b"\xa6\x02" in expected and b"\x5b\x02" in expected and b"\x5b\x01" in expected
    assert read_frame(reader, len(expected)) == expected
    bus.close()
    reader.close()


def test_text_protocol_frame_arrives_byte_for_byte(pty_pair: PtyPair) -> None:
    reader = pty_pair.reader()
    bus = SignBus(os.fspath(pty_pair.sign_end), **FAST)
    sign = bus.add_sign(address=12, protocol="text")
    sign.show("3号窗口")
    expected = encode_text("3号窗口", 12)
    assert read_frame(reader, len(expected)) == expected
    bus.close()
    reader.close()


def test_signs_on_one_line_never_interleave(pty_pair: PtyPair) -> None:
    reader = pty_pair.reader()
    bus = SignBus(os.fspath(pty_pair.sign_end), **FAST)
    signs = [bus.add_sign(address=n) for n in range(1, 5)]
    for n, sign in enumerate(signs, start=1):
        sign.show(f"请A00{n}号")
    expected = [encode_bx(f"请A00{n}号", n) for n in range(1, 5)]
    received = read_frame(reader, sum(map(len, expected)))
    assert sorted(frame + b"\x5a" for frame in received.split(b"\x5a") if frame) == sorted(expected)
    bus.close()
    reader.close()


def test_sign_shows_the_current_text_after_the_line_comes_back(pty_pair: PtyPair) -> None:
    bus = SignBus(os.fspath(pty_pair.sign_end), **FAST)
    sign = bus.add_sign()
    reader = pty_pair.reader()
    sign.show("请A001号")
    first = encode_bx("请A001号")
    assert read_frame(reader, len(first)) == first
    reader.close()

    pty_pair.stop()  # the sign is unplugged
    sign.show("请A002号")
    sign.show("暂停服务")  # the newest text is what must appear
    assert wait_until(lambda: sign.status.state == "offline", 5)
    assert str(pty_pair.sign_end) in sign.status.last_error

    pty_pair.start()  # plugged back in: same path, new pty
    reader = pty_pair.reader()
    expected = encode_bx("暂停服务")
    assert read_frame(reader, len(expected), timeout=5.0) == expected  # within 5 s of the line coming back
    assert wait_until(lambda: sign.status.shown == "暂停服务", 5)
    assert sign.status.online
    bus.close()
    reader.close()
