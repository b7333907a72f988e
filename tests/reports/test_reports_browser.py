"""统计报表 in headless Chromium against a real server holding two weeks of the demo hall's history: the manager
opens a report with its chart, downloads its Excel file; the test opens the file with openpyxl and checks its
numbers against the page. Screenshot: tests/_shots/reports.png."""

from __future__ import annotations

import datetime as dt
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


VIEWS = (("volumes", "service"), ("waits", "hour"), ("windows", "window"), ("quality", "window"))


def _page_table(page) -> tuple[list[str], list[list[str]]]:  # noqa: ANN001
    cols = page.eval_on_selector(
        "#report-table tbody tr[data-key]", "tr => [...tr.querySelectorAll('[data-col]')].map(td => td.dataset.col)"
    )
    rows = page.eval_on_selector_all(
        "#report-table tbody tr[data-key]",
        "trs => trs.map(tr => [tr.children[0].textContent.trim(), ...[...tr.querySelectorAll('[data-col]')].map(td => td.dataset.value)])",
    )
    return cols, rows


def _same(page_value: str, cell: object) -> bool:
    if page_value == "":
        return cell is None
    if isinstance(cell, dt.timedelta):
        return abs(cell.total_seconds() - float(page_value)) <= 1
    return abs(float(cell) - float(page_value)) <= 1e-6 * max(1.0, abs(float(page_value)))  # type: ignore[arg-type]


@pytest.mark.parametrize(("view", "cut"), VIEWS)
def test_each_report_chart_and_excel(tmp_path: Path, history_dir: Path, browser, view: str, cut: str) -> None:  # noqa: ANN001
    """Volumes, waits, windows and clerks, service quality: each drawn with its chart, its Excel file holding the
    page's numbers cell for cell. Screenshots: tests/_shots/report-<view>.png."""
    data = tmp_path / "data"
    shutil.copytree(history_dir, data)
    first = (END - dt.timedelta(days=8)).isoformat()  # the event log's days: pauses show
    with LiveServer(data) as server:
        page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True, bypass_csp=True)
        page.goto(f"{server.url}/console/login")
        page.fill("input[name=staff]", "9001")
        page.fill("input[name=pin]", "1234")
        page.click("form button[type=submit]")
        page.goto(f"{server.url}/console/reports?from={first}&to={END.isoformat()}&cut={cut}&view={view}")
        page.wait_for_selector("#report-chart[data-drawn='1'] svg")
        assert page.get_attribute(f".report-views a[data-view={view}]", "aria-current") == "page"
        series = page.evaluate("JSON.parse(document.getElementById('report-option').textContent).series.length")
        assert series >= 2
        cols, rows = _page_table(page)
        assert len(rows) >= 3
        if view == "waits":
            page.wait_for_selector("#heat-chart[data-drawn='1'] svg")
            assert page.evaluate("""document.fonts.check('12px "HallQ CJK"', '周一')""")
            fonts = page.eval_on_selector_all(
                "#heat-chart svg text",
                "ts => ts.filter(t => /^周[一二三四五六日]$/.test(t.textContent)).map(t => t.getAttribute('style') + ' ' + (t.getAttribute('font-family') || ''))",
            )
            assert fonts and all("HallQ CJK" in f for f in fonts), fonts
            assert "wait_p90" in cols and "within" in cols
        if view == "windows":
            assert {"utilisation", "pauses", "pause_s", "transfers_out"} <= set(cols)
            assert sum(int(r[cols.index("pauses") + 1]) for r in rows) > 0
            assert page.locator("#pause-table tbody tr").count() > 0
        if view == "quality":
            assert {"satisfaction", "on_time_rate", "overdue", "complaints"} <= set(cols)
            assert page.locator("#quality-table tr").count() >= 10
            assert "按期办结率" in page.inner_text("#quality-table")
        if view == "volumes":
            assert cols[:2] == ["issued", "served"] and "wait_p90" not in cols
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("document.fonts.ready.then(() => true)")
        page.screenshot(path=str(SHOTS / f"report-{view}.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#export-xlsx")
        assert info.value.suggested_filename.startswith(f"report-{view}-{cut}-")
        book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
        sheet = book["报表 Report"]
        assert sheet.max_column == len(cols) + 1
        cells = list(sheet.iter_rows(min_row=3, values_only=True))
        assert [c[0] for c in cells] == [r[0] for r in rows]
        for cell_row, page_row in zip(cells, rows, strict=True):
            for i, col in enumerate(cols, start=1):
                assert _same(page_row[i], cell_row[i]), (view, page_row[0], col, page_row[i], cell_row[i])
        if view == "windows":
            total = rows[-1]  # the total row: every window's pauses
            assert total[0] == "合计 Total"
            assert sum(r[2] for r in book["暂停 Pauses"].iter_rows(min_row=2, values_only=True)) == int(
                total[cols.index("pauses") + 1]
            )
        if view == "quality":
            q = {r[0]: r[1] for r in book["服务质量 Quality"].iter_rows(min_row=2, values_only=True)}
            shown = page.eval_on_selector_all(
                "#quality-table tr",
                "trs => trs.map(tr => [tr.children[0].textContent.trim(), tr.children[1].dataset.value])",
            )
            for name, value in shown:
                assert _same(value, q[name]), (name, value, q[name])
        page.close()
