"""§9 in pure Python: the running share, strictly more than half, the day it took effect."""

from datetime import date, timedelta
from decimal import Decimal as D
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from amendments.domain import (
    ConsentFact,
    NoteFact,
    consent_tally,
    share_on,
    share_percent_text,
)
from notes.domain.interest import principal_timeline

ISSUED = date(2006, 7, 20)


def note(note_id, holder_id, principal, *, issued=ISSUED, ended_on=None, payments=()):
    return NoteFact(
        note_id=note_id,
        holder_id=holder_id,
        issue_date=issued,
        ended_on=ended_on,
        timeline=principal_timeline(issued, D(principal), payments),
    )


def consent(consent_id, holder_id, day):
    return ConsentFact(consent_id, holder_id, day)


def test_the_share_passes_with_the_consent_that_takes_it_over_half():
    notes = [note(1, 1, "400000.00"), note(2, 2, "300000.00"), note(3, 3, "300000.00")]
    tally = consent_tally(
        notes=notes,
        consents=[consent(10, 2, date(2007, 6, 4)), consent(11, 3, date(2007, 6, 8))],
        issuer_consented_on=date(2007, 6, 1),
    )
    first, second = tally.rows
    assert (first.holder_principal, first.share, first.passed) == (
        D("300000.00"), Fraction(3, 10), False
    )
    assert (second.consenting_principal, second.share, second.passed) == (
        D("600000.00"), Fraction(3, 5), True
    )
    assert second.first_passed and not first.first_passed
    assert tally.passed_on == tally.effective_on == date(2007, 6, 8)


def test_exactly_half_does_not_pass():
    notes = [note(1, 1, "500000.00"), note(2, 2, "500000.00")]
    tally = consent_tally(notes=notes, consents=[consent(1, 1, date(2007, 6, 4))],
                          issuer_consented_on=date(2007, 6, 1))
    assert tally.rows[0].share == Fraction(1, 2)
    assert not tally.rows[0].passed
    assert tally.passed_on is None and tally.effective_on is None


def test_it_takes_effect_on_the_later_of_the_issuer_and_the_holders():
    notes = [note(1, 1, "600000.00"), note(2, 2, "400000.00")]
    tally = consent_tally(notes=notes, consents=[consent(1, 1, date(2007, 6, 4))],
                          issuer_consented_on=date(2007, 7, 2))
    assert tally.passed_on == date(2007, 6, 4)
    assert tally.effective_on == date(2007, 7, 2)
    # Without the Company's consent it never takes effect (§9 needs both).
    alone = consent_tally(notes=notes, consents=[consent(1, 1, date(2007, 6, 4))],
                          issuer_consented_on=None)
    assert alone.passed_on == date(2007, 6, 4) and alone.effective_on is None


def test_a_prepayment_before_the_consent_reduces_the_weight_and_the_denominator():
    # Holder 1 prepaid 100,000 of 600,000 on 2007-03-01: 500,000 of 900,000 outstanding.
    notes = [
        note(1, 1, "600000.00", payments=[(date(2007, 3, 1), D("100000.00"))]),
        note(2, 2, "400000.00"),
    ]
    before = consent_tally(notes=notes, consents=[consent(1, 1, date(2007, 2, 28))],
                           issuer_consented_on=date(2007, 1, 2))
    assert before.rows[0].holder_principal == D("600000.00")
    assert before.rows[0].outstanding_principal == D("1000000.00")
    after = consent_tally(notes=notes, consents=[consent(1, 1, date(2007, 3, 1))],
                          issuer_consented_on=date(2007, 1, 2))
    assert after.rows[0].holder_principal == D("500000.00")
    assert after.rows[0].outstanding_principal == D("900000.00")
    assert after.rows[0].share == Fraction(5, 9)


def test_a_holder_converted_or_repaid_by_the_day_counts_nothing():
    notes = [
        note(1, 1, "600000.00", ended_on=date(2007, 5, 31)),  # converted on 2007-05-31
        note(2, 2, "300000.00"),
        note(3, 3, "100000.00"),
    ]
    tally = consent_tally(
        notes=notes,
        consents=[consent(1, 1, date(2007, 5, 31)), consent(2, 3, date(2007, 6, 1))],
        issuer_consented_on=date(2007, 5, 1),
    )
    first, second = tally.rows
    assert first.holder_principal == D("0.00") and first.outstanding_principal == D("400000.00")
    assert second.share == Fraction(1, 4)
    assert tally.effective_on is None


def test_the_denominator_falling_can_take_the_share_over_half_on_a_day_without_a_consent():
    # Holder 2 (not consenting) prepays 200,000 on 2007-08-01: 300,000 of 700,000 → of 500,000.
    notes = [
        note(1, 1, "300000.00"),
        note(2, 2, "400000.00", payments=[(date(2007, 8, 1), D("200000.00"))]),
    ]
    tally = consent_tally(notes=notes, consents=[consent(1, 1, date(2007, 6, 4))],
                          issuer_consented_on=date(2007, 6, 1))
    assert tally.rows[0].share == Fraction(3, 7)
    assert not tally.rows[0].passed
    assert tally.passed_on == tally.effective_on == date(2007, 8, 1)
    # The consent that was given is the one marked as having carried it over.
    assert tally.rows[0].first_passed


def test_a_note_issued_after_the_day_is_not_yet_outstanding():
    notes = [note(1, 1, "100000.00"), note(2, 2, "900000.00", issued=date(2007, 9, 1))]
    assert share_on(date(2007, 8, 31), notes, {1}) == (D("100000.00"), D("100000.00"))
    assert share_on(date(2007, 9, 1), notes, {1}) == (D("100000.00"), D("1000000.00"))


def test_the_percentage_is_truncated_never_rounded_up():
    assert share_percent_text(Fraction(1, 2)) == "50.00%"
    assert share_percent_text(Fraction(50009, 100000)) == "50.00%"
    assert share_percent_text(Fraction(2, 3)) == "66.66%"


amounts = st.integers(min_value=1, max_value=5_000_000).map(lambda n: D(n) / 100)
days = st.integers(min_value=0, max_value=400).map(lambda n: ISSUED + timedelta(days=n))


@given(
    principals=st.lists(amounts, min_size=1, max_size=6),
    consent_days=st.lists(st.one_of(st.none(), days), min_size=6, max_size=6),
    issuer_day=st.one_of(st.none(), days),
)
def test_effective_only_on_a_day_with_the_company_and_more_than_half(
    principals, consent_days, issuer_day
):
    notes = [note(i, i, p) for i, p in enumerate(principals)]
    consents = [
        consent(i, i, day) for i, day in enumerate(consent_days[: len(notes)]) if day is not None
    ]
    tally = consent_tally(notes=notes, consents=consents, issuer_consented_on=issuer_day)
    total = sum(principals, D(0))
    if tally.effective_on is not None:
        assert issuer_day is not None and tally.effective_on >= issuer_day
        holders = {c.holder_id for c in consents if c.consented_on <= tally.effective_on}
        consenting, outstanding = share_on(tally.effective_on, notes, holders)
        assert consenting * 2 > outstanding
        # No earlier day on or after the Company's consent had a majority.
        for day in (c.consented_on for c in consents):
            if issuer_day <= day < tally.effective_on:
                early = {c.holder_id for c in consents if c.consented_on <= day}
                part, whole = share_on(day, notes, early)
                assert part * 2 <= whole
    elif issuer_day is not None:
        everyone = sum((p for i, p in enumerate(principals)
                        if any(c.holder_id == i for c in consents)), D(0))
        # Without effect, the consents never reached more than half once the Company had.
        if all(c.consented_on <= issuer_day for c in consents):
            assert everyone * 2 <= total
    # The running share never decreases with more consents on a series without payments.
    shares = [row.share for row in tally.rows]
    assert shares == sorted(shares)
