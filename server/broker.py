"""Fan-out of committed events to event-stream subscribers, with resume by event id."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable

from server.store import StoredEvent


class TooManySubscribers(Exception):
    pass


class Broker:
    """Keeps the most recent events in memory; older ones are read back from the store."""

    def __init__(
        self, last_id: int, backlog: Callable[[int], list[StoredEvent]], keep: int = 5000, max_subscribers: int = 1000
    ):
        self._recent: list[StoredEvent] = []
        self._ids: list[int] = []
        self._keep = keep
        self._last_id = last_id
        self._backlog = backlog
        self._cond = threading.Condition()
        self._subscribers = 0
        self.max_subscribers = max_subscribers

    @property
    def last_id(self) -> int:
        return self._last_id

    @property
    def subscribers(self) -> int:
        return self._subscribers

    def publish(self, events: list[StoredEvent]) -> None:
        if not events:
            return
        with self._cond:
            self._recent.extend(events)
            self._ids.extend(e.id for e in events)
            if len(self._recent) > 2 * self._keep:
                del self._recent[: -self._keep], self._ids[: -self._keep]
            self._last_id = events[-1].id
            self._cond.notify_all()

    def subscribe(self) -> None:
        with self._cond:
            if self._subscribers >= self.max_subscribers:
                raise TooManySubscribers
            self._subscribers += 1

    def unsubscribe(self) -> None:
        with self._cond:
            self._subscribers -= 1

    def after(self, last_id: int, timeout: float) -> list[StoredEvent]:
        """Events with id > last_id, waiting up to `timeout` seconds for the first one."""
        with self._cond:
            if self._last_id <= last_id:
                self._cond.wait_for(lambda: self._last_id > last_id, timeout=timeout)
            if self._last_id <= last_id:
                return []
            oldest = self._recent[0].id if self._recent else self._last_id + 1
            if last_id + 1 >= oldest:
                return self._recent[bisect.bisect_right(self._ids, last_id) :]
        return self._backlog(last_id)  # fell behind the in-memory window: read from the log
