"""Fan-out of committed events to event-stream subscribers, with resume by event id.

Each waiting subscriber sleeps on a lock of its own, released by `publish`: hundreds of
subscribers wake without queuing on one shared condition lock (which made the slowest wait
several times longer). Readers read the recent events without a lock too: `publish` only appends
to the lists they read (events before ids, so an id is never read before its event), and when the
lists pass `keep` by a quarter it starts new ones with the last `keep` events (a reader holding the
old ones reads on undisturbed). So a publish costs the events it adds and a share of one copy in
`keep` / 4 publishes, not two copies of the window each time.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from collections.abc import Callable

from application.store import StoredEvent
from core.devices import check_may_listen


class Broker:
    """Keeps the most recent events in memory; older ones are read back from the store."""

    def __init__(
        self, last_id: int, backlog: Callable[[int], list[StoredEvent]], keep: int = 1000, max_subscribers: int = 1000
    ):
        self._snapshot: tuple[list[int], list[StoredEvent]] = ([], [])  # appended to, or replaced
        self._keep = keep
        self._last_id = last_id
        self._backlog = backlog
        self._lock = threading.Lock()
        self._waiters: list[threading.Lock] = []
        self._subscribers = 0
        self._public = Counter[str]()  # streams without a credential, by address
        self.max_subscribers = max_subscribers
        self.on_publish: list[Callable[[], None]] = []  # e.g. waking the waitress fan-out

    @property
    def last_id(self) -> int:
        return self._last_id

    @property
    def subscribers(self) -> int:
        return self._subscribers

    def publish(self, events: list[StoredEvent]) -> None:
        if not events:
            return
        with self._lock:
            ids, recent = self._snapshot
            if len(recent) + len(events) > self._keep + self._keep // 4:
                ids, recent = ids[-self._keep :], recent[-self._keep :]
                recent += events
                ids += [e.id for e in events]
                self._snapshot = (ids, recent)
            else:
                recent += events  # the events first: a reader that finds an id finds its event
                ids += [e.id for e in events]
            self._last_id = events[-1].id
            waiters, self._waiters = self._waiters, []
        for wake in waiters:
            wake.release()
        for hook in self.on_publish:
            hook()

    def forget_recent(self) -> None:
        """Drop the in-memory events (as after a restart): readers fall back to the store."""
        with self._lock:
            self._snapshot = ([], [])

    @property
    def public_subscribers(self) -> int:
        return self._public.total()

    def subscribe(
        self, *, trusted: bool = True, address: str = "", public_share: float = 1.0, per_address: int = 0
    ) -> None:
        """Take a stream slot, or raise DomainError (core.devices.check_may_listen says who may take which)."""
        with self._lock:
            check_may_listen(
                trusted=trusted,
                capacity=self.max_subscribers,
                open_total=self._subscribers,
                open_public=self._public.total(),
                open_here=self._public[address],
                public_share=public_share,
                per_address=per_address or self.max_subscribers,
            )
            self._subscribers += 1
            if not trusted:
                self._public[address] += 1

    def unsubscribe(self, *, trusted: bool = True, address: str = "") -> None:
        with self._lock:
            self._subscribers -= 1
            if not trusted:
                self._public[address] -= 1
                if self._public[address] <= 0:
                    del self._public[address]

    def after(self, last_id: int, timeout: float) -> list[StoredEvent]:
        """Events with id > last_id, waiting up to `timeout` seconds for the first one."""
        if self._last_id <= last_id:
            wake = threading.Lock()
            wake.acquire()
            with self._lock:
                if self._last_id <= last_id:
                    self._waiters.append(wake)
                    registered = True
                else:
                    registered = False
            if registered and not wake.acquire(timeout=timeout):
                with self._lock:
                    if wake in self._waiters:
                        self._waiters.remove(wake)
            if self._last_id <= last_id:
                return []
        return self._since(last_id)

    def _since(self, last_id: int) -> list[StoredEvent]:
        ids, recent = self._snapshot
        if recent and last_id + 1 >= recent[0].id:
            return recent[bisect.bisect_right(ids, last_id) :]
        return self._backlog(last_id)  # fell behind the in-memory window: read from the log

    def between(self, after_id: int, up_to: int) -> list[StoredEvent]:
        """Events with after_id < id ≤ up_to, from memory or the log, without waiting."""
        out: list[StoredEvent] = []
        while after_id < up_to:
            batch = [e for e in self._since(after_id) if e.id <= up_to]
            if not batch:
                break
            out += batch
            after_id = batch[-1].id
        return out
