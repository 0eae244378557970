"""Area codes (统计用区划代码): the one place that knows how many leading digits name an area
at each level and how a code prefix selects everything inside an area.

A 12-digit code is province (2) + city (2) + county (2) + township (3) + village (3); an area
contains exactly the areas whose codes start with its significant digits."""

from __future__ import annotations

CODE_DIGITS = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
PARENT_LEVEL = {"city": "province", "county": "city", "township": "county", "village": "township"}


def code_prefix(code: str, level: str) -> str:
    """The significant leading digits of an area's code (``4114`` for a city)."""
    return code[:CODE_DIGITS[level]]


def code_like(code: str, level: str) -> str:
    """A LIKE pattern matching the area and every area inside it."""
    return code_prefix(code, level) + "%"


def code_range(code: str, level: str) -> tuple[str, str]:
    """``(low, high)`` with ``low <= code < high`` exactly for the area and every area inside
    it: the same set as :func:`code_like`, as a range an index on the code can seek to (a
    LIKE pattern is not, on SQLite, unless the column is declared case-insensitive)."""
    prefix = code_prefix(code, level)
    # codes are digits: the next prefix of the same length bounds the range (``4114`` →
    # ``4115``, ``411429`` → ``411430``), compared alike under any collation
    high = str(int(prefix) + 1).zfill(len(prefix))
    if len(high) > len(prefix):
        raise ValueError(f"no area code range above {prefix}")
    return prefix, high


def county_code(code: str) -> str:
    """The county part of any code at county level or below."""
    return code[:CODE_DIGITS["county"]]
