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


def message_part(message: str, zh: bool) -> str:
    """The part of a progress message in one language. The core reports "pages 351/1431
    第351/1431页" (English, then Chinese): Chinese is the part from the first Chinese character
    on, English the part before it; "" when the message has no part in that language."""
    first = next((i for i, ch in enumerate(message) if "\u4e00" <= ch <= "\u9fff"
                  or ch in "第已"), None)
    if first is None:
        part = "" if zh else message
    else:
        part = message[first:] if zh else message[:first]
    return part.strip()


def no_progress(fraction: float, message: str) -> None:  # noqa: ARG001 - protocol
    return None
