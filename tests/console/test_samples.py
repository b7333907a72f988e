"""An item's sample forms as files in the console (填写样表, issue 11): the manager uploads a PDF or an image on the
item's page (CSRF, the permission table), bad and too-big files are refused with a sentence, each upload or
removal is a new configuration version with its diff, in effect at once (the items' answer, the samples' API);
and in headless Chromium a manager uploads a PDF that the kiosk's API then lists."""

from __future__ import annotations

import io
import re
import tomllib

import pytest

from core import permissions
from tests.console.conftest import STAFF, Console, hall_app
from tests.server.test_samples import sample_image, sample_pdf

CODE = "HJ-01"
ITEM_PAGE = f"/console/config/items/{CODE}"


@pytest.fixture
def app(tmp_path, clock, hall_file):
    with hall_app(str(hall_file), tmp_path / "data", clock) as app:
        yield app


def upload(c: Console, data: bytes, filename: str, name: str = "", name_en: str = "", csrf: bool = True):
    form = {"file": (io.BytesIO(data), filename), "name": name, "name_en": name_en, "back": ITEM_PAGE}
    return c.post(f"{ITEM_PAGE}/samples", form, csrf=csrf, content_type="multipart/form-data")


def current_version(c: Console) -> int:
    found = re.search(r'id="current-version">(\d+)<', c.get("/console/config").get_data(as_text=True))
    assert found
    return int(found.group(1))


def test_a_pdf_uploaded_on_the_item_page_is_a_new_version_and_reaches_the_api_at_once(app, tmp_path) -> None:
    c = Console(app).sign_in(STAFF["manager"])
    assert 'id="sample-form"' in c.get(ITEM_PAGE).get_data(as_text=True)
    r = upload(c, sample_pdf(2), "出生登记申报表.pdf", "出生登记申报表（样表）", "Birth form (sample)")
    assert "已上传样表“出生登记申报表（样表）”（2 页），已保存为版本 2" in c.flash(r)
    samples = c.get(f"/api/v1/items/{CODE}").get_json()["sample_files"]  # what the kiosk reads
    assert len(samples) == 1 and samples[0]["name_en"] == "Birth form (sample)"
    sha = samples[0]["file"].removesuffix(".pdf")
    assert c.get(f"/api/v1/samples/{sha}/pages").get_json()["pages"] == 2
    assert c.get(f"/api/v1/samples/{sha}/pages/2").mimetype == "image/png"
    assert (tmp_path / "data" / "samples" / f"{sha}.pdf").is_file()
    version = c.get("/console/config/versions/2").get_data(as_text=True)
    diff = version.split('id="diff"')[1].split("</pre>")[0]
    assert "sample_files" in diff and sha in diff  # the change, with its diff
    page = c.get(ITEM_PAGE).get_data(as_text=True)
    row = page.split(f'data-file="{sha}.pdf"')[1].split("</tr>")[0]
    assert f"/api/v1/samples/{sha}/pages/1" in row and '<td class="pages">2</td>' in row
    changed = [r for r in c.service.audit_log(limit=10) if r["action"] == "config.changed"]
    assert changed and changed[0]["staff"] == STAFF["manager"]


def test_a_png_and_a_jpeg_are_taken_the_name_defaulting_to_the_files(app) -> None:
    c = Console(app).sign_in(STAFF["admin"])
    assert "版本 2" in c.flash(upload(c, sample_image("PNG"), "承诺书样表.png"))
    assert "版本 3" in c.flash(upload(c, sample_image("JPEG"), "scan.jpeg", "委托书（样表）"))
    samples = c.get(f"/api/v1/items/{CODE}").get_json()["sample_files"]
    assert [(s["name"], s["file"][-4:]) for s in samples] == [("承诺书样表", ".png"), ("委托书（样表）", ".jpg")]
    again = c.flash(upload(c, sample_image("PNG"), "again.png", "同一份"))
    assert "本事项已有这份样表" in again
    assert current_version(c) == 3


@pytest.mark.parametrize(
    ("data", "filename", "sentence"),
    [
        (b"<html><script>alert(1)</script></html>", "form.pdf", "只能是 PDF、PNG 或 JPEG"),
        (b"GIF89a....", "form.png", "只能是 PDF、PNG 或 JPEG"),
        (b"%PDF-1.7 broken", "form.pdf", "无法读取这个 PDF"),
        (b"", "", "请选择要上传的样表文件"),
    ],
)
def test_a_file_that_is_not_a_pdf_or_image_is_refused_with_a_sentence(app, tmp_path, data, filename, sentence) -> None:
    c = Console(app).sign_in(STAFF["manager"])
    said = c.flash(upload(c, data, filename, "样表"))
    assert sentence in said and "/ " in said  # Chinese, then English
    assert current_version(c) == 1
    assert c.get(f"/api/v1/items/{CODE}").get_json()["sample_files"] == []
    samples = tmp_path / "data" / "samples"
    assert not samples.exists() or not [p for p in samples.iterdir() if p.is_file()]


def test_a_file_over_the_limit_is_refused_with_a_sentence(tmp_path, clock, hall_file) -> None:
    with hall_app(str(hall_file), tmp_path / "data", clock, SAMPLE_MAX_BYTES=4096) as app:
        c = Console(app).sign_in(STAFF["manager"])
        near = upload(c, sample_pdf(1) + b"\n" * 4096, "big.pdf", "大样表")  # a little over: the store says so
        assert "样表文件不能超过 4 KB。 / A sample form's file may be at most 4 KB." in c.flash(near).replace(
            "&#39;", "'"
        )
        assert "不超过 4 KB" in c.get(ITEM_PAGE).get_data(as_text=True)  # the page says the limit beforehand
        far = upload(c, b"%PDF-" + b"0" * (600 * 1024), "huge.pdf", "巨大")  # far over: refused before it is read
        assert far.status_code == 303 and far.headers["Location"].endswith(ITEM_PAGE)
        assert "不能超过 4 KB" in c.flash(far)
        assert current_version(c) == 1


def test_an_upload_without_its_csrf_token_is_refused(app) -> None:
    c = Console(app).sign_in(STAFF["manager"])
    r = upload(c, sample_pdf(1), "form.pdf", "样表", csrf=False)
    assert r.status_code == 400 and "安全令牌" in r.get_data(as_text=True)
    assert current_version(c) == 1


@pytest.mark.parametrize("role", sorted(STAFF))
def test_who_may_upload_and_remove_is_the_permission_tables(app, role) -> None:
    c = Console(app).sign_in(STAFF[role])
    member = c.service.config.staff_member(STAFF[role])
    console_role = permissions.console_role(member.role, bool(c.service.config.headed_by(member.code))) or ""
    allowed = permissions.may(console_role, "act.edit_config")
    r = upload(c, sample_pdf(1), "form.pdf", "样表")
    assert r.status_code == (303 if allowed else 403), (role, r.status_code)
    removed = c.post(f"{ITEM_PAGE}/samples/{'a' * 64}/remove", {"back": ITEM_PAGE})
    assert (removed.status_code == 403) is (not allowed), role
    if permissions.may(console_role, "page.config"):
        page = c.get(ITEM_PAGE).get_data(as_text=True)
        assert ('id="sample-form"' in page) is allowed and ("remove-sample" in page) is allowed


def test_a_removed_sample_disappears_and_a_restore_brings_it_back(app, tmp_path) -> None:
    c = Console(app).sign_in(STAFF["manager"])
    c.flash(upload(c, sample_pdf(1), "a.pdf", "申请表（样表）"))
    c.flash(upload(c, sample_image("PNG"), "b.png", "承诺书（样表）"))
    first, second = (s["file"] for s in c.get(f"/api/v1/items/{CODE}").get_json()["sample_files"])
    sha = first.removesuffix(".pdf")
    said = c.flash(c.post(f"{ITEM_PAGE}/samples/{sha}/remove", {"back": ITEM_PAGE}))
    assert "已删除样表“申请表（样表）”，已保存为版本 4" in said
    assert [s["file"] for s in c.get(f"/api/v1/items/{CODE}").get_json()["sample_files"]] == [second]
    gone = c.get(f"/api/v1/samples/{sha}/pages")
    assert gone.status_code == 404 and "没有这份样表" in gone.get_json()["message"]
    assert f'data-file="{first}"' not in c.get(ITEM_PAGE).get_data(as_text=True)
    exported = tomllib.loads(c.get("/console/config/versions/4/export").get_data(as_text=True))
    assert [s["file"] for s in exported["items"][0]["sample_files"]] == [second]
    assert (tmp_path / "data" / "samples" / first).is_file()  # kept: version 3 still names it
    assert "已保存为版本 5" in c.flash(c.post("/console/config/versions/3/restore", {}))
    assert c.get(f"/api/v1/samples/{sha}/pages").status_code == 200
    unknown = c.post(f"{ITEM_PAGE}/samples/{'f' * 64}/remove", {"back": ITEM_PAGE})
    assert "没有这份样表" in c.flash(unknown)


def test_the_director_sees_the_samples_but_no_upload_form(app) -> None:
    c = Console(app).sign_in(STAFF["manager"])
    c.flash(upload(c, sample_pdf(1), "a.pdf", "申请表（样表）"))
    page = Console(app).sign_in(STAFF["director"]).get(ITEM_PAGE).get_data(as_text=True)
    assert "申请表（样表）" in page and 'id="sample-form"' not in page and "remove-sample" not in page


def test_a_manager_uploads_a_pdf_in_the_browser_and_the_kiosk_api_lists_it(tmp_path, browser) -> None:
    import requests

    from tests.browser import shot, sign_in
    from tests.live import LiveServer

    pdf = tmp_path / "出生登记申报表.pdf"
    pdf.write_bytes(sample_pdf(2))
    with LiveServer(tmp_path / "server") as server:
        assert requests.get(f"{server.url}/api/v1/items/HJ01", timeout=5).json()["sample_files"] == []
        page = browser.new_page(viewport={"width": 1366, "height": 900}, bypass_csp=True)
        sign_in(page, server.url, "9001")
        page.wait_for_selector("#who")
        page.goto(f"{server.url}/console/config/items/HJ01")
        page.set_input_files("#sample-form input[name=file]", str(pdf))
        page.fill("#sample-form input[name=name]", "出生登记申报表（填写样表）")
        page.fill("#sample-form input[name=name_en]", "Birth registration form (sample)")
        page.click("#sample-form button[type=submit]")
        page.wait_for_selector("#flash .flash.ok")
        assert "已上传样表" in page.text_content("#flash") and "2 页" in page.text_content("#flash")
        item = requests.get(f"{server.url}/api/v1/items/HJ01", timeout=5).json()  # what the kiosk reads
        assert [s["name"] for s in item["sample_files"]] == ["出生登记申报表（填写样表）"]
        sha = item["sample_files"][0]["file"].removesuffix(".pdf")
        assert requests.get(f"{server.url}/api/v1/samples/{sha}/pages", timeout=5).json()["pages"] == 2
        image = requests.get(f"{server.url}/api/v1/samples/{sha}/pages/1", timeout=5)
        assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
        page.goto(f"{server.url}/console/config/items/HJ01")
        page.wait_for_function("document.querySelector('#samples img')?.naturalWidth > 0")  # the first page drawn
        page.evaluate("document.querySelector('#samples-heading').scrollIntoView()")
        shot(page, "console_config_item_samples", full=False)
        page.close()
