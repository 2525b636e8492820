"""Proposing amendments and recording written consents (§9); refusals record nothing."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from amendments.models import Amendment, AmendmentAddressee, HolderConsent
from amendments.selectors import amendment_tally_get
from amendments.services import (
    AmendmentConflict,
    amendment_holder_consent_record,
    amendment_issuer_consent_record,
    amendment_propose,
)
from notes.services.payments import payment_record
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db


def propose(series, **kwargs):
    return amendment_propose(series=series, title="Extend the maturity to three years",
                             **kwargs)


def consent(amendment, holder, day):
    return amendment_holder_consent_record(amendment=amendment, holder=holder, consented_on=day)


def test_it_takes_effect_with_the_consent_that_passes_half(register):
    series, holders, notes = register
    amendment = propose(series, issuer_consented_on=date(2007, 6, 1))
    consent(amendment, holders[1], date(2007, 6, 4))  # 300,000: 30%
    consent(amendment, holders[3], date(2007, 6, 6))  # 400,000: 40%
    amendment.refresh_from_db()
    assert amendment.effective_on is None
    consent(amendment, holders[2], date(2007, 6, 8))  # 600,000: 60%
    amendment.refresh_from_db()
    assert amendment.effective_on == date(2007, 6, 8)
    tally = amendment_tally_get(amendment=amendment)
    assert [line.row.first_passed for line in tally.lines] == [False, False, True]
    assert tally.passed_on == date(2007, 6, 8)
    # Every note outstanding that day is an addressee of the notice.
    assert set(AmendmentAddressee.objects.values_list("note_id", flat=True)) == {
        n.pk for n in notes
    }
    # A later consent changes nothing once in effect.
    consent(amendment, holders[0], date(2007, 6, 20))
    amendment.refresh_from_db()
    assert amendment.effective_on == date(2007, 6, 8)
    assert AmendmentAddressee.objects.count() == len(notes)


def test_the_company_consenting_last_sets_the_day(register):
    series, holders, _notes = register
    amendment = propose(series)
    consent(amendment, holders[0], date(2007, 6, 4))
    consent(amendment, holders[1], date(2007, 6, 5))
    amendment.refresh_from_db()
    assert amendment.effective_on is None
    assert amendment_tally_get(amendment=amendment).passed_on == date(2007, 6, 5)
    amendment_issuer_consent_record(amendment=amendment, consented_on=date(2007, 7, 2))
    amendment.refresh_from_db()
    assert amendment.effective_on == date(2007, 7, 2)
    with pytest.raises(AmendmentConflict, match="already recorded, dated 2007-07-02"):
        amendment_issuer_consent_record(amendment=amendment, consented_on=date(2007, 7, 3))


def test_a_prepayment_before_the_consent_counts_what_is_left(register):
    series, holders, notes = register
    payment_record(note=notes[0], paid_on=date(2007, 3, 1), amount=D("100000.00"),
                   applies_to="principal", holder_consent_reference="Letter of 2007-02-20")
    amendment = propose(series, issuer_consented_on=date(2007, 6, 1))
    consent(amendment, holders[0], date(2007, 6, 4))  # 300,000 of 900,000
    consent(amendment, holders[3], date(2007, 6, 5))  # 400,000 of 900,000: not more than half
    amendment.refresh_from_db()
    assert amendment.effective_on is None
    tally = amendment_tally_get(amendment=amendment)
    first = tally.lines[0].row
    assert (first.holder_principal, first.outstanding_principal) == (
        D("300000.00"), D("900000.00")
    )
    consent(amendment, holders[2], date(2007, 6, 6))  # 600,000 of 900,000
    amendment.refresh_from_db()
    assert amendment.effective_on == date(2007, 6, 6)


def test_a_holder_with_several_notes_consents_for_all_of_them(register):
    series, holders, _notes = register
    NoteFactory(series=series, holder=holders[3], principal=D("500000.00"),
                issue_date=date(2006, 7, 25))
    amendment = propose(series, issuer_consented_on=date(2007, 6, 1))
    consent(amendment, holders[3], date(2007, 6, 4))  # 600,000 of 1,500,000
    row = amendment_tally_get(amendment=amendment).lines[0].row
    assert row.holder_principal == D("600000.00")
    assert row.outstanding_principal == D("1500000.00")


def test_refusals_record_nothing(register):
    series, holders, _notes = register
    amendment = propose(series)
    stranger = HolderFactory()
    with pytest.raises(ValidationError, match="holds no note"):
        consent(amendment, stranger, date(2007, 6, 4))
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError, match="after today"):
        consent(amendment, holders[0], tomorrow)
    with pytest.raises(ValidationError, match="after today"):
        amendment_issuer_consent_record(amendment=amendment, consented_on=tomorrow)
    with pytest.raises(ValidationError, match="before it"):
        amendment_issuer_consent_record(amendment=amendment, consented_on=date(2006, 1, 1))
    with pytest.raises(ValidationError, match="title"):
        amendment_propose(series=series, title="  ")
    assert not HolderConsent.objects.exists()
    consent(amendment, holders[0], date(2007, 6, 4))
    with pytest.raises(AmendmentConflict, match="already recorded, dated 2007-06-04"):
        consent(amendment, holders[0], date(2007, 6, 5))
    assert HolderConsent.objects.count() == 1


def test_consents_and_dates_are_facts_the_database_keeps(register):
    series, holders, _notes = register
    amendment = propose(series, issuer_consented_on=date(2007, 6, 1))
    given = consent(amendment, holders[0], date(2007, 6, 4))
    with pytest.raises(Exception, match="append_only"), transaction.atomic():
        HolderConsent.objects.filter(pk=given.pk).update(consented_on=date(2007, 6, 3))
    with pytest.raises(Exception, match="append_only"), transaction.atomic():
        HolderConsent.objects.filter(pk=given.pk).delete()
    with pytest.raises(Exception, match="set_once"), transaction.atomic():
        Amendment.objects.filter(pk=amendment.pk).update(issuer_consented_on=date(2007, 5, 1))
    bare = propose(series)
    with pytest.raises(Exception, match="never_deleted"), transaction.atomic():
        Amendment.objects.filter(pk=bare.pk).delete()


def test_a_prepayment_by_another_holder_can_bring_it_into_effect_on_the_daily_cycle(register):
    from notes.signals import servicing_cycle_starting

    series, holders, notes = register
    amendment = propose(series, issuer_consented_on=date(2007, 6, 1))
    consent(amendment, holders[0], date(2007, 6, 4))  # 400,000 of 1,000,000
    consent(amendment, holders[3], date(2007, 6, 5))  # 500,000 of 1,000,000: exactly half
    amendment.refresh_from_db()
    assert amendment.effective_on is None
    # Holder 2 (not consenting) prepays 100,000 on 2007-07-02: 500,000 of 900,000.
    payment_record(note=notes[1], paid_on=date(2007, 7, 2), amount=D("100000.00"),
                   applies_to="principal", holder_consent_reference="Letter of 2007-06-25")
    servicing_cycle_starting.send(sender=None, as_of=date(2007, 7, 3))
    amendment.refresh_from_db()
    assert amendment.effective_on == date(2007, 7, 2)
    assert AmendmentAddressee.objects.filter(amendment=amendment).count() == 4
