"""Written consents to an amendment or waiver, and the day it takes effect (§9).

§9: any provision of the Note may be amended, waived or modified upon the
written consent of the Company and of holders of more than fifty percent
(50%) of the principal amount of all then outstanding Notes of the series.
The readings this module makes:

- **Weight.** A holder consents for every note of the series they hold; the
  consent weighs the principal of those notes outstanding at the end of the
  day in question: the original principal less principal repaid on or before
  that day (a prepayment reduces it), nothing for a note converted or repaid
  by that day, nothing for a note not yet issued.
- **Denominator.** The principal outstanding on that same day of every note of
  the series, computed the same way: a prepayment reduces both.
- **Strictly more than half.** A share of exactly 50% does not pass.
- **The day.** The running share is a step function of the day: it moves only
  when a consent is given, a note is issued, principal is paid or a note ends.
  The day it passed 50% is the first such day, on or after the first consent,
  on which the consenting holders' principal is more than half; the amendment
  takes effect on the first day on or after the Company's consent on which
  that is so — ordinarily the later of the two days.

Pure Python over ``Decimal``, ``Fraction`` and ``date``: the selectors load the
facts, this decides. Shares are exact fractions; nothing here is rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from notes.domain.interest import BalanceStep, balance_on

HALF = Fraction(1, 2)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class NoteFact:
    """One note of the series: who holds it and its principal over time."""

    note_id: int
    holder_id: int
    issue_date: date
    ended_on: date | None  # converted or repaid in full on this day
    timeline: tuple[BalanceStep, ...]  # principal steps (a payment on D is a step on D + 1)

    def outstanding_on(self, day: date) -> Decimal:
        """The principal outstanding at the end of ``day``."""
        if day < self.issue_date or (self.ended_on is not None and self.ended_on <= day):
            return ZERO
        return Decimal(balance_on(self.timeline, day + timedelta(days=1)))

    def change_days(self) -> set[date]:
        """The days at whose end its outstanding principal may differ from the day before."""
        days = {self.issue_date}
        if self.ended_on is not None:
            days.add(self.ended_on)
        days.update(step.effective_from - timedelta(days=1) for step in self.timeline[1:])
        return days


@dataclass(frozen=True)
class ConsentFact:
    consent_id: int
    holder_id: int
    consented_on: date


@dataclass(frozen=True)
class ConsentRow:
    """One consent with the running share on its day (consents before it included)."""

    consent: ConsentFact
    holder_principal: Decimal  # what this holder's consent weighs on its day
    consenting_principal: Decimal  # every consent so far, weighed on this day
    outstanding_principal: Decimal  # the series on this day
    share: Fraction
    passed: bool  # more than half on this day
    first_passed: bool = False  # the consent with which the share first passed 50%


@dataclass(frozen=True)
class Tally:
    rows: tuple[ConsentRow, ...]
    passed_on: date | None  # the first day the holders' share was more than half
    effective_on: date | None  # ... on or after the Company's consent


def share_on(
    day: date, notes: Sequence[NoteFact], consenting_holders: set[int]
) -> tuple[Decimal, Decimal]:
    """(consenting principal, outstanding principal) of the series at the end of ``day``."""
    consenting = outstanding = ZERO
    for note in notes:
        amount = note.outstanding_on(day)
        outstanding += amount
        if note.holder_id in consenting_holders:
            consenting += amount
    return consenting, outstanding


def _fraction(part: Decimal, whole: Decimal) -> Fraction:
    return Fraction(part) / Fraction(whole) if whole > 0 else Fraction(0)


def _consenting_by(day: date, consents: Sequence[ConsentFact]) -> set[int]:
    return {c.holder_id for c in consents if c.consented_on <= day}


def consent_tally(
    *,
    notes: Sequence[NoteFact],
    consents: Sequence[ConsentFact],
    issuer_consented_on: date | None,
) -> Tally:
    """The running share after each consent, the day it passed 50%, the day it took effect.

    Args:
        notes: every note of the series.
        consents: the holders' written consents, one per holder, in any order.
        issuer_consented_on: the Company's written consent, if given.
    """
    ordered = sorted(consents, key=lambda c: (c.consented_on, c.consent_id))
    rows: list[ConsentRow] = []
    given: set[int] = set()
    weights: dict[int, dict[date, Decimal]] = {}
    for consent in ordered:
        given.add(consent.holder_id)
        day = consent.consented_on
        consenting, outstanding = share_on(day, notes, given)
        holder_principal = sum(
            (n.outstanding_on(day) for n in notes if n.holder_id == consent.holder_id), ZERO
        )
        weights.setdefault(consent.holder_id, {})[day] = holder_principal
        share = _fraction(consenting, outstanding)
        rows.append(
            ConsentRow(
                consent=consent,
                holder_principal=holder_principal,
                consenting_principal=consenting,
                outstanding_principal=outstanding,
                share=share,
                passed=share > HALF,
            )
        )
    if not ordered:
        return Tally(rows=(), passed_on=None, effective_on=None)

    first_consent = ordered[0].consented_on
    candidates = {c.consented_on for c in ordered}
    for note in notes:
        candidates.update(note.change_days())
    if issuer_consented_on is not None:
        candidates.add(issuer_consented_on)
    passed_on = effective_on = None
    for day in sorted(d for d in candidates if d >= first_consent):
        consenting, outstanding = share_on(day, notes, _consenting_by(day, ordered))
        if _fraction(consenting, outstanding) > HALF:
            if passed_on is None:
                passed_on = day
            if issuer_consented_on is not None and day >= issuer_consented_on:
                effective_on = day
                break
    # The passed-50% marker: the last consent given on or before the day it passed,
    # i.e. the one that took the share over half (a later drop in the denominator
    # alone can also do it; then it is the latest consent before that day).
    if passed_on is not None:
        marked = max(
            (i for i, row in enumerate(rows) if row.consent.consented_on <= passed_on),
            default=None,
        )
        if marked is not None:
            row = rows[marked]
            rows[marked] = ConsentRow(**{**row.__dict__, "first_passed": True})
    return Tally(rows=tuple(rows), passed_on=passed_on, effective_on=effective_on)


def share_percent_text(share: Fraction) -> str:
    """The share as a percentage to two places, truncated so it never shows more than it is."""
    hundredths = (share * 10000).numerator // (share * 10000).denominator
    return f"{Decimal(hundredths) / 100:.2f}%"
