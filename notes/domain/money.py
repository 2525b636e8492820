"""Money rounding: the one place an exact amount becomes cents.

Interest is computed exactly (as a ``Fraction``) and rounded once, half-up, to
the cent, when it becomes a monthly statement or part of a Note Amount (§2,
SPEC "Interest"); cash in lieu of fractional shares is rounded the same way
(§7). Nothing else in the domain rounds money.
"""

import math
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
    # floor(|x| * 100 + 1/2) is half-up on the magnitude, computed on integers.
    cents = math.floor(abs(exact) * 100 + Fraction(1, 2))
    return Decimal(-cents if exact < 0 else cents).scaleb(-2)
