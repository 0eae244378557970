"""What every UI test shares."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def private_settings(tmp_path):
    """Each UI test keeps window state and choices (QSettings) in a throwaway place of its
    own: never the user's, and never another test's. (Saved list headers are shared by
    every window: one test's hidden sync column hid it in another test's window, so the
    exchange tests failed whenever the registry's ran before them in the same process.)"""
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, scope, str(tmp_path / "settings"))
