"""Queues and the one ordering rule for "who is next" at a window (the call and the clerk's preview)."""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from core.tickets import Ticket


class Line:
    """Tickets in arrival order with O(1) head and O(log n) position (a kiosk asks "how many ahead" often)."""

    def __init__(self) -> None:
        self._tickets: dict[str, Ticket] = {}
        self._key_of: dict[str, float] = {}
        self._id_of: dict[float, str] = {}
        self._keys: list[float] = []  # ascending
        self._next = 0.0

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, ticket_id: object) -> bool:
        return ticket_id in self._tickets

    def __iter__(self) -> Iterator[Ticket]:
        """The tickets, oldest first, lazily (the first costs O(1))."""
        return (self._tickets[self._id_of[k]] for k in self._keys)

    def values(self) -> list[Ticket]:
        return list(self)

    def add(self, ticket: Ticket) -> None:
        self._next += 1
        self._tickets[ticket.id] = ticket
        self._key_of[ticket.id] = self._next
        self._id_of[self._next] = ticket.id
        self._keys.append(self._next)

    def insert(self, ticket: Ticket, position: int) -> None:
        """Put a ticket at `position` (0: first); past the end it is added last."""
        if position >= len(self._keys):
            self.add(ticket)
            return
        after = self._keys[position - 1] if position > 0 else self._keys[0] - 1.0
        key = (after + self._keys[position]) / 2
        self._tickets[ticket.id] = ticket
        self._key_of[ticket.id] = key
        self._id_of[key] = ticket.id
        bisect.insort(self._keys, key)

    def pop(self, ticket_id: str) -> Ticket | None:
        ticket = self._tickets.pop(ticket_id, None)
        if ticket is not None:
            key = self._key_of.pop(ticket_id)
            del self._id_of[key]
            del self._keys[bisect.bisect_left(self._keys, key)]
        return ticket

    def first(self) -> Ticket | None:
        return self._tickets[self._id_of[self._keys[0]]] if self._keys else None

    def position(self, ticket_id: str) -> int:
        return bisect.bisect_left(self._keys, self._key_of[ticket_id])


@dataclass
class ServiceQueue:
    """Waiting tickets of one service, each part oldest first."""

    head: Line = field(default_factory=Line)  # transferred in: head of the queue
    priority: Line = field(default_factory=Line)
    normal: Line = field(default_factory=Line)

    def __len__(self) -> int:
        return len(self.head) + len(self.priority) + len(self.normal)

    def remove(self, ticket_id: str) -> None:
        for part in (self.head, self.priority, self.normal):
            part.pop(ticket_id)


def age(t: Ticket) -> tuple[dt.datetime, int]:
    """Oldest first: when the ticket joined its queue (a transfer joins anew), then its number."""
    return (t.queued_at or t.issued_at, t.seq)


def _oldest_first(lines: Iterable[Line]) -> Iterator[Ticket]:
    return heapq.merge(*lines, key=age)


def call_order(
    direct: Line,
    queues: list[ServiceQueue],
    levels: list[list[ServiceQueue]],
    *,
    policy: str,
    interleave: int,
    streak: int,
) -> Iterator[Ticket]:
    """The tickets a window would call, in the order it would call them, lazily.

    Transfers to this window first, then transfers to its services (head of the queue), then the green
    channel and the rest: "strict" takes every priority ticket before any other; "interleave" takes one
    other after `interleave` priority calls in a row (`streak` is the window's current run). The rest come
    by the window's levels: a later level only when every earlier one is empty.
    """
    for t in direct:
        streak = streak + 1 if t.priority else 0
        yield t
    for t in _oldest_first(q.head for q in queues):
        streak = streak + 1 if t.priority else 0
        yield t
    prio = _oldest_first(q.priority for q in queues)
    normal = (t for level in levels for t in _oldest_first(q.normal for q in level))
    p, n = next(prio, None), next(normal, None)
    while p is not None or n is not None:
        if p is not None and not (n is not None and policy == "interleave" and streak >= interleave):
            yield p
            streak += 1
            p = next(prio, None)
        else:
            assert n is not None
            yield n
            streak = 0
            n = next(normal, None)
