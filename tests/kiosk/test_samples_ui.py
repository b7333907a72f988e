"""A sample form on the real kiosk, headless: the guide's "查看样表 View sample" button, the viewer's pages (rendered
from a PDF by the server's store), next / previous / close; screenshots tests/_shots/kiosk_sample_*.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from appkit.runners import run_now
from appkit.testing import assert_touch_targets, find_by_id, find_by_text, screenshot, tap
from assets import DEMO_HALL
from client.fake import FakeHallApi
from core.config import SampleFile
from hallfile import load_hall
from kiosk.app import KIOSK_SIZE, KioskApp
from server.samples import SampleStore
from tests.server.test_samples import sample_pdf, with_samples

pytestmark = pytest.mark.ui


@pytest.fixture
def api(tmp_path: Path) -> FakeHallApi:
    """The demo hall whose 出生登记 (HJ01) offers a 2-page PDF sample, its pages rendered as the server does."""
    store = SampleStore(tmp_path / "samples")
    stored = store.save(sample_pdf(2))
    sample = SampleFile("出生登记申报表（填写样表）", stored.file, "Birth registration form (sample)")
    fake = FakeHallApi(with_samples(load_hall(DEMO_HALL), "HJ01", (sample,)))
    fake.add_sample_pages(stored.sha, [store.page(stored.sha, n).read_bytes() for n in (1, 2)])  # type: ignore[union-attr]
    return fake


def test_a_citizen_opens_the_sample_form_pages_through_it_and_closes_it(
    ui_app: Callable[..., Any], api: FakeHallApi
) -> None:
    app = ui_app(KioskApp(api, public_url="http://hall.example", runner=run_now), size=KIOSK_SIZE)
    tap(find_by_text("户籍业务"))
    tap(find_by_text("出生登记"))
    assert find_by_id("screens").current == "guide"
    button = find_by_text("查看样表：出生登记申报表（填写样表）")
    assert button.text_en == "View sample: Birth registration form (sample)"
    screenshot("kiosk_guide_with_sample")
    tap(button)
    assert find_by_id("screens").current == "sample"
    image = find_by_id("sample_image")
    assert image.texture is not None and image.texture.size[0] == 1240  # the server's page image, whole
    assert find_by_id("sample_page_label").text == "第 1 / 2 页\nPage 1 of 2"
    assert find_by_id("sample_previous").disabled and not find_by_id("sample_next").disabled
    assert_touch_targets(app.root)
    screenshot("kiosk_sample_page_1")
    first = image.texture
    tap(find_by_id("sample_next"))
    assert find_by_id("sample_page_label").text == "第 2 / 2 页\nPage 2 of 2"
    assert image.texture is not first and find_by_id("sample_next").disabled
    tap(find_by_id("lang_button"))  # English first, Chinese kept
    assert find_by_id("sample_page_label").text == "Page 2 of 2\n第 2 / 2 页"
    screenshot("kiosk_sample_page_2_english")
    tap(find_by_id("sample_previous"))
    assert app.presenter.viewer.page == 1
    tap(find_by_id("sample_close"))
    assert find_by_id("screens").current == "guide" and not app.presenter.viewer.is_open
