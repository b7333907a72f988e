"""Worker threads and marshalling back onto the Kivy thread."""

import threading
from collections.abc import Iterator

import pytest

from appkit import ui_thread
from appkit.testing import advance_frames, wait_until

pytestmark = pytest.mark.ui


@pytest.fixture(autouse=True)
def fresh_worker_pool() -> Iterator[None]:
    yield
    ui_thread.shutdown_workers(wait=True)


def test_run_in_worker_runs_off_the_ui_thread_and_reports_on_it() -> None:
    seen: dict[str, object] = {}

    def fetch(number: int) -> str:
        seen["worker_thread"] = threading.current_thread()
        return f"A{number:03d}"

    def done(result: str) -> None:
        seen["result"] = result
        seen["callback_thread"] = threading.current_thread()

    ui_thread.run_in_worker(fetch, 1, on_done=done)
    wait_until(lambda: "result" in seen)
    assert seen["result"] == "A001"
    assert seen["worker_thread"] is not threading.main_thread()
    assert seen["callback_thread"] is threading.main_thread()


def test_run_in_worker_reports_errors_on_the_ui_thread() -> None:
    outcomes: list[tuple[str, object, threading.Thread]] = []

    def fail() -> None:
        raise ConnectionError("server down")

    def record(kind: str) -> object:
        return lambda value: outcomes.append((kind, value, threading.current_thread()))

    ui_thread.run_in_worker(fail, on_done=record("done"), on_error=record("error"))
    wait_until(lambda: outcomes)
    kind, error, thread = outcomes[0]
    assert kind == "error"
    assert isinstance(error, ConnectionError)
    assert thread is threading.main_thread()


def test_an_unhandled_worker_error_is_logged_not_raised_into_the_loop() -> None:
    def fail() -> None:
        raise ValueError("bad ticket")

    future = ui_thread.run_in_worker(fail)
    wait_until(future.done)
    advance_frames(2)  # the delivery runs here and must not raise
    assert isinstance(future.exception(), ValueError)


def test_on_ui_moves_calls_from_other_threads_onto_the_ui_thread() -> None:
    threads: list[threading.Thread] = []

    @ui_thread.on_ui
    def record(_event: str) -> None:
        threads.append(threading.current_thread())

    listener = threading.Thread(target=record, args=("ticket_called",))
    listener.start()
    listener.join()
    assert threads == []  # not yet: it waits for the next frame
    wait_until(lambda: threads)
    assert threads == [threading.main_thread()]


def test_on_ui_called_on_the_ui_thread_runs_at_once() -> None:
    calls: list[int] = []
    ui_thread.on_ui(calls.append)(7)
    assert calls == [7]


def test_coalesced_trigger_merges_a_burst_into_one_call() -> None:
    calls: list[None] = []
    redraw = ui_thread.coalesced_trigger(lambda: calls.append(None), interval=0)
    for _ in range(5):
        redraw()
    advance_frames(2)
    assert len(calls) == 1


def test_workers_restart_after_shutdown() -> None:
    ui_thread.shutdown_workers(wait=True)
    results: list[int] = []
    ui_thread.run_in_worker(lambda: 42, on_done=results.append)
    wait_until(lambda: results)
    assert results == [42]
