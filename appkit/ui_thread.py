"""Keep I/O off the Kivy loop, and bring results back onto it.

* :func:`run_in_worker` runs a blocking call (HTTP, serial port, printer) on a small shared thread pool and
  delivers ``on_done(result)`` or ``on_error(exc)`` on the Kivy thread via ``Clock.schedule_once``.
* :func:`on_ui` wraps a callback that another thread (an event listener, a serial reader) calls, so its body
  runs on the Kivy thread. Called on the Kivy thread already, it runs at once.
* :func:`coalesced_trigger` turns many "please redraw" calls into at most one call per ``interval``.
* :func:`worker_runner` is the presenters' :data:`appkit.runners.Runner` in the apps.

Kivy's thread is the process's main thread (SDL requires it). Widgets may only be touched from it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from appkit.boot import ensure_prepared

ensure_prepared()

from kivy.clock import Clock  # noqa: E402
from kivy.logger import Logger  # noqa: E402

P = ParamSpec("P")
T = TypeVar("T")

WORKER_COUNT = 4
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def is_ui_thread() -> bool:
    """True on the Kivy (main) thread."""
    return threading.current_thread() is threading.main_thread()


def call_on_ui(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``fn(*args, **kwargs)`` on the Kivy thread: now if already there, else at the next frame."""
    if is_ui_thread():
        fn(*args, **kwargs)
    else:
        Clock.schedule_once(lambda _dt: fn(*args, **kwargs), 0)


def on_ui(fn: Callable[P, Any]) -> Callable[P, None]:
    """Decorator: calls from any thread run ``fn`` on the Kivy thread (return value is dropped)."""

    @functools.wraps(fn)
    def marshalled(*args: P.args, **kwargs: P.kwargs) -> None:
        call_on_ui(fn, *args, **kwargs)

    return marshalled


def run_in_worker(
    fn: Callable[..., T],
    *args: Any,
    on_done: Callable[[T], Any] | None = None,
    on_error: Callable[[BaseException], Any] | None = None,
    **kwargs: Any,
) -> Future[T]:
    """Run ``fn(*args, **kwargs)`` on a worker thread; deliver the result or exception on the Kivy thread.

    Without ``on_error`` an exception is logged, never raised into the Kivy loop. The returned Future is for
    tests and shutdown; the UI should react through the callbacks only.
    """
    future = _worker_pool().submit(fn, *args, **kwargs)
    label = getattr(fn, "__qualname__", repr(fn))

    def deliver(_dt: float) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            if on_done is not None:
                on_done(future.result())
        elif on_error is not None:
            on_error(error)
        else:
            Logger.error(f"HallQ: 后台任务 {label} 失败 / background task {label} failed: {error!r}")

    future.add_done_callback(lambda _future: Clock.schedule_once(deliver, 0))
    return future


def worker_runner(
    work: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]
) -> None:
    """The presenters' runner in the apps: ``work`` on a worker thread, the answer on the Kivy thread."""
    run_in_worker(work, on_done=on_done, on_error=on_error)


def coalesced_trigger(fn: Callable[[], Any], interval: float = 0.1) -> Callable[..., None]:
    """Return a trigger: call it as often as you like, ``fn()`` runs once on the Kivy thread after ``interval`` s.

    Built on ``Clock.create_trigger``; calls made while one is pending are merged. Safe from any thread.
    """
    return Clock.create_trigger(lambda _dt: fn(), interval)


def shutdown_workers(wait: bool = False) -> None:
    """Stop the worker pool (call from App.on_stop); queued tasks are cancelled. A later call starts a new pool."""
    global _executor
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=wait, cancel_futures=True)


def _worker_pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=WORKER_COUNT, thread_name_prefix="hallq-worker")
        return _executor
