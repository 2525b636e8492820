"""The journal's pure core: every entry balances to the cent (§11)."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from notes.domain.conversion import conversion_compute
from reports.domain.journal import (
    APIC,
    CASH_IN_LIEU_PAYABLE,
    COMMON_STOCK,
    STOCK_ISSUABLE,
    conversion_entry,
    equity_split,
    journal_totals,
    price_determination_entry,
    two_leg_entry,
)

cents = st.integers(min_value=0, max_value=10**11).map(lambda c: Decimal(c).scaleb(-2))
prices = st.integers(min_value=1, max_value=10**8).map(lambda p: Decimal(p).scaleb(-6))
pars = st.sampled_from([Decimal("0.001"), Decimal("0.0001"), Decimal("0.01"), Decimal("1")])
DAY = date(2008, 5, 30)


@given(principal=cents, interest=cents, price=prices, par=pars)
def test_a_conversion_balances_and_splits_the_note_amount_exactly(principal, interest, price, par):
    figures = conversion_compute(
        principal=principal, accrued_interest=interest, price=price,
        conversion_date=DAY, cash_due_days=10,
    )
    lines = conversion_entry(
        day=DAY, principal=principal, interest=interest, note_id=1, note_number="N-1",
        memo="", shares=figures.shares, cash_in_lieu=figures.cash_in_lieu, par_value=par,
    )
    totals = journal_totals(lines)
    assert totals.debit == totals.credit
    assert all(line.debit >= 0 and line.credit >= 0 for line in lines)
    assert all(not (line.debit and line.credit) for line in lines)
    by_account = {line.account: line.credit - line.debit for line in lines}
    assert by_account.get(CASH_IN_LIEU_PAYABLE, 0) == figures.cash_in_lieu
    par_amount, apic = equity_split(
        note_amount=principal + interest, cash_in_lieu=figures.cash_in_lieu,
        shares=figures.shares, par_value=par,
    )
    assert by_account.get(COMMON_STOCK, 0) == par_amount
    assert by_account.get(APIC, 0) == apic
    if apic >= 0:  # a price below par debits the discount to paid-in capital instead
        assert totals.debit == principal + interest
    # The shares' value at the Conversion Price, to the cent, is par + paid-in capital.
    assert abs(par_amount + apic - figures.shares * price) < Decimal("0.01")


@given(principal=cents, interest=cents, price=prices, par=pars)
def test_a_conversion_awaiting_its_price_and_its_later_pricing_balance(
    principal, interest, price, par
):
    waiting = conversion_entry(
        day=DAY, principal=principal, interest=interest, note_id=1, note_number="N-1",
        memo="", shares=None, cash_in_lieu=None, par_value=par,
    )
    assert journal_totals(waiting).balanced
    assert sum(x.credit for x in waiting if x.account == STOCK_ISSUABLE) == principal + interest
    figures = conversion_compute(
        principal=principal, accrued_interest=interest, price=price,
        conversion_date=DAY, cash_due_days=10,
    )
    priced = price_determination_entry(
        day=DAY, note_amount=principal + interest, cash_in_lieu=figures.cash_in_lieu,
        shares=figures.shares, par_value=par, note_id=1, note_number="N-1", memo="",
    )
    assert journal_totals(priced).balanced
    issuable = sum(x.credit - x.debit for x in waiting + priced if x.account == STOCK_ISSUABLE)
    assert issuable == 0


@given(amount=st.integers(min_value=-10**11, max_value=10**11).map(lambda c: Decimal(c).scaleb(-2)))
def test_a_two_leg_entry_balances_and_a_negative_amount_swaps_sides(amount):
    from reports.domain.journal import ACCRUED_INTEREST, CASH

    lines = two_leg_entry(
        day=DAY, debit=ACCRUED_INTEREST, credit=CASH, amount=amount, note_id=None,
        note_number="", memo="", entry="interest_paid",
    )
    assert journal_totals(lines).balanced
    if amount == 0:
        assert lines == []
    else:
        cash = next(x for x in lines if x.account == CASH)
        assert (cash.credit - cash.debit) == amount
