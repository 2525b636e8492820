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
    working = shares_working(note_amount=note_amount, price=price)
    return ConversionFigures(
        principal_converted=principal,
        interest_converted=accrued_interest,
        note_amount=note_amount,
        conversion_price=price,
        shares=working.shares,
        cash_in_lieu=working.cash_in_lieu,
        cash_due_date=conversion_date + timedelta(days=cash_due_days),
    )


@dataclass(frozen=True)
class SharesWorking:
    """How a Note Amount becomes whole shares and cash (§5.1, §7), exactly.

    ``quotient`` is Note Amount ÷ Conversion Price; ``shares`` its whole part;
    ``fraction`` the fractional share no certificate is issued for; and
    ``cash_in_lieu`` that fraction × the price, rounded once, half-up, to the
    cent.
    """

    note_amount: Decimal
    price: Decimal
    quotient: Fraction
    shares: int
    fraction: Fraction
    cash_in_lieu: Decimal

    def explanation(self) -> str:
        """The working as a reader re-does it by hand, e.g. for 275,068.49 at 2.412451:

        ``275,068.49 ÷ 2.412451 = 114,020.34… → 114,020 shares;
        275,068.49 − 114,020 × 2.412451 = 0.826… → 0.83 cash in lieu (§7)``.

        The cash is the Note Amount less what the whole shares cost — exactly the
        fraction × the price — so each step can be checked with a calculator.
        """
        price = f"{self.price:.6f}"  # the Conversion Price, as it is set: 6 places (§5)
        remainder = self.note_amount - self.shares * self.price
        return (
            f"{self.note_amount:,.2f} ÷ {price} = {_truncated(self.quotient)}"
            f" → {self.shares:,} share{'' if self.shares == 1 else 's'};"
            f" {self.note_amount:,.2f} − {self.shares:,} × {price}"
            f" = {_exact_text(remainder)} → {self.cash_in_lieu:,.2f} cash in lieu (§7)"
        )


def shares_working(*, note_amount: Decimal, price: Decimal) -> SharesWorking:
    """Shares and cash in lieu for a Note Amount at a Conversion Price (§5.1, §7).

    Raises:
        ValueError: a non-positive price or a negative Note Amount.
    """
    if price <= 0:
        raise ValueError(f"the Conversion Price must be positive, got {price}")
    if note_amount < 0:
        raise ValueError(f"the Note Amount cannot be negative, got {note_amount}")
    exact_amount, exact_price = Fraction(note_amount), Fraction(price)
    # Decimal division rounds to the context's precision; Fraction floor
    # division is exact, so a Note Amount just below a whole multiple of the
    # price never gains a share.
    quotient = exact_amount / exact_price
    shares = exact_amount // exact_price
    return SharesWorking(
        note_amount=note_amount,
        price=price,
        quotient=quotient,
        shares=shares,
        fraction=quotient - shares,
        # (quotient − shares) × price, written as the remainder of the Note Amount.
        cash_in_lieu=round_cents(exact_amount - shares * exact_price),
    )


def _truncated(value: Fraction, places: int = 2) -> str:
    """An exact value to ``places`` decimals, cut (not rounded), with … when there is more.

    Cutting keeps the whole part the floor: 114,020.999… never shows as 114,021.
    """
    scaled = value * 10**places
    cut = scaled.numerator // scaled.denominator
    text = f"{Decimal(cut).scaleb(-places):,.{places}f}"
    if value == 0:
        return "0"
    return text if cut == scaled else text + "…"


def _exact_text(value: Decimal) -> str:
    """An exact Decimal with its digits, at least two places: 0.826338, 0.00."""
    text = f"{value.normalize():f}"
    if "." not in text:
        return f"{value:,.2f}"
    whole, places = text.split(".")
    return f"{int(whole):,}.{places.ljust(2, '0')}"
