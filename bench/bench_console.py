"""The console's live page with 30 windows and a day's traffic: its first render and the event → browser update.

The hall is the demo hall widened to 30 windows (application.history.wider_hall), its day lived through the hall's
own handlers (application.history.generate_history: today's tickets, cases, ratings); then a real server
(`hallq serve`), 30 clerks signed in, tickets waiting, and a manager's console in headless Chromium.

Figures (p50 / p99):
- first render, server: GET /console/live (the whole page, HTML) over HTTP;
- first render, browser: navigation until the panels and the ECharts chart are drawn;
- event → browser update: a clerk's call (POST /api/v1/windows/N/call) until the called number shows in the
  page's window row (EventSource → htmx fragment refresh → swap), timed in the page against the same clock.

Run: .venv/bin/python bench/bench_console.py [--windows 30] [--calls 60] [--renders 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HALLQ_PIN_ITERATIONS", "1000")

import requests  # noqa: E402

from application.history import generate_history, wider_hall  # noqa: E402
from assets import DEMO_HALL  # noqa: E402
from core.config import HallConfig  # noqa: E402
from hallfile import load_hall  # noqa: E402
from tests.live import LiveServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def figures(values: list[float]) -> str:
    return f"p50 {statistics.median(values):7.1f} ms   p99 {pct(values, 99):7.1f} ms   (n={len(values)})"


def wide_hall_file(windows: int, path: Path) -> HallConfig:
    """The demo hall's file with windows (and their clerks) added up to `windows`."""
    demo = load_hall(DEMO_HALL)
    wide = wider_hall(demo, windows)
    known_staff = {s.code for s in demo.staff}
    extra: list[str] = []
    for s in wide.staff:
        if s.code not in known_staff:
            extra += ["[[staff]]", f'code = "{s.code}"', f"name = {json.dumps(s.name, ensure_ascii=False)}"]
            extra += [f'role = "{s.role}"', f'pin = "{s.pin}"', ""]
    for w in wide.windows[len(demo.windows) :]:
        levels = json.dumps([list(level) if len(level) > 1 else level[0] for level in w.levels])
        extra += ["[[windows]]", f"number = {w.number}", f"name = {json.dumps(w.name, ensure_ascii=False)}"]
        extra += [f"services = {levels}", f'staff_a = "{w.staff_a}"']
        extra += [f'staff_b = "{w.staff_b}"' if w.staff_b else "", ""]
    path.write_text(DEMO_HALL.read_text(encoding="utf-8") + "\n" + "\n".join(extra) + "\n", encoding="utf-8")
    config = load_hall(path)
    assert len(config.windows) == windows
    return config


def console_session(url: str, staff: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{url}/console/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    r = s.post(
        f"{url}/console/login",
        data={"staff": staff, "pin": "1234", "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 303, r.text[:500]
    return s


OBSERVER = """
window.__seen = {};
const record = () => {
  const now = performance.timeOrigin + performance.now();
  document.querySelectorAll('#windows tr[data-window]').forEach((tr) => {
    const cell = tr.querySelector('td.current strong');
    if (cell) { const key = tr.dataset.window + ':' + cell.textContent.trim(); if (!(key in window.__seen)) window.__seen[key] = now; }
  });
};
record();
new MutationObserver(record).observe(document.getElementById('panels'), {childList: true, subtree: true});
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=30)
    parser.add_argument("--calls", type=int, default=60, help="calls timed for the event → browser figure")
    parser.add_argument("--renders", type=int, default=40, help="page loads timed for the first-render figures")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="hallq-console-bench-") as tmp:
        hall_file = Path(tmp) / "hall.toml"
        config = wide_hall_file(args.windows, hall_file)
        today = dt.datetime.now(config.tz).date()
        started = time.perf_counter()
        report = generate_history(config, Path(tmp) / "data", 1, end_day=today, pin_iterations=1000)
        print(
            f"{config.name}: {len(config.windows)} windows; today's traffic lived in {time.perf_counter() - started:.1f} s:"
            f" {report.tickets} tickets, {report.served} served, {report.ratings} ratings"
        )
        with LiveServer(Path(tmp) / "data", config=hall_file) as server:
            api = f"{server.url}/api/v1"
            clerks: dict[int, dict[str, str]] = {}
            for w in config.windows:
                r = requests.post(f"{api}/auth/login", json={"staff": w.staff_a, "pin": "1234", "window": w.number})
                clerks[w.number] = {"Authorization": f"Bearer {r.json()['token']}"}
            services = [s.code for s in config.services]
            for i in range(400):
                r = requests.post(f"{api}/tickets", json={"service": services[i % len(services)]}, timeout=10)
                assert r.status_code == 201, r.text
            for n in list(clerks)[: len(clerks) * 2 // 3]:  # most windows have a citizen
                requests.post(f"{api}/windows/{n}/call", headers=clerks[n], timeout=10)

            manager = console_session(server.url, "9001")
            server_ms = []
            for _ in range(args.renders):
                t0 = time.perf_counter()
                r = manager.get(f"{server.url}/console/live", timeout=10)
                server_ms.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200 and 'data-window="30"' in r.text
            size_kb = len(r.content) / 1024
            panels_ms = []
            for _ in range(args.renders):
                t0 = time.perf_counter()
                manager.get(f"{server.url}/console/live/panels", headers={"X-Console-Poll": "1"}, timeout=10)
                panels_ms.append((time.perf_counter() - t0) * 1000)

            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
                context.add_cookies(
                    [{"name": c.name, "value": c.value or "", "url": server.url} for c in manager.cookies]
                )
                page = context.new_page()
                browser_ms = []
                for _ in range(max(5, args.renders // 3)):
                    t0 = time.perf_counter()
                    page.goto(f"{server.url}/console/live")
                    page.wait_for_function(
                        "document.querySelector('#waiting-chart svg') && document.querySelector(\"tr[data-window='30']\")"
                    )
                    browser_ms.append((time.perf_counter() - t0) * 1000)
                page.evaluate(OBSERVER)
                time.sleep(1.0)  # the event stream is open

                update_ms = []
                rng = random.Random(1)
                windows = list(clerks)
                for _ in range(args.calls):
                    n = rng.choice(windows)
                    current = requests.get(f"{api}/windows/{n}", headers=clerks[n], timeout=10).json()["current"]
                    if current:
                        requests.post(f"{api}/windows/{n}/finish", headers=clerks[n], json={}, timeout=10)
                        time.sleep(0.3)  # the finish's own refresh is over
                    t0 = time.time() * 1000
                    r = requests.post(f"{api}/windows/{n}/call", headers=clerks[n], timeout=10)
                    ticket = r.json().get("ticket")
                    if not ticket:
                        continue
                    key = f"{n}:{ticket['number']}"
                    page.wait_for_function(f"'{key}' in window.__seen", timeout=10_000)
                    update_ms.append(page.evaluate(f"window.__seen['{key}']") - t0)
                    time.sleep(rng.uniform(0.05, 0.2))
                browser.close()

        print(f"first render, server  GET /console/live ({size_kb:.0f} KB):  {figures(server_ms)}")
        print(f"panels fragment        GET /console/live/panels:   {figures(panels_ms)}")
        print(f"first render, browser  navigation → panels + chart: {figures(browser_ms)}")
        print(f"event → browser update call → number in the row:   {figures(update_ms)}")


if __name__ == "__main__":
    main()
