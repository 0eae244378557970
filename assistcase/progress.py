"""Progress reporting and cancellation for long core operations, free of any GUI toolkit.

A long function takes ``progress: ProgressFn | None`` and ``cancel: CancelToken | None``.
It calls ``progress(fraction, message)`` now and then and ``cancel.check()`` in its loops;
``check`` raises :class:`~assistcase.errors.Cancelled`, which rolls back the transaction.
"""

from __future__ import annotations

import threading
from typing import Callable, Protocol

from .errors import Cancelled

ProgressFn = Callable[[float, str], None]


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class SupportsProgress(Protocol):
    def __call__(self, fraction: float, message: str) -> None: ...


def no_progress(fraction: float, message: str) -> None:  # noqa: ARG001 - protocol
    return None
