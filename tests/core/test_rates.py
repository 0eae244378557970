"""The one rounding rule for rates and averages (assistcase/rates.py)."""

from decimal import Decimal

from assistcase.rules.rates import average_fen, format_rate, rate_percent


def test_rates_round_half_up_not_to_even():
    assert rate_percent(13, 16) == Decimal("81.3")      # 81.25 %: half-to-even would give 81.2
    assert format_rate(13, 16) == "81.3%"
    assert format_rate(1, 8) == "12.5%"
    assert format_rate(1, 3) == "33.3%"
    assert format_rate(2, 3) == "66.7%"
    assert format_rate(7, 7) == "100.0%"
    assert format_rate(0, 5) == "0.0%"
    assert format_rate(0, 0) == "—"
    assert format_rate(1, 16, places=2) == "6.25%"
    assert format_rate(1, 80, places=1) == "1.3%"      # 1.25 → 1.3


def test_average_fen_half_up():
    assert average_fen(100, 3) == 33
    assert average_fen(101, 2) == 51                   # 50.5 → 51
    assert average_fen(-101, 2) == -51
    assert average_fen(0, 0) is None
