"""The console's front-end libraries ship with the project (halls run offline): served by the hall's server,
with their licences, and exactly the files scripts/vendor.sh recorded."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parents[2] / "server" / "static" / "vendor"
TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "templates" / "console"


@pytest.mark.parametrize("name", ["htmx.min.js", "echarts.min.js", "console/live.js", "console/console.css"])
def test_the_console_files_are_served_by_the_hall(app, name) -> None:
    path = f"/static/vendor/{name}" if "/" not in name else f"/static/{name}"
    response = app.test_client().get(path)
    assert response.status_code == 200 and len(response.data) > 300


def test_each_library_keeps_its_licence() -> None:
    for name in ("htmx.LICENSE", "echarts.LICENSE", "echarts.NOTICE", "echarts.LICENSE-d3"):
        assert (VENDOR / name).stat().st_size > 100


def test_the_files_are_those_the_vendor_script_recorded() -> None:
    lines = [line.split() for line in (VENDOR / "VERSIONS").read_text().splitlines() if not line.startswith("#")]
    assert {parts[0] for parts in lines} == {"htmx.org", "echarts"}
    for _, _, digest, file, *_ in lines:
        assert hashlib.sha256((VENDOR / file).read_bytes()).hexdigest() == digest


def test_no_console_page_loads_anything_from_another_site() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", text), template.name
