"""A device pairs once with its code; the token is kept privately and goes with every request."""

import stat

from client.api import HttpHallApi
from client.device import load_token, pair
from tests.live import LiveServer


def test_a_kiosk_pairs_keeps_its_token_and_is_seen_by_the_server(tmp_path):
    with LiveServer(tmp_path / "server", max_subscribers=4, threads=4) as server:
        manager = HttpHallApi(server.url)
        manager.login("9001", "1234", None)
        added = manager._request("POST", "/devices", {"role": "kiosk", "name": "大厅1号取号机"})
        token_file = tmp_path / "device-kiosk.json"
        device = pair(server.url, added["code"], token_file)
        assert device["name"] == "大厅1号取号机"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        kiosk = HttpHallApi(server.url, device_token=load_token(token_file))
        assert kiosk.issue("household")["number"] == "A001"
        listed = {d["id"]: d for d in manager._request("GET", "/devices")}
        assert listed[added["id"]]["paired"] and listed[added["id"]]["last_seen_at"]
