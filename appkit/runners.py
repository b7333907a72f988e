"""How presenters run slow calls, without Kivy: ``runner(work, on_done, on_error)``.

Every presenter (kiosk, pad, caller, display) takes a :data:`Runner`. The apps pass
:func:`appkit.ui_thread.worker_runner` (the call on a worker thread, the answer on the Kivy thread);
tests, benches and scripts pass :func:`run_now`. Importing this module does not import Kivy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# runner(work, on_done, on_error): run `work` somewhere, then deliver its result or its exception.
Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None]


def run_now(work: Callable[[], T], on_done: Callable[[T], None], on_error: Callable[[BaseException], None]) -> None:
    """The synchronous runner: call at once, on this thread; an exception goes to `on_error` as the workers do."""
    try:
        result = work()
    except Exception as exc:  # the presenter decides what an error means
        on_error(exc)
        return
    on_done(result)
