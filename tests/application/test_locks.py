"""The write lock serves commands in the order they came, and is reentrant like threading.RLock."""

import threading
import time

import pytest

from application.locks import FairRLock


def test_reentrant_in_one_thread_and_exclusive_between_threads():
    lock = FairRLock()
    with lock, lock:
        taken = threading.Event()
        other = threading.Thread(target=lambda: (lock.acquire(), taken.set(), lock.release()))
        other.start()
        assert not taken.wait(0.1)  # held twice here: the other thread waits
    assert taken.wait(2)
    other.join()


def test_waiters_are_served_in_the_order_they_came():
    lock, order = FairRLock(), []
    lock.acquire()
    threads = []
    for n in range(8):
        t = threading.Thread(target=lambda n=n: (lock.acquire(), order.append(n), lock.release()))
        t.start()
        threads.append(t)
        time.sleep(0.02)  # each is waiting before the next comes
    lock.release()
    for t in threads:
        t.join(2)
    assert order == list(range(8))


def test_only_the_holder_may_release():
    lock = FairRLock()
    with pytest.raises(RuntimeError):
        lock.release()
    lock.acquire()
    failed = []

    def stranger() -> None:
        try:
            lock.release()
        except RuntimeError:
            failed.append(True)

    t = threading.Thread(target=stranger)
    t.start()
    t.join()
    assert failed == [True]
    lock.release()
