from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notes.domain.conversion import conversion_compute

D = Decimal
CONVERTED_ON = date(2026, 3, 31)


def test_worked_example():
    figures = conversion_compute(
        principal=D("250000.00"),
        accrued_interest=D("2945.21"),
        price=D("2.412451"),
        conversion_date=CONVERTED_ON,
    )
    assert figures.note_amount == D("252945.21")
    assert figures.principal_converted == D("250000.00")
    assert figures.interest_converted == D("2945.21")
    assert figures.conversion_price == D("2.412451")
    # 252,945.21 / 2.412451 = 104,849.885...; 104,849 x 2.412451 = 252,943.074899
    assert figures.shares == 104_849
    # 252,945.21 - 252,943.074899 = 2.135101
    assert figures.cash_in_lieu == D("2.14")
    assert figures.cash_due_date == date(2026, 4, 10)


def test_second_worked_example():
    figures = conversion_compute(
        principal=D("100000.00"),
        accrued_interest=D("2876.71"),
        price=D("2.412451"),
        conversion_date=CONVERTED_ON,
    )
    # 102,876.71 / 2.412451 = 42,644.06...; 42,644 x 2.412451 = 102,876.560444
    assert figures.shares == 42_644
    assert figures.cash_in_lieu == D("0.15")  # 0.149556


def test_exact_multiple_of_the_price_leaves_no_cash():
    figures = conversion_compute(
        principal=D("100000.00"),
        accrued_interest=D("0.00"),
        price=D("4.000000"),
        conversion_date=CONVERTED_ON,
    )
    assert figures.shares == 25_000
    assert figures.cash_in_lieu == D("0.00")


def test_exact_multiple_including_interest():
    figures = conversion_compute(
        principal=D("99000.00"),
        accrued_interest=D("1000.00"),
        price=D("2.500000"),
        conversion_date=CONVERTED_ON,
    )
    assert figures.shares == 40_000
    assert figures.cash_in_lieu == D("0.00")


def test_cash_in_lieu_rounds_half_up():
    # 9 x 1.015 = 9.135; 10.00 - 9.135 = 0.865 -> 0.87 (half-even would give 0.86)
    figures = conversion_compute(
        principal=D("10.00"),
        accrued_interest=D("0.00"),
        price=D("1.015"),
        conversion_date=CONVERTED_ON,
    )
    assert figures.shares == 9
    assert figures.cash_in_lieu == D("0.87")


def test_note_amount_below_one_share_is_all_cash():
    figures = conversion_compute(
        principal=D("0.00"),
        accrued_interest=D("1.99"),
        price=D("2.000000"),
        conversion_date=CONVERTED_ON,
    )
    assert figures.shares == 0
    assert figures.cash_in_lieu == D("1.99")


def test_cash_due_days_is_adjustable():
    figures = conversion_compute(
        principal=D("100.00"),
        accrued_interest=D("0.00"),
        price=D("3"),
        conversion_date=date(2026, 12, 28),
        cash_due_days=5,
    )
    assert figures.cash_due_date == date(2027, 1, 2)


@pytest.mark.parametrize("price", [D("0"), D("-2.412451")])
def test_non_positive_price_is_refused(price):
    with pytest.raises(ValueError, match="Conversion Price must be positive"):
        conversion_compute(
            principal=D("100.00"),
            accrued_interest=D("0.00"),
            price=price,
            conversion_date=CONVERTED_ON,
        )


@pytest.mark.parametrize(
    ("principal", "interest"), [(D("-1.00"), D("0.00")), (D("1.00"), D("-0.01"))]
)
def test_negative_amounts_are_refused(principal, interest):
    with pytest.raises(ValueError, match="negative"):
        conversion_compute(
            principal=principal,
            accrued_interest=interest,
            price=D("1"),
            conversion_date=CONVERTED_ON,
        )


def test_negative_cash_due_days_are_refused():
    with pytest.raises(ValueError, match="cash_due_days"):
        conversion_compute(
            principal=D("1.00"),
            accrued_interest=D("0.00"),
            price=D("1"),
            conversion_date=CONVERTED_ON,
            cash_due_days=-1,
        )


@settings(max_examples=200, deadline=None)
@given(
    principal=st.decimals(min_value=0, max_value=D("50000000"), places=2),
    interest=st.decimals(min_value=0, max_value=D("5000000"), places=2),
    price=st.decimals(min_value=D("0.000001"), max_value=D("1000"), places=6),
)
def test_shares_and_remainder_make_up_the_note_amount(principal, interest, price):
    figures = conversion_compute(
        principal=principal,
        accrued_interest=interest,
        price=price,
        conversion_date=CONVERTED_ON,
    )
    # The unrounded remainder, so shares x price + remainder == note amount.
    remainder = figures.note_amount - figures.shares * price
    assert figures.note_amount == principal + interest
    # Floor: no share more than the Note Amount pays for, no whole share left over.
    assert 0 <= remainder < price
    assert figures.cash_in_lieu == remainder.quantize(D("0.01"), rounding=ROUND_HALF_UP)
