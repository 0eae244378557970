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


def county_code(code: str) -> str:
    """The county part of any code at county level or below."""
    return code[:CODE_DIGITS["county"]]
