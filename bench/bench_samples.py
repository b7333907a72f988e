"""Sample forms (填写样表, issue 11): how long an upload takes to check and render, and how fast a page is served.

- upload: SampleStore.save of a PDF of N A4 pages (pypdfium2 renders each page to a 1240 px PNG) and of a 12 MP
  phone photo (JPEG, turned upright, EXIF dropped, scaled to 1240 px); target: a 10-page PDF within 5 s.
- serving: GET /api/v1/samples/<sha>/pages/<n> through the Flask app in-process (the check that the hall offers
  the sample, then the file); target p99 ≤ 20 ms. The kiosk's client keeps pages after the first fetch.

Run: .venv/bin/python bench/bench_samples.py [--pages 10] [--requests 300]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")

from PIL import Image  # noqa: E402

from core.config import SampleFile  # noqa: E402
from server import create_app  # noqa: E402
from server.samples import SampleStore  # noqa: E402
from tests.factories import make_config  # noqa: E402
from tests.server.test_samples import form_page, sample_pdf, with_samples  # noqa: E402

UPLOAD_TARGET_S = 5.0
SERVE_TARGET_MS = 20.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def photo() -> bytes:
    image = form_page(1, 1, size=(595, 842)).resize((3000, 4000))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = SampleStore(root / "samples", max_bytes=50 * 1024 * 1024, max_pages=max(args.pages, 20))
        pdf = sample_pdf(args.pages)
        started = time.perf_counter()
        stored = store.save(pdf)
        pdf_s = time.perf_counter() - started
        jpeg = photo()
        started = time.perf_counter()
        shot = store.save(jpeg)
        photo_s = time.perf_counter() - started
        print(
            f"upload: PDF {args.pages} pages, {len(pdf) / 1024:.0f} kB → {pdf_s:.2f} s"
            f" ({pdf_s / args.pages * 1000:.0f} ms/page; target {UPLOAD_TARGET_S:.0f} s for 10 pages)"
        )
        with Image.open(store.page(stored.sha, 1)) as first:  # type: ignore[arg-type]
            size = first.size
        page_kb = sum(p.stat().st_size for p in (root / "samples" / stored.sha).iterdir()) / args.pages / 1024
        print(f"        page image {size[0]}×{size[1]} px, {page_kb:.0f} kB average")
        print(f"upload: photo 3000×4000 JPEG, {len(jpeg) / 1024:.0f} kB → {photo_s:.2f} s")

        samples = (SampleFile("样表", stored.file), SampleFile("照片样表", shot.file))
        config = with_samples(make_config(), "HJ-01", samples)
        app = create_app({"HALL_CONFIG": config, "DATA_DIR": root, "TESTING": True})
        try:
            client = app.test_client()
            client.get(f"/api/v1/samples/{stored.sha}/pages/1")  # warm
            times = []
            for n in range(args.requests):
                started = time.perf_counter()
                r = client.get(f"/api/v1/samples/{stored.sha}/pages/{n % args.pages + 1}")
                times.append((time.perf_counter() - started) * 1000)
                assert r.status_code == 200
            p50, p99 = statistics.median(times), percentile(times, 0.99)
            print(
                f"serve:  {args.requests} page requests p50 {p50:.1f} ms, p99 {p99:.1f} ms"
                f" (target p99 ≤ {SERVE_TARGET_MS:.0f} ms) {'OK' if p99 <= SERVE_TARGET_MS else 'SLOW'}"
            )
        finally:
            app.extensions["hallq"].close()
        verdict = "OK" if pdf_s / args.pages * 10 <= UPLOAD_TARGET_S else "SLOW"
        print(f"upload target: {verdict}")


if __name__ == "__main__":
    main()
