"""Urban or rural (城乡类别) as a village's name and its township's say: a pure rule.

A household's class picks which standard it is paid by (Shangqiu 2022: urban 630, rural 420
yuan a month), so choosing a village proposes its class: a village (村) is rural; a community
(社区), or any place under a subdistrict (街道), is urban; anything else under a township or
town (乡/镇) is rural. The caseworker can still change it.
"""

from __future__ import annotations


def village_residence_class(township_name: str, village_name: str) -> str:
    if village_name.endswith("村"):
        return "rural"
    if village_name.endswith("社区") or township_name.endswith("街道"):
        return "urban"
    return "rural"
