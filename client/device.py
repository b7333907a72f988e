"""This device's pairing with the hall server: the one-time code becomes a token kept in a small file.

`hallq kiosk --pair 12345678` (and the caller, the display, the pad) pairs once; later starts read the token.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import requests

from client.types import UNREACHABLE, ApiError


def default_token_file(role: str) -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "hallq" / f"device-{role}.json"


def pair(base_url: str, code: str, token_file: Path, timeout: float = 5.0) -> dict[str, Any]:
    """Pair with the server and keep the device's token (readable by this user only)."""
    try:
        r = requests.post(f"{base_url.rstrip('/')}/api/v1/devices/pair", json={"code": code}, timeout=timeout)
    except requests.RequestException as exc:
        raise ApiError(0, "unreachable", UNREACHABLE) from exc
    data = r.json()
    if r.status_code >= 400:
        raise ApiError(r.status_code, data.get("error", "error"), data.get("message", r.text))
    token_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    token_file.write_text(json.dumps({"server": base_url, "token": data["token"], "device": data["device"]}))
    token_file.chmod(0o600)
    return dict(data["device"])


def load_token(token_file: Path) -> str | None:
    """The device token kept by an earlier pairing, or None (not paired yet)."""
    try:
        return str(json.loads(token_file.read_text())["token"])
    except (OSError, ValueError, KeyError):
        return None
