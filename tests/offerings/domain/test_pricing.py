from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offerings.domain.pricing import (
    AllocationMissing,
    PricingError,
    Sale,
    UnitTerms,
    conversion_price_compute,
    validate_sales,
)

D = Decimal

WORKED_SALES = [
    Sale(shares=150_000, price_per_share=D("2.00")),  # $300,000
    Sale(shares=200_000, price_per_share=D("2.50")),  # $500,000 -> $800,000
    Sale(shares=100_000, price_per_share=D("3.10")),  # $310,000, $200,000 of it counted
    Sale(shares=500_000, price_per_share=D("4.00")),  # after the tranche: not counted
]


def test_worked_example_from_spec():
    result = conversion_price_compute(WORKED_SALES)

    # 200,000 / 3.10 = 64,516.129... shares; 1,000,000 / 414,516.129... = 2.41245136...
    assert result.price == D("2.412451")
    assert result.shares_counted == 150_000 + 200_000 + Fraction(2_000_000, 31)
    assert result.tranche == D("1000000")
    assert [line.dollars_counted for line in result.lines] == [
        D("300000"),
        D("500000"),
        D("200000"),
        D("0"),
    ]
    assert [line.shares_counted for line in result.lines] == [
        150_000,
        200_000,
        Fraction(2_000_000, 31),
        0,
    ]
    assert result.lines[2].common_stock_dollars == D("310000")
    assert result.lines[2].price_per_share == Fraction("3.10")


def test_price_has_six_places():
    assert conversion_price_compute(WORKED_SALES).price.as_tuple().exponent == -6


def test_sale_landing_exactly_on_the_tranche_counts_in_full():
    sales = [
        Sale(shares=200_000, price_per_share=D("2.50")),
        Sale(shares=125_000, price_per_share=D("4.00")),
        Sale(shares=1, price_per_share=D("100.00")),
    ]
    result = conversion_price_compute(sales)
    # 1,000,000 / 325,000 = 3.0769230769...
    assert result.price == D("3.076923")
    assert result.shares_counted == 325_000
    assert result.lines[2].dollars_counted == 0


def test_units_price_is_the_share_allocation_per_share():
    # 1 share + 1 warrant at $5.00, 80% to the share: $4.00 a share.
    terms = UnitTerms(shares_per_unit=1, warrants_per_unit=1, share_allocation=D("0.8"))
    result = conversion_price_compute([Sale(units=300_000, unit_price=D("5.00"))], unit_terms=terms)
    assert result.price == D("4.000000")
    assert result.shares_counted == 250_000
    line = result.lines[0]
    assert line.shares_sold == 300_000
    assert line.common_stock_dollars == D("1200000")
    assert line.dollars_counted == D("1000000")
    assert line.price_per_share == 4


def test_units_with_two_shares_crossing_the_tranche():
    # 2 shares + 1 warrant, 90% of the unit price to the shares.
    terms = UnitTerms(shares_per_unit=2, warrants_per_unit=1, share_allocation=D("0.9"))
    sales = [
        # 100,000 x 5.00 x 0.9 = $450,000 for 200,000 shares at $2.25
        Sale(units=100_000, unit_price=D("5.00")),
        # per share 5.50 x 0.9 / 2 = $2.475; $550,000 needed -> 222,222.2... shares
        Sale(units=200_000, unit_price=D("5.50")),
    ]
    result = conversion_price_compute(sales, unit_terms=terms)
    assert result.lines[0].price_per_share == Fraction("2.25")
    assert result.lines[1].price_per_share == Fraction("2.475")
    assert result.lines[1].dollars_counted == D("550000")
    assert result.shares_counted == Fraction(3_800_000, 9)
    # 1,000,000 / 422,222.2... = 90/38 = 2.3684210526...
    assert result.price == D("2.368421")


def test_mixed_shares_and_units():
    terms = UnitTerms(shares_per_unit=1, warrants_per_unit=1, share_allocation=D("0.75"))
    sales = [
        Sale(shares=100_000, price_per_share=D("3.00")),  # $300,000, 100,000 shares
        Sale(units=150_000, unit_price=D("6.00")),  # $675,000 at $4.50, 150,000 shares
        Sale(shares=50_000, price_per_share=D("5.00")),  # $25,000 needed: 5,000 shares
    ]
    result = conversion_price_compute(sales, unit_terms=terms)
    assert [line.dollars_counted for line in result.lines] == [
        D("300000"),
        D("675000"),
        D("25000"),
    ]
    assert result.shares_counted == 255_000
    # 1,000,000 / 255,000 = 3.9215686274...
    assert result.price == D("3.921569")


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (D("1.0000005"), D("1.000001")),
        (D("2.0000025"), D("2.000003")),  # half-even would give 2.000002
        (D("2.00000249"), D("2.000002")),
    ],
)
def test_rounds_half_up_to_six_places(price, expected):
    result = conversion_price_compute([Sale(shares=1, price_per_share=price)], tranche=price)
    assert result.price == expected


def test_tranche_is_a_series_term():
    result = conversion_price_compute(WORKED_SALES, tranche=D("800000"))
    # The first two sales exactly: 800,000 / 350,000 = 2.285714285...
    assert result.price == D("2.285714")


def test_fewer_than_the_tranche_sold_gives_no_price():
    with pytest.raises(PricingError, match="no Conversion Price"):
        conversion_price_compute([Sale(shares=100_000, price_per_share=D("9.99"))])


def test_unit_share_dollars_below_the_tranche_give_no_price():
    # $1,250,000 raised, but only $1,000,000 x 0.79 of it bought Common Stock.
    terms = UnitTerms(shares_per_unit=1, warrants_per_unit=1, share_allocation=D("0.79"))
    with pytest.raises(PricingError, match="no Conversion Price"):
        conversion_price_compute([Sale(units=250_000, unit_price=D("5.00"))], unit_terms=terms)


def test_units_without_allocation_wait_for_one():
    terms = UnitTerms(shares_per_unit=1, warrants_per_unit=1, share_allocation=None)
    with pytest.raises(AllocationMissing, match="§5.1"):
        conversion_price_compute([Sale(units=300_000, unit_price=D("5.00"))], unit_terms=terms)


def test_missing_allocation_is_a_pricing_error():
    assert issubclass(AllocationMissing, PricingError)


def test_units_without_terms_are_refused():
    with pytest.raises(PricingError, match="unit terms"):
        conversion_price_compute([Sale(units=300_000, unit_price=D("5.00"))])


@pytest.mark.parametrize("allocation", [D("0"), D("-0.1"), D("1.01")])
def test_allocation_must_be_a_fraction_of_the_unit_price(allocation):
    terms = UnitTerms(shares_per_unit=1, warrants_per_unit=1, share_allocation=allocation)
    with pytest.raises(PricingError, match="allocation"):
        conversion_price_compute([Sale(units=300_000, unit_price=D("5.00"))], unit_terms=terms)


def test_tranche_must_be_positive():
    with pytest.raises(PricingError, match="tranche"):
        conversion_price_compute(WORKED_SALES, tranche=D("0"))


def test_validate_sales_accepts_sales_matching_gross_proceeds():
    validate_sales(WORKED_SALES, D("3110000.00"))


def test_validate_sales_counts_the_whole_unit_price_and_allows_a_missing_allocation():
    terms = UnitTerms(shares_per_unit=2, warrants_per_unit=1, share_allocation=None)
    sales = [
        Sale(shares=100_000, price_per_share=D("3.00")),
        Sale(units=150_000, unit_price=D("6.00")),
    ]
    validate_sales(sales, D("1200000"), terms)


def test_validate_sales_refuses_a_total_that_differs_and_shows_both():
    with pytest.raises(PricingError, match=r"3,110,000\.00.*3,110,000\.01"):
        validate_sales(WORKED_SALES, D("3110000.01"))


@pytest.mark.parametrize(
    ("sales", "match"),
    [
        ([], "at least one sale"),
        (
            [Sale(shares=1, price_per_share=D("1"), units=1, unit_price=D("1"))],
            "exactly one of the two",
        ),
        ([Sale(shares=1)], "exactly one of the two"),
        ([Sale(shares=1, unit_price=D("1"))], "exactly one of the two"),
        ([Sale()], "exactly one of the two"),
        ([Sale(shares=0, price_per_share=D("1"))], "shares must be a positive"),
        ([Sale(shares=-5, price_per_share=D("1"))], "shares must be a positive"),
        ([Sale(units=0, unit_price=D("1"))], "units must be a positive"),
        ([Sale(shares=1, price_per_share=D("0"))], "price per share must be positive"),
        ([Sale(shares=1, price_per_share=D("-1"))], "price per share must be positive"),
        ([Sale(units=1, unit_price=D("0"))], "unit price must be positive"),
        ([Sale(shares=1, price_per_share=1.5)], "must be a Decimal"),
        ([Sale(units=1, unit_price=D("5"))], "unit terms"),
    ],
)
def test_validate_sales_refusals(sales, match):
    with pytest.raises(PricingError, match=match):
        validate_sales(sales, D("1"))


def test_refusal_names_the_sale():
    sales = [
        Sale(shares=1, price_per_share=D("1")),
        Sale(shares=1, price_per_share=D("-1")),
    ]
    with pytest.raises(PricingError, match="Sale 2"):
        validate_sales(sales, D("0"))


prices = st.decimals(min_value=D("0.01"), max_value=D("50"), places=2)
share_sales = st.lists(
    st.builds(
        Sale,
        shares=st.integers(min_value=1, max_value=2_000_000),
        price_per_share=prices,
    ),
    min_size=1,
    max_size=8,
).filter(lambda sales: sum(s.shares * s.price_per_share for s in sales) >= 1_000_000)


@settings(max_examples=150, deadline=None)
@given(share_sales)
def test_price_is_an_average_of_the_counted_sale_prices(sales):
    result = conversion_price_compute(sales)
    counted = [line for line in result.lines if line.dollars_counted > 0]
    assert sum(line.dollars_counted for line in result.lines) == D("1000000")
    assert min(line.price_per_share for line in counted) <= result.price
    assert result.price <= max(line.price_per_share for line in counted)
    # Exactly half a unit of the sixth place at most away from the exact average.
    assert abs(Fraction(result.price) - Fraction(1_000_000) / result.shares_counted) <= Fraction(
        1, 2 * 10**6
    )
