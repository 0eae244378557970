"""Search keys for names: name suffixes, full pinyin, pinyin initials (pypinyin)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=None)
def _pinyin_tools() -> tuple:
    # Imported here: pypinyin loads its dictionary on import (~0.3 s), and only writes need
    # it; searching and the app's start do not.
    from pypinyin import Style, lazy_pinyin
    from pypinyin.constants import PHRASES_DICT, RE_HANS

    return Style, lazy_pinyin, PHRASES_DICT, RE_HANS


def _lazy_syllables(name: str) -> tuple[str, ...]:
    Style, lazy_pinyin, _, _ = _pinyin_tools()
    # errors="ignore" drops characters pypinyin cannot read (e.g. the "·" in minority names).
    return tuple(s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
                 if s.isascii() and s.isalpha())


@lru_cache(maxsize=None)
def _char_syllables(char: str) -> tuple[str, ...]:
    return _lazy_syllables(char)


@lru_cache(maxsize=65536)
def _syllables(name: str) -> tuple[str, ...]:
    """The name's pinyin syllables, as pypinyin's ``lazy_pinyin`` reads the whole name.

    pypinyin reads a run of Chinese characters phrase by phrase (单于 → chan yu, 单 alone →
    dan) and a character outside any phrase by itself; a name of Chinese characters none of
    whose parts is a phrase of its dictionary therefore reads as its characters one by one,
    each looked up once per process (an import reads 100,000 names: 0.1 s instead of 15 s).
    Anything else (a phrase inside, letters, "·") goes to ``lazy_pinyin`` whole."""
    _, _, phrases, hans = _pinyin_tools()
    n = len(name)
    if n == 1 or not hans.match(name) or any(
            name[i:j] in phrases for i in range(n - 1) for j in range(i + 2, n + 1)):
        return _lazy_syllables(name)
    return tuple(s for c in name for s in _char_syllables(c))


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
