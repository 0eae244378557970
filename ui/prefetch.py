"""A cold start's disk reads, started at once in the background.

Started the first time after the machine boots (a township laptop in the morning), the app
spends about a quarter of its time to the first window waiting for the disk: some 700 files
(Python's and SQLAlchemy's compiled modules, Qt's libraries, the CJK font), each read when
the import or the library load that needs it comes, one after the other, while one core
computes and the other idles (the demo city: 1.16-1.27 s to the first window with the OS
file cache dropped against 0.85 s with it warm).

So the app remembers which files it had loaded when its first window was painted
(:func:`record`: Python's modules in the order they were imported, then the shared libraries,
fonts and translations mapped into the process) in its cache directory, and at the next start
a background thread asks the kernel to read them ahead (``posix_fadvise(WILLNEED)``, which
returns once the reads are queued: :func:`start`), so that the disk works while the imports
compute. Measured on the demo city, eight cold starts alternating with and without it: medians
1.50 against 1.36 s, and again 1.58 against 1.50 s; the disk's speed moved more than that
between starts (1.11-1.81 s), and the start-up benchmark did not show it (1.15 s before,
1.19 s after, another hour). Warm, it costs nothing measurable. The list is only a hint: a file gone or changed since is read as usual, a
missing or damaged list means no read-ahead, and ``ASSISTCASE_NO_PREFETCH=1`` turns it off.
Nothing here imports more than the standard library (it runs before anything else).
"""

from __future__ import annotations

import os
import re
import sys
import threading
from pathlib import Path

LIST_NAME = "startup-files.txt"
ENV_OFF = "ASSISTCASE_NO_PREFETCH"
# mapped files worth reading ahead: shared libraries, fonts, translations, ICU's data
_MAPPED = re.compile(r"\.(so(\.\d+)*|ttf|ttc|otf|qm|dat)$")


def list_path() -> Path:
    """Where the list is kept: the user cache directory (``ASSISTCASE_CACHE_DIR`` moves it)."""
    override = os.environ.get("ASSISTCASE_CACHE_DIR")
    if override:
        return Path(override) / LIST_NAME
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("AssistCase", False)) / LIST_NAME


def _enabled() -> bool:
    return hasattr(os, "posix_fadvise") and not os.environ.get(ENV_OFF)


def start() -> threading.Thread | None:
    """Queue the reads of the files the last start needed, from a daemon thread (the
    system calls release the interpreter); None when there is nothing to read ahead."""
    if not _enabled():
        return None
    try:
        names = list_path().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeError):
        return None
    if not names:
        return None
    thread = threading.Thread(target=read_ahead, args=(names,), name="assistcase-prefetch",
                              daemon=True)
    thread.start()
    return thread


# Larger files are left to be read as they are used: of ICU's 32 MB of data a start reads
# 4 MB, of the interpreter's 23 MB library 10 (loaded before this runs); read whole they
# would only queue in front of what the start waits for.
LARGEST = 16 * 1024 * 1024


def read_ahead(names: list[str]) -> int:
    """Ask the kernel to read each file ahead (those up to :data:`LARGEST`); returns how
    many were asked for."""
    asked = 0
    for name in names:
        try:
            fd = os.open(name, os.O_RDONLY)
        except OSError:
            continue   # gone since the list was written: nothing to read
        try:
            if os.fstat(fd).st_size <= LARGEST:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
                asked += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return asked


def loaded_files() -> list[str]:
    """The files this process has loaded so far, in the order they are needed at start:
    Python's modules in import order (the compiled file where there is one, else the
    source), with the shared libraries, fonts and translations mapped into the process that
    no module names put before the first module of PySide6 (Qt's libraries are loaded with
    it)."""
    modules: list[str] = []
    seen: set[str] = set()
    first_qt = None
    for name, module in list(sys.modules.items()):
        cached = getattr(module, "__cached__", None)
        path = cached if cached and os.path.exists(cached) else getattr(module, "__file__", None)
        if not path:
            continue
        path = os.path.abspath(path)   # a module found through a relative entry of sys.path
        if path in seen:
            continue
        seen.add(path)
        if first_qt is None and (name == "shiboken6" or name.startswith("PySide6")):
            first_qt = len(modules)
        modules.append(path)
    mapped: list[str] = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                parts = line.split(None, 5)
                if len(parts) < 6:
                    continue
                path = parts[5].strip()
                if path.startswith("/") and path not in seen and _MAPPED.search(path):
                    seen.add(path)
                    mapped.append(path)
    except OSError:
        pass
    at = len(modules) if first_qt is None else first_qt
    return modules[:at] + mapped + modules[at:]


def record() -> Path | None:
    """Write the list of :func:`loaded_files` for the next start (atomically); None when it
    cannot be written (a read-only home: the next start simply reads nothing ahead)."""
    if not _enabled():
        return None
    path = list_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(loaded_files()) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return None
    return path
