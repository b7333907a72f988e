"""统计报表 in headless Chromium against a real server holding two weeks of the demo hall's history: the manager
opens a report with its chart, downloads its Excel file; the test opens the file with openpyxl and checks its
numbers against the page. Screenshot: tests/_shots/reports.png."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.live import LiveServer
from tests.reports.conftest import END

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("HALLQ_SHOTS") or Path(__file__).resolve().parents[1] / "_shots")


def test_report_chart_and_excel(tmp_path: Path, history_dir: Path, browser) -> None:  # noqa: ANN001
    data = tmp_path / "data"
    shutil.copytree(history_dir, data)
    first = END.replace(day=1).isoformat()
    with LiveServer(data) as server:
        page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page.goto(f"{server.url}/console/login")
        page.fill("input[name=staff]", "9001")
        page.fill("input[name=pin]", "1234")
        page.click("form button[type=submit]")
        page.goto(f"{server.url}/console/reports?from={first}&to={END.isoformat()}&cut=service")
        page.wait_for_selector("#report-chart[data-drawn='1'] svg")
        page.wait_for_selector("#heat-chart[data-drawn='1'] svg")
        rows = page.eval_on_selector_all(
            "#report-table tbody tr[data-key]",
            "trs => trs.map(tr => [tr.children[0].textContent.trim(),"
            " tr.querySelector('[data-col=issued]').dataset.value, tr.querySelector('[data-col=served]').dataset.value,"
            " tr.querySelector('[data-col=wait_p90]').dataset.value])",
        )
        assert len(rows) >= 3
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.screenshot(path=str(SHOTS / "reports.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#export-xlsx")
        book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
        sheet = book["报表 Report"]
        assert {"秒 Seconds", "热力图 Heatmap", "口径 Definitions"} <= set(book.sheetnames)
        header = [c.value for c in sheet[2]]
        i_issued, i_served = header.index("取号 Issued"), header.index("办结 Served")
        i_p90 = header.index("等候P90 Wait p90 (s)")
        cells = list(sheet.iter_rows(min_row=3, values_only=True))
        assert [(r[0], r[i_issued], r[i_served]) for r in cells] == [(a, int(b), int(c)) for a, b, c, _ in rows]
        for r, (_, _, _, p90) in zip(cells, rows, strict=True):
            assert round(r[i_p90].total_seconds()) == round(float(p90))
        assert sheet.cell(3, i_p90 + 1).number_format == "[h]:mm:ss"
        page.close()
