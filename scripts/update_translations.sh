#!/usr/bin/env bash
# Refresh the zh_CN translation source from the ui/ code and compile it.
#   scripts/update_translations.sh      (then translate new entries in Qt Linguist or by hand)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
TS=resources/translations/assistcase_zh_CN.ts
"$BIN/pyside6-lupdate" ui/*.py -ts "$TS" -no-obsolete -locations none
"$BIN/pyside6-lrelease" "$TS" -qm resources/translations/assistcase_zh_CN.qm
