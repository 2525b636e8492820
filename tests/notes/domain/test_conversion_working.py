"""The working of a conversion as the staff pages show it (§5.1, §7)."""

from datetime import date
from decimal import Decimal as D
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from notes.domain.conversion import conversion_compute, shares_working


def test_the_worked_example():
    working = shares_working(note_amount=D("275068.49"), price=D("2.412451"))
    assert working.quotient == Fraction(D("275068.49")) / Fraction(D("2.412451"))
    assert (working.shares, working.cash_in_lieu) == (114020, D("0.83"))
    assert working.explanation() == (
        "275,068.49 ÷ 2.412451 = 114,020.34… → 114,020 shares; "
        "275,068.49 − 114,020 × 2.412451 = 0.82698 → 0.83 cash in lieu (§7)"
    )


def test_an_exact_quotient_has_no_ellipsis_and_no_cash():
    working = shares_working(note_amount=D("250.00"), price=D("2.500000"))
    assert working.explanation() == (
        "250.00 ÷ 2.500000 = 100.00 → 100 shares; 250.00 − 100 × 2.500000 = 0.00 → 0.00"
        " cash in lieu (§7)"
    )


def test_a_quotient_just_below_a_whole_share_is_cut_not_rounded_up():
    working = shares_working(note_amount=D("2.99"), price=D("1.00"))
    assert working.explanation().startswith("2.99 ÷ 1.000000 = 2.99 → 2 shares;")
    # 0.99 ÷ 0.333334 = 2.969994…: two places cut, never shown as 2.97.
    working = shares_working(note_amount=D("0.99"), price=D("0.333334"))
    assert "= 2.96… → 2 shares" in working.explanation()


@settings(max_examples=200, deadline=None)
@given(
    principal=st.decimals(D("0.00"), D("10000000.00"), places=2),
    interest=st.decimals(D("0.00"), D("1000000.00"), places=2),
    price=st.decimals(D("0.000001"), D("1000.000000"), places=6),
)
def test_the_working_gives_the_figures_a_conversion_records(principal, interest, price):
    figures = conversion_compute(principal=principal, accrued_interest=interest, price=price,
                                 conversion_date=date(2007, 7, 20))
    working = shares_working(note_amount=figures.note_amount, price=price)
    assert (working.shares, working.cash_in_lieu) == (figures.shares, figures.cash_in_lieu)
    assert working.quotient == working.shares + working.fraction
    assert 0 <= working.fraction < 1
