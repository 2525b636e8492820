"""A payoff reversed on an accelerated note leaves it accelerated, not merely outstanding (§3)."""

from datetime import date
from decimal import Decimal

import pytest

from notes.models import NoteStatus
from notes.selectors import note_position_get
from notes.services.defaults import default_event_record
from notes.services.payments import payment_record, payment_reverse
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal


def test_reversing_the_payoff_of_an_accelerated_note_restores_acceleration():
    note = NoteFactory(principal=D("250000.00"), issue_date=date(2006, 7, 20))
    default_event_record(note=note, kind="payment_default_notice", date=date(2006, 9, 20),
                         delivery_method="personal")
    default_event_record(note=note, kind="acceleration", date=date(2006, 10, 2),
                         delivery_method="personal")
    note.refresh_from_db()
    assert note.status == NoteStatus.ACCELERATED
    # Accelerated: principal may be paid without the holder's consent (§4).
    principal = payment_record(note=note, paid_on=date(2006, 10, 5), amount=D("250000.00"),
                               applies_to="principal")
    owed = note_position_get(note=note, as_of=date(2006, 10, 5)).accrued_unpaid_interest
    payment_record(note=note, paid_on=date(2006, 10, 5), amount=owed, applies_to="interest")
    note.refresh_from_db()
    assert note.status == NoteStatus.REPAID
    payment_reverse(payment=principal, reason="Wire recalled")
    note.refresh_from_db()
    assert note.status == NoteStatus.ACCELERATED and note.ended_on is None
