#!/usr/bin/env bash
# Set up a fresh machine for HallQ: system packages (Debian/Ubuntu), a virtualenv in .venv, the project.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # Kivy on Mesa EGL (works headless with SDL_VIDEODRIVER=offscreen, or on a real screen)
  libgl1 libgl1-mesa-dri libegl1 libegl-mesa0 libgbm1 libmtdev1 xvfb
  # offline voice (espeak-ng: the cmn-latn-pinyin voice), audio checks and playback
  espeak-ng sox alsa-utils
  # serial pseudo-terminals for the LED sign tests; headless Chromium for the browser display test
  socat chromium
  # libfaketime: the contract tests run a real server at a chosen moment
  faketime
  # PDF letters (WeasyPrint: Pango), and the tests that look at them as images (pdftoppm)
  libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
  # copy/paste for Kivy text fields on Linux; USB thermal printers
  xclip libusb-1.0-0
)

if command -v dpkg >/dev/null 2>&1; then
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
    if [ "$SUDO" = none ]; then
      echo "Missing system packages (install them as root): ${missing[*]}" >&2
    else
      echo "Installing system packages: ${missing[*]}"
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.hallq-installed"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  echo "$want" > "$stamp"
fi
