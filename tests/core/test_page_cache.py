"""``db.page_cache``: SQLite's page cache of one session's connection for a block (the prints
and the bank file stream a roster's lines once on a small one; the import checks on its own),
and the pooled connection's size back afterwards, even when the block fails."""

import pytest

from assistcase.db import STREAM_CACHE_KIB, page_cache


def _cache(s) -> int:
    return s.connection().exec_driver_sql("PRAGMA cache_size").scalar()


def test_the_cache_is_small_inside_and_the_connections_own_after(db):
    if db.is_postgresql:   # the server's own memory settings apply: nothing is changed
        with db.read() as s, page_cache(s, STREAM_CACHE_KIB):
            s.connection().exec_driver_sql("SELECT 1")
        return
    with db.read() as s:
        own = _cache(s)
        assert own == -65_536                    # the connection's 64 MiB (db.py)
        with page_cache(s, STREAM_CACHE_KIB):
            assert _cache(s) == -STREAM_CACHE_KIB
        assert _cache(s) == own
        with pytest.raises(RuntimeError):
            with page_cache(s, 1024):
                raise RuntimeError("the block failed")
        assert _cache(s) == own
