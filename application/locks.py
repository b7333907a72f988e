"""A reentrant lock that serves its waiters in the order they came.

`threading.RLock` wakes any waiter when it is released (whichever thread the scheduler and the interpreter lock
favour), so with ten windows calling at once one call could wait for several rounds of the others: the tail of
call-next's latency was twice its median. Handing the lock to the longest waiter keeps every command's wait near
the median.
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType

_HANDED_OVER = -1  # the owner while the lock passes to the next waiter (nobody else may take it meanwhile)


class FairRLock:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self) -> bool:
        me = threading.get_ident()
        with self._guard:
            if self._owner == me:
                self._depth += 1
                return True
            if self._owner is None:
                self._owner, self._depth = me, 1
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by `release` when this waiter's turn comes: the lock is ours
        self._owner, self._depth = me, 1
        return True

    def release(self) -> None:
        with self._guard:
            if self._owner != threading.get_ident():
                raise RuntimeError("cannot release a lock this thread does not hold")
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                self._owner = _HANDED_OVER
                self._waiters.popleft().release()
            else:
                self._owner = None

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
