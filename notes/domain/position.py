"""A note's position on a day: principal, accrued unpaid interest, past due (§2, §4, §5).

- Accrued unpaid interest as of day D (§2) is the interest of
  every calendar month from the issue date through D, each month rounded to
  the cent as its statement is (the month containing D counts through D,
  rounded once), less the interest paid on or before D. It never depends on
  which statements the servicing job has issued yet. Accrual stops on the day
  the note converts or is fully repaid (§2 "through the date this Note is fully
  repaid or converted") and continues past maturity until then.
- Interest payments apply to the oldest unpaid month first; accrued interest
  may be paid at any time (§4), but never more than is accrued and unpaid.
- The Note Amount is the outstanding principal plus accrued unpaid interest
  (§5.1).
- A statement not fully paid by the end of its due date (§2: "by the 15th day
  following each calendar month end") is past due from the next day.
"""

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import accumulate

from notes.domain.daycount import ONE_DAY, DayCount
from notes.domain.interest import Timeline, accrual_explanation, balance_on, period_interest
from notes.domain.periods import accrual_months, due_date_for

ZERO = Decimal("0.00")

# What a note's statements state for each month: ``(period_start, period_end)``
# → the sum of the period's standing statements (original and adjustments).
StatedMonths = Mapping[tuple[date, date], Decimal]

# The calendar ends on 9999-12-31, and the principal outstanding at the end of
# day D is the balance in effect from D + 1 on: the last day a position can be
# asked for is the day before. Callers refuse later days with a clear message.
LAST_POSITION_DAY = date.max - ONE_DAY


class PositionDayOutOfRange(ValueError):
    """A position asked for a day after ``LAST_POSITION_DAY``."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        super().__init__(
            f"as_of must be on or before {LAST_POSITION_DAY:%Y-%m-%d}: the position at the "
            f"end of a day needs the day after it, and the calendar ends on "
            f"{date.max:%Y-%m-%d} (got {as_of:%Y-%m-%d})."
        )


class InterestOverpaymentError(ValueError):
    """An interest payment exceeds the interest accrued and unpaid through its date."""

    def __init__(self, requested: Decimal, unpaid: Decimal) -> None:
        self.requested = requested
        self.unpaid = unpaid
        super().__init__(
            f"The interest payment of {requested:,.2f} exceeds the interest accrued "
            f"and unpaid through its date, {unpaid:,.2f}; pay at most that amount as "
            f"interest (§4)."
        )


@dataclass(frozen=True)
class Allocation:
    """Interest paid on ``paid_on`` against the accrual month starting ``period_start``."""

    period_start: date
    amount: Decimal
    paid_on: date


@dataclass(frozen=True)
class Position:
    """What a note amounts to as of a day."""

    as_of: date
    outstanding_principal: Decimal
    accrued_unpaid_interest: Decimal
    note_amount: Decimal
    past_due_interest: Decimal


def month_amounts(
    *,
    timeline: Timeline,
    rate: Decimal,
    convention: DayCount | str,
    issue_date: date,
    through: date,
    stated: StatedMonths | None = None,
) -> list[tuple[date, date, Decimal]]:
    """The interest of each calendar month from the issue date through a day.

    Args:
        stated: what the note's statements state for the months they cover
            (see ``StatedMonths``). A month that ended before ``through`` and
            is stated is read from here instead of recomputed: a period's
            standing statements always add up to exactly what this function
            computes for it (§2 corrections keep them so). The month
            containing ``through`` — in progress, or the note's final month —
            is always computed.

    Returns:
        ``(start, end, amount)`` per month, oldest first; each amount is rounded
        once, as its statement is, and the month containing ``through`` counts
        only through it.
    """
    months = accrual_months(issue_date=issue_date, through=through)
    if not stated:
        return [
            (start, end, period_interest(timeline, rate, convention, start, end))
            for start, end in months
        ]
    amounts = []
    for start, end in months:
        amount = stated.get((start, end)) if end < through else None
        if amount is None:
            amount = period_interest(timeline, rate, convention, start, end)
        amounts.append((start, end, amount))
    return amounts


def allocate_interest(
    *, open_months: Sequence[tuple[date, Decimal]], amount: Decimal
) -> list[tuple[date, Decimal]]:
    """Split an interest payment over the open months, oldest first.

    Args:
        open_months: ``(period_start, open amount)`` of each month with interest
            accrued and unpaid as of the payment day.
        amount: the interest payment.

    Returns:
        ``(period_start, allocated amount)`` for each month the payment reaches.

    Raises:
        ValueError: if the amount is not positive.
        InterestOverpaymentError: if the amount exceeds the total open interest.
    """
    if amount <= 0:
        raise ValueError(f"an interest payment must be positive, not {amount}")
    unpaid = sum((open_amount for _, open_amount in open_months), ZERO)
    if amount > unpaid:
        raise InterestOverpaymentError(requested=amount, unpaid=unpaid)
    allocations: list[tuple[date, Decimal]] = []
    remaining = amount
    for period_start, open_amount in sorted(open_months):
        if remaining == 0:
            break
        if open_amount <= 0:
            continue
        applied = min(open_amount, remaining)
        allocations.append((period_start, applied))
        remaining -= applied
    return allocations


def open_interest_months(
    *,
    timeline: Timeline,
    rate: Decimal,
    convention: DayCount | str,
    issue_date: date,
    allocations: Sequence[Allocation],
    as_of: date,
    end_date: date | None = None,
    stated: StatedMonths | None = None,
) -> list[tuple[date, Decimal]]:
    """The interest accrued and unpaid as of a day, month by month.

    This is what an interest payment made on ``as_of`` is allocated over (see
    ``allocate_interest``).

    Args:
        timeline: the principal balance steps.
        rate: the effective annual rate.
        convention: the day-count convention.
        issue_date: the note's issue date.
        allocations: interest already allocated; those paid after ``as_of``
            are ignored.
        as_of: the day of the question.
        end_date: the day the note converted or was fully repaid, if it has;
            nothing accrues after it.
        stated: the months' stated amounts, read instead of recomputed (see
            ``month_amounts``).

    Returns:
        ``(period_start, open amount)`` for every accrual month through
        ``as_of``, oldest first, including months with nothing open.

    Raises:
        ValueError: if an allocation paid by ``as_of`` names a month that had
            not accrued by then; the interest paid must be netted in full.
    """
    amounts = month_amounts(
        timeline=timeline,
        rate=rate,
        convention=convention,
        issue_date=issue_date,
        through=as_of if end_date is None else min(as_of, end_date),
        stated=stated,
    )
    paid = _paid_by_month(allocations, as_of)
    unknown = paid.keys() - {start for start, _, _ in amounts}
    if unknown:
        raise ValueError(
            f"interest allocated to months not accrued by {as_of}: "
            + ", ".join(str(start) for start in sorted(unknown))
        )
    return [(start, amount - paid.get(start, ZERO)) for start, _, amount in amounts]


def note_position(
    *,
    timeline: Timeline,
    rate: Decimal,
    convention: DayCount | str,
    issue_date: date,
    due_day: int,
    allocations: Sequence[Allocation],
    as_of: date,
    end_date: date | None = None,
    end_settles_interest: bool = True,
    adjustments: Sequence[tuple[date, Decimal, date]] = (),
    stated: StatedMonths | None = None,
) -> Position:
    """The note's position at the end of day ``as_of``.

    Args:
        timeline: the principal balance steps (a principal payment on D is a
            step effective D + 1).
        rate: the effective annual rate.
        convention: the day-count convention.
        issue_date: the note's issue date.
        due_day: the series' interest payment day of the month after a period.
        allocations: every interest allocation recorded; those paid after
            ``as_of`` are ignored.
        as_of: the day of the question.
        end_date: the note's last accruing day — converted, fully repaid, or
            its principal repaid in full — if it has one.
        end_settles_interest: whether the end settled the final month's
            interest with it (a conversion or a payoff); False while interest
            is owed on a note whose principal is repaid, so the final month
            falls due like any other.
        adjustments: ``(period_start, amount, due_date)`` of the correcting
            statements issued (§2 corrections). A month's increase billed by an
            adjustment falls due on the adjustment's due date, not the month's:
            until then it is owed but not past due. A credit takes back the
            newest billing first.
        stated: the months' stated amounts, read instead of recomputed (see
            ``month_amounts``); the position is the same with or without them.

    Returns:
        The position; all zero before the issue date.

    Raises:
        PositionDayOutOfRange: ``as_of`` is after ``LAST_POSITION_DAY``.
    """
    if as_of > LAST_POSITION_DAY:
        raise PositionDayOutOfRange(as_of)
    if as_of < issue_date:
        return Position(
            as_of=as_of,
            outstanding_principal=ZERO,
            accrued_unpaid_interest=ZERO,
            note_amount=ZERO,
            past_due_interest=ZERO,
        )
    # Interest on day D accrues on the balance before D's principal payments, but
    # the principal outstanding at the end of D is already reduced by them.
    outstanding_principal = balance_on(timeline, as_of + ONE_DAY)
    open_months = dict(
        open_interest_months(
            timeline=timeline,
            rate=rate,
            convention=convention,
            issue_date=issue_date,
            allocations=allocations,
            as_of=as_of,
            end_date=end_date,
            stated=stated,
        )
    )
    # Each month's interest falls due on the due day of the month after it (§2).
    # The final month's is settled by the conversion or the payoff — unless the
    # principal was repaid and that interest left owed: then it falls due too.
    current_month = (as_of.year, as_of.month)
    final_month = (
        (end_date.year, end_date.month) if end_date and end_settles_interest else None
    )
    not_yet_due: dict[date, Decimal] = {}
    credits: dict[date, Decimal] = {}
    for period_start, amount, due_date in adjustments:
        if amount < 0:
            credits[period_start] = credits.get(period_start, ZERO) - amount
        elif due_date >= as_of:
            not_yet_due[period_start] = not_yet_due.get(period_start, ZERO) + amount
    past_due_interest = sum(
        (
            max(
                open_amount
                - max(not_yet_due.get(start, ZERO) - credits.get(start, ZERO), ZERO),
                ZERO,
            )
            for start, open_amount in open_months.items()
            if (start.year, start.month) not in (current_month, final_month)
            and due_date_for(start, due_day) < as_of
        ),
        ZERO,
    )
    accrued_unpaid_interest = sum(open_months.values(), ZERO)
    return Position(
        as_of=as_of,
        outstanding_principal=outstanding_principal,
        accrued_unpaid_interest=accrued_unpaid_interest,
        note_amount=outstanding_principal + accrued_unpaid_interest,
        past_due_interest=past_due_interest,
    )


class LineKind:
    """What an interest line is, beside the statements."""

    STATED = "stated"  # a month that has ended: its statement carries it
    FINAL = "final"  # the month the note converted or was repaid in: no statement (§2, §7)
    CURRENT = "current"  # the month containing the day asked, through that day


@dataclass(frozen=True)
class InterestLine:
    """The interest of one month (or part of one), with the arithmetic that made it."""

    kind: str
    start: date
    end: date
    days: int
    amount: Decimal
    calculation: str


def interest_lines(
    *,
    timeline: Timeline,
    rate: Decimal,
    convention: DayCount | str,
    issue_date: date,
    as_of: date,
    end_date: date | None = None,
    stated: StatedMonths | None = None,
) -> list[InterestLine]:
    """Every month's interest from the issue date through a day, each labelled.

    The months that ended before ``as_of`` and before the note's final month
    are ``stated`` (their statements carry them); the month in which the note
    converted or was repaid — or in which its principal reached zero — is
    ``final`` once ``as_of`` reaches the end day; the month containing
    ``as_of`` is ``current`` otherwise. Their amounts, each rounded once, add
    up to all the interest the note has accrued by ``as_of`` — the figure the
    position's accrued unpaid interest is made from.

    Args:
        timeline: the principal balance steps.
        rate: the effective annual rate.
        convention: the day-count convention.
        issue_date: the note's issue date.
        as_of: the day of the question.
        end_date: the note's last accruing day, if it has one.
        stated: the months' stated amounts, read instead of recomputed (see
            ``month_amounts``).

    Returns:
        One line per calendar month (or part), oldest first.
    """
    through = as_of if end_date is None else min(as_of, end_date)
    lines = []
    for start, end, amount in month_amounts(
        timeline=timeline, rate=rate, convention=convention, issue_date=issue_date,
        through=through, stated=stated,
    ):
        if end_date is not None and end == end_date:
            kind = LineKind.FINAL
        elif end < as_of:
            kind = LineKind.STATED  # a whole month, ended before the day asked
        else:
            kind = LineKind.CURRENT
        lines.append(
            InterestLine(
                kind=kind,
                start=start,
                end=end,
                days=(end - start).days + 1,
                amount=amount,
                calculation=(
                    "" if kind == LineKind.STATED
                    else accrual_explanation(timeline, rate, convention, start, end)
                ),
            )
        )
    return lines


def _paid_by_month(allocations: Sequence[Allocation], as_of: date) -> dict[date, Decimal]:
    paid: dict[date, Decimal] = {}
    for allocation in allocations:
        if allocation.paid_on <= as_of:
            paid[allocation.period_start] = (
                paid.get(allocation.period_start, ZERO) + allocation.amount
            )
    return paid


@dataclass(frozen=True)
class PositionPoint:
    """The outstanding principal and accrued unpaid interest at the end of a day."""

    day: date
    outstanding_principal: Decimal
    accrued_unpaid_interest: Decimal


def position_history(
    *,
    timeline: Timeline,
    rate: Decimal,
    convention: DayCount | str,
    issue_date: date,
    allocations: Sequence[Allocation],
    days: Sequence[date],
    end_date: date | None = None,
    stated: StatedMonths | None = None,
) -> list[PositionPoint]:
    """The position's principal and accrued unpaid interest on many days, cheaply (§2).

    Each point equals what ``note_position`` gives for its day — the same
    months, each rounded once, the month containing the day counted through
    it — but a month's interest is computed once for all the days, so a chart
    of a ten-year note costs one pass over its months.

    Args:
        days: the days wanted, on or after the issue date and on or before
            ``LAST_POSITION_DAY``.
        end_date: the note's last accruing day, if it has one.
        stated: the months' stated amounts, read instead of recomputed (see
            ``month_amounts``).

    Returns:
        One point per day, in the order of ``days``.
    """
    wanted = sorted(set(days))
    if not wanted:
        return []
    last = wanted[-1] if end_date is None else min(wanted[-1], end_date)
    months = month_amounts(
        timeline=timeline, rate=rate, convention=convention, issue_date=issue_date,
        through=max(last, issue_date), stated=stated,
    )
    # Running totals, so each day costs a lookup, not a pass over every month and payment.
    starts = [start for start, _, _ in months]
    accrued_before = list(accumulate((amount for _, _, amount in months), initial=ZERO))
    paid_days = sorted(allocations, key=lambda a: a.paid_on)
    paid_on = [a.paid_on for a in paid_days]
    paid_by = list(accumulate((a.amount for a in paid_days), initial=ZERO))
    by_day = {}
    for day in wanted:
        through = day if end_date is None else min(day, end_date)
        accrued = ZERO
        if through >= issue_date:
            index = bisect_right(starts, through) - 1  # the month containing `through`
            start, end, amount = months[index]
            if end != through:  # a month counted only through the day
                amount = period_interest(timeline, rate, convention, start, through)
            accrued = accrued_before[index] + amount
        paid = paid_by[bisect_right(paid_on, day)]
        by_day[day] = PositionPoint(
            day=day,
            outstanding_principal=balance_on(timeline, day + ONE_DAY),
            accrued_unpaid_interest=accrued - paid,
        )
    return [by_day[day] for day in days]
