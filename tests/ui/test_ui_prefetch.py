"""The cold start's read-ahead (ui/prefetch.py): the app records what its first window
needed, and the next start asks the kernel to read those files ahead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ui import prefetch

pytestmark = pytest.mark.skipif(not hasattr(os, "posix_fadvise"),
                                reason="posix_fadvise is Linux's (this suite runs there)")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTCASE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(prefetch.ENV_OFF, raising=False)
    return tmp_path


def test_the_loaded_files_are_in_import_order_with_qts_libraries_before_pyside():
    import PySide6.QtWidgets  # noqa: F401  (loaded by the ui package's tests anyway)
    import sqlalchemy.orm.session

    files = prefetch.loaded_files()
    assert len(files) == len(set(files))
    assert all(Path(f).is_absolute() for f in files)
    position = {f: i for i, f in enumerate(files)}
    core_lib = next(i for f, i in position.items() if Path(f).name == "libQt6Core.so.6")
    pyside = next(i for f, i in position.items() if Path(f).name.startswith("QtCore.abi3"))
    assert core_lib < pyside           # the library the extension module needs, first
    # a module's compiled file where there is one, else its source
    session = sqlalchemy.orm.session
    expected = (session.__cached__ if os.path.exists(session.__cached__)
                else session.__file__)
    assert os.path.abspath(expected) in position


def test_record_then_start_reads_the_list_ahead(cache):
    path = prefetch.record()
    assert path == cache / prefetch.LIST_NAME
    names = path.read_text(encoding="utf-8").splitlines()
    assert names == prefetch.loaded_files()[:len(names)]
    thread = prefetch.start()
    assert thread is not None and thread.daemon
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_read_ahead_skips_files_gone_and_files_too_large(tmp_path, monkeypatch):
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 10_000)
    large = tmp_path / "large.bin"
    with large.open("wb") as f:           # sparse: no disk used
        f.truncate(prefetch.LARGEST + 1)
    gone = tmp_path / "gone.bin"
    assert prefetch.read_ahead([str(small), str(gone), str(large)]) == 1
    monkeypatch.setattr(prefetch, "LARGEST", prefetch.LARGEST + 1)
    assert prefetch.read_ahead([str(small), str(gone), str(large)]) == 2


def test_no_list_a_damaged_list_or_switched_off_means_no_read_ahead(cache, monkeypatch):
    assert prefetch.start() is None                       # no list yet
    (cache / prefetch.LIST_NAME).write_bytes(b"\xff\xfe\x00 not text")
    assert prefetch.start() is None                       # not UTF-8: ignored
    (cache / prefetch.LIST_NAME).write_text("", encoding="utf-8")
    assert prefetch.start() is None                       # empty
    prefetch.record()
    monkeypatch.setenv(prefetch.ENV_OFF, "1")
    assert prefetch.start() is None
    os.remove(cache / prefetch.LIST_NAME)
    assert prefetch.record() is None and not (cache / prefetch.LIST_NAME).exists()


def test_an_unwritable_cache_directory_does_not_stop_the_app(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("ASSISTCASE_CACHE_DIR", str(blocker / "cache"))   # under a file
    monkeypatch.delenv(prefetch.ENV_OFF, raising=False)
    assert prefetch.record() is None


def test_the_app_records_its_first_window_and_reads_it_ahead_next_time(tmp_path):
    """The real app, twice: the first start writes the list once its window has painted;
    the second starts from it (and rewrites it)."""
    cache = tmp_path / "cache"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ASSISTCASE_DATA_DIR=str(tmp_path),
               ASSISTCASE_CACHE_DIR=str(cache))
    env.pop(prefetch.ENV_OFF, None)

    def start() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ui.app", "--db", str(tmp_path / "d.sqlite3"),
                               "--demo-households", "20", "--exit-when-shown", "--user",
                               "admin", "--password-stdin"], input="admin-demo-1\n",
                              capture_output=True, text=True, env=env, timeout=300)

    first = start()
    assert first.returncode == 0, first.stderr
    listed = (cache / prefetch.LIST_NAME).read_text(encoding="utf-8").splitlines()
    names = {Path(n).name for n in listed}
    assert {"libQt6Core.so.6", "libQt6Widgets.so.6", "DroidSansFallbackFull.ttf"} <= names
    assert any("/ui/" in n and "main_window" in n for n in listed)   # the window's module
    second = start()
    assert second.returncode == 0, second.stderr
    assert "assistcase: window shown" in second.stdout
