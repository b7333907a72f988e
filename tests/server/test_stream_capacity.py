"""Event-stream slots: paired devices and staff hold reserved capacity that streams without a credential cannot
take; anonymous streams are limited per address; a slot comes back as soon as its client goes."""

import socket

import pytest
import requests

from client.events import wait_until
from core.devices import check_may_listen
from core.tickets import DomainError
from server import create_app
from tests.factories import make_config
from tests.live import LiveServer

HALL = {"devices": {"pairing_required": True, "trust_loopback": False, "public_streams_per_address": 2}}


@pytest.fixture
def hall_app(tmp_path, clock):
    app = create_app({"HALL_CONFIG": make_config(**HALL), "DATA_DIR": tmp_path, "CLOCK": clock, "MAX_SUBSCRIBERS": 6})
    yield app
    app.extensions["hallq"].close()


def stream(client, address, headers=None):
    return client.get("/api/v1/events", environ_base={"REMOTE_ADDR": address}, headers=headers or {}, buffered=False)


def pair_display(client):
    token = client.post("/api/v1/auth/login", json={"staff": "9001", "pin": "1234"}).json["token"]
    added = client.post("/api/v1/devices", headers={"Authorization": f"Bearer {token}"}, json={"role": "display"})
    paired = client.post("/api/v1/devices/pair", json={"code": added.json["code"]})
    return {"X-Device-Token": paired.json["token"]}


def test_anonymous_streams_cannot_take_the_displays_slots(hall_app):
    client = hall_app.test_client()
    display = pair_display(client)
    opened = [stream(client, "10.0.0.1"), stream(client, "10.0.0.1")]
    assert all(r.status_code == 200 for r in opened)
    third = stream(client, "10.0.0.1")
    assert third.status_code == 429 and third.json["error"] == "too_many_streams_here"
    opened.append(stream(client, "10.0.0.2"))  # half of 6 slots: the public's share is now taken
    assert opened[-1].status_code == 200
    refused = stream(client, "10.0.0.3")
    assert refused.status_code == 503 and refused.json["error"] == "too_many_subscribers"
    assert refused.headers["Retry-After"] == "5"
    # the hall's own display still gets its stream, from any address
    screens = [stream(client, "10.0.0.9", display) for _ in range(3)]
    assert [r.status_code for r in screens] == [200, 200, 200]
    assert stream(client, "10.0.0.9", display).status_code == 503  # now every slot is taken
    hall_app.extensions["hallq.broker"].max_subscribers += 1
    browser_screen = client.get(  # /display?device=TOKEN in a browser: the token in the stream's address
        f"/api/v1/events?device_token={display['X-Device-Token']}",
        environ_base={"REMOTE_ADDR": "10.0.0.8"},
        buffered=False,
    )
    assert browser_screen.status_code == 200
    screens.append(browser_screen)
    assert hall_app.extensions["hallq.broker"].public_subscribers == 3
    opened[0].close()  # a phone page goes: its slot comes back
    assert stream(client, "10.0.0.3").status_code == 200
    for r in opened[1:] + screens:
        r.close()


def test_the_consoles_live_page_holds_a_staff_slot(hall_app):
    """The live page's EventSource sends the console's cookie, not a token: a signed-in manager is staff."""
    client = hall_app.test_client()
    token = client.post("/api/v1/auth/login", json={"staff": "9001", "pin": "1234"}).json["token"]
    with client.session_transaction() as cookie:
        cookie["token"] = token
    mine = [stream(client, "10.0.0.7") for _ in range(3)]
    assert [r.status_code for r in mine] == [200, 200, 200]  # more than an address's 2 without a credential
    assert hall_app.extensions["hallq.broker"].public_subscribers == 0
    with client.session_transaction() as cookie:
        cookie.clear()
    assert stream(client, "10.0.0.7").status_code == 200
    assert hall_app.extensions["hallq.broker"].public_subscribers == 1
    for r in mine:
        r.close()


def test_an_unknown_device_token_gets_no_reserved_slot(hall_app):
    client = hall_app.test_client()
    refused = stream(client, "10.0.0.5", {"X-Device-Token": "not-a-device"})
    assert refused.status_code == 401 and refused.json["error"] == "device_unknown"  # the app knows to pair again
    first, second = stream(client, "10.0.0.5"), stream(client, "10.0.0.5")
    assert stream(client, "10.0.0.5").status_code == 429
    first.close()
    second.close()
    assert hall_app.extensions["hallq.broker"].subscribers == 0


@pytest.mark.parametrize(
    "trusted, total, public, here, refused",
    [
        (False, 0, 0, 0, None),
        (False, 4, 3, 0, "too_many_subscribers"),  # the public's half of 6 is taken
        (False, 2, 2, 2, "too_many_streams_here"),
        (True, 5, 3, 3, None),  # a paired screen takes any free slot
        (True, 6, 0, 0, "too_many_subscribers"),
    ],
)
def test_who_may_open_a_stream(trusted, total, public, here, refused):
    def check():
        check_may_listen(
            trusted=trusted,
            capacity=6,
            open_total=total,
            open_public=public,
            open_here=here,
            public_share=0.5,
            per_address=2,
        )

    if refused is None:
        check()
    else:
        with pytest.raises(DomainError) as err:
            check()
        assert err.value.code == refused


@pytest.mark.slow
def test_a_closed_stream_frees_its_slot_within_seconds(tmp_path):
    """The slot used to be held until the next heartbeat's write failed (15 s and more)."""
    with LiveServer(tmp_path) as server:  # the default heartbeat: 15 s

        def subscribers() -> int:
            return requests.get(f"{server.url}/api/v1/health", timeout=2).json()["subscribers"]

        socks = []
        for _ in range(10):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: t\r\n\r\n")
            socks.append(sock)
        assert wait_until(lambda: subscribers() == 10, 5)
        for sock in socks:
            sock.close()
        assert wait_until(lambda: subscribers() == 0, 3), "closed streams still hold their slots"
