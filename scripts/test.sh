#!/usr/bin/env bash
# Set up and run every test (headless: Kivy renders offscreen, Chromium runs headless).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q "$@"
