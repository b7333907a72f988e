"""Documents, masking, wrapping, and the rendered image (PNG/PDF)."""

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from PIL import Image

from core.config import Material
from core.privacy import mask_id, mask_numbers_in_text, mask_phone
from hardware.documents import (
    Applicant,
    IncompleteNotice,
    Line,
    PromiseNotice,
    QrCode,
    ReturnedNotice,
    layout,
    sample_ticket,
)
from hardware.receipts import font, render_image, render_pdf, render_png, text_width, wrap

SHOTS = Path("/tmp/hallq-shots")
CITIZEN = Applicant("张三", "110105199001010123", "13812348000")


def incomplete_notice() -> IncompleteNotice:
    return IncompleteNotice(
        hall_name="城关镇便民服务中心",
        item_name="城乡居民养老保险参保登记",
        missing=(
            Material("居民户口簿", "原件及复印件各1份"),
            Material("本人近期一寸免冠彩色照片", "1张", "白底"),
            Material("银行卡或存折复印件（须为本人名下社保卡金融账户）", "1份"),
        ),
        legal_basis="《社会保险法》第二十条；《城乡居民基本养老保险经办规程》第九条",
        contact_phone="0571-88001234",
        clerk_name="李四",
        staff_number="1023",
        window=3,
        date=dt.date(2026, 11, 21),
        applicant=CITIZEN,
        case_number="BJ-20261121-0007",
    )


def returned_notice() -> ReturnedNotice:
    return ReturnedNotice(
        hall_name="城关镇便民服务中心",
        item_name="个体工商户设立登记",
        reason="经营场所位于规划禁止经营区域（申请人 13812348000 提交的地址），不符合登记条件。",
        contact_phone="0571-88001234",
        supervise_phone="0571-88009999",
        clerk_name="王五",
        staff_number="2001",
        window="5",
        date=dt.date(2026, 11, 21),
        applicant=CITIZEN,
    )


def promise_notice() -> PromiseNotice:
    return PromiseNotice(
        hall_name="城关镇便民服务中心",
        item_name="建设工程规划许可",
        accepted_on=dt.date(2026, 11, 21),
        due_on=dt.date(2026, 12, 11),
        clerk_name="赵六",
        staff_number="3005",
        window=7,
        phone="0571-88001234",
        applicant=CITIZEN,
    )


def all_text(doc: object) -> str:
    return "\n".join(block.text for block in layout(doc) if isinstance(block, Line))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("13812348000", "138****8000"), ("138 1234 8000", "138****8000"), ("0571-88001234", "057*****1234"), ("12", "**")],
)
def test_mask_phone_keeps_first_three_and_last_four(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("110105199001010123", "110105********0123"), ("11010519900101012X", "110105********012X"), ("1234", "****")],
)
def test_mask_id_keeps_first_six_and_last_four(raw: str, masked: str) -> None:
    assert mask_id(raw) == masked


def test_numbers_typed_into_free_text_are_masked() -> None:
    text = mask_numbers_in_text("身份证110105199001010123，手机13812348000，电话0571-88001234")
    assert "110105********0123" in text and "138****8000" in text and "0571-88001234" in text


@pytest.mark.parametrize("make", [incomplete_notice, returned_notice, promise_notice])
def test_slips_never_print_a_full_id_or_phone(make) -> None:
    text = all_text(make())
    assert "110105199001010123" not in text and "13812348000" not in text
    assert "110105********0123" in text


def test_incomplete_notice_lists_every_missing_material_with_basis_and_clerk() -> None:
    text = all_text(incomplete_notice())
    for material in incomplete_notice().missing:
        assert material.name in text.replace("\n", "")
    assert "《社会保险法》" in text and "李四" in text and "1023" in text and "3 号" in text and "2026-11-21" in text


def test_returned_notice_gives_reason_and_right_to_review() -> None:
    text = all_text(returned_notice())
    assert "规划禁止经营区域" in text and "中心主任申请复核" in text and "0571-88009999" in text


@pytest.mark.parametrize("make", [incomplete_notice, returned_notice, promise_notice])
def test_every_slip_prints_the_case_number_and_the_ticket_number(make) -> None:
    notice = dataclasses.replace(make(), case_number="20261121-0042", ticket_number="A001")
    blocks = [block for block in layout(notice) if isinstance(block, Line)]
    case_line = next(b for b in blocks if b.text == "办件编号 Case No.: 20261121-0042")
    assert case_line.bold
    assert "排队号 Ticket: A001" in [b.text for b in blocks]


def test_promise_notice_gives_both_dates() -> None:
    text = all_text(promise_notice())
    assert "2026-11-21" in text and "2026-12-11" in text


def test_ticket_layout_has_number_materials_and_status_qr() -> None:
    ticket = sample_ticket(priority_label="绿色通道")
    blocks = layout(ticket)
    assert QrCode(ticket.status_url) in blocks
    assert any(b.text == "A001" and b.size == "huge" for b in blocks if isinstance(b, Line))
    text = all_text(ticket)
    assert "绿色通道" in text and "近期免冠照片" in text and "白底，半年内拍摄" in text and "2026-11-21 09:05" in text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: sample_ticket(number=" "), "票号不能为空"),
        (lambda: sample_ticket(people_ahead=-1), "不能为负数"),
        (lambda: PromiseNotice("h", "i", dt.date(2026, 2, 2), dt.date(2026, 2, 1), "c", "1", 1, "p"), "早于受理日期"),
    ],
)
def test_bad_documents_are_refused_with_a_sentence(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_wrap_keeps_latin_words_whole_and_punctuation_off_line_starts() -> None:
    lines = wrap("请携带身份证原件（复印件无效），Please bring the original ID card", 12, len)
    assert all(len(line) <= 12 for line in lines)
    assert not any(line[0] in "，。）" for line in lines)
    assert not any(line.endswith("（") for line in lines)
    joined = "\n".join(lines)
    assert all(
        re.search(rf"(?<![A-Za-z]){word}(?![A-Za-z])", joined) for word in ["Please", "bring", "the", "original"]
    )


def test_wrap_cuts_a_token_longer_than_the_line() -> None:
    lines = wrap("https://hall.example.gov.cn/t/very-long-path", 10, len, indent=2)
    assert all(len(line) <= 10 for line in lines[:1]) and all(len(line) <= 8 for line in lines[1:])
    assert "".join(lines) == "https://hall.example.gov.cn/t/very-long-path"


def test_measured_width_matches_pillow_so_lines_never_overflow() -> None:
    text = "社会保障卡挂失证明 Social security card loss report 2026"
    assert text_width(text, 24) == pytest.approx(font(24).getlength(text), abs=2)


@pytest.mark.parametrize(("paper_mm", "dots"), [(58, 384), (80, 576)])
def test_rendered_image_is_paper_wide_and_one_bit(paper_mm: int, dots: int) -> None:
    image = render_image(sample_ticket(), paper_mm)
    assert image.mode == "1" and image.width == dots and image.height > 500


def test_render_png_saves_a_readable_ticket() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    long_list = tuple(
        Material(f"证明材料{i}：单位出具的劳动关系证明（加盖公章）", "原件1份", "复印件无效") for i in range(6)
    )
    path = render_png(sample_ticket(priority_label="绿色通道", materials=long_list), SHOTS / "ticket-58mm.png")
    with Image.open(path) as image:
        assert image.width == 384
        assert image.convert("L").getextrema() == (0, 255)  # black ink on white paper


@pytest.mark.parametrize("make", [incomplete_notice, returned_notice, promise_notice])
def test_render_png_saves_each_slip(make) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = render_png(make(), SHOTS / f"{make.__name__}-80mm.png", paper_mm=80)
    with Image.open(path) as image:
        assert image.width == 576


def test_render_pdf_writes_a_pdf(tmp_path: Path) -> None:
    path = render_pdf(incomplete_notice(), tmp_path / "slip.pdf")
    assert path.read_bytes().startswith(b"%PDF")


def test_paper_width_other_than_58_or_80_is_refused() -> None:
    with pytest.raises(ValueError, match="58 或 80"):
        render_image(sample_ticket(), 76)
