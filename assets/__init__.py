"""The files HallQ ships (fonts, sounds, the demo hall), as package data: one place that knows where they are.

Works from a source checkout and from an installed wheel alike.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent
FONT = ROOT / "fonts" / "wqy-microhei.ttc"
CHIME = ROOT / "sounds" / "chime.wav"
DEMO_HALL = ROOT / "demo-hall.toml"


def asset(*parts: str) -> Path:
    """A shipped file, e.g. ``asset("fonts", "wqy-microhei.ttc")``."""
    return ROOT.joinpath(*parts)


def resolve(path: str | Path) -> Path:
    """A configured file as given if it exists; an ``assets/...`` path from a hall file inside the shipped assets."""
    given = Path(path)
    if given.is_absolute() or given.exists():
        return given
    parts = given.parts
    return asset(*parts[1:]) if parts and parts[0] == "assets" else given
