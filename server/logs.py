"""Logging that a fault cannot flood: the first of a run of like records goes out, the rest are counted.

A server out of file descriptors (or with a broken disk) fails every request the same way; one line per
request wrote hundreds of MB a minute. `RepeatFilter` on the log handlers lets the first record of each kind
through (with its traceback), drops the like ones for `window_s` seconds, then lets the next one through
with how many were dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class RepeatFilter(logging.Filter):
    def __init__(self, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic, max_kinds: int = 1000):
        super().__init__()
        self.window_s = window_s
        self.clock = clock
        self.max_kinds = max_kinds
        self._lock = threading.Lock()
        self._seen: dict[tuple[object, ...], tuple[float, int]] = {}  # kind → (when last let through, dropped since)

    @staticmethod
    def kind(record: logging.LogRecord) -> tuple[object, ...]:
        exc = record.exc_info[0] if record.exc_info else None
        return (record.name, record.levelno, record.pathname, record.lineno, str(record.msg), exc)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key, now = self.kind(record), self.clock()
        with self._lock:
            last = self._seen.get(key)
            if last is not None and now - last[0] < self.window_s:
                self._seen[key] = (last[0], last[1] + 1)
                return False
            if len(self._seen) >= self.max_kinds:
                self._seen.clear()
            self._seen[key] = (now, 0)
        if last is not None and last[1]:  # (no "%" added: safe with or without args)
            record.msg = f"{record.msg} [and {last[1]} more like this in the last {now - last[0]:.0f} s]"
        return True


class Throttled:
    """Call `log(...)` as often as a fault repeats; it writes once per `window_s` (with a count of the rest)."""

    def __init__(self, logger: logging.Logger, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.logger = logger
        self.window_s = window_s
        self.clock = clock
        self._lock = threading.Lock()
        self._last: float | None = None
        self._dropped = 0

    def error(self, message: str, *args: object, exc_info: bool = False) -> bool:
        now = self.clock()
        with self._lock:
            if self._last is not None and now - self._last < self.window_s:
                self._dropped += 1
                return False
            dropped, self._dropped, self._last = self._dropped, 0, now
        suffix = f" [and {dropped} more since the last report]" if dropped else ""
        self.logger.error(message + suffix, *args, exc_info=exc_info)
        return True


def install(window_s: float = 60.0) -> RepeatFilter:
    """Put one RepeatFilter on every handler of the root logger (where waitress's and Flask's records end)."""
    flt = RepeatFilter(window_s)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for handler in root.handlers:
        handler.addFilter(flt)
    return flt
