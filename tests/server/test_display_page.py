"""The browser hall screen (/display): served by the server, and in headless Chromium following real calls."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from client.api import HttpHallApi, WindowCalls
from tests.live import LiveServer

SHOTS = Path(os.environ.get("HALLQ_SHOTS") or Path(__file__).resolve().parents[1] / "_shots")


def test_display_page_names_the_hall_and_loads_its_script(client) -> None:
    page = client.get("/display")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "测试镇便民服务中心" in html and "Test Town Service Center" in html
    assert "/static/display.js" in html and "/static/display.css" in html
    assert "/static/font.ttf" in html  # Chromium needs the bundled font for Chinese (one font, not a .ttc collection)


@pytest.mark.parametrize("asset", ["display.js", "display.css"])
def test_display_assets_are_served(client, asset) -> None:
    response = client.get(f"/static/{asset}")
    assert response.status_code == 200 and len(response.data) > 500


def test_display_script_follows_the_event_stream_and_shows_a_reconnecting_banner(client) -> None:
    script = client.get("/static/display.js").get_data(as_text=True)
    assert "new EventSource(" in script and "/api/v1/events" in script and "/api/v1/hall" in script
    html = client.get("/display").get_data(as_text=True)
    assert "正在重新连接" in html and "Reconnecting" in html


@pytest.mark.slow
def test_browser_display_shows_a_call_and_reconnects_after_a_crash(tmp_path, browser) -> None:
    with LiveServer(tmp_path / "hall") as server:
        page = browser.new_page(viewport={"width": 1920, "height": 1080}, bypass_csp=True)  # wait_for_function
        page.goto(f"{server.url}/display")
        page.wait_for_selector("#windows tr[data-window='10']")
        public = HttpHallApi(server.url)
        first, second = public.issue("social")["number"], public.issue("social")["number"]
        clerk = HttpHallApi(server.url)
        clerk.login("1003", "1234", 3)
        WindowCalls(clerk, 3).call_next()
        page.wait_for_function(f"document.getElementById('latest-text').textContent.includes('{first}')")
        assert page.text_content("#latest-text") == f"{first} → 3号窗口"
        assert page.text_content("#windows tr[data-window='3'] td.state") == f"请{first}"
        assert page.is_visible("#banner") is False
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "display_browser_call.png"))

        server.kill()
        page.wait_for_selector("#banner", state="visible", timeout=10_000)
        page.screenshot(path=str(SHOTS / "display_browser_reconnecting.png"))
        server.start()
        clerk.login("1003", "1234", 3)
        calls = WindowCalls(clerk, 3)
        calls.no_show()
        calls.call_next()
        page.wait_for_function(
            f"document.getElementById('latest-text').textContent.includes('{second}')", timeout=20_000
        )
        page.wait_for_selector("#banner", state="hidden", timeout=10_000)
        recent = page.locator("#recent li").all_text_contents()
        assert recent == [f"{first} → 3号窗口"]  # nothing missed, nothing twice
        assert requests.get(f"{server.url}/display", timeout=5).ok
        page.close()


LAYOUT_PROBE = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; };
  // each row with the bottom of the box that clips it (a row cut in half is as unreadable as one under the footer)
  const rows = [...document.querySelectorAll("#recent li, #windows tr, #waiting li")].map((el) => ({
    text: el.textContent, ...box(el), clip: box(el.closest(".windows-box, .recent, .left, .right")).bottom }));
  return { footer: box(document.querySelector("footer")), rows, waiting: document.querySelectorAll("#waiting li").length,
           height: window.innerHeight };
}"""


@pytest.mark.slow
def test_at_1080p_every_row_stays_above_the_scrolling_footer(tmp_path, browser) -> None:
    """Issue 9: the last waiting row went under the footer; the reconnecting banner pushed the footer off screen."""
    with LiveServer(tmp_path / "hall") as server:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"{server.url}/display")
        page.wait_for_selector("#windows tr[data-window='10']")
        # a busy moment: nine calls (one now, eight recent, some recalled) on top of the demo hall's 10 windows
        page.evaluate(
            "() => { for (let i = 1; i <= 9; i++) state.recent.push({number: `A00${i}`, window: i, recall: i % 3 === 0});"
            " render(); }"
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        for banner, shot in ((False, "display_browser_1080p.png"), (True, "display_browser_1080p_banner.png")):
            page.evaluate(f"() => {{ document.getElementById('banner').hidden = {str(not banner).lower()}; }}")
            page.wait_for_timeout(100)
            layout = page.evaluate(LAYOUT_PROBE)
            page.screenshot(path=str(SHOTS / shot))
            footer = layout["footer"]
            assert footer["bottom"] <= layout["height"] + 0.5, layout  # the footer stays on screen
            assert layout["waiting"] == 7 and len(layout["rows"]) == 8 + 10 + 7  # every row is there…
            low = [r for r in layout["rows"] if r["bottom"] > min(footer["top"], r["clip"]) + 0.5]
            assert not low, f"rows under the footer or cut (banner={banner}): {low}; footer {footer}"  # …and whole
        page.close()
