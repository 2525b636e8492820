"""Units of part of a share or warrant (§5.1): "one share and one-half of one warrant"."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offerings.domain.pricing import (
    PricingError,
    Sale,
    UnitTerms,
    conversion_price_compute,
    validate_sales,
)

D = Decimal


def test_one_share_and_half_a_warrant_at_5_with_a_90_percent_allocation():
    # $5.00 × 0.9 ÷ 1 share = $4.50 a share; the half warrant is in the other 10%.
    terms = UnitTerms(shares_per_unit=D("1"), warrants_per_unit=D("0.5"),
                      share_allocation=D("0.9"))
    result = conversion_price_compute([Sale(units=300_000, unit_price=D("5.00"))],
                                      unit_terms=terms)
    assert result.price == D("4.500000")
    line = result.lines[0]
    assert line.price_per_share == Fraction("4.5")
    assert line.shares_sold == 300_000
    assert line.common_stock_dollars == D("1350000")
    assert result.shares_counted == Fraction(2_000_000, 9)  # 1,000,000 ÷ 4.50


def test_half_a_share_and_a_quarter_warrant_crossing_the_tranche():
    terms = UnitTerms(shares_per_unit=D("0.5"), warrants_per_unit=D("0.25"),
                      share_allocation=D("0.8"))
    sales = [
        # 400,000 units × 2.50 × 0.8 = $800,000 for 200,000 shares at 2.50 × 0.8 ÷ 0.5 = $4.00
        Sale(units=400_000, unit_price=D("2.50")),
        # 3.00 × 0.8 ÷ 0.5 = $4.80 a share; the $200,000 still needed buy 41,666.66… shares
        Sale(units=300_001, unit_price=D("3.00")),
    ]
    result = conversion_price_compute(sales, unit_terms=terms)
    assert [line.price_per_share for line in result.lines] == [Fraction(4), Fraction("4.8")]
    assert result.lines[0].shares_sold == 200_000
    assert result.lines[1].shares_sold == D("150000.5")  # an odd number of half shares
    assert result.lines[1].dollars_counted == D("200000")
    assert result.shares_counted == 200_000 + Fraction(200_000) / Fraction("4.8")
    # 1,000,000 ÷ 241,666.66… = 4.1379310344… → half-up to 6 places, once.
    assert result.price == D("4.137931")


@pytest.mark.parametrize("shares", [D("0"), D("-1"), D("-0.5"), 0, -1])
def test_no_or_negative_shares_per_unit_is_refused(shares):
    terms = UnitTerms(shares_per_unit=shares, warrants_per_unit=D("0.5"),
                      share_allocation=D("0.9"))
    with pytest.raises(PricingError, match="Shares per unit must be a number greater than 0"):
        validate_sales([Sale(units=200_000, unit_price=D("5.00"))], D("1000000.00"), terms)


def test_negative_warrants_per_unit_is_refused_and_none_is_allowed():
    sales = [Sale(units=200_000, unit_price=D("5.00"))]
    with pytest.raises(PricingError, match="Warrants per unit must be 0 or more"):
        validate_sales(sales, D("1000000.00"),
                       UnitTerms(shares_per_unit=D("1"), warrants_per_unit=D("-0.5"),
                                 share_allocation=D("0.9")))
    validate_sales(sales, D("1000000.00"),
                   UnitTerms(shares_per_unit=D("1"), warrants_per_unit=D("0"),
                             share_allocation=D("0.9")))


@pytest.mark.parametrize("bad", [0.5, D("NaN"), D("Infinity"), True, "1"])
def test_counts_that_are_not_exact_numbers_are_refused(bad):
    terms = UnitTerms(shares_per_unit=bad, warrants_per_unit=0, share_allocation=D("0.9"))
    with pytest.raises(PricingError, match="Shares per unit"):
        validate_sales([Sale(units=200_000, unit_price=D("5.00"))], D("1000000.00"), terms)


@settings(max_examples=60, deadline=None)
@given(
    shares_per_unit=st.integers(1, 5),
    warrants_per_unit=st.integers(0, 3),
    allocation=st.decimals(D("0.01"), D("1"), places=2),
    unit_prices=st.lists(st.decimals(D("0.50"), D("20.00"), places=2), min_size=1, max_size=4),
)
def test_whole_numbers_as_decimals_price_exactly_as_integers(
    shares_per_unit, warrants_per_unit, allocation, unit_prices
):
    # The database now stores 2 as 2.000000: the price and its working must not move.
    sales = [Sale(units=400_000, unit_price=price) for price in unit_prices]
    as_ints = UnitTerms(shares_per_unit, warrants_per_unit, allocation)
    as_decimals = UnitTerms(D(shares_per_unit).quantize(D("0.000001")),
                            D(warrants_per_unit).quantize(D("0.000001")), allocation)
    try:
        expected = conversion_price_compute(sales, unit_terms=as_ints)
    except PricingError:
        with pytest.raises(PricingError):
            conversion_price_compute(sales, unit_terms=as_decimals)
        return
    assert conversion_price_compute(sales, unit_terms=as_decimals) == expected
