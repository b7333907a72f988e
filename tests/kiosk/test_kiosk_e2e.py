"""End to end against a real `hallq serve` process: the kiosk's path prints a ticket, the pad's path records a rating."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import requests

from client.api import HttpHallApi, WindowCalls
from client.events import wait_until
from hardware.printer import FakePrinter, PrintOptions, PrintWorker
from kiosk.pad import PadPresenter
from kiosk.presenters import KioskPresenter
from tests.live import LiveServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with LiveServer(tmp_path_factory.mktemp("kiosk-e2e")) as live:
        yield live


def take_printed_ticket(server: LiveServer, printer: FakePrinter, service: str, with_item: bool) -> KioskPresenter:
    """A citizen at the kiosk takes a ticket of `service` (its first item if `with_item`); it is printed."""
    with PrintWorker(printer) as worker:
        kiosk = KioskPresenter(HttpHallApi(server.url), public_url=server.url, printer=worker)
        kiosk.start()
        kiosk.choose_service(service)
        if with_item:
            kiosk.choose_item(kiosk.items[0]["code"])
        kiosk.take_ticket()
        assert kiosk.ticket is not None
        assert wait_until(lambda: kiosk.print_state == "printed", timeout=10)
    return kiosk


def test_the_kiosk_issues_a_ticket_whose_printed_bytes_hold_number_and_qr(server: LiveServer) -> None:
    printer = FakePrinter(PrintOptions(paper_mm=58, mode="image"))
    kiosk = take_printed_ticket(server, printer, "household", with_item=True)
    assert kiosk.ticket is not None
    number, ticket_id = kiosk.ticket["number"], kiosk.ticket["id"]
    payload = f"{server.url}/t/{ticket_id}"
    printed = printer.jobs[0]
    assert payload.encode() in printed  # the printer's own QR command carries the status page address
    assert printer.documents[0].number == number  # image mode: the number is drawn, so check the document too
    page = requests.get(payload, timeout=5)
    assert page.status_code == 200 and number in page.text
    assert requests.get(f"{server.url}/api/v1/tickets/{ticket_id}", timeout=5).json()["number"] == number


def test_gb18030_mode_puts_the_number_in_the_bytes(server: LiveServer) -> None:
    printer = FakePrinter(PrintOptions(paper_mm=80, mode="gb18030"))
    kiosk = take_printed_ticket(server, printer, "general", with_item=False)
    assert kiosk.ticket is not None and kiosk.ticket["number"].encode() in printer.jobs[0]


def test_a_manager_booking_checks_in_at_the_kiosk(server: LiveServer) -> None:
    manager = HttpHallApi(server.url)
    manager.login("9001", "1234", None)
    booking = manager.create_booking("social", dt.date.fromisoformat(manager.hall_state()["day"]))
    kiosk = KioskPresenter(HttpHallApi(server.url), public_url=server.url)
    kiosk.start()
    kiosk.open_check_in()
    kiosk.set_booking_code(booking["code"])
    kiosk.submit_booking()
    assert kiosk.ticket is not None and kiosk.ticket["priority_reason"] == "appointment"


def test_the_pad_records_a_rating_for_the_ticket_finished_at_its_window(server: LiveServer, tmp_path: Path) -> None:
    clerk = HttpHallApi(server.url)
    clerk.login("1003", "1234", 3)
    pad = PadPresenter(HttpHallApi(server.url), 3)
    pad.start()
    assert pad.clerk is not None and pad.clerk.staff == "1003"
    pad.listener = pad.api.listen(pad.on_event, pad.on_connection, last_event_id=pad.api.hall_state()["last_event_id"])
    try:
        services = pad.api.window_detail(3)["window"]["services"]
        ticket = HttpHallApi(server.url).issue(services[0])
        calls = WindowCalls(clerk, 3)
        while (answer := calls.call_next())["ticket"]["id"] != ticket["id"]:  # type: ignore[index]
            calls.finish()
        calls.finish()
        assert wait_until(lambda: pad.screen == "rate" and pad.ticket_id == ticket["id"], timeout=10)
        pad.choose(5)
        assert pad.screen == "thanks"
    finally:
        pad.listener.stop()
    assert answer["ticket"] is not None
    rated = requests.post(
        f"{server.url}/api/v1/ratings", json={"ticket": ticket["id"], "score": 4, "window": 3}, timeout=5
    )
    assert rated.status_code == 409  # the pad's rating was recorded; a second one is refused
