"""round_cents_ratio is round_cents on a ratio of integers, exactly."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notes.domain.money import round_cents, round_cents_ratio


@given(
    st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=1, max_value=10**9)
)
def test_ratio_rounding_equals_fraction_rounding(numerator, denominator):
    assert round_cents_ratio(numerator, denominator) == round_cents(
        Fraction(numerator, denominator)
    )


@pytest.mark.parametrize(
    ("n", "d", "cents"),
    [(1, 200, "0.01"), (-1, 200, "-0.01"), (1, 201, "0.00"), (300000, 365, "821.92")],
)
def test_ties_round_away_from_zero(n, d, cents):
    assert str(round_cents_ratio(n, d)) == cents


def test_a_non_positive_denominator_is_refused():
    with pytest.raises(ValueError):
        round_cents_ratio(1, 0)
