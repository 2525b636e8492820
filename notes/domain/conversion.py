"""Shares and cash in lieu on conversion of a note (§5, §7).

- The **Note Amount** is the outstanding principal together with the interest
  accrued and unpaid through the conversion date, inclusive (§5.1, §7).
- The holder receives "the number of shares of Common Stock that is equal to
  the Note Amount … divided by the Conversion Price" (§5.1), but "no
  fractional shares … shall be issued" (§7): shares = ⌊Note Amount ÷ Conversion
  Price⌋, computed exactly.
- The part of the Note Amount not so converted is paid in cash (§7): cash in
  lieu = Note Amount − shares × Conversion Price, rounded once, half-up, to
  the cent, payable "within ten (10) days after the date of such conversion".
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from notes.domain.money import round_cents


@dataclass(frozen=True)
class ConversionFigures:
    """What a conversion turns the note into.

    ``principal_converted`` and ``interest_converted`` are the two parts of
    the Note Amount (the §6.2 notice states them); ``cash_in_lieu`` is the
    fractional-share remainder of that Note Amount, paid in cash by
    ``cash_due_date``.
    """

    principal_converted: Decimal
    interest_converted: Decimal
    note_amount: Decimal
    conversion_price: Decimal
    shares: int
    cash_in_lieu: Decimal
    cash_due_date: date


def conversion_compute(
    *,
    principal: Decimal,
    accrued_interest: Decimal,
    price: Decimal,
    conversion_date: date,
    cash_due_days: int = 10,
) -> ConversionFigures:
    """Compute the shares and cash in lieu for converting a note (§5, §7).

    Args:
        principal: the outstanding principal on the conversion date.
        accrued_interest: the interest accrued and unpaid through the
            conversion date, inclusive, already rounded to the cent.
        price: the Conversion Price.
        conversion_date: the day the conversion is made.
        cash_due_days: days after the conversion date by which the cash in
            lieu is payable (§7: ten).

    Raises:
        ValueError: a non-positive price, a negative amount or a negative
            number of days.
    """
    if price <= 0:
        raise ValueError(f"the Conversion Price must be positive, got {price}")
    if principal < 0 or accrued_interest < 0:
        raise ValueError(
            f"principal and accrued interest cannot be negative, got {principal} and "
            f"{accrued_interest}"
        )
    if cash_due_days < 0:
        raise ValueError(f"cash_due_days cannot be negative, got {cash_due_days}")

    note_amount = principal + accrued_interest
    exact_amount, exact_price = Fraction(note_amount), Fraction(price)
    # Decimal division rounds to the context's precision; Fraction floor
    # division is exact, so a Note Amount just below a whole multiple of the
    # price never gains a share.
    shares = exact_amount // exact_price
    return ConversionFigures(
        principal_converted=principal,
        interest_converted=accrued_interest,
        note_amount=note_amount,
        conversion_price=price,
        shares=shares,
        cash_in_lieu=round_cents(exact_amount - shares * exact_price),
        cash_due_date=conversion_date + timedelta(days=cash_due_days),
    )
