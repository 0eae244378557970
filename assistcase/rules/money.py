"""Money: integer fen (分) everywhere; the one place that turns yuan text into fen and fen into
yuan text. Never through a float: a spreadsheet's float goes through its shortest repr."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals and thousands separators: 109000 → '1,090.00'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def yuan_decimal(fen: int) -> Decimal:
    """Fen as an exact decimal number of yuan with two places (54000 → 540.00)."""
    return Decimal(fen).scaleb(-2)


def parse_yuan(value: Any, *, allow_zero: bool = True, allow_negative: bool = False) -> int | None:
    """An amount in yuan as typed or as a spreadsheet gives it ('630', '4,260.5', '¥1,234.50',
    '120元', 210.5) in whole fen; None when it is not an amount with at most two decimals, or
    is zero / negative where those are not allowed."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)  # the shortest decimal that reads back as this float: exact cents
    text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    if text.endswith("元"):
        text = text[:-1].strip()
    if not text:
        return None
    try:
        fen = Decimal(text) * 100
    except InvalidOperation:
        return None
    if not fen.is_finite() or fen != fen.to_integral_value():
        return None
    if (fen == 0 and not allow_zero) or (fen < 0 and not allow_negative):
        return None
    return int(fen)
