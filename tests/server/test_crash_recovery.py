"""The real server process: driven over HTTP and the event stream, killed with SIGKILL mid-burst, restarted.

Every ticket the server acknowledged must survive, numbering must go on without a duplicate, and
the event stream must resume by Last-Event-ID with no gap and no duplicate.
"""

import threading

import pytest
import requests

from client.api import ApiError, HttpHallApi, WindowCalls
from client.events import wait_until
from tests.live import LiveServer

pytestmark = pytest.mark.slow


def burst(url: str, acknowledged: list[dict], stop: threading.Event, errors: list[str]) -> None:
    session = requests.Session()
    while not stop.is_set():
        try:
            r = session.post(f"{url}/api/v1/tickets", json={"service": "household"}, timeout=2)
        except requests.RequestException:
            return  # the server died under us: whatever was not answered was not acknowledged
        if r.status_code == 201:
            acknowledged.append(r.json())
        else:
            errors.append(r.text)


def test_sigkill_mid_burst_loses_nothing_acknowledged(tmp_path):
    server = LiveServer(tmp_path / "data").start()
    try:
        api = HttpHallApi(server.url)
        events: list[tuple[int, str, dict]] = []
        listener = api.listen(lambda i, name, payload: events.append((i, name, payload)), last_event_id=0)
        assert wait_until(lambda: listener.connected, 10)
        acknowledged: list[dict] = []
        errors: list[str] = []
        stop = threading.Event()
        threads = [threading.Thread(target=burst, args=(server.url, acknowledged, stop, errors)) for _ in range(4)]
        for t in threads:
            t.start()
        assert wait_until(lambda: len(acknowledged) >= 150, 20)
        server.kill()  # SIGKILL mid-burst
        stop.set()
        for t in threads:
            t.join(5)
        assert not errors
        assert wait_until(lambda: not listener.connected, 5)

        server.start()  # same data directory, same port
        for ticket in acknowledged:
            got = api.ticket(ticket["id"])
            assert (got["number"], got["status"]) == (ticket["number"], "waiting")
        numbers = [t["number"] for t in acknowledged]
        assert len(set(numbers)) == len(numbers)
        after = api.issue("household")
        highest = max(int(n[1:]) for n in numbers)
        assert int(after["number"][1:]) > highest  # numbering goes on, never reusing a number

        # the listener reconnected by itself and resumed: every event once, ids without gaps
        assert wait_until(lambda: any(p.get("ticket", {}).get("id") == after["id"] for _, _, p in events), 15)
        ids = [i for i, _, _ in events]
        assert ids == list(range(ids[0], ids[0] + len(ids))), "gap or duplicate in the event stream"
        issued = {p["ticket"]["id"] for _, name, p in events if name == "ticket.issued"}
        assert {t["id"] for t in acknowledged} <= issued
        listener.stop()
    finally:
        server.stop()


def test_calls_over_http_never_hand_one_ticket_to_two_windows(tmp_path):
    with LiveServer(tmp_path / "data") as server:
        kiosk = HttpHallApi(server.url)
        for _ in range(40):
            kiosk.issue("social")
        windows = [3, 4, 5, 10]  # all serve the social service in the demo hall
        called: dict[int, list[str]] = {n: [] for n in windows}

        def clerk(n: int) -> None:
            api = HttpHallApi(server.url)
            api.login(str(1000 + n), "1234", n)
            calls = WindowCalls(api, n)
            while True:
                try:
                    answer = calls.call_next()
                except ApiError as exc:
                    raise AssertionError(exc.message) from exc
                if answer["ticket"] is None:
                    return
                called[n].append(answer["ticket"]["id"])
                calls.finish("immediate")

        threads = [threading.Thread(target=clerk, args=(n,)) for n in windows]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        all_called = [tid for ids in called.values() for tid in ids]
        assert len(all_called) == len(set(all_called)) >= 40
