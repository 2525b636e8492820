"""Events of Default and acceleration (§3), from the recorded events and the payments.

§3 lists the Events of Default; "so long as such condition exists" the Holder
may declare the principal and unpaid accrued interest immediately due and
payable by written notice to the Company. The product records what happened
and derives the note's default state as of any day D from those records —
it never decides for the holder.

**§3(i) payment default.** The Holder's written notice of a default in
payment starts the cure period. It runs from the notice's deemed delivery
(§12: the receipt date for personal delivery, the given number of business
days after deposit for mail — a series term) for ``cure_days`` (10, a series
term) calendar days, and "within ten (10) days" is read as *through* the tenth
day after deemed delivery: a notice deemed delivered on 20 September may be
cured through 30 September, and an Event of Default exists from 1 October if
it is not. What has to be paid is what was past due at the notice — the
amount past due at the end of its deemed-delivery day (interest of statements
past their due date, and principal once past maturity). It is cured when the
payments made after that day add up to it, by the end of the cure deadline.
Interest payments apply to the oldest months first, so interest paid after
the notice goes to the past-due months before any other.

**§3(ii) voluntary bankruptcy or insolvency steps** by the Company: an Event
of Default from the recorded date.

**§3(iii) an involuntary proceeding** (commenced, with service of process, on
day C) **or a receiver, trustee or liquidator appointed** without the
Company's consent on day C: an Event of Default unless dismissed, stayed or
vacated within ``dismissal_days`` (60) days. The days are counted after C,
as every other clock of the contract is (the cure period runs from deemed
delivery, §6.1 and §7 from the closing or the conversion): the last day to
resolve it is C + 60 and the Event of Default exists from day 61, C + 61
(commenced 1 March 2006 → the last day is 30 April, a default from 1 May).

**While it exists.** §3 lets the Holder act "so long as such condition
exists". The product reads that as: a payment default that is paid in full
after its cure deadline, or a proceeding resolved after its 60 days, ends
the Event of Default from the day of the payment or resolution (an
acceleration declared before then stands). A §3(ii) event has no recorded
end: it continues.

**Acceleration.** A declaration delivered while an Event of Default exists
makes the whole Note Amount — principal and accrued unpaid interest — due at
once, from its deemed delivery (§12). It stays accelerated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")


class DefaultEventKind(StrEnum):
    PAYMENT_DEFAULT_NOTICE = "payment_default_notice"
    VOLUNTARY_BANKRUPTCY = "voluntary_bankruptcy"
    INVOLUNTARY_PROCEEDING = "involuntary_proceeding"
    RECEIVER_APPOINTMENT = "receiver_appointment"
    RESOLVED = "resolved"
    ACCELERATION = "acceleration"


CLAUSES: Mapping[str, str] = {
    DefaultEventKind.PAYMENT_DEFAULT_NOTICE: "§3(i)",
    DefaultEventKind.VOLUNTARY_BANKRUPTCY: "§3(ii)",
    DefaultEventKind.INVOLUNTARY_PROCEEDING: "§3(iii)",
    DefaultEventKind.RECEIVER_APPOINTMENT: "§3(iii)",
    DefaultEventKind.RESOLVED: "§3(iii)",
    DefaultEventKind.ACCELERATION: "§3",
}

# Written notices: delivered personally or by mail, deemed delivered per §12.
NOTICE_KINDS = frozenset(
    {DefaultEventKind.PAYMENT_DEFAULT_NOTICE, DefaultEventKind.ACCELERATION}
)
# What a `resolved` event may end (§3(iii): dismissed, stayed or vacated).
RESOLVABLE_KINDS = frozenset(
    {DefaultEventKind.INVOLUNTARY_PROCEEDING, DefaultEventKind.RECEIVER_APPOINTMENT}
)


@dataclass(frozen=True)
class DefaultEventFact:
    """One recorded event, as the domain needs it."""

    id: int
    kind: str
    date: date
    deemed_delivered_on: date | None = None  # the two notice kinds only
    resolves_id: int | None = None  # `resolved` only


@dataclass(frozen=True)
class PastDue:
    """What was past due at a payment-default notice's deemed delivery (§3(i))."""

    interest: Decimal = ZERO
    principal: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.interest + self.principal


@dataclass(frozen=True)
class EventExplanation:
    """What one event means for the note as of the day asked, with its clause."""

    event_id: int
    kind: str
    date: date
    clause: str
    text: str
    event_of_default_from: date | None = None
    event_of_default_until: date | None = None  # the day it ended (no longer in effect)


@dataclass(frozen=True)
class DefaultState:
    """The note's default state at the end of ``as_of``.

    Attributes:
        cure_deadline: the last day to cure of the latest payment-default
            notice whose cure period is open (not cured, not yet over), or None.
        event_of_default_since: the first day of the earliest Event of Default
            in effect on ``as_of``, or None when none is.
        cured_on: the day the latest cured notice was cured, or None.
        accelerated_on: the day the declaration of acceleration took effect.
        amount_due_at_once: once accelerated, the Note Amount on ``as_of`` —
            principal and accrued unpaid interest, all due (§3).
        explanation: one entry per event dated on or before ``as_of``.
    """

    as_of: date
    cure_deadline: date | None
    event_of_default_since: date | None
    cured_on: date | None
    accelerated_on: date | None
    amount_due_at_once: Decimal | None
    explanation: tuple[EventExplanation, ...]

    @property
    def in_default(self) -> bool:
        return self.event_of_default_since is not None


def cure_deadline_for(deemed_delivered_on: date, cure_days: int) -> date:
    """The last day to cure a payment default (§3(i)): ``cure_days`` after deemed delivery."""
    return deemed_delivered_on + timedelta(days=cure_days)


def last_day_to_resolve(commenced_on: date, dismissal_days: int) -> date:
    """The last day a §3(iii) proceeding or appointment may be resolved: day 60, C + 60."""
    return commenced_on + timedelta(days=dismissal_days)


def involuntary_default_from(commenced_on: date, dismissal_days: int) -> date:
    """The first day of a §3(iii) Event of Default if not resolved in time: day 61, C + 61."""
    return commenced_on + timedelta(days=dismissal_days + 1)


def _net_by_day(payments: Iterable[tuple[date, Decimal]]) -> dict[date, Decimal]:
    # A reversal carries the original's value date: netting by day undoes it there.
    by_day: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for paid_on, amount in payments:
        by_day[paid_on] += amount
    return by_day


def paid_in_full_on(
    *,
    owed: PastDue,
    after: date,
    interest_payments: Iterable[tuple[date, Decimal]] = (),
    principal_payments: Iterable[tuple[date, Decimal]] = (),
) -> date | None:
    """The first day by which the payments made after ``after`` cover ``owed``.

    Args:
        owed: the interest and principal past due at the end of ``after``.
        after: the notice's deemed-delivery day; payments on it are already
            netted in ``owed``.
        interest_payments, principal_payments: ``(paid_on, amount)``, reversals
            negative with the original's date.

    Returns:
        ``after`` itself when nothing was owed; None while it is not covered.
    """
    if owed.total <= 0:
        return after
    interest = _net_by_day(p for p in interest_payments if p[0] > after)
    principal = _net_by_day(p for p in principal_payments if p[0] > after)
    paid_interest = paid_principal = ZERO
    for day in sorted(interest.keys() | principal.keys()):
        paid_interest += interest.get(day, ZERO)
        paid_principal += principal.get(day, ZERO)
        if paid_interest >= owed.interest and paid_principal >= owed.principal:
            return day
    return None


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _past_due_words(owed: PastDue) -> str:
    parts = []
    if owed.interest:
        parts.append(f"interest {_money(owed.interest)}")
    if owed.principal:
        parts.append(f"principal {_money(owed.principal)}")
    return " and ".join(parts)


@dataclass(frozen=True)
class _Period:
    start: date
    end: date | None  # exclusive: the day it stopped being in effect

    def in_effect_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def default_state(
    *,
    events: Sequence[DefaultEventFact],
    as_of: date,
    cure_days: int = 10,
    dismissal_days: int = 60,
    past_due_at_notice: Mapping[int, PastDue] | None = None,
    interest_payments: Sequence[tuple[date, Decimal]] = (),
    principal_payments: Sequence[tuple[date, Decimal]] = (),
    note_amount: Decimal | None = None,
) -> DefaultState:
    """The note's default state at the end of ``as_of`` (§3, §12).

    Events dated after ``as_of`` are not known yet and are ignored; a notice
    deposited by then but deemed delivered later is pending.

    Args:
        events: every recorded event of the note, in any order.
        cure_days: the §3(i) cure period (series term).
        dismissal_days: the §3(iii) period (series term).
        past_due_at_notice: per payment-default notice id, what was past due
            at its deemed delivery; a notice missing here owed nothing.
        interest_payments, principal_payments: the note's payments by value
            date, reversals negative.
        note_amount: the Note Amount on ``as_of`` (principal + accrued unpaid
            interest), shown as due at once once accelerated.
    """
    past_due_at_notice = past_due_at_notice or {}
    known = sorted((e for e in events if e.date <= as_of), key=lambda e: (e.date, e.id))
    resolution_of = {
        e.resolves_id: e
        for e in known
        if e.kind == DefaultEventKind.RESOLVED and e.resolves_id is not None
    }
    explanation: list[EventExplanation] = []
    periods: list[_Period] = []
    open_deadlines: list[date] = []
    cured: list[date] = []
    accelerated_on: date | None = None

    for event in known:
        kind = DefaultEventKind(event.kind)
        clause = CLAUSES[kind]
        eod_from = eod_until = None
        if kind is DefaultEventKind.PAYMENT_DEFAULT_NOTICE:
            text, eod_from, eod_until, deadline, cured_on = _payment_notice(
                event, as_of, cure_days, past_due_at_notice.get(event.id, PastDue()),
                interest_payments, principal_payments,
            )
            if deadline is not None:
                open_deadlines.append(deadline)
            if cured_on is not None:
                cured.append(cured_on)
        elif kind is DefaultEventKind.VOLUNTARY_BANKRUPTCY:
            eod_from = event.date
            text = (
                f"Voluntary bankruptcy or insolvency step by the Company on {event.date}: "
                f"an Event of Default from that day ({clause})."
            )
        elif kind in RESOLVABLE_KINDS:
            text, eod_from, eod_until = _involuntary(
                event, as_of, dismissal_days, resolution_of.get(event.id)
            )
        elif kind is DefaultEventKind.RESOLVED:
            text = (
                f"Dismissed, stayed or vacated on {event.date}: resolves event "
                f"#{event.resolves_id} ({clause})."
            )
        else:  # acceleration
            effective = event.deemed_delivered_on or event.date
            if effective > as_of:
                text = (
                    f"Declaration of acceleration sent {event.date}, deemed delivered "
                    f"{effective} (§12): the Note Amount falls due then ({clause})."
                )
            else:
                accelerated_on = effective
                text = (
                    f"The Holder declared the principal and unpaid accrued interest immediately "
                    f"due and payable; the declaration was deemed delivered on {effective} "
                    f"(§12), from when the whole Note Amount is due ({clause})."
                )
        if eod_from is not None:
            periods.append(_Period(eod_from, eod_until))
        explanation.append(
            EventExplanation(
                event_id=event.id,
                kind=kind.value,
                date=event.date,
                clause=clause,
                text=text,
                event_of_default_from=eod_from,
                event_of_default_until=eod_until,
            )
        )

    in_effect = [p.start for p in periods if p.in_effect_on(as_of)]
    return DefaultState(
        as_of=as_of,
        cure_deadline=max(open_deadlines, default=None),
        event_of_default_since=min(in_effect, default=None),
        cured_on=max(cured, default=None),
        accelerated_on=accelerated_on,
        amount_due_at_once=note_amount if accelerated_on is not None else None,
        explanation=tuple(explanation),
    )


def _payment_notice(
    event: DefaultEventFact,
    as_of: date,
    cure_days: int,
    owed: PastDue,
    interest_payments: Sequence[tuple[date, Decimal]],
    principal_payments: Sequence[tuple[date, Decimal]],
) -> tuple[str, date | None, date | None, date | None, date | None]:
    """(text, EoD from, EoD until, open cure deadline, cured on) of one §3(i) notice."""
    deemed = event.deemed_delivered_on or event.date
    deadline = cure_deadline_for(deemed, cure_days)
    head = f"Notice of payment default sent {event.date}, deemed delivered {deemed} (§12)."
    if deemed > as_of:
        return (
            f"{head} Its cure period of {cure_days} days will run through {deadline} "
            f"(§3(i)).",
            None, None, deadline, None,
        )
    if owed.total <= 0:
        return (
            f"{head} Nothing was past due at the end of that day: no default to cure "
            f"(§3(i)).",
            None, None, None, deemed,
        )
    paid = paid_in_full_on(
        owed=owed,
        after=deemed,
        interest_payments=interest_payments,
        principal_payments=principal_payments,
    )
    head += f" Past due then: {_past_due_words(owed)}; cure period through {deadline}."
    if paid is not None and paid <= min(deadline, as_of):
        return (
            f"{head} Cured on {paid}: paid in full within the cure period (§3(i)).",
            None, None, None, paid,
        )
    if as_of <= deadline:
        return (
            f"{head} Not yet cured; if it is not paid in full by the end of {deadline}, "
            f"an Event of Default exists from {deadline + timedelta(days=1)} (§3(i)).",
            None, None, deadline, None,
        )
    eod_from = deadline + timedelta(days=1)
    if paid is not None and paid <= as_of:
        return (
            f"{head} Not cured in time: an Event of Default from {eod_from}, until the past-due "
            f"amount was paid in full on {paid} (§3(i)).",
            eod_from, paid, None, None,
        )
    return (
        f"{head} Not cured: an Event of Default from {eod_from} (§3(i)).",
        eod_from, None, None, None,
    )


def _involuntary(
    event: DefaultEventFact,
    as_of: date,
    dismissal_days: int,
    resolution: DefaultEventFact | None,
) -> tuple[str, date | None, date | None]:
    """(text, EoD from, EoD until) of one §3(iii) proceeding or appointment."""
    what = (
        "Involuntary proceeding against the Company commenced"
        if event.kind == DefaultEventKind.INVOLUNTARY_PROCEEDING
        else "Receiver, trustee or liquidator appointed without the Company's consent"
    )
    last_day = last_day_to_resolve(event.date, dismissal_days)
    eod_from = involuntary_default_from(event.date, dismissal_days)
    head = f"{what} on {event.date}; to be dismissed, stayed or vacated by {last_day}."
    if resolution is not None and resolution.date <= last_day:
        return (
            f"{head} Resolved on {resolution.date}, within {dismissal_days} days: "
            f"no Event of Default (§3(iii)).",
            None, None,
        )
    if as_of < eod_from:
        return (
            f"{head} Not resolved yet; if it is not resolved by then, an Event of Default "
            f"exists from {eod_from}, day {dismissal_days + 1} (§3(iii)).",
            None, None,
        )
    if resolution is not None:
        return (
            f"{head} Not resolved within {dismissal_days} days: an Event of Default from "
            f"{eod_from}, until it was resolved on {resolution.date} (§3(iii)).",
            eod_from, resolution.date,
        )
    return (
        f"{head} Not resolved within {dismissal_days} days: an Event of Default from "
        f"{eod_from}, day {dismissal_days + 1} (§3(iii)).",
        eod_from, None,
    )
