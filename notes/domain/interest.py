"""Simple interest on the outstanding principal (§2).

§2: "Simple interest shall accrue on the outstanding principal balance of this
Note at the rate of ten percent (10%) per annum, or the maximum rate permitted
by law, whichever is less, from the date of issuance of this Note through the
date this Note is fully repaid or converted into Common Stock."

- Simple, never compounded: interest accrues on principal only.
- The effective rate is the lesser of the stated and the maximum lawful rate.
- Interest for a span of days is Σ (principal outstanding that day × rate ×
  that day's year fraction) under the series' day-count convention (§2).
  The principal is a step function of the day: a principal
  payment on day D reduces the balance from day D + 1, so the paying day still
  accrues on the old balance.
- Accrual is exact (``Fraction``); a statement's amount is rounded once, to the
  cent, by ``money.round_cents``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise

from notes.domain.daycount import ONE_DAY, DayCount, days_inclusive, year_fraction
from notes.domain.money import round_cents


class RateSource(StrEnum):
    """Which limb of §2's "whichever is less" sets the effective rate."""

    STATED = "stated"
    MAXIMUM_LAWFUL = "maximum lawful"


def effective_rate(
    stated_rate: Decimal, max_lawful_rate: Decimal | None
) -> tuple[Decimal, RateSource]:
    """The rate interest accrues at: the stated rate or the maximum lawful one, whichever is less.

    Returns:
        ``(rate, source)`` where source is ``"stated"`` or ``"maximum lawful"``;
        on a tie the stated rate applies.
    """
    if max_lawful_rate is not None and max_lawful_rate < stated_rate:
        return max_lawful_rate, RateSource.MAXIMUM_LAWFUL
    return stated_rate, RateSource.STATED


@dataclass(frozen=True)
class BalanceStep:
    """The principal balance that accrues interest from ``effective_from`` on."""

    effective_from: date
    balance: Decimal


Timeline = Sequence[BalanceStep]


def principal_timeline(
    issue_date: date,
    principal: Decimal,
    principal_payments: Iterable[tuple[date, Decimal]] = (),
) -> tuple[BalanceStep, ...]:
    """The principal balance over time, as steps sorted by effective day.

    Args:
        issue_date: the day the original principal starts accruing.
        principal: the original principal.
        principal_payments: ``(paid_on, amount)`` pairs in any order; several
            may share a day; a negative amount reverses an earlier payment.

    Returns:
        The first step at the issue date with the original principal, then one
        step the day after each day whose payments do not net to zero.

    Raises:
        ValueError: for a payment before the issue date, or payments that take
            the balance below zero.
    """
    if principal < 0:
        raise ValueError(f"the principal cannot be negative, not {principal}")
    net_by_day: dict[date, Decimal] = {}
    for paid_on, amount in principal_payments:
        if paid_on < issue_date:
            raise ValueError(f"principal payment on {paid_on} precedes the issue date {issue_date}")
        net_by_day[paid_on] = net_by_day.get(paid_on, Decimal(0)) + amount
    steps = [BalanceStep(effective_from=issue_date, balance=principal)]
    for paid_on in sorted(net_by_day):
        if net_by_day[paid_on] == 0:
            continue
        balance = steps[-1].balance - net_by_day[paid_on]
        if balance < 0:
            raise ValueError(
                f"principal paid through {paid_on} exceeds the principal of {principal}"
            )
        steps.append(BalanceStep(effective_from=paid_on + ONE_DAY, balance=balance))
    return tuple(steps)


def principal_repaid_on(timeline: Timeline) -> date | None:
    """The day the principal reached zero — its last accruing day — if it has.

    A principal payment on D reduces the balance from D + 1, so the day of the
    final principal payment still accrues on the old balance. §2: interest
    accrues "through the date this Note is fully repaid"; the product's reading:
    once the outstanding principal is zero nothing more accrues, even while
    interest is still owed.
    """
    if len(timeline) > 1 and timeline[-1].balance == 0:
        return timeline[-1].effective_from - ONE_DAY
    return None


def accrual_end(timeline: Timeline, ended_on: date | None) -> date | None:
    """The note's last accruing day: conversion, full repayment or principal at zero.

    Args:
        timeline: the principal balance steps.
        ended_on: the day the note converted or was fully repaid, if it has.

    Returns:
        The earlier of ``ended_on`` and the day the principal reached zero, or
        None while the note still accrues.
    """
    ends = [day for day in (ended_on, principal_repaid_on(timeline)) if day is not None]
    return min(ends) if ends else None


def balance_on(timeline: Timeline, day: date) -> Decimal:
    """The principal that accrues interest on ``day``; zero before the first step."""
    balance = Decimal(0)
    for step in timeline:
        if step.effective_from > day:
            break
        balance = step.balance
    return balance


def accrue(
    timeline: Timeline, rate: Decimal, convention: DayCount | str, start: date, end: date
) -> Fraction:
    """Exact, unrounded interest for the inclusive span [start, end].

    Args:
        timeline: the principal balance steps, sorted by ``effective_from``.
        rate: the effective annual rate, e.g. ``Decimal("0.10")``.
        convention: the day-count convention.
        start: the first accruing day.
        end: the last accruing day.

    Returns:
        Σ (balance that day × rate × the day's year fraction); days before the
        first step accrue nothing.

    Raises:
        ValueError: if the timeline is not strictly sorted by day.
    """
    if any(a.effective_from >= b.effective_from for a, b in pairwise(timeline)):
        raise ValueError("balance steps must be strictly sorted by effective_from")
    ends = [following.effective_from - ONE_DAY for following in timeline[1:]] + [end]
    total = Fraction(0)
    for step, step_end in zip(timeline, ends, strict=True):
        days = year_fraction(convention, max(start, step.effective_from), min(end, step_end))
        total += Fraction(step.balance) * days
    # Multiply by the rate once: simple interest is linear in the balance.
    return total * Fraction(rate)


def period_interest(
    timeline: Timeline, rate: Decimal, convention: DayCount | str, start: date, end: date
) -> Decimal:
    """Interest for the inclusive span [start, end], rounded once, half-up, to the cent."""
    return round_cents(accrue(timeline, rate, convention, start, end))


def accrual_explanation(
    timeline: Timeline, rate: Decimal, convention: DayCount | str, start: date, end: date
) -> str:
    """How the interest of [start, end] is made, in words an auditor can re-add.

    One line per constant-balance segment (balance × rate × year fraction),
    then the single half-up rounding to the cent.
    """
    convention = DayCount(convention)
    ends = [following.effective_from - ONE_DAY for following in timeline[1:]] + [end]
    parts = []
    for step, step_end in zip(timeline, ends, strict=True):
        seg_start, seg_end = max(start, step.effective_from), min(end, step_end)
        if seg_end < seg_start:
            continue
        fraction = year_fraction(convention, seg_start, seg_end)
        label = fraction_label(convention, fraction, seg_start, seg_end)
        days = days_inclusive(seg_start, seg_end)
        parts.append(
            f"{step.balance:,.2f} × {rate.normalize():f} × {label}"
            f" ({seg_start:%Y-%m-%d}–{seg_end:%Y-%m-%d}, {days_phrase(days)})"
        )
    exact = accrue(timeline, rate, convention, start, end)
    return (
        " + ".join(parts)
        + f" = {Decimal(exact.numerator) / Decimal(exact.denominator):.6f}"
        + f"; {convention.value}, days counted inclusively; rounded half-up once to"
        + f" {round_cents(exact):,.2f} (§2)"
    )


def days_phrase(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def fraction_label(convention: DayCount, fraction: Fraction, start: date, end: date) -> str:
    """The year fraction of [start, end] as an explanation shows it (`12/365`)."""
    if convention == DayCount.ACT_365F:
        return f"{days_inclusive(start, end)}/365"
    if convention == DayCount.ACT_360:
        return f"{days_inclusive(start, end)}/360"
    if convention == DayCount.THIRTY_360:
        return f"{fraction * 360}/360"
    return f"{fraction} (actual/actual ISDA)"
