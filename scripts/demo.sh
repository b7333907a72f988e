#!/usr/bin/env bash
# Set up and run the demo hall: http://127.0.0.1:8080/ (clerk of window N = staff 1000+N, PIN 1234).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/hallq demo --data demo-data "$@"
