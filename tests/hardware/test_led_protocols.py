"""The wire formats of the LED signs: CRC, escaping, BX frames and the plain text protocol."""

from __future__ import annotations

import struct

import pytest

from hardware.led_protocols import (
    BX_SCROLL_LEFT,
    BX_STATIC,
    BxArea,
    SignTextError,
    crc16,
    encode,
    encode_bx,
    encode_text,
    escape,
    parse_bx,
    unescape,
)

# Header + data of two frames captured from a working BX-5K integration, with the CRC they carried.
BX_PING = bytes.fromhex("0100 0080 000000 00 00 00 FE 02 0500 A200 01 0000")
BX_CLEAR = bytes.fromhex("0100 0080 000000 00 00 00 FE 02 0500 A310 01 0000")


@pytest.mark.parametrize(
    ("data", "init", "expected"),
    [
        (b"123456789", 0x0000, 0xBB3D),  # CRC-16/ARC check value
        (b"123456789", 0xFFFF, 0x4B37),  # CRC-16/MODBUS check value
        (b"", 0x0000, 0x0000),
        (BX_PING, 0x0000, 0xF868),
        (BX_CLEAR, 0x0000, 0xF851),
    ],
)
def test_crc16_matches_known_values(data: bytes, init: int, expected: int) -> None:
    assert crc16(data, init) == expected


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        (b"\xa5", b"\xa6\x02"),
        (b"\xa6", b"\xa6\x01"),
        (b"\x5a", b"\x5b\x02"),
        (b"\x5b", b"\x5b\x01"),
        (b"\x01\xa5\x5a\x02", b"\x01\xa6\x02\x5b\x02\x02"),
        (b"plain", b"plain"),
    ],
)
def test_escape_replaces_the_four_reserved_bytes(raw: bytes, escaped: bytes) -> None:
    assert escape(raw) == escaped
    assert unescape(escaped) == raw


@pytest.mark.parametrize("broken", [b"\xa6", b"\xa6\x03", b"\x5b\x00"])
def test_unescape_refuses_a_broken_escape(broken: bytes) -> None:
    with pytest.raises(SignTextError, match="转义"):
        unescape(broken)


def test_bx_frame_has_the_documented_bytes() -> None:
    expected = bytes.fromhex(
        "A5A5A5A5A5A5A5A5"
        "0100 0080 000000 00 00 00 FE 02 2600"  # header: dst 1, src 0x8000, ..., data length 38
        "A306 02 00 00 00 01 1D00"  # send dynamic area, no reply, 1 area of 29 bytes
        "00 0080 0000 4080 1000 00 00 00 0000 00 00 0A 01 01 01 00 04 05 02000000"  # 64×16 area, static
        "4131"  # "A1"
        "89E1"  # CRC little-endian
        "5A"
    )
    assert encode_bx("A1") == expected


def test_bx_frame_carries_the_address_little_endian() -> None:
    address, _ = parse_bx(encode_bx("请A001号", address=0x0102))
    assert address == 0x0102
    assert encode_bx("x", address=0x0102)[8:10] == b"\x02\x01"


def test_bx_frame_carries_the_text_in_gb2312() -> None:
    _, data = parse_bx(encode_bx("请A001号"))
    text_length = struct.unpack_from("<I", data, 9 + 23)[0]
    assert data[9 + 27 :] == "请A001号".encode("gb2312")
    assert text_length == len("请A001号".encode("gb2312"))


@pytest.mark.parametrize("text", ["互助", "唉", "ZONE[1]", "单Z师[", "功力"])
def test_bx_frame_escapes_reserved_bytes_from_the_text(text: str) -> None:
    frame = encode_bx(text)
    body = frame[8:-1]
    assert not {0xA5, 0x5A} & set(body)
    assert set(text.encode("gb2312")) & {0xA5, 0xA6, 0x5A, 0x5B}  # the case really needs escaping
    _, data = parse_bx(frame)  # CRC over the unescaped bytes still holds
    assert data.endswith(text.encode("gb2312"))


def test_bx_frame_crc_covers_header_and_data() -> None:
    frame = bytearray(encode_bx("请A001号"))
    frame[-10] ^= 0x01  # flip one text bit
    with pytest.raises(SignTextError, match="CRC"):
        parse_bx(bytes(frame))


@pytest.mark.parametrize(
    ("text", "mode"),
    [("请A001号", BX_STATIC), ("暂停服务", BX_STATIC), ("请A001号到3号窗口办理", BX_SCROLL_LEFT)],
)
def test_bx_text_wider_than_the_area_scrolls(text: str, mode: int) -> None:
    _, data = parse_bx(encode_bx(text, area=BxArea(width=64, height=16)))
    assert data[9 + 19] == mode


@pytest.mark.parametrize(
    ("text", "address", "message"),
    [
        ("喆", 1, "GB2312"),
        ("请\n来", 1, "控制字符"),
        ("号" * 300, 1, "太长"),
        ("A", -1, "地址"),
        ("A", 0x10000, "地址"),
    ],
)
def test_bx_refuses_what_a_sign_cannot_show(text: str, address: int, message: str) -> None:
    with pytest.raises(SignTextError, match=message):
        encode_bx(text, address)


def test_text_frame_has_the_documented_bytes() -> None:
    assert encode_text("A1", 7) == b"\x02007A1\x0347"


def test_text_frame_uses_gb18030_beyond_gb2312() -> None:
    frame = encode_text("请喆", 12)
    assert frame[:4] == b"\x02012"
    assert frame[4:-3] == "请喆".encode("gb18030")
    assert frame[-3] == 0x03


@pytest.mark.parametrize(("text", "address"), [("A\x03", 1), ("A", 1000), ("A", -1)])
def test_text_protocol_refuses_control_characters_and_bad_addresses(text: str, address: int) -> None:
    with pytest.raises(SignTextError):
        encode_text(text, address)


def test_encode_picks_the_protocol() -> None:
    assert encode("bx", "A1", 1) == encode_bx("A1", 1)
    assert encode("text", "A1", 1) == encode_text("A1", 1)
    with pytest.raises(SignTextError, match="未知"):
        encode("alpha", "A1", 1)
