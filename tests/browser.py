"""Helpers for the console's browser tests (headless Chromium, the `browser` fixture of tests/server/conftest.py):
the test app on a real port, a signed-in console page, a form submitted, a screenshot or a PDF's first page saved
under tests/_shots/ (or $HALLQ_SHOTS) to look at.

A test module takes the `url` fixture by importing it: ``from tests.browser import url  # noqa: F401``."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SHOTS = Path(os.environ.get("HALLQ_SHOTS") or Path(__file__).resolve().parent / "_shots")
CONSOLE_VIEWPORT = {"width": 1366, "height": 768}


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """The test app on a real port (threads), for Chromium; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def url(app: Any) -> Iterator[str]:
    """The test's `app` served on a real port for the whole test."""
    with serve(app) as base:
        yield base


def shot(page: Any, name: str, full: bool = True) -> Path:
    """tests/_shots/<name>.png, once the bundled CJK font has loaded (a page without it would show boxes)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready.then(() => true)")
    assert page.evaluate("document.fonts.check('14px \"HallQ CJK\"')"), "the CJK font did not load"
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def sign_in(page: Any, url: str, staff: str, pin: str = "1234") -> None:
    """Sign `staff` in on the console's login page, in this page."""
    page.goto(f"{url}/console/login")
    page.fill("input[name=staff]", staff)
    page.fill("input[name=pin]", pin)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def console_page(browser: Any, url: str, staff: str, pin: str = "1234", **options: Any) -> Any:
    """A new console-sized page that accepts every confirm() and is signed in as `staff`; `options` go to
    new_page (``bypass_csp=True`` for wait_for_function strings)."""
    page = browser.new_page(viewport=CONSOLE_VIEWPORT, **options)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, url, staff, pin)
    return page


def submit(page: Any, form: str, button: str = "button[type=submit]") -> None:
    """Click the form's button and wait for the page it leads to."""
    page.click(f"{form} {button}")
    page.wait_for_load_state()


def pdf_to_png(data: bytes, name: str) -> Path:
    """The PDF's first page as tests/_shots/<name>.png (pdftoppm), to look at; skips the test without poppler."""
    assert data.startswith(b"%PDF"), data[:200]
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SHOTS / f"{name}.pdf"
    pdf.write_bytes(data)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is missing")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(pdf.with_suffix(""))],
        check=True,
    )
    pdf.unlink()
    return pdf.with_suffix(".png")
