"""Signs on buses: worker threads, newest text wins, offline and back, loop:// ports, the fake board."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import serial

from client.events import wait_until
from core.config import SignConfig
from hallfile import load_hall
from hardware.led import FakeSign, FakeSignBoard, SignBoard, SignBus, SignTextError
from hardware.led_protocols import encode_bx, encode_text

FAST: dict[str, Any] = {"retry_initial_s": 0.01, "retry_max_s": 0.05, "refresh_s": None}


class RecordingPort:
    """A port that records frames; ``gate`` (when set up) holds every write until released."""

    def __init__(self, gated: bool = False) -> None:
        self.frames: list[bytes] = []
        self.gate = threading.Event()
        self.entered = threading.Event()
        if not gated:
            self.gate.set()
        self.closed = False

    def write(self, data: bytes) -> int:
        self.entered.set()
        self.gate.wait(5)
        self.frames.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class Opener:
    """open_port stand-in: fails while ``unplugged``, otherwise hands out one RecordingPort per URL."""

    def __init__(self, gated: bool = False) -> None:
        self.unplugged: set[str] = set()
        self.ports: dict[str, RecordingPort] = {}
        self.gated = gated

    def __call__(self, url: str, baudrate: int, write_timeout: float) -> RecordingPort:
        if url in self.unplugged:
            raise serial.SerialException(f"could not open port {url}: No such file or directory")
        port = self.ports.get(url)
        if port is None or port.closed:
            port = self.ports[url] = RecordingPort(self.gated)
        return port


@pytest.fixture
def opener() -> Opener:
    return Opener()


@pytest.fixture
def bus(opener: Opener) -> Iterator[SignBus]:
    bus = SignBus("/dev/ttyFAKE0", open_port=opener, **FAST)
    yield bus
    bus.close(timeout=0)


def test_show_writes_the_encoded_frame(bus: SignBus, opener: Opener) -> None:
    sign = bus.add_sign(address=3)
    sign.show("请A001号")
    assert wait_until(lambda: sign.status.shown == "请A001号", 5)
    assert opener.ports["/dev/ttyFAKE0"].frames == [encode_bx("请A001号", 3)]
    assert sign.status.online


def test_show_returns_before_the_port_has_the_bytes() -> None:
    opener = Opener(gated=True)
    bus = SignBus("/dev/ttyFAKE0", open_port=opener, **FAST)
    sign = bus.add_sign()
    sign.show("请A001号")
    assert wait_until(lambda: opener.ports["/dev/ttyFAKE0"].entered.is_set(), 5)
    assert opener.ports["/dev/ttyFAKE0"].frames == []  # show() came back while the write is stuck
    assert sign.status.wanted == "请A001号" and sign.status.shown is None
    opener.ports["/dev/ttyFAKE0"].gate.set()
    bus.close()


def test_newest_text_supersedes_unwritten_ones() -> None:
    opener = Opener(gated=True)
    bus = SignBus("/dev/ttyFAKE0", open_port=opener, **FAST)
    sign = bus.add_sign()
    sign.show("请A001号")
    assert wait_until(lambda: opener.ports["/dev/ttyFAKE0"].entered.is_set(), 5)
    for n in range(2, 6):
        sign.show(f"请A00{n}号")
    opener.ports["/dev/ttyFAKE0"].gate.set()
    assert wait_until(lambda: sign.status.shown == "请A005号", 5)
    bus.close()
    assert opener.ports["/dev/ttyFAKE0"].frames == [encode_bx("请A001号"), encode_bx("请A005号")]


def test_signs_sharing_a_port_each_get_their_frame(bus: SignBus, opener: Opener) -> None:
    first, second = bus.add_sign(address=1), bus.add_sign(address=2, protocol="text")
    first.show("请A001号")
    second.show("请B002号")
    assert wait_until(lambda: first.status.shown is not None and second.status.shown is not None, 5)
    assert sorted(opener.ports["/dev/ttyFAKE0"].frames) == sorted(
        [encode_bx("请A001号", 1), encode_text("请B002号", 2)]
    )


def test_unplugged_port_marks_its_signs_offline_then_shows_the_current_text(opener: Opener) -> None:
    opener.unplugged.add("/dev/ttyFAKE0")
    bus = SignBus("/dev/ttyFAKE0", open_port=opener, **FAST)
    sign = bus.add_sign()
    sign.show("请A001号")
    sign.show("暂停服务")
    assert wait_until(lambda: sign.status.state == "offline", 5)
    assert "无法打开端口" in sign.status.last_error and "/dev/ttyFAKE0" in sign.status.last_error
    opener.unplugged.clear()
    assert wait_until(lambda: sign.status.shown == "暂停服务", 5)
    assert sign.status.online
    assert opener.ports["/dev/ttyFAKE0"].frames == [encode_bx("暂停服务")]
    bus.close()


class FailingPort(RecordingPort):
    def write(self, data: bytes) -> int:
        raise serial.SerialTimeoutException("Write timeout")


def test_write_timeout_closes_the_port_and_retries(opener: Opener) -> None:
    ports: list[RecordingPort] = [FailingPort()]

    def open_port(url: str, baudrate: int, write_timeout: float) -> RecordingPort:
        if ports:
            return ports.pop()
        return opener(url, baudrate, write_timeout)

    bus = SignBus("/dev/ttyFAKE0", open_port=open_port, **FAST)
    sign = bus.add_sign()
    sign.show("请A001号")
    assert wait_until(lambda: sign.status.shown == "请A001号", 5)
    assert "Write timeout" in sign.status.last_error  # the last error stays visible after recovery
    assert opener.ports["/dev/ttyFAKE0"].frames == [encode_bx("请A001号")]
    bus.close()


def test_reconnect_resends_every_current_text(bus: SignBus, opener: Opener) -> None:
    first, second = bus.add_sign(address=1), bus.add_sign(address=2)
    first.show("请A001号")
    second.show("请A002号")
    assert wait_until(lambda: len(opener.ports["/dev/ttyFAKE0"].frames) == 2, 5)
    old_port = opener.ports["/dev/ttyFAKE0"]
    old_port.close()  # pretend the adapter vanished: the next write fails
    old_port.write = FailingPort().write  # type: ignore[method-assign]
    first.show("请A003号")
    assert wait_until(lambda: first.status.shown == "请A003号" and len(opener.ports["/dev/ttyFAKE0"].frames) == 2, 5)
    assert opener.ports["/dev/ttyFAKE0"] is not old_port
    assert sorted(opener.ports["/dev/ttyFAKE0"].frames) == sorted([encode_bx("请A003号", 1), encode_bx("请A002号", 2)])


def test_refresh_sends_the_current_text_again(opener: Opener) -> None:
    bus = SignBus("/dev/ttyFAKE0", open_port=opener, refresh_s=0.02)
    sign = bus.add_sign()
    sign.show("请A001号")
    assert wait_until(lambda: len(opener.ports["/dev/ttyFAKE0"].frames) >= 3, 5)
    bus.close(timeout=0)
    assert set(opener.ports["/dev/ttyFAKE0"].frames) == {encode_bx("请A001号")}


def test_bad_text_fails_on_the_callers_thread(bus: SignBus, opener: Opener) -> None:
    sign = bus.add_sign()
    with pytest.raises(SignTextError, match="GB2312"):
        sign.show("喆")
    assert sign.status.wanted is None


@pytest.mark.parametrize(("address", "protocol"), [(1, "bx"), (70000, "bx"), (1, "alpha")])
def test_add_sign_refuses_duplicates_and_bad_settings(bus: SignBus, address: int, protocol: str) -> None:
    bus.add_sign(address=1)
    with pytest.raises(ValueError):
        bus.add_sign(address=address, protocol=protocol)


def test_show_after_close_is_refused(opener: Opener) -> None:
    bus = SignBus("/dev/ttyFAKE0", open_port=opener, **FAST)
    sign = bus.add_sign()
    bus.close()
    with pytest.raises(RuntimeError, match="已关闭"):
        sign.show("请A001号")


def test_close_writes_what_is_pending_first(opener: Opener) -> None:
    bus = SignBus("/dev/ttyFAKE0", open_port=opener, **FAST)
    sign = bus.add_sign()
    sign.show("暂停服务")
    bus.close(timeout=2)
    assert opener.ports["/dev/ttyFAKE0"].frames[-1:] == [encode_bx("暂停服务")]


def test_loop_url_carries_the_exact_frame() -> None:
    ports: list[Any] = []

    def open_loop(url: str, baudrate: int, write_timeout: float) -> Any:
        ports.append(serial.serial_for_url(url, baudrate=baudrate, timeout=1, write_timeout=write_timeout))
        return ports[-1]

    bus = SignBus("loop://", open_port=open_loop, **FAST)
    sign = bus.add_sign(address=5)
    sign.show("请A001号")
    expected = encode_bx("请A001号", 5)
    assert wait_until(lambda: bool(ports), 5)
    assert ports[0].read(len(expected)) == expected
    bus.close()


def test_loop_url_opens_through_pyserial() -> None:
    bus = SignBus("loop://", **FAST)
    sign = bus.add_sign(protocol="text")
    sign.show("3号窗口")
    assert wait_until(lambda: sign.status.shown == "3号窗口", 5)
    bus.close()


# ---- boards --------------------------------------------------------------------------------------


def hall_with_signs() -> Any:
    return load_hall(
        {
            "hall": {"name": "测试中心", "hours": [{"start": "08:30", "end": "17:00"}]},
            "services": [{"code": "tax", "name": "税务", "prefix": "A"}],
            "windows": [
                {"number": 1, "services": ["tax"], "sign": {"port": "/dev/ttyFAKE0", "address": 1}},
                {"number": 2, "services": ["tax"], "sign": {"port": "/dev/ttyFAKE0", "address": 2}},
                {"number": 3, "services": ["tax"], "sign": {"port": "/dev/ttyFAKE1", "protocol": "text"}},
                {"number": 4, "services": ["tax"]},
            ],
        }
    )


def test_board_from_hall_shares_one_bus_per_port(opener: Opener) -> None:
    with SignBoard.from_hall(hall_with_signs(), open_port=opener, **FAST) as board:
        assert board.windows == (1, 2, 3)
        assert board.sign(1).bus is board.sign(2).bus  # type: ignore[union-attr]
        assert board.sign(1).bus is not board.sign(3).bus  # type: ignore[union-attr]
        assert board.show(3, "3号窗口")
        assert not board.show(4, "4号窗口")  # window 4 has no sign
        assert wait_until(lambda: board.status(3) is not None and board.status(3).shown == "3号窗口", 5)  # type: ignore[union-attr]
        assert opener.ports["/dev/ttyFAKE1"].frames == [encode_text("3号窗口", 1)]


def test_board_keeps_other_ports_going_while_one_is_unplugged(opener: Opener) -> None:
    opener.unplugged.add("/dev/ttyFAKE0")
    with SignBoard.from_hall(hall_with_signs(), open_port=opener, **FAST) as board:
        board.show(1, "请A001号")
        board.show(3, "请A002号")
        assert wait_until(lambda: board.statuses()[3].shown == "请A002号", 5)
        assert wait_until(lambda: board.statuses()[1].state == "offline", 5)
        assert board.statuses()[2].state == "offline"  # same port as window 1
        assert board.statuses()[3].online


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ([(1, SignConfig("")), (2, SignConfig("/dev/ttyS0"))], "端口"),
        ([(1, SignConfig("/dev/ttyS0")), (1, SignConfig("/dev/ttyS1"))], "两块"),
        ([(1, SignConfig("/dev/ttyS0", baudrate=9600)), (2, SignConfig("/dev/ttyS0", address=2))], "波特率"),
        ([(1, SignConfig("/dev/ttyS0")), (2, SignConfig("/dev/ttyS0"))], "地址"),
        ([(1, SignConfig("/dev/ttyS0", protocol="alpha"))], "协议"),
    ],
)
def test_board_refuses_bad_sign_settings(opener: Opener, configs: list[tuple[int, SignConfig]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SignBoard(configs, open_port=opener, **FAST)


def test_fake_board_records_texts_and_frames() -> None:
    board = FakeSignBoard.from_hall(hall_with_signs())
    assert board.windows == (1, 2, 3)
    assert board.show(2, "请A001号")
    assert not board.show(4, "请A002号")
    fake = board.signs[2]
    assert fake.texts == ["请A001号"]
    assert fake.frames == [encode_bx("请A001号", 2)]
    assert board.status(2) is not None and board.status(2).shown == "请A001号"  # type: ignore[union-attr]
    board.close()
    assert board.closed


def test_fake_sign_plays_offline_and_back() -> None:
    fake = FakeSign(protocol="text")
    fake.show("请A001号")
    fake.go_offline()
    fake.show("暂停服务")
    assert fake.status.state == "offline" and fake.status.shown == "请A001号"
    fake.go_online()
    assert fake.status.online and fake.status.shown == "暂停服务"
    assert fake.last_text == "暂停服务"
    with pytest.raises(SignTextError):
        fake.show("A\x03")


def test_a_sign_of_its_own_size_gets_its_own_area():
    from core.config import SignConfig
    from hardware.led import FakeSignBoard
    from hardware.led_protocols import DEFAULT_AREA

    board = FakeSignBoard(
        [(1, SignConfig("loop://", address=1)), (2, SignConfig("loop://", address=2, width=128, height=32))]
    )
    assert board.signs[1].area == DEFAULT_AREA
    assert (board.signs[2].area.width, board.signs[2].area.height) == (128, 32)
