"""Sample forms' files (填写样表, issue 11) on the server: the store (kind by content, size and page limits, one
file per content, 0600 files in a 0700 directory, PDF pages rendered once), the hall file's `sample_files`, and
the public API (pages, page images, the original; caching headers; only what the configuration names; no path
gets out of the samples' directory)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import stat
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from core.config import HallConfig, SampleFile
from core.samples import kind_of, split_file
from core.tickets import DomainError
from hallfile import load_hall
from hallfile.problems import ConfigError
from server import create_app
from server.samples import PAGE_WIDTH, SampleStore
from tests.factories import hall_dict, make_config

FONT = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "wqy-microhei.ttc"


def form_page(
    number: int, of: int, title: str = "出生登记申报表（填写样表）", size: tuple[int, int] = (595, 842)
) -> Image:
    """A blank form's page as a hall would scan it: a title, boxes with labels, the example answers in red."""
    page = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(page)
    big, small = ImageFont.truetype(str(FONT), 26), ImageFont.truetype(str(FONT), 16)
    draw.text((size[0] // 2, 50), title, font=big, fill="black", anchor="mm")
    draw.text((size[0] // 2, 84), f"Sample form — page {number} of {of}", font=small, fill="#555", anchor="mm")
    rows = [("申报人姓名 Name", "张三"), ("公民身份号码 ID", "（填写本人号码）"), ("与婴儿关系 Relation", "父亲")]
    rows += [("婴儿姓名 Baby", "张小明"), ("出生日期 Born", "2026年11月1日"), ("出生地点 Place", "青山镇卫生院")]
    y = 120
    for label, example in rows:
        draw.rectangle((40, y, size[0] - 40, y + 56), outline="black", width=2)
        draw.line((230, y, 230, y + 56), fill="black", width=2)
        draw.text((50, y + 28), label, font=small, fill="black", anchor="lm")
        draw.text((245, y + 28), example, font=small, fill="#c00000", anchor="lm")
        y += 56
    draw.text((40, y + 30), f"第 {number} 页 / 共 {of} 页", font=small, fill="black")
    return page


def sample_pdf(pages: int = 2) -> bytes:
    """A small PDF made with Pillow: `pages` form pages."""
    images = [form_page(n, pages) for n in range(1, pages + 1)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return buffer.getvalue()


def sample_image(kind: str = "PNG", size: tuple[int, int] = (595, 842)) -> bytes:
    buffer = io.BytesIO()
    form_page(1, 1, "承诺书（填写样表）", size).save(buffer, kind)
    return buffer.getvalue()


def with_samples(config: HallConfig, code: str, samples: tuple[SampleFile, ...]) -> HallConfig:
    items = tuple(dataclasses.replace(i, sample_files=samples) if i.code == code else i for i in config.items)
    return dataclasses.replace(config, items=items, _index={})


# ---- the store -----------------------------------------------------------------------------------------


def test_a_pdf_is_kept_by_its_content_and_its_pages_rendered_once(tmp_path) -> None:
    store = SampleStore(tmp_path / "samples")
    data = sample_pdf(3)
    stored = store.save(data)
    sha = hashlib.sha256(data).hexdigest()
    assert (stored.file, stored.kind, stored.pages) == (f"{sha}.pdf", "pdf", 3)
    assert store.original(sha).read_bytes() == data
    assert store.page_count(sha) == 3
    with Image.open(store.page(sha, 2)) as page:
        assert page.format == "PNG" and page.width == PAGE_WIDTH  # A4 at 150 dpi: sharp on a 1080 px kiosk
        assert page.getpixel((page.width // 2, page.height // 2)) != (0, 0, 0)  # rendered, not a black square
    assert store.page(sha, 4) is None and store.page(sha, 0) is None
    # private: the directory 0700, every file 0600
    assert stat.S_IMODE((tmp_path / "samples").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "samples" / sha).stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "samples").rglob("*") if p.is_file()} == {0o600}
    again = store.save(data)  # the same bytes: the same file, not rendered again
    assert again == stored
    assert not [p for p in (tmp_path / "samples").iterdir() if p.name.startswith(".")]  # no temporary left


def test_an_image_becomes_one_upright_page_without_its_metadata(tmp_path) -> None:
    store = SampleStore(tmp_path)
    image = form_page(1, 1, size=(1800, 1200))
    exif = Image.Exif()
    exif[0x0112] = 6  # taken sideways: the camera says "turn 90°"
    exif[0x010F] = "手机型号 PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    stored = store.save(buffer.getvalue())
    assert (stored.kind, stored.pages) == ("jpg", 1)
    with Image.open(store.page(stored.sha, 1)) as page:
        assert page.height > page.width  # turned upright
        assert page.width <= PAGE_WIDTH
        assert not page.getexif()  # the camera's data stays out of what the kiosk shows
    assert store.save(sample_image("PNG")).kind == "png"


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (b"", "请选择要上传的样表文件"),
        (b"<html><script>alert(1)</script></html>", "只能是 PDF、PNG 或 JPEG"),
        (b"MZ\x90\x00 an executable named form.pdf", "只能是 PDF、PNG 或 JPEG"),
        (b"%PDF-1.7\nthis is not really a pdf", "无法读取这个 PDF"),
        (b"\x89PNG\r\n\x1a\n broken", "无法读取这张图片"),
    ],
)
def test_a_file_that_is_not_a_readable_pdf_or_image_is_refused_and_nothing_kept(tmp_path, data, sentence) -> None:
    store = SampleStore(tmp_path / "samples")
    with pytest.raises(DomainError) as refused:
        store.save(data)
    assert sentence in refused.value.message and " / " in refused.value.message  # Chinese, then English
    assert refused.value.status == 400
    assert not (tmp_path / "samples").exists() or not list((tmp_path / "samples").iterdir())


def test_too_big_and_too_many_pages_are_refused(tmp_path) -> None:
    data = sample_pdf(3)
    with pytest.raises(DomainError) as big:
        SampleStore(tmp_path, max_bytes=len(data) - 1).save(data)
    assert big.value.status == 413 and "不能超过" in big.value.message
    with pytest.raises(DomainError) as long:
        SampleStore(tmp_path, max_pages=2).save(data)
    assert "最多 2 页" in long.value.message and "this PDF has 3" in long.value.message
    with pytest.raises(DomainError) as huge:
        SampleStore(tmp_path).save(sample_image("PNG", size=(9000, 5000)))
    assert "图片太大" in huge.value.message


def test_a_pdf_page_of_no_form_size_is_refused(tmp_path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 40), "white").save(buffer, "PDF", resolution=72)  # a ribbon, 100 times wider than high
    with pytest.raises(DomainError) as refused:
        SampleStore(tmp_path).save(buffer.getvalue())
    assert "不是表格的尺寸" in refused.value.message and "4000×40" in refused.value.message


def test_the_kind_is_read_from_the_content_not_the_name() -> None:
    assert kind_of(sample_pdf(1)) == "pdf"
    assert kind_of(sample_image("PNG")) == "png"
    assert kind_of(sample_image("JPEG")) == "jpg"
    assert kind_of(sample_image("GIF")) is None
    assert split_file("a" * 64 + ".pdf") == ("a" * 64, "pdf")
    for name in ("../" + "a" * 64 + ".pdf", "a" * 64 + ".pdf/..", "A" * 64 + ".pdf", "a" * 63 + ".pdf", "x.exe"):
        assert split_file(name) is None, name


# ---- the hall file ---------------------------------------------------------------------------------------


def test_the_hall_file_takes_sample_files_and_refuses_wrong_ones() -> None:
    good = {"name": "申请表（样表）", "name_en": "Application form", "file": "a" * 64 + ".pdf"}
    data = hall_dict()
    data["items"][0]["sample_files"] = [good]
    item = load_hall(data).items[0]
    assert item.sample_files == (SampleFile("申请表（样表）", "a" * 64 + ".pdf", "Application form"),)
    assert load_hall(hall_dict()).items[0].sample_files == ()  # optional
    data["items"][0]["sample_files"] = [{**good, "file": "../../hall.db"}, {"name": " ", "file": "b" * 64 + ".png"}]
    with pytest.raises(ConfigError) as wrong:
        load_hall(data)
    text = "\n".join(wrong.value.problems)
    assert "items[0].sample_files[0].file" in text and "SHA-256" in text
    assert "items[0].sample_files[1].name" in text
    data["items"][0]["sample_files"] = [good, {**good, "name": "又一份"}]
    with pytest.raises(ConfigError) as twice:
        load_hall(data)
    assert "同一样表文件列出了两次" in "\n".join(twice.value.problems)


# ---- the API ---------------------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path, clock):
    """A server whose first item offers a 2-page PDF and a PNG sample (stored as an upload would store them)."""
    store = SampleStore(tmp_path / "samples")
    pdf, png = store.save(sample_pdf(2)), store.save(sample_image("PNG"))
    samples = (SampleFile("出生登记申报表（样表）", pdf.file, "Birth form (sample)"), SampleFile("承诺书", png.file))
    config = with_samples(make_config(), "HJ-01", samples)
    app = create_app({"HALL_CONFIG": config, "DATA_DIR": tmp_path, "CLOCK": clock, "TESTING": True})
    yield app, pdf, png
    app.extensions["hallq"].close()


def test_the_items_guide_lists_its_samples_and_their_pages_are_served(served) -> None:
    app, pdf, png = served
    client = app.test_client()
    item = client.get("/api/v1/items/HJ-01").get_json()
    assert [s["file"] for s in item["sample_files"]] == [pdf.file, png.file]
    assert item["sample_files"][0]["name_en"] == "Birth form (sample)"
    answer = client.get(f"/api/v1/samples/{pdf.sha}/pages")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-cache"
    assert answer.get_json() == {
        "sha": pdf.sha,
        "file": pdf.file,
        "kind": "pdf",
        "name": "出生登记申报表（样表）",
        "name_en": "Birth form (sample)",
        "pages": 2,
    }
    page = client.get(f"/api/v1/samples/{pdf.sha}/pages/2")
    assert page.status_code == 200 and page.mimetype == "image/png"
    assert page.data.startswith(b"\x89PNG") and page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "public, max-age=3600" and page.headers["ETag"]
    assert "sandbox" in page.headers["Content-Security-Policy"]
    again = client.get(f"/api/v1/samples/{pdf.sha}/pages/2", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304 and not again.data  # a cache asks again: nothing sent twice
    original = client.get(f"/api/v1/samples/{pdf.sha}/file")
    assert original.mimetype == "application/pdf" and hashlib.sha256(original.data).hexdigest() == pdf.sha
    assert original.headers["Content-Disposition"].startswith("inline")
    image = client.get(f"/api/v1/samples/{png.sha}/file")  # an image: its cleaned page, not the upload
    assert image.mimetype == "image/png" and image.data == client.get(f"/api/v1/samples/{png.sha}/pages/1").data
    missing = client.get(f"/api/v1/samples/{pdf.sha}/pages/3")
    assert missing.status_code == 404 and "没有这一页" in missing.get_json()["message"]


def test_only_what_the_configuration_names_is_served_and_no_path_gets_out(served, tmp_path) -> None:
    app, pdf, _png = served
    client = app.test_client()
    (tmp_path / "samples" / "secret.txt").write_text("not a sample")
    unnamed = SampleStore(tmp_path / "samples").save(sample_pdf(1))  # on disk, named by no item
    for path in (
        f"/api/v1/samples/{unnamed.sha}/pages",
        f"/api/v1/samples/{unnamed.sha}/pages/1",
        f"/api/v1/samples/{'f' * 64}/file",
        "/api/v1/samples/..%2F..%2Fhall.db/file",
        "/api/v1/samples/../../hall.db/file",
        "/api/v1/samples/%2e%2e/file",
        "/api/v1/samples/secret.txt/file",
        f"/api/v1/samples/{pdf.sha}%2F..%2F..%2Fhall.db/file",
        f"/api/v1/samples/{pdf.sha}.pdf/file",
        f"/api/v1/samples/{pdf.sha.upper()}/file",
        f"/api/v1/samples/{pdf.sha}/pages/..%2F1",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.is_json and r.get_json()["message"], path  # a sentence, never a file
        assert b"SQLite" not in r.data and b"not a sample" not in r.data, path
    r = client.get(f"/api/v1/samples/{unnamed.sha}/pages")
    assert "没有这份样表" in r.get_json()["message"]


def test_a_removed_sample_is_no_longer_served(served) -> None:
    app, pdf, png = served
    client = app.test_client()
    assert client.get(f"/api/v1/samples/{pdf.sha}/pages/1").status_code == 200
    service = app.extensions["hallq"]
    service.reconfigure(with_samples(service.config, "HJ-01", service.config.item("HJ-01").sample_files[1:]), 2)
    assert client.get(f"/api/v1/samples/{pdf.sha}/pages/1").status_code == 404
    assert client.get(f"/api/v1/samples/{pdf.sha}/file").status_code == 404
    assert [s["file"] for s in client.get("/api/v1/items/HJ-01").get_json()["sample_files"]] == [png.file]


def test_the_openapi_document_names_the_sample_calls(served) -> None:
    app, _pdf, _png = served
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/samples/{sha}/pages", "/api/v1/samples/{sha}/pages/{page}", "/api/v1/samples/{sha}/file"):
        assert set(paths[path]) == {"get"}, path
    assert [p["name"] for p in paths["/api/v1/samples/{sha}/pages/{page}"]["get"]["parameters"]] == ["sha", "page"]
