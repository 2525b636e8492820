"""Money rounding: the one place an exact amount becomes cents.

Interest is computed exactly (as a ``Fraction``) and rounded once, half-up, to
the cent, when it becomes a monthly statement or part of a Note Amount (§2);
cash in lieu of fractional shares is rounded the same way (§7). Nothing else
in the domain rounds money.
"""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def round_cents(value: Fraction | Decimal) -> Decimal:
    """Round an exact amount half-up (away from zero on a tie) to the cent.

    Args:
        value: the exact amount; a ``Fraction`` is rounded without any
            intermediate inexact division.

    Returns:
        The amount with exactly two decimal places.

    Raises:
        TypeError: for a float, which cannot carry an exact amount of money.
    """
    if isinstance(value, float):
        raise TypeError("money is never a float; pass a Decimal or a Fraction")
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    exact = Fraction(value)
    return round_cents_ratio(exact.numerator, exact.denominator)


def round_cents_ratio(numerator: int, denominator: int) -> Decimal:
    """`round_cents(Fraction(numerator, denominator))`, on integers only.

    The statement run calls this once per statement, so it avoids building a
    Fraction: floor(|n/d| × 100 + 1/2) = (200·|n| + d) // (2·d) for d > 0.
    """
    if denominator <= 0:
        raise ValueError("the denominator must be positive")
    cents = (200 * abs(numerator) + denominator) // (2 * denominator)
    return Decimal(-cents if numerator < 0 else cents).scaleb(-2)
