"""AssistCase's PySide6 front end. Views call the core's services and queries; no rules here."""

from ._pyside_workaround import keep_none_alive

keep_none_alive()  # before any widget code runs: see ui/_pyside_workaround.py
