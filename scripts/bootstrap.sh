#!/usr/bin/env bash
# Installs what AssistCase needs on this machine, idempotently:
#  1. on Debian/Ubuntu, the system libraries Qt needs and PostgreSQL's server (the tests run
#     the core suite on a throwaway cluster) (apt-get, as root or through sudo);
#  2. a virtual environment in .venv with the project and its test extra.
# Sourced by ./run-app and ./run-tests; safe to run again (it skips what is already there).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "AssistCase needs Python 3.11 or newer (python3 was not found)." >&2
  exit 1
fi
"$PYTHON" - <<'PY' || { echo "AssistCase needs Python 3.11 or newer." >&2; exit 1; }
import sys
raise SystemExit(0 if sys.version_info >= (3, 11) else 1)
PY

# --- system libraries for Qt (PySide6 wheels bundle Qt but not these) -----------------------
QT_DEBS=(libgl1 libegl1 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3 libxkbcommon0
         libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
         libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
         libx11-xcb1 libxrender1 libxi6 libsm6 libice6
         poppler-utils   # pdftotext and pdftoppm: the tests read PDFs back
         postgresql)     # the tests start a throwaway PostgreSQL cluster (issue 14)
if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for deb in "${QT_DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$deb")
  done
  if ((${#missing[@]})); then
    echo "Installing system libraries for Qt: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "Please install as root: apt-get install ${missing[*]}" >&2; exit 1
      fi
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
fi

# --- Python environment -----------------------------------------------------------------------
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating the virtual environment in .venv"
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.assistcase-installed"
WANT="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "Installing AssistCase and its dependencies into .venv"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[test]"
  echo "$WANT" > "$STAMP"
fi
