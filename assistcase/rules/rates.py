"""One rounding rule for every rate and average the app shows, on screen or on paper.

Rates (落实率, 完成率, compliance, shares) are percentages rounded **half up** (四舍五入) to one
decimal: 81.25% → 81.3%, never half-to-even (81.2%). Averages of money (average paid per person)
are rounded half up to the fen. The arithmetic is exact (fractions), so nothing is rounded twice:
the figure is rounded once, where it is shown.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

NO_RATE = "—"  # a rate over nothing (0 required) is shown as a dash, not 0% or 100%


def _half_up(x: Fraction) -> int:
    """``x`` rounded to the nearest integer, halves away from zero."""
    n = (2 * abs(x.numerator) + x.denominator) // (2 * x.denominator)
    return n if x >= 0 else -n


def rate_percent(part: int, whole: int, places: int = 1) -> Decimal | None:
    """``part`` / ``whole`` as a percentage rounded half up to ``places`` decimals
    (None when ``whole`` is 0): rate_percent(13, 16) == Decimal('81.3')."""
    if whole == 0:
        return None
    scaled = _half_up(Fraction(part * 100 * 10 ** places, whole))
    return Decimal(scaled).scaleb(-places)


def format_rate(part: int, whole: int, places: int = 1) -> str:
    """The rate as shown everywhere: '81.3%', or '—' when nothing was required."""
    value = rate_percent(part, whole, places)
    return NO_RATE if value is None else f"{value:.{places}f}%"


def average_fen(total_fen: int, count: int) -> int | None:
    """An average of money in fen, rounded half up to the fen (None over no items)."""
    if count == 0:
        return None
    return _half_up(Fraction(total_fen, count))


def round_half_up(numerator: int, denominator: int, places: int = 1) -> Decimal:
    """``numerator`` / ``denominator`` rounded half up to ``places`` decimals (a count in
    万 or an amount in 亿元 for a summary: round_half_up(306_449, 10_000) == Decimal('30.6'))."""
    if denominator == 0:
        raise ZeroDivisionError("round_half_up over zero")
    return Decimal(_half_up(Fraction(numerator * 10 ** places, denominator))).scaleb(-places)


def change_percent(now: int, before: int, places: int = 1) -> Decimal | None:
    """The change from ``before`` to ``now`` in percent, half up (None when ``before`` is 0):
    change_percent(1125, 1000) == Decimal('12.5')."""
    return rate_percent(now - before, before, places)


def format_change(now: int, before: int, places: int = 1) -> str:
    """'+12.5%', '-3.0%', or '—' when there was nothing before."""
    value = change_percent(now, before, places)
    if value is None:
        return NO_RATE
    return f"{'+' if value > 0 else ''}{value:.{places}f}%"
