"""Amounts in Chinese capitals (人民币大写), as payment documents carry them (DOMAIN §10).

The written form follows the People's Bank rules for 中文大写金额: 壹贰叁… with 拾佰仟 inside
a group of four digits and 万/亿 between groups; one 零 for any run of zeros between nonzero
digits (a zero group included); 元, then 角 and 分; 整 when there is no 角 or 分. When the 元
digit is 0 and 角 follows, or 角 is 0 and 分 follows, a 零 stands between (壹拾万元零壹角,
壹元零伍分); an amount under a yuan starts at its first nonzero unit (伍分).

    1,816,889.00 → 壹佰捌拾壹万陆仟捌佰捌拾玖元整      0.05 → 伍分
    10.00 → 壹拾元整                              100,000.10 → 壹拾万元零壹角

:func:`fen_from_capitals` reads such text back (the tests convert amounts both ways, and a
clerk's typed capitals can be checked against the figures).
"""

from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_SECTIONS = ("", "万", "亿")  # up to 9,999 亿 yuan


def _group(n: int) -> str:
    """A group of up to four digits (1…9999): zeros inside collapse to one 零, trailing
    zeros are not written."""
    out = []
    zero = False
    for power in (3, 2, 1, 0):
        d = n // 10 ** power % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[d] + _UNITS[power])
    return "".join(out)


def _integer(n: int) -> str:
    groups = []
    while n:
        n, g = divmod(n, 10_000)
        groups.append(g)
    if len(groups) > len(_SECTIONS):
        raise ValueError("amount too large for capitals")
    out = ""
    gap = False  # a zero group, or the zeros at the top of this group, since the last digit
    for i in reversed(range(len(groups))):
        g = groups[i]
        if g == 0:
            gap = bool(out)
            continue
        if out and (gap or g < 1000):
            out += "零"
        out += _group(g) + _SECTIONS[i]
        gap = False
    return out


def rmb_capitals(fen: int) -> str:
    """``fen`` as 人民币大写: rmb_capitals(181688900) == '壹佰捌拾壹万陆仟捌佰捌拾玖元整'."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("fen must be an int")
    if fen < 0:
        return "负" + rmb_capitals(-fen)
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    if cents == 0:
        return (_integer(yuan) if yuan else "零") + "元整"
    out = ""
    if yuan:
        out = _integer(yuan) + "元"
        if yuan % 10 == 0 or jiao == 0:
            out += "零"
    if jiao:
        out += DIGITS[jiao] + "角"
    if fen_digit:
        out += DIGITS[fen_digit] + "分"
    return out


def _read_group(text: str) -> int:
    """A group of up to four digits as :func:`_group` writes it (零 ignored)."""
    value = digit = 0
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS.index(ch)
        elif ch in "拾佰仟":
            value += (digit or (1 if ch == "拾" else _bad(text))) * 10 ** ("拾佰仟".index(ch) + 1)
            digit = 0
        else:
            _bad(text)
    return value + digit


def _read_integer(text: str) -> int:
    yi, _, rest = text.rpartition("亿")
    wan, _, units = rest.rpartition("万")
    return (_read_group(yi) * 100_000_000 if yi else 0) + _read_group(wan) * 10_000 \
        + _read_group(units)


def fen_from_capitals(text: str) -> int:
    """The amount in fen of 人民币大写 text (the inverse of :func:`rmb_capitals`)."""
    s = "".join(text.split()).removeprefix("人民币").removesuffix("整").removesuffix("正")
    if not s:
        raise ValueError("empty amount")
    sign = 1
    if s.startswith("负"):
        sign, s = -1, s[1:]
    yuan = 0
    if "元" in s:
        head, s = s.split("元", 1)
        yuan = _read_integer(head)
    s = s.lstrip("零")
    jiao = fen_digit = 0
    if "角" in s:
        head, s = s.split("角", 1)
        jiao = DIGITS.index(head) if len(head) == 1 and head in DIGITS else _bad(text)
        s = s.lstrip("零")
    if "分" in s:
        head, s = s.split("分", 1)
        fen_digit = DIGITS.index(head) if len(head) == 1 and head in DIGITS else _bad(text)
    if s:
        _bad(text)
    return sign * (yuan * 100 + jiao * 10 + fen_digit)


def _bad(text: str) -> int:
    raise ValueError(f"not an amount in capitals: {text!r}")
