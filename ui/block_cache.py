"""The row cache the lazy table models share: rows are fetched from the core a block at a time
and the most recently used blocks are kept (a city's lists never sit in memory whole)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class BlockCache(Generic[T]):
    """Blocks of ``size`` rows by block number, fetched through ``fetch(block number)`` on
    first use, at most ``max_blocks`` kept (least recently used dropped first)."""

    def __init__(self, fetch: Callable[[int], T], size: int = 200, max_blocks: int = 64):
        self._fetch = fetch
        self.size = size
        self._max = max_blocks
        self._blocks: OrderedDict[int, T] = OrderedDict()

    def for_row(self, row: int) -> T:
        """The block holding ``row``, fetched if need be."""
        b = row // self.size
        block = self._blocks.get(b)
        if block is None:
            block = self._blocks[b] = self._fetch(b)
            while len(self._blocks) > self._max:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(b)
        return block

    def cached(self, row: int) -> T | None:
        """The block holding ``row`` if it is in the cache (never fetches)."""
        return self._blocks.get(row // self.size)

    def clear(self) -> None:
        self._blocks.clear()
