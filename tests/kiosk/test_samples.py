"""Sample forms (填写样表) on the kiosk without Kivy: the guide's "查看样表 View sample" buttons, the viewer's pages,
next / previous / close, a sample the console removes, the server down, the HTTP client keeping pages per sample."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest

from client.api import ApiError, HttpHallApi
from client.fake import FakeHallApi
from core.config import HallConfig, SampleFile
from kiosk.presenters import KioskPresenter
from kiosk.samples import SampleViewer, sample_buttons
from tests.factories import at, make_config

SHA_A = "a" * 64
SHA_B = "b" * 64


def page_png(number: int, size: tuple[int, int] = (120, 170)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (255, 255 - number * 40, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def with_samples(config: HallConfig, code: str, samples: tuple[SampleFile, ...]) -> HallConfig:
    items = tuple(dataclasses.replace(i, sample_files=samples) if i.code == code else i for i in config.items)
    return dataclasses.replace(config, items=items, _index={})


FORMS = (
    SampleFile("户口迁入申请表（样表）", f"{SHA_A}.pdf", "Registration form (sample)"),
    SampleFile("承诺书（样表）", f"{SHA_B}.png"),
)


@pytest.fixture
def api() -> FakeHallApi:
    fake = FakeHallApi(with_samples(make_config(), "HJ-01", FORMS), clock=lambda: at(9))
    fake.add_sample_pages(SHA_A, [page_png(1), page_png(2), page_png(3)])
    fake.add_sample_pages(SHA_B, [page_png(1)])
    return fake


def at_guide(api: FakeHallApi) -> KioskPresenter:
    p = KioskPresenter(api, public_url="http://hall.example")
    p.start()
    p.choose_service("HJ")
    p.choose_item("HJ-01")
    assert p.screen == "guide"
    return p


def test_the_guide_offers_a_button_for_each_sample_with_a_file_chinese_first() -> None:
    item = {
        "sample_files": [
            {"name": "申请表", "name_en": "Application form", "file": f"{SHA_A}.pdf"},
            {"name": "承诺书", "name_en": "", "file": f"{SHA_B}.jpg"},
            {"name": "坏的", "file": "../hall.db"},  # never a button (and the hall file refuses it)
        ]
    }
    zh = sample_buttons(item, "zh")
    assert [b.sha for b in zh] == [SHA_A, SHA_B]
    assert zh[0].label == ("查看样表：申请表", "View sample: Application form")
    assert sample_buttons(item, "en")[0].label == ("View sample: Application form", "查看样表：申请表")
    assert zh[1].name == ("承诺书", "承诺书")  # no English: the Chinese, never an empty line
    assert sample_buttons(None) == [] and sample_buttons({"sample_forms": ["只有名称"]}) == []


def test_the_viewer_opens_at_page_one_pages_through_and_closes_back_to_the_guide(api: FakeHallApi) -> None:
    p = at_guide(api)
    assert [b.sha for b in p.sample_buttons] == [SHA_A, SHA_B]
    p.open_sample(SHA_A)
    v = p.viewer
    assert p.screen == "sample" and v.is_open
    assert v.name == ("户口迁入申请表（样表）", "Registration form (sample)")
    assert (v.page, v.pages, v.image) == (1, 3, page_png(1))
    assert v.page_label() == ("第 1 / 3 页", "Page 1 of 3")
    assert v.page_label("en") == ("Page 1 of 3", "第 1 / 3 页")
    assert not v.can_previous and v.can_next
    v.previous_page()
    assert v.page == 1  # nothing before the first page
    v.next_page()
    v.next_page()
    assert (v.page, v.image) == (3, page_png(3)) and not v.can_next
    v.next_page()
    assert v.page == 3  # nothing after the last
    v.previous_page()
    assert (v.page, v.image) == (2, page_png(2))
    p.close_sample()
    assert p.screen == "guide" and not p.viewer.is_open and p.item["code"] == "HJ-01"
    p.open_sample(SHA_B)
    assert (p.viewer.page, p.viewer.pages) == (1, 1) and not p.viewer.can_next
    p.back()  # 返回 on the viewer: the guide again
    assert p.screen == "guide"


def test_a_sample_the_item_does_not_offer_does_not_open(api: FakeHallApi) -> None:
    p = at_guide(api)
    p.open_sample("c" * 64)
    assert p.screen == "guide" and not p.viewer.is_open


def test_a_sample_removed_in_the_console_closes_and_its_button_goes(api: FakeHallApi) -> None:
    p = at_guide(api)
    p.open_sample(SHA_A)
    assert p.screen == "sample"
    api.service.reconfigure(with_samples(api.config, "HJ-01", FORMS[1:]), 2)  # the console removed the first
    p.on_configured()  # the kiosk hears hall.configured
    assert p.screen == "guide" and not p.viewer.is_open
    assert [b.sha for b in p.sample_buttons] == [SHA_B]
    with pytest.raises(ApiError) as refused:
        api.sample_pages(SHA_A)  # no longer served either
    assert refused.value.status == 404 and "没有这份样表" in refused.value.message


def test_a_sample_still_offered_stays_open_when_the_configuration_changes(api: FakeHallApi) -> None:
    p = at_guide(api)
    p.open_sample(SHA_A)
    p.viewer.next_page()
    api.service.reconfigure(with_samples(api.config, "HJ-01", FORMS), 2)
    p.on_configured()
    assert p.screen == "sample" and p.viewer.page == 2


def test_with_the_server_down_the_viewer_says_so_and_close_still_works(api: FakeHallApi) -> None:
    p = at_guide(api)
    api.online = False
    p.open_sample(SHA_A)
    assert p.screen == "sample" and p.viewer.image is None
    assert p.viewer.page_label()[0].startswith("与服务器的连接已断开")
    p.close_sample()
    assert p.screen == "guide"


def test_a_late_page_for_a_closed_viewer_is_dropped(api: FakeHallApi) -> None:
    parked: list[Any] = []
    viewer = SampleViewer(api, runner=lambda work, done, failed: parked.append((work, done)))
    viewer.open(SHA_A, ("申请表", "Form"))
    work, done = parked.pop()
    viewer.close()
    done(work())  # the page count arrives after the citizen closed the viewer
    assert not viewer.is_open and viewer.pages == 0 and not parked


def test_idle_takes_the_kiosk_home_from_the_viewer(api: FakeHallApi) -> None:
    now = [1000.0]
    p = KioskPresenter(api, public_url="http://hall.example", clock=lambda: now[0])
    p.start()
    p.choose_service("HJ")
    p.choose_item("HJ-01")
    p.open_sample(SHA_A)
    now[0] += p.idle_s + 1
    p.tick()
    assert p.screen == "home" and not p.viewer.is_open


class _Answer:
    def __init__(self, content: bytes) -> None:
        self.status_code, self.content = 200, content


def test_the_http_client_keeps_each_page_per_sample() -> None:
    api = HttpHallApi("http://hall.example")
    asked: list[str] = []

    def request(method: str, url: str, **_kw: Any) -> _Answer:
        asked.append(url)
        return _Answer(b"png:" + url.encode())

    api._http.request = request  # type: ignore[method-assign]
    first = api.sample_page(SHA_A, 1)
    assert api.sample_page(SHA_A, 1) == first  # from memory
    api.sample_page(SHA_A, 2)
    assert asked == [
        f"http://hall.example/api/v1/samples/{SHA_A}/pages/1",
        f"http://hall.example/api/v1/samples/{SHA_A}/pages/2",
    ]
    api.sample_page("../../hall.db", 1)  # whatever a config says, the path stays under /samples/
    assert asked[-1] == "http://hall.example/api/v1/samples/..%2F..%2Fhall.db/pages/1"
