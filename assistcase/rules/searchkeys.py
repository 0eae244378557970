"""Search keys for names: name suffixes, full pinyin, pinyin initials (pypinyin)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=8192)
def _syllables(name: str) -> tuple[str, ...]:
    # Imported here: pypinyin loads its dictionary on import (~0.3 s), and only writes need
    # it; searching and the app's start do not.
    from pypinyin import Style, lazy_pinyin

    # errors="ignore" drops characters pypinyin cannot read (e.g. the "·" in minority names).
    return tuple(s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
                 if s.isascii() and s.isalpha())


def full_pinyin(name: str) -> str:
    """``张三`` → ``zhangsan``."""
    return "".join(_syllables(name))


def initials(name: str) -> str:
    """``张三`` → ``zs``."""
    return "".join(s[0] for s in _syllables(name))


def name_keys(name: str) -> set[str]:
    """Every key under which a person with this name can be found by prefix.

    Suffixes of the name make any substring a prefix (``三`` finds 张三); the pinyin and
    initials of the whole name and of the given name (from the second character) let both
    ``zhangsan``/``zs`` and ``san``/``s``-less queries hit."""
    name = name.strip()
    keys = {name[i:] for i in range(len(name))}
    syl = _syllables(name)
    if syl:
        keys.add("".join(syl))
        keys.add("".join(s[0] for s in syl))
        if len(syl) > 1:
            keys.add("".join(syl[1:]))
    keys.discard("")
    return keys


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix + "\U0010ffff"
