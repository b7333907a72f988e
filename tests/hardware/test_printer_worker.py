"""PrintWorker: printing off the caller's thread, with a callback for each job."""

import queue
import threading

import pytest

from hardware.documents import Document, sample_ticket
from hardware.printer import FakePrinter, PrintWorker

WAIT_S = 10  # generous: only bounds a hung test, never measures speed


def results_queue() -> tuple[queue.Queue, object]:
    results: queue.Queue = queue.Queue()

    def on_done(ok: bool, error: str | None) -> None:
        results.put((ok, error, threading.current_thread().name))

    return results, on_done


def test_success_is_reported_from_the_worker_thread() -> None:
    printer = FakePrinter()
    results, on_done = results_queue()
    with PrintWorker(printer) as worker:
        worker.submit(sample_ticket(), on_done)
        ok, error, thread_name = results.get(timeout=WAIT_S)
    assert (ok, error) == (True, None)
    assert thread_name != threading.current_thread().name
    assert printer.documents == [sample_ticket()]


@pytest.mark.parametrize(
    ("fault", "sentence"),
    [
        ("no_paper", "打印机缺纸 / The printer is out of paper"),
        ("not_connected", "打印机未连接 / The printer is not connected"),
    ],
)
def test_failure_is_reported_with_the_sentence(fault: str, sentence: str) -> None:
    results, on_done = results_queue()
    with PrintWorker(FakePrinter(fault=fault)) as worker:  # type: ignore[arg-type]
        worker.submit(sample_ticket(), on_done)
        ok, error, _ = results.get(timeout=WAIT_S)
    assert (ok, error) == (False, sentence)


class BlockedPrinter(FakePrinter):
    """Holds every job until released, like a printer draining a long slip."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def print(self, doc: Document, copies: int = 1) -> None:
        self.release.wait(WAIT_S)
        super().print(doc, copies)


def test_submit_returns_while_the_printer_is_still_busy() -> None:
    printer = BlockedPrinter()
    results, on_done = results_queue()
    with PrintWorker(printer) as worker:
        worker.submit(sample_ticket(number="A001"), on_done)
        worker.submit(sample_ticket(number="A002"), on_done)
        assert results.empty() and printer.documents == []  # both submits came back before any printing
        printer.release.set()
        outcomes = [results.get(timeout=WAIT_S)[0] for _ in range(2)]
    assert outcomes == [True, True]
    assert [doc.number for doc in printer.documents] == ["A001", "A002"]  # type: ignore[union-attr]


def test_a_failing_callback_does_not_stop_the_worker() -> None:
    results, on_done = results_queue()

    def broken_callback(ok: bool, error: str | None) -> None:
        raise RuntimeError("UI went away")

    with PrintWorker(FakePrinter()) as worker:
        worker.submit(sample_ticket(), broken_callback)
        worker.submit(sample_ticket(), on_done)
        assert results.get(timeout=WAIT_S)[0] is True


def test_close_finishes_queued_jobs_then_refuses_new_ones() -> None:
    printer = FakePrinter()
    worker = PrintWorker(printer)
    for _ in range(3):
        worker.submit(sample_ticket())
    worker.close()
    assert len(printer.documents) == 3
    with pytest.raises(RuntimeError, match="打印队列已关闭"):
        worker.submit(sample_ticket())
