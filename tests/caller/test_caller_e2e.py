"""End to end: a kiosk path and two callers against a real `hallq serve` process (the demo hall)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from caller.signin import SignInPresenter
from caller.slips import SlipOutput, window_slip
from caller.window import WindowPresenter
from client.api import HttpHallApi, Session
from hardware.printer import FakePrinter, PrintOptions, PrintWorker
from tests.live import LiveServer


def sign_in(url: str, window: int) -> WindowPresenter:
    api = HttpHallApi(url)
    sessions: list[Session] = []
    SignInPresenter(api, window, on_signed_in=sessions.append).submit(str(1000 + window), "1234")
    presenter = WindowPresenter(api, window, sessions[0])
    presenter.start()
    return presenter


def print_slip(presenter: WindowPresenter, case: dict[str, object], printer: FakePrinter) -> str:
    slip = window_slip(presenter, case, dt.date.today())
    assert slip is not None
    done = threading.Event()
    messages: list[str] = []
    worker = PrintWorker(printer)
    output = SlipOutput(worker, Path("unused"))
    output.deliver(slip, lambda message: (messages.append(message.zh), done.set()), lambda job: job())
    assert done.wait(10)
    worker.close()
    return messages[0]


def test_call_transfer_and_finish_incomplete_with_a_printed_slip(tmp_path: Path) -> None:
    with LiveServer(tmp_path / "server") as server:
        kiosk = HttpHallApi(server.url)
        ticket = kiosk.issue("household", item="HJ02")
        first, second = sign_in(server.url, 1), sign_in(server.url, 2)

        first.call_next()
        assert first.current_number == ticket["number"]
        second.call_next()  # nobody else waits: window 2 gets nothing
        assert second.current_number == ""

        first.transfer("需2号窗口复核迁入材料", window=2)
        assert "2 号窗口" in first.message.zh  # type: ignore[union-attr]
        assert first.current is None
        second.refresh()
        assert second.view().next_numbers.startswith(ticket["number"])  # jumped the queue there

        second.call_next()
        assert second.current_number == ticket["number"]
        form = second.finish_form()
        form.choose_case_type("补办件")
        form.toggle_material_at(1)
        form.toggle_material_at(2)
        assert form.validate() is None
        finished: list[dict[str, object]] = []
        second.on_finished = lambda request, case, t: finished.append(case)
        second.finish(form.request())
        case = finished[0]
        assert case["case_type"] == "incomplete" and case["staff"] == "1002"

        printer = FakePrinter(PrintOptions(paper_mm=80, mode="gb18030"))
        assert "已打印" in print_slip(second, case, printer)
        printed = printer.jobs[0]
        for material in ("迁入地住所证明", "亲属关系证明"):
            assert material.encode("gb18030") in printed
        assert "补办件一次性告知单".encode("gb18030") in printed

        first.refresh()  # 首问负责: the referring clerk still sees it, now done at window 2
        referred = first.view().referred
        assert len(referred) == 1 and "2号窗口" in referred[0].text and "已办结" in referred[0].text


def test_caller_goes_offline_during_a_restart_and_comes_back(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "server").start()
    try:
        kiosk = HttpHallApi(server.url)
        kiosk.issue("household")
        presenter = sign_in(server.url, 1)
        server.kill()
        presenter.call_next()
        assert presenter.online is False and presenter.current is None
        server = LiveServer(tmp_path / "server", port=server.port).start()
        presenter.probe()
        assert presenter.online is True
        presenter.call_next()
        assert presenter.current_number == "A001"
    finally:
        server.stop()
