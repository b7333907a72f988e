"""Wire formats for LED window signs: pure functions from a text to the bytes a sign expects.

Two protocols, chosen per sign by ``SignConfig.protocol``. Nothing here touches a port.

``"bx"`` — Onbon/仰邦 BX-5K/6K controllers, command A3 06 "发送实时显示信息" (send a dynamic area)
----------------------------------------------------------------------------------------------------
Frame on the wire::

    A5 ×8 | escape(header + data + crc) | 5A

header, 14 bytes (multi-byte fields little-endian)::

    dst address   2   sign address, default 0x0001 (0xFFFE is the controllers' wildcard)
    src address   2   0x8000 (the PC)
    reserved      3   00 00 00
    option        1   00
    check mode    1   00 = CRC-16
    display mode  1   00 = normal (dynamic areas and programmes side by side)
    device type   1   FE = any controller type
    protocol ver  1   02
    data length   2   len(data)

data::

    A3 06         command group / code: send real-time (dynamic area) data
    response      1   02 = no reply wanted (01 asks the controller to answer; we never read the line)
    process mode  1   00 = keep the area, just replace its data
    reserved      1   00
    delete count  1   00 = delete no other area
    area count    1   01
    area length   2   len(area)
    area          27 + n bytes:
        type 00 | x 2 | y 2 | width 2 | height 2 | area id 1 | line spacing 00 | run mode 00 (loop)
        | timeout 00 00 | sound 00 | extension length 00 | alignment 0A (centre, centre)
        | single line 01 | auto wrap 01 (no) | display mode (01 static, 03 scroll left) | exit mode 00
        | speed 1 | stay 1 | text length 4 | text (GB2312)
      x and width are in pixels with the 0x8000 "pixel unit" flag set; y and height are in pixels.

crc: CRC-16 with the reflected polynomial 0xA001 and **initial value 0x0000** (CRC-16/ARC, also called
CRC-16/IBM; check value crc16(b"123456789") == 0xBB3D), over header + data, appended little-endian.
The 0x0000 start was chosen because it reproduces the CRC bytes of BX frames captured from a working
BX-5K integration (``A2 00`` ping → ``68 F8``, ``A3 10`` clear → ``51 F8``); CRC-16/MODBUS starts at
0xFFFF and does not. ``crc16(data, init=0xFFFF)`` gives the MODBUS variant if a controller ever needs it.

Escaping replaces, everywhere between the preamble and the end byte (CRC included):
``A5 → A6 02``, ``A6 → A6 01``, ``5A → 5B 02``, ``5B → 5B 01``. So a raw ``A5`` only ever starts a
frame and a raw ``5A`` only ever ends one.

``"text"`` — a plain line protocol for simple signs and sign simulators
-------------------------------------------------------------------------
::

    02 | address as 3 ASCII digits | text (GB18030) | 03 | checksum as 2 ASCII hex digits

The checksum is the XOR of the address digits and the text bytes, written in upper-case hex so it
can never be 02 or 03. GB18030 multi-byte sequences never contain bytes below 0x30, so the text
cannot fake an STX or ETX; control characters are refused.
"""

from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass

PROTOCOLS = ("bx", "text")

BX_PREAMBLE = b"\xa5" * 8
BX_END = b"\x5a"
BX_SOURCE_ADDRESS = 0x8000
BX_DEVICE_TYPE_ANY = 0xFE
BX_PROTOCOL_VERSION = 0x02
BX_HEADER_LENGTH = 14
BX_MAX_TEXT_BYTES = 512  # controllers take packets of about 1 KiB; a window sign needs far less

BX_STATIC = 0x01
BX_SCROLL_LEFT = 0x03
BX_PIXEL_UNIT = 0x8000

TEXT_STX = 0x02
TEXT_ETX = 0x03
TEXT_MAX_ADDRESS = 999

_ESCAPES = {0xA5: b"\xa6\x02", 0xA6: b"\xa6\x01", 0x5A: b"\x5b\x02", 0x5B: b"\x5b\x01"}
_UNESCAPES = {(0xA6, 0x02): 0xA5, (0xA6, 0x01): 0xA6, (0x5B, 0x02): 0x5A, (0x5B, 0x01): 0x5B}


class SignTextError(ValueError):
    """A text, address or frame that cannot go on the wire; the message is Chinese first, English second."""


@dataclass(frozen=True)
class BxArea:
    """Where the text goes on a BX sign, in pixels. The default fits a 64×16 sign ("请A001号")."""

    width: int = 64
    height: int = 16
    x: int = 0
    y: int = 0
    area_id: int = 0
    display_mode: int | None = None  # None: static when the text fits, else scroll left
    speed: int = 4
    stay: int = 5


DEFAULT_AREA = BxArea()


def crc16(data: bytes, init: int = 0x0000) -> int:
    """CRC-16 with the reflected polynomial 0xA001 (CRC-16/ARC for init 0, CRC-16/MODBUS for init 0xFFFF)."""
    crc = init
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def escape(body: bytes) -> bytes:
    """Escape the BX frame body so it holds no A5, A6, 5A or 5B."""
    out = bytearray()
    for byte in body:
        out += _ESCAPES.get(byte, bytes((byte,)))
    return bytes(out)


def unescape(body: bytes) -> bytes:
    """Undo ``escape``; a lone or unknown escape byte is an error."""
    out = bytearray()
    i = 0
    while i < len(body):
        byte = body[i]
        if byte in (0xA6, 0x5B):
            pair = (byte, body[i + 1]) if i + 1 < len(body) else (byte, -1)
            if pair not in _UNESCAPES:
                raise SignTextError(f"位置 {i} 的转义字节无效 / invalid escape sequence at offset {i}")
            out.append(_UNESCAPES[pair])
            i += 2
        else:
            out.append(byte)
            i += 1
    return bytes(out)


def encode_bx(text: str, address: int = 1, area: BxArea = DEFAULT_AREA) -> bytes:
    """One complete BX frame that makes the sign at ``address`` show ``text`` in ``area``."""
    _check_range(address, 0, 0xFFFF, "BX 地址", "BX address")
    text_bytes = _encode_text_bytes(text, "gb2312", "GB2312")
    if len(text_bytes) > BX_MAX_TEXT_BYTES:
        raise SignTextError(
            f"文字太长（{len(text_bytes)} 字节，最多 {BX_MAX_TEXT_BYTES}） / "
            f"text too long ({len(text_bytes)} bytes, at most {BX_MAX_TEXT_BYTES})"
        )
    area_data = _bx_area(text, text_bytes, area)
    data = bytes((0xA3, 0x06, 0x02, 0x00, 0x00, 0x00, 0x01)) + struct.pack("<H", len(area_data)) + area_data
    header = struct.pack(
        "<HH3sBBBBBH",
        address,
        BX_SOURCE_ADDRESS,
        b"\x00\x00\x00",
        0x00,  # option
        0x00,  # check mode: CRC-16
        0x00,  # display mode: normal
        BX_DEVICE_TYPE_ANY,
        BX_PROTOCOL_VERSION,
        len(data),
    )
    checked = header + data
    return BX_PREAMBLE + escape(checked + struct.pack("<H", crc16(checked))) + BX_END


def parse_bx(frame: bytes) -> tuple[int, bytes]:
    """Check a BX frame (preamble, escaping, length, CRC) and return (destination address, data)."""
    if not (frame.startswith(BX_PREAMBLE) and frame.endswith(BX_END)):
        raise SignTextError("不是 BX 帧：帧头或帧尾错误 / not a BX frame: wrong start or end bytes")
    body = unescape(frame[len(BX_PREAMBLE) : -len(BX_END)])
    checked, crc_bytes = body[:-2], body[-2:]
    if len(checked) < BX_HEADER_LENGTH or struct.unpack("<H", crc_bytes)[0] != crc16(checked):
        raise SignTextError("BX 帧校验失败 / BX frame CRC mismatch")
    address, data_length = struct.unpack_from("<H", checked, 0)[0], struct.unpack_from("<H", checked, 12)[0]
    data = checked[BX_HEADER_LENGTH:]
    if len(data) != data_length:
        raise SignTextError("BX 帧数据长度不符 / BX frame data length mismatch")
    return address, data


def encode_text(text: str, address: int = 1) -> bytes:
    """One frame of the plain ``"text"`` protocol: STX, 3-digit address, GB18030 text, ETX, hex XOR."""
    _check_range(address, 0, TEXT_MAX_ADDRESS, "文本协议地址", "text-protocol address")
    payload = f"{address:03d}".encode("ascii") + _encode_text_bytes(text, "gb18030", "GB18030")
    checksum = 0
    for byte in payload:
        checksum ^= byte
    return bytes((TEXT_STX,)) + payload + bytes((TEXT_ETX,)) + f"{checksum:02X}".encode("ascii")


def encode(protocol: str, text: str, address: int = 1, area: BxArea = DEFAULT_AREA) -> bytes:
    """The frame for ``text`` in the sign's ``protocol`` ("bx" or "text")."""
    if protocol == "bx":
        return encode_bx(text, address, area)
    if protocol == "text":
        return encode_text(text, address)
    raise SignTextError(
        f"未知的显示屏协议 {protocol!r}，应为 {' / '.join(PROTOCOLS)} / "
        f"unknown sign protocol {protocol!r}, must be one of {', '.join(PROTOCOLS)}"
    )


def estimated_width_px(text: str, height: int) -> int:
    """Width of ``text`` in the sign's font: full-width characters are square, others half as wide."""
    units = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return units * height // 2


def _bx_area(text: str, text_bytes: bytes, area: BxArea) -> bytes:
    for value, zh, en in (
        (area.width, "区域宽度", "area width"),
        (area.height, "区域高度", "area height"),
        (area.x, "区域 X", "area x"),
        (area.y, "区域 Y", "area y"),
    ):
        _check_range(value, 0, 0x7FFF, zh, en)
    for value, zh, en in (
        (area.area_id, "区域编号", "area id"),
        (area.speed, "速度", "speed"),
        (area.stay, "停留时间", "stay"),
    ):
        _check_range(value, 0, 0xFF, zh, en)
    display_mode = area.display_mode
    if display_mode is None:
        fits = estimated_width_px(text, area.height) <= area.width
        display_mode = BX_STATIC if fits else BX_SCROLL_LEFT
    fixed = struct.pack(
        "<BHHHHBBBHBBBBBBBBBI",
        0x00,  # area type: dynamic text
        area.x | BX_PIXEL_UNIT,
        area.y,
        area.width | BX_PIXEL_UNIT,
        area.height,
        area.area_id,
        0x00,  # line spacing
        0x00,  # run mode: loop the area's data
        0x0000,  # timeout: never
        0x00,  # no sound
        0x00,  # no extension bytes
        0x0A,  # centred horizontally and vertically
        0x01,  # single line
        0x01,  # no automatic wrap
        display_mode,
        0x00,  # exit mode
        area.speed,
        area.stay,
        len(text_bytes),
    )
    return fixed + text_bytes


def _encode_text_bytes(text: str, codec: str, codec_name: str) -> bytes:
    if not isinstance(text, str):
        raise SignTextError(f"显示内容应为文字，实际为 {text!r} / sign text must be a str, got {text!r}")
    for ch in text:
        if unicodedata.category(ch) == "Cc":
            raise SignTextError(
                f"显示内容含控制字符 {ch!r} / sign text contains the control character {ch!r}: {text!r}"
            )
    try:
        return text.encode(codec)
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise SignTextError(
            f"“{bad}”无法用 {codec_name} 编码，显示屏无法显示 / "
            f"{bad!r} cannot be encoded in {codec_name}, the sign cannot show it: {text!r}"
        ) from None


def _check_range(value: int, low: int, high: int, zh: str, en: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SignTextError(f"{zh}应在 {low}–{high} 之间，实际为 {value!r} / {en} must be {low}–{high}, got {value!r}")
