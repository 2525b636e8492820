"""Figures longer than the money columns' 16 digits are shown whole, never a 500.

Found by the API fuzzing: a note of the largest principal the register takes,
issued a century before the day asked about, owes more interest than 16 digits
hold; the notes-outstanding report and the note's position failed to answer.
"""

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

LARGEST = Decimal("99999999999999.99")


@pytest.fixture
def old_large_note():
    return NoteFactory(principal=LARGEST, issue_date=date(1900, 1, 2))


def test_notes_outstanding_shows_a_note_amount_beyond_16_digits(finance_api, old_large_note):
    response = finance_api.get(
        f"/api/v1/reports/notes-outstanding/?as_of=2000-01-01&series={old_large_note.series_id}"
    )
    assert response.status_code == 200, response.content[:300]
    row = response.json()["results"][0]
    assert Decimal(row["outstanding_principal"]) == LARGEST
    note_amount = Decimal(row["note_amount"])
    assert len(note_amount.as_tuple().digits) > 16  # a century of 10% on the principal
    assert note_amount == LARGEST + Decimal(row["accrued_unpaid_interest"])
    assert note_amount.as_tuple().exponent == -2


def test_the_position_shows_it_too(finance_api, old_large_note):
    response = finance_api.get(f"/api/v1/notes/{old_large_note.pk}/position/?as_of=2000-01-01")
    assert response.status_code == 200, response.content[:300]
    assert len(Decimal(response.json()["note_amount"]).as_tuple().digits) > 16
