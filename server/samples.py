"""Sample forms' files (填写样表, issue 11): stored by content under the data directory, PDF pages rendered once.

Where they live: DATA_DIR/samples/ (0700), each upload as

- ``<sha256>.<pdf|png|jpg>`` — the file as uploaded (0600), its name the SHA-256 of its bytes (an image's is
  never served: its EXIF may say where and with what it was taken; the API serves its cleaned page instead);
- ``<sha256>/<n>.png`` — its pages as PNG images, n from 1 (a PDF rendered by pypdfium2 at upload, an image
  re-encoded: EXIF and other metadata dropped, turned upright, at most PAGE_WIDTH wide).

The kind is judged by the first bytes (core.samples.kind_of), never by the file's name; a file too big, of
another kind, unreadable or with too many pages is refused with a sentence and nothing is kept. Files are never
deleted: every configuration version that names one stays restorable, and the same bytes uploaded again are the
same file. What the hall offers (and the API serves) is only what the current configuration names.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core import samples as rules
from core.tickets import DomainError

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

PAGE_WIDTH = 1240  # px: an A4 page at 150 dpi, wider than the kiosk's 1080 px portrait screen
MAX_PAGE_SIDE = 3508  # px: no page image is longer than an A4 page's height at 150 dpi
MAX_IMAGE_PIXELS = 40_000_000  # an uploaded image larger than this is refused before it is decoded
DEFAULT_MAX_PAGES = 20
_PAGE = re.compile(r"(\d+)\.png")
_render_lock = threading.Lock()  # pdfium is not thread-safe: one rendering at a time


@dataclass(frozen=True)
class StoredSample:
    file: str  # "<sha256>.pdf"
    sha: str
    kind: str
    pages: int


def refused(message: str, code: str = "bad_sample", status: int = 400) -> DomainError:
    return DomainError(code, message, status)


class SampleStore:
    def __init__(self, root: Path, max_bytes: int = rules.DEFAULT_MAX_BYTES, max_pages: int = DEFAULT_MAX_PAGES):
        self.root = Path(root)
        self.max_bytes, self.max_pages = int(max_bytes), int(max_pages)
        self._counts: dict[str, int] = {}
        self._saving = threading.Lock()  # uploads are rare: one at a time, so two of the same bytes never race

    # ---- storing ---------------------------------------------------------------------------------

    def save(self, data: bytes) -> StoredSample:
        """Check, render and keep an uploaded file; DomainError (400) with a sentence when it is refused."""
        if not data:
            raise refused(rules.EMPTY, "no_file")
        if len(data) > self.max_bytes:
            raise refused(rules.too_big(self.max_bytes), "sample_too_big", 413)
        kind = rules.kind_of(data)
        if kind is None:
            raise refused(rules.NOT_A_SAMPLE, "not_a_sample")
        sha = hashlib.sha256(data).hexdigest()
        name = rules.file_name(sha, kind)
        with self._saving:
            if self.original(sha) is not None and self.page_count(sha) > 0:
                return StoredSample(name, sha, kind, self.page_count(sha))  # the same bytes again: the same file
            pages = self._render_pdf(data) if kind == "pdf" else [self._render_image(data)]
            self._make_root()
            self._keep_pages(sha, pages)
            self._write(self.root / name, data)
        return StoredSample(name, sha, kind, len(pages))

    def _render_pdf(self, data: bytes) -> list[bytes]:
        import pypdfium2 as pdfium

        with _render_lock:
            try:
                pdf = pdfium.PdfDocument(data)
            except pdfium.PdfiumError:
                raise refused(
                    "无法读取这个 PDF（文件已损坏或设有密码）。 / This PDF cannot be read (it is damaged or has a"
                    " password).",
                    "unreadable_sample",
                ) from None
            try:
                count = len(pdf)
                if count == 0:
                    raise refused("这个 PDF 没有页面。 / This PDF has no pages.", "unreadable_sample")
                if count > self.max_pages:
                    raise refused(
                        f"样表最多 {self.max_pages} 页，这个 PDF 有 {count} 页。"
                        f" / A sample form may have at most {self.max_pages} pages; this PDF has {count}.",
                        "sample_too_long",
                    )
                pages = []
                for index in range(count):
                    page = pdf[index]
                    width, height = page.get_size()
                    if min(width, height) < 72 or max(width, height) / min(width, height) > 20:
                        raise refused(
                            f"PDF 第 {index + 1} 页的尺寸不是表格的尺寸（{width:.0f}×{height:.0f} 点）。"
                            f" / Page {index + 1} of the PDF is not the size of a form ({width:.0f}×{height:.0f} pt).",
                            "unreadable_sample",
                        )
                    scale = min(PAGE_WIDTH / width, MAX_PAGE_SIDE / height)
                    try:
                        pages.append(_png(page.render(scale=scale).to_pil()))
                    except (pdfium.PdfiumError, ValueError, OSError):
                        raise refused(
                            f"无法显示 PDF 的第 {index + 1} 页。 / Page {index + 1} of the PDF cannot be rendered.",
                            "unreadable_sample",
                        ) from None
                    finally:
                        page.close()
                return pages
            finally:
                pdf.close()

    def _render_image(self, data: bytes) -> bytes:
        from PIL import Image, ImageOps, UnidentifiedImageError

        unreadable = refused(
            "无法读取这张图片（文件已损坏）。 / This image cannot be read (it is damaged).", "bad_image"
        )
        try:
            with Image.open(io.BytesIO(data)) as opened:
                width, height = opened.size  # from the header: nothing decoded yet
                if width * height > MAX_IMAGE_PIXELS:
                    raise refused(
                        f"图片太大（{width}×{height} 像素），请缩小后再上传。"
                        f" / The image is too large ({width}×{height} pixels); make it smaller and upload it again.",
                        "sample_too_big",
                    )
                opened.load()
                image = ImageOps.exif_transpose(opened)
        except DomainError:
            raise
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise unreadable from None
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
        image.thumbnail((PAGE_WIDTH, MAX_PAGE_SIDE))
        return _png(image)

    def _make_root(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root.chmod(0o700)

    def _keep_pages(self, sha: str, pages: list[bytes]) -> None:
        target = self.root / sha
        if target.is_dir():
            shutil.rmtree(target)  # pages left by an upload that did not finish: made again
        temp = Path(tempfile.mkdtemp(prefix=".pages-", dir=self.root))  # 0700
        try:
            for number, png in enumerate(pages, start=1):
                self._write(temp / f"{number}.png", png)
            os.replace(temp, target)
        except OSError:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        self._counts.pop(sha, None)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        """The whole file or none of it, readable by the server's user only."""
        fd, temp = tempfile.mkstemp(prefix=".upload-", dir=path.parent)  # 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    # ---- reading ---------------------------------------------------------------------------------

    def original(self, sha: str) -> Path | None:
        """The uploaded file of this content, if kept here."""
        if not rules.is_sha(sha):
            return None
        for kind in rules.CONTENT_TYPES:
            path = self.root / rules.file_name(sha, kind)
            if path.is_file():
                return path
        return None

    def page_count(self, sha: str) -> int:
        """How many page images the sample has (0: none kept)."""
        if not rules.is_sha(sha):
            return 0
        if sha not in self._counts:
            folder = self.root / sha
            if not folder.is_dir():
                return 0
            self._counts[sha] = sum(1 for entry in folder.iterdir() if _PAGE.fullmatch(entry.name))
        return self._counts[sha]

    def page(self, sha: str, number: int) -> Path | None:
        if not 1 <= number <= self.page_count(sha):
            return None
        return self.root / sha / f"{number}.png"


def _png(image: PilImage) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def sample_store() -> SampleStore:
    """The app's sample files, under its data directory (settings: SAMPLE_MAX_BYTES, SAMPLE_MAX_PAGES)."""
    from flask import current_app

    found = current_app.extensions.get("hallq.samples")
    if found is None:
        config = current_app.config
        found = SampleStore(
            Path(config["DATA_DIR"] or "hallq-data") / "samples",
            max_bytes=int(config.get("SAMPLE_MAX_BYTES") or rules.DEFAULT_MAX_BYTES),
            max_pages=int(config.get("SAMPLE_MAX_PAGES") or DEFAULT_MAX_PAGES),
        )
        current_app.extensions["hallq.samples"] = found
    return found
