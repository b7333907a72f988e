"""The issue's walks in headless Chromium against the hall server (in this process, on the tests' fake clock): a
promised case through an approved extension to on-time completion, a forwarded case through its stages, a day's
close with its printed summary, a patrol with a finding. Screenshots: tests/_shots/oversight_*.png (the printed
summary and the extension notice as PNG pages of their PDFs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser import console_page, pdf_to_png, shot, submit
from tests.factories import SHANGHAI

pytestmark = pytest.mark.slow


def flash(page: Any) -> str:
    return page.text_content("#flash") or ""


def at(clock: Any, day: str, hour: int, minute: int = 0) -> None:
    clock.now = dt.datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}:00").replace(tzinfo=SHANGHAI)


def test_a_promised_case_through_an_approved_extension_to_on_time_completion(app, url, browser, clock, work) -> None:
    case = work.case("promised", "HJ-01")  # Monday 2026-11-23, due 2026-11-30
    manager = console_page(browser, url, "9001")
    manager.goto(f"{url}/console/oversight/cases")
    manager.click(f"tr[data-case='{case['id']}'] a")
    manager.wait_for_load_state()
    assert "2026-11-30" in manager.text_content("#due-date")
    manager.fill("#citizen-form input[name=name]", "张三丰")
    manager.fill("#citizen-form input[name=id_number]", "11010519491231002X")
    submit(manager, "#citizen-form")
    manager.fill("#extension-form input[name=to_due]", "2026-12-04")
    manager.fill("#extension-form textarea[name=reason]", "需到现场核实房屋产权情况")
    submit(manager, "#extension-form")
    assert "待领导审批" in flash(manager)

    at(clock, "2026-11-30", 10)  # the last day of the original date: approved in time
    director = console_page(browser, url, "9002")
    director.goto(f"{url}/console/oversight/due")
    assert director.text_content("#n-pending") == "1"
    director.click("#pending-extensions button[value=approve]")
    director.wait_for_load_state()
    assert "已批准延期至 2026-12-04" in flash(director)

    manager = console_page(browser, url, "9001")  # a week later: signed in again
    manager.goto(f"{url}/console/oversight/cases/{case['id']}")
    assert "2026-12-04" in manager.text_content("#due-date")
    assert "2026-11-30" in manager.text_content("#original-due")
    notice = manager.get_attribute("a.notice", "href")
    pdf = manager.request.get(f"{url}{notice}")
    assert pdf.headers["content-type"] == "application/pdf"
    pdf_to_png(pdf.body(), "oversight_extension_notice")

    at(clock, "2026-12-03", 15)  # the clerk hands the result over at her caller (办结) before the new date
    work.tokens.clear()
    done = work.client.post(f"/api/v1/cases/{case['id']}/complete", headers=work.login(1, "1001"))
    assert done.status_code == 200, done.json
    manager = console_page(browser, url, "9001")
    manager.goto(f"{url}/console/oversight/cases/{case['id']}")
    assert "按期办结" in manager.text_content("#outcome")
    shot(manager, "oversight_extension_on_time")
    manager.goto(f"{url}/console/oversight/on-time?month=2026-12")
    assert manager.text_content("#rate") == "100.0%"


def test_a_forwarded_case_through_its_stages(app, url, browser, clock, work) -> None:
    case = work.case("forwarded", "HJ-02")
    page = console_page(browser, url, "9001")
    page.goto(f"{url}/console/oversight/cases/{case['id']}")
    agency = page.request.get(f"{url}/console/oversight/cases/{case['id']}/agency")
    pdf_to_png(agency.body(), "oversight_agency_form")
    for stage, note in (
        ("submitted", "已报县政务服务中心"),
        ("returned_for_more", "县公安局要求补充房屋租赁合同"),
        ("submitted", "已补充材料重新上报"),
        ("approved", ""),
        ("ready", "证件已送达中心"),
    ):
        clock.advance(minutes=20)
        page.select_option("#stage-form select[name=stage]", stage)
        page.fill("#stage-form input[name=note]", note)
        submit(page, "#stage-form")
        assert "已登记" in flash(page), flash(page)
    assert page.locator("#stage-form select[name=stage] option").all_text_contents() == ["群众已领取 · Collected"]
    page.select_option("#stage-form select[name=stage]", "collected")
    submit(page, "#stage-form")
    assert "已办结" in page.text_content("#case-status")
    assert page.locator("#flow li").count() == 7  # accepted + six stages
    shot(page, "oversight_forwarded_stages")


def test_a_days_close_with_its_printed_summary(app, url, browser, clock, work, oversight) -> None:
    work.case("promised", "HJ-01")
    work.case("immediate", "SB-01", window=2, staff="1002")
    work.case("incomplete", "HJ-01", missing_materials=["准予迁入证明"])
    page = console_page(browser, url, "9001")
    page.goto(f"{url}/console/oversight/inspections")
    submit(page, "#inspection-form")  # a morning patrol, all well
    at(clock, "2026-11-23", 17, 45)
    page = console_page(browser, url, "9001")
    page.goto(f"{url}/console/oversight/summary")
    assert page.text_content("#s-issued") == "3"
    page.fill("#close-day-form input[name=note]", "今日运行正常")
    submit(page, "#close-day-form")
    assert "已日结" in flash(page)
    assert page.is_visible("#closed-mark")
    shot(page, "oversight_day_closed")
    href = page.get_attribute("#print-pdf", "href")
    printed = pdf_to_png(page.request.get(f"{url}{href}").body(), "oversight_day_summary_printed")
    assert printed.exists()
    work.case("immediate", "SB-01", window=2, staff="1002")  # after the close: the kept summary does not move
    page.reload()
    assert page.text_content("#s-issued") == "3"


def test_a_patrol_with_a_finding(app, url, browser, clock, work, tmp_path) -> None:
    work.login(2, "1002")  # 王芳 signed in at window 2
    photo = tmp_path / "evidence.png"
    photo.write_bytes(_png())
    page = console_page(browser, url, "9001")
    page.goto(f"{url}/console/oversight/inspections")
    assert "0/2" in page.text_content("#patrols-today")
    page.fill("#inspection-form textarea[name=note]", "上午第一次巡查")
    submit(page, "#inspection-form")
    page.select_option("#finding-form select[name=window]", "2")
    page.select_option("#finding-form select[name=checklist]", "禁止行为")
    page.select_option("#finding-form select[name=deduction]", "forbidden_behaviour")
    page.fill("#finding-form textarea[name=note]", "工作时间使用手机聊天，群众在窗口等候")
    page.set_input_files("#finding-form input[name=photo]", str(photo))
    submit(page, "#finding-form")
    assert "扣 2 分" in flash(page), flash(page)
    row = page.locator("tr[data-finding]")
    assert "王芳" in row.text_content() and "−2" in row.text_content()
    assert page.evaluate("document.querySelector('img.ov-photo').naturalWidth") > 0
    shot(page, "oversight_patrol_finding")
    page.goto(f"{url}/console/oversight/inspections")
    assert "1/2" in page.text_content("#patrols-today")
    live = page.goto(f"{url}/console/live")
    assert live is not None and "1/2" in page.text_content("#live-patrols")  # the day is short of patrols


def _png() -> bytes:
    """A small real PNG (a red square) for the evidence upload."""
    import struct
    import zlib

    width = height = 40
    raw = b"".join(b"\x00" + b"\xc0\x20\x20" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
