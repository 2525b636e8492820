"""The general-ledger entries behind a month of notes (§11: the note is debt).

§11: "the Company will treat, account and report the Note as debt and not
equity". So the note's principal sits in *Notes payable*, its interest
accrues month by month into *Accrued interest payable* against *Interest
expense*, and a conversion moves both liabilities into equity:

- **Accrual** — Dr Interest expense / Cr Accrued interest payable, for the
  interest the month accrued (its statements, or the final period's interest
  through the day the note converted or was repaid: §2, §7).
- **Interest paid in cash** — Dr Accrued interest payable / Cr Cash; a
  reversing payment is the same entry with the sides swapped.
- **Principal repaid** — Dr Notes payable / Cr Cash.
- **Conversion** (§5, §7) — Dr Notes payable (principal converted) and Dr
  Accrued interest payable (interest converted) = the Note Amount; Cr Common
  stock at par (shares × par value, to the cent), Cr Additional paid-in
  capital for the rest of the shares' value at the Conversion Price (Note
  Amount − cash in lieu − par: shares × price to the cent), and Cr Cash in
  lieu payable for the fractional share (§7). A conversion still waiting for
  its price credits *Common stock issuable* for the whole Note Amount, and
  the entry that splits it follows on the day the price is determined.
- **Cash in lieu paid** — Dr Cash in lieu payable / Cr Cash.

Every entry balances by construction: each credit split is the remainder of
the debit, never separately rounded, so debits equal credits to the cent
(django-hordak's rule, without a tolerance). Rounding happens once, in
``notes.domain.money.round_cents`` (the par amount).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from notes.domain.money import round_cents

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Account:
    code: str
    name: str

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


CASH = Account("1000", "Cash")
NOTES_PAYABLE = Account("2100", "Notes payable")
ACCRUED_INTEREST = Account("2110", "Accrued interest payable")
CASH_IN_LIEU_PAYABLE = Account("2120", "Cash in lieu payable")
STOCK_ISSUABLE = Account("2130", "Common stock issuable (awaiting Conversion Price)")
COMMON_STOCK = Account("3000", "Common stock (par)")
APIC = Account("3100", "Additional paid-in capital")
INTEREST_EXPENSE = Account("6100", "Interest expense")

ACCOUNTS = (
    CASH, NOTES_PAYABLE, ACCRUED_INTEREST, CASH_IN_LIEU_PAYABLE, STOCK_ISSUABLE, COMMON_STOCK,
    APIC, INTEREST_EXPENSE,
)


@dataclass(frozen=True)
class JournalLine:
    """One leg of an entry: a debit or a credit, never both, never negative."""

    date: date
    account: Account
    debit: Decimal
    credit: Decimal
    note_id: int | None
    note_number: str
    memo: str
    entry: str  # what the entry records: accrual, interest_paid, conversion, …


def _leg(day, account, amount, *, debit: bool, note_id, note_number, memo, entry) -> JournalLine:
    """A leg on its side; a negative amount (a reversal, a discount) goes on the other."""
    if amount < 0:
        amount, debit = -amount, not debit
    return JournalLine(
        date=day,
        account=account,
        debit=amount if debit else ZERO,
        credit=ZERO if debit else amount,
        note_id=note_id,
        note_number=note_number,
        memo=memo,
        entry=entry,
    )


def two_leg_entry(
    *,
    day: date,
    debit: Account,
    credit: Account,
    amount: Decimal,
    note_id: int | None,
    note_number: str,
    memo: str,
    entry: str,
) -> list[JournalLine]:
    """Dr ``debit`` / Cr ``credit`` for ``amount`` (sides swapped when it is negative)."""
    if amount == 0:
        return []
    common = {"note_id": note_id, "note_number": note_number, "memo": memo, "entry": entry}
    return [
        _leg(day, debit, amount, debit=True, **common),
        _leg(day, credit, amount, debit=False, **common),
    ]


def equity_split(
    *, note_amount: Decimal, cash_in_lieu: Decimal, shares: int, par_value: Decimal
) -> tuple[Decimal, Decimal]:
    """The Note Amount's equity credits: (common stock at par, additional paid-in capital).

    Par is shares × par value rounded once to the cent; paid-in capital is the
    rest of the shares' value at the Conversion Price (Note Amount − cash in
    lieu − par), so the two and the cash in lieu add up to the Note Amount
    exactly. A price below par gives a negative paid-in capital (a discount).
    """
    par = round_cents(Decimal(shares) * par_value)
    return par, note_amount - cash_in_lieu - par


def conversion_entry(
    *,
    day: date,
    principal: Decimal,
    interest: Decimal,
    note_id: int,
    note_number: str,
    memo: str,
    shares: int | None,
    cash_in_lieu: Decimal | None,
    par_value: Decimal,
) -> list[JournalLine]:
    """The conversion of a Note Amount into Common Stock (§5, §7).

    With ``shares`` None (the conversion awaits its Conversion Price) the
    whole Note Amount is credited to Common stock issuable.
    """
    common = {"note_id": note_id, "note_number": note_number, "memo": memo, "entry": "conversion"}
    lines = []
    if principal:
        lines.append(_leg(day, NOTES_PAYABLE, principal, debit=True, **common))
    if interest:
        lines.append(_leg(day, ACCRUED_INTEREST, interest, debit=True, **common))
    note_amount = principal + interest
    if shares is None:
        if note_amount:
            lines.append(_leg(day, STOCK_ISSUABLE, note_amount, debit=False, **common))
        return lines
    lines.extend(
        equity_credits(
            day=day, note_amount=note_amount, cash_in_lieu=cash_in_lieu or ZERO, shares=shares,
            par_value=par_value, common=common,
        )
    )
    return lines


def equity_credits(
    *, day, note_amount, cash_in_lieu, shares, par_value, common
) -> list[JournalLine]:
    par, apic = equity_split(
        note_amount=note_amount, cash_in_lieu=cash_in_lieu, shares=shares, par_value=par_value
    )
    lines = []
    credits = ((COMMON_STOCK, par), (APIC, apic), (CASH_IN_LIEU_PAYABLE, cash_in_lieu))
    for account, amount in credits:
        if amount:
            lines.append(_leg(day, account, amount, debit=False, **common))
    return lines


def price_determination_entry(
    *,
    day: date,
    note_amount: Decimal,
    cash_in_lieu: Decimal,
    shares: int,
    par_value: Decimal,
    note_id: int,
    note_number: str,
    memo: str,
) -> list[JournalLine]:
    """A waiting conversion priced: Common stock issuable into stock, capital and cash in lieu."""
    common = {
        "note_id": note_id, "note_number": note_number, "memo": memo,
        "entry": "price_determination",
    }
    if not note_amount:
        return []
    return [_leg(day, STOCK_ISSUABLE, note_amount, debit=True, **common)] + equity_credits(
        day=day, note_amount=note_amount, cash_in_lieu=cash_in_lieu, shares=shares,
        par_value=par_value, common=common,
    )


@dataclass(frozen=True)
class JournalTotals:
    debit: Decimal
    credit: Decimal

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit


def journal_totals(lines: Iterable[JournalLine]) -> JournalTotals:
    debit = credit = ZERO
    for line in lines:
        debit += line.debit
        credit += line.credit
    return JournalTotals(debit=debit, credit=credit)
