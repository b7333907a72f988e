"""The demo hall's sample forms (server/demo_samples.py): `hallq demo`'s set-up stores a 2-page PDF of the
《户口迁移申请表》 and a PNG of the 《同意落户证明》 as an upload is stored and names them in HJ02 by one new
configuration version; run again, it adds nothing. The server then started on that data directory lists them in
the item's guide and serves their pages; the kiosk's guide offers 查看样表 (headless Kivy, screenshots
tests/_shots/demo_sample_*.png)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assets import DEMO_HALL
from core import samples as rules
from hallfile import load_hall
from server import create_app
from server.cli import demo_samples
from server.demo_samples import DEMO_SAMPLES, ITEM, consent_form_png, transfer_form_pdf
from server.samples import SampleStore
from tests.browser import SHOTS
from tests.server.test_samples import with_samples


def red_share(png: bytes) -> float:
    """The share of a page's pixels in the examples' red (the watermark is far paler)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    return sum(n for n, (r, g, b) in colours if r > 150 and g < 90 and b < 90) / (image.width * image.height)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data directory after `hallq demo`'s set-up ran twice (as a second start of the demo would)."""
    data = tmp_path_factory.mktemp("demo-data")
    hall = load_hall(DEMO_HALL)
    demo_samples(hall, str(data))
    demo_samples(hall, str(data))
    yield data


@pytest.fixture(scope="module")
def demo_app(demo_data: Path) -> Iterator[Any]:
    """The demo server as `hallq demo` then starts it on that directory."""
    app = create_app({"HALL_CONFIG": load_hall(DEMO_HALL), "DATA_DIR": demo_data})
    yield app
    app.extensions["hallq"].close()


def test_the_drawings_are_a_pdf_and_a_png_and_the_same_bytes_every_time() -> None:
    pdf, png = transfer_form_pdf(), consent_form_png()
    assert rules.kind_of(pdf) == "pdf" and rules.kind_of(png) == "png"
    assert pdf == transfer_form_pdf() and png == consent_form_png()  # a second run stores no second file
    assert len(pdf) < rules.DEFAULT_MAX_BYTES and len(png) < rules.DEFAULT_MAX_BYTES


def test_the_demo_item_lists_its_sample_forms_and_their_pages_are_served(demo_app, demo_data) -> None:
    client = demo_app.test_client()
    item = client.get(f"/api/v1/items/{ITEM}").get_json()
    listed = item["sample_files"]
    assert [s["name"] for s in listed] == [s.name for s in DEMO_SAMPLES]  # once each, after two set-ups
    assert [s["name_en"] for s in listed] == [s.name_en for s in DEMO_SAMPLES]
    pdf, png = (rules.split_file(s["file"]) for s in listed)
    assert pdf is not None and pdf[1] == "pdf" and png is not None and png[1] == "png"
    assert sorted(p.name for p in (demo_data / "samples").iterdir() if p.is_file()) == sorted(
        s["file"] for s in listed
    )  # stored as an upload stores them: one file each, by content
    pages = client.get(f"/api/v1/samples/{pdf[0]}/pages").get_json()
    assert pages["pages"] == 2 and pages["name"] == "户口迁移申请表（填写样表）"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for sha, number in ((pdf[0], 1), (pdf[0], 2), (png[0], 1)):
        page = client.get(f"/api/v1/samples/{sha}/pages/{number}")
        assert page.status_code == 200 and page.mimetype == "image/png"
        from PIL import Image

        image = Image.open(io.BytesIO(page.data))
        assert 1235 <= image.width <= 1245 and 1740 < image.height < 1770  # A4 at 150 dpi
        assert red_share(page.data) > 0.002, (sha, number, red_share(page.data))  # the example answers, in red
        (SHOTS / f"demo_sample_{'form' if sha == pdf[0] else 'consent'}_{number}.png").write_bytes(page.data)


def test_running_the_demo_again_adds_no_version(demo_app) -> None:
    from server.console.config import versions

    with demo_app.app_context():
        rows = versions().versions()
        assert [r["version"] for r in rows][:2] == [2, 1] and len(rows) == 2
        assert "演示样表" in rows[0]["note"]
        assert versions().diff_of(2)  # the new version's diff names the sample files
        assert any("sample_files" in line for line in versions().diff_of(2))


def test_a_demo_without_the_item_says_so(tmp_path) -> None:
    from server.demo_samples import add_demo_samples

    app = create_app({"HALL_CONFIG": load_hall(DEMO_HALL), "DATA_DIR": tmp_path})
    try:
        assert "没有事项 XX99" in add_demo_samples(app, item="XX99")
        assert not (tmp_path / "samples").exists()  # nothing stored
    finally:
        app.extensions["hallq"].close()


@pytest.mark.ui
def test_the_kiosk_guide_of_the_demo_item_offers_the_sample(ui_app: Callable[..., Any], demo_app, demo_data) -> None:
    from appkit.runners import run_now
    from appkit.testing import find_by_id, find_by_text, screenshot, tap
    from client.fake import FakeHallApi
    from kiosk.app import KIOSK_SIZE, KioskApp

    stored = demo_app.extensions["hallq"].config  # the configuration the demo server runs on (no PINs in it)
    samples = next(item.sample_files for item in stored.items if item.code == ITEM)
    config = with_samples(load_hall(DEMO_HALL), ITEM, samples)
    api = FakeHallApi(config)
    store = SampleStore(demo_data / "samples")
    for _item, sample in rules.offered(config):
        sha = rules.sha_of(sample)
        api.add_sample_pages(sha, [store.page(sha, n).read_bytes() for n in range(1, store.page_count(sha) + 1)])  # type: ignore[union-attr]
    ui_app(KioskApp(api, public_url="http://hall.example", runner=run_now), size=KIOSK_SIZE)
    tap(find_by_text("户籍业务"))
    tap(find_by_text("户口迁入登记（投靠、购房、人才落户）"))
    assert find_by_id("screens").current == "guide"
    button = find_by_text("查看样表：户口迁移申请表（填写样表）")
    assert button.text_en == "View sample: Household Transfer Application Form (filled-in sample)"
    find_by_text("查看样表：同意落户证明（填写样表）")
    screenshot("demo_sample_kiosk_guide")
    tap(button)
    assert find_by_id("screens").current == "sample"
    assert find_by_id("sample_page_label").text == "第 1 / 2 页\nPage 1 of 2"
    screenshot("demo_sample_kiosk_page_1")
