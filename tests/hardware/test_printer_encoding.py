"""The ESC/POS bytes: GB18030 text mode, raster image mode, the native QR command."""

import re

import pytest
from PIL import Image

from core.config import Material
from hardware.documents import sample_ticket
from hardware.printer import PrintOptions, encode, raster_image
from hardware.receipts import render_image

FS_CHINESE = re.compile(rb"\x1c&(.*?)\x1c\.", re.DOTALL)
RASTER_HEADER = re.compile(rb"\x1dv0\x00(..)(..)", re.DOTALL)
QR_STORE = re.compile(rb"\x1d\(k(..)1P0", re.DOTALL)


def chinese_segments(data: bytes) -> list[str]:
    return [segment.decode("gb18030") for segment in FS_CHINESE.findall(data)]


def raster_widths(data: bytes) -> list[int]:
    return [int.from_bytes(width_bytes, "little") * 8 for width_bytes, _ in RASTER_HEADER.findall(data)]


def qr_payloads(data: bytes) -> list[bytes]:
    payloads = []
    for match in QR_STORE.finditer(data):
        length = int.from_bytes(match.group(1), "little") - 3  # the length counts cn, fn and m
        payloads.append(data[match.end() : match.end() + length])
    return payloads


def test_gb18030_mode_wraps_number_and_every_material_in_chinese_mode() -> None:
    ticket = sample_ticket(number="A023")
    data = encode(ticket, PrintOptions(mode="gb18030"))
    segments = chinese_segments(data)
    assert "A023" in segments
    for material in ticket.materials:
        assert any(material.name in segment for segment in segments)
        assert material.name.encode("gb18030") in data
    assert "便民服务中心".encode("gb18030") in data


def test_gb18030_mode_sends_no_raster_image_with_native_qr() -> None:
    data = encode(sample_ticket(), PrintOptions(mode="gb18030"))
    assert raster_widths(data) == []
    assert qr_payloads(data) == [sample_ticket().status_url.encode()]


@pytest.mark.parametrize(("paper_mm", "dots"), [(58, 384), (80, 576)])
def test_image_mode_sends_paper_wide_raster_and_native_qr_with_the_url(paper_mm: int, dots: int) -> None:
    ticket = sample_ticket()
    data = encode(ticket, PrintOptions(paper_mm=paper_mm, mode="image"))
    widths = raster_widths(data)
    assert widths and set(widths) == {dots}
    assert qr_payloads(data) == [ticket.status_url.encode()]
    assert "便民服务中心".encode("gb18030") not in data  # all text travels as pixels


def test_image_mode_without_native_qr_draws_the_code_into_the_image() -> None:
    data = encode(sample_ticket(), PrintOptions(native_qr=False))
    assert qr_payloads(data) == []
    assert sample_ticket().status_url.encode() not in data


@pytest.mark.parametrize("mode", ["image", "gb18030"])
def test_every_job_starts_with_initialize_and_ends_with_a_cut(mode: str) -> None:
    data = encode(sample_ticket(), PrintOptions(mode=mode))
    assert data.startswith(b"\x1b@") and data.endswith(b"\x1dV\x01")


def test_no_cut_option_leaves_the_cutter_alone() -> None:
    assert b"\x1dV" not in encode(sample_ticket(), PrintOptions(cut=False))


@pytest.mark.parametrize(("paper_mm", "columns"), [(58, 32), (80, 48)])
def test_long_materials_wrap_within_the_printer_columns(paper_mm: int, columns: int) -> None:
    materials = tuple(
        Material(f"单位出具的劳动关系证明及近六个月社保缴费记录{i}（须加盖公章）", "原件1份") for i in range(5)
    )
    data = encode(sample_ticket(materials=materials), PrintOptions(paper_mm=paper_mm, mode="gb18030"))
    body_lines = [s for s in chinese_segments(data) if s.strip() and s != "A001"]  # the number prints scaled up
    assert all(len(line.encode("gb18030")) <= columns for line in body_lines)
    joined = "".join(line.strip() for line in body_lines)
    assert all(m.name in joined for m in materials)  # wrapped, nothing dropped


def test_long_materials_grow_the_image_down_not_sideways() -> None:
    short = render_image(sample_ticket(materials=(Material("身份证"),)))
    long_list = tuple(Material("单位出具的劳动关系证明及近六个月社保缴费记录（须加盖公章）" * 2) for _ in range(4))
    long = render_image(sample_ticket(materials=long_list))
    assert long.width == short.width == 384 and long.height > short.height + 300


def test_raster_image_is_black_where_the_image_is_black() -> None:
    image = Image.new("1", (16, 2), 1)
    image.putpixel((0, 0), 0)
    data = raster_image(image)
    assert data == b"\x1dv0\x00\x02\x00\x02\x00" + b"\x80\x00" + b"\x00\x00"


def test_tall_images_are_sent_in_chunks() -> None:
    data = raster_image(Image.new("1", (384, 600), 1))
    heights = [int.from_bytes(height, "little") for _, height in RASTER_HEADER.findall(data)]
    assert heights == [256, 256, 88]


@pytest.mark.parametrize(("field", "value"), [("paper_mm", 76), ("mode", "utf8")])
def test_bad_options_are_refused_with_a_sentence(field: str, value: object) -> None:
    with pytest.raises(ValueError, match="/"):
        PrintOptions(**{field: value})  # type: ignore[arg-type]


def test_odd_width_images_are_padded_with_white() -> None:
    data = raster_image(Image.new("1", (10, 1), 1))
    assert data == b"\x1dv0\x00\x02\x00\x01\x00" + b"\x00\x00"
