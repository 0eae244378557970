"""Cyclic garbage collection paused while long streaming work runs.

A city's roster printed as a PDF makes some ten million short-lived strings and tuples, freed
by reference counting as they go; none of them forms a cycle. Python's cyclic collector still
counts them, and every few hundred thousand it walks every object of the process (the ORM's
mappers, the caches of the print): measured on the city's dibao roster (179,224 lines), 953
collections took 0.59 s of its 6.45 s, seven full ones 0.45 s; on 10,000 lines 0.10 of 0.71 s.

:func:`cyclic_gc_paused` (also a decorator) switches the collector off for such a block and
back on when the last such block ends (blocks on other threads may overlap). It only switches
it back on if it was on: the app starts with it off (ui/app.py). Garbage in cycles made
meanwhile is collected later, at the collector's next run. Also used where a city's file is
read and checked (the import, the bank's returns): such a read keeps hundreds of thousands of
rows alive, and each collection walked them all again (2.4 CPU s of the import, a fifth of
the returns).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from typing import Iterator

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
