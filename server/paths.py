"""Where the project's shipped files are."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
FONT = ASSETS / "fonts" / "wqy-microhei.ttc"
DEMO_HALL = ASSETS / "demo-hall.toml"
