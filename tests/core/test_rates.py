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


def test_case_lists_show_per_capita_income_and_shares_by_the_rule():
    """The exit-review and marginal lists (cases page, command line) show the per-capita
    income half up to the fen, as the entitlement breakdown does, and the share of the
    standard half up to one decimal: 1,001 fen for 2 persons is 5.01 yuan (half-to-even:
    5.00), 81.25 % is 81.3 % (float formatting gives 81.2 %)."""
    import datetime as dt

    from assistcase.services.case_review import ExitReviewDue, MarginalHousehold

    due = ExitReviewDue(1, 1, "H1", "某", "村", "active", dt.date(2026, 11, 1), 42000,
                        1001, 2, 2, 0, dt.datetime(2026, 11, 1))
    assert due.per_capita_fen == 501
    m = MarginalHousehold(1, "H1", "某", "村", "rural", "marginal", 110_051, 2, 40_000, 150)
    # 55,025.5 fen per person of 40,000: 137.563…% → 137.6%
    assert m.per_capita_fen == 55_026
    assert m.percent_of_standard_text == "137.6%"
    m = MarginalHousehold(1, "H1", "某", "村", "rural", "marginal", 130_000, 2, 40_000, 150)
    assert m.percent_of_standard_text == "162.5%"
    m = MarginalHousehold(1, "H1", "某", "村", "rural", "marginal", 1_625, 1, 1_000, 150)
    assert m.percent_of_standard_text == "162.5%"
    m = MarginalHousehold(1, "H1", "某", "村", "rural", "marginal", 81_25, 1, 100_00, 150)
    assert m.percent_of_standard_text == "81.3%"       # float '.1f' gives 81.2%


def test_no_rate_or_average_is_rounded_outside_the_rule():
    """Screens, printed reports and the command line format rates and averages through
    assistcase.rates: no Python round() (half to even) and no float percentage formats."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = [*root.glob("ui/*.py"), *root.glob("assistcase/reports/*.py"),
             *root.glob("assistcase/io/*.py"), root / "assistcase" / "cli.py"]
    bad = re.compile(r"(?<![\w.])round\(|:[,]?\.\d[f%]\}\s*%|:\.\d%\}")
    found = [f"{p.relative_to(root)}:{n}: {line.strip()}" for p in files
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
             if bad.search(line) and "peak RSS" not in line]
    assert found == []
