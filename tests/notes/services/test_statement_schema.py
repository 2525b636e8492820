"""The statement table keeps its rules with fewer indexes (notes/migrations/0010, 0011).

- One original per note and period, any number of adjustments: the unique index
  on (note, period, 0 for an original / the row's id for an adjustment).
- The same index serves a note's statements in period order (there is no
  separate note_id index any more).
- A servicing run is never deleted: statements point at it without a foreign
  key check.
- A month another run stated meanwhile is skipped by the set-based insert, not
  doubled and not an error.
"""

import re
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction

from notes.models import InterestStatement, ServicingRun
from notes.services import servicing
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _state(note, as_of):
    return servicing.statements_generate(id_from=note.pk, id_to=note.pk, as_of=as_of, run_id=None)


def _fields(statement):
    return {
        f: getattr(statement, f)
        for f in ("note", "period_start", "period_end", "due_date", "days", "rate", "day_count",
                  "calculation")
    }


def test_a_period_takes_one_original_and_many_adjustments():
    note = NoteFactory(issue_date=date(2024, 1, 10))
    assert _state(note, date(2024, 2, 1)) == (1, 1)
    original = InterestStatement.objects.get(note=note)
    for amount in ("1.00", "-0.50"):
        InterestStatement.objects.create(
            **_fields(original), amount=D(amount), corrects=original, reason="Back-dated payment"
        )
    assert InterestStatement.objects.filter(note=note, period_start=date(2024, 1, 10)).count() == 3
    with pytest.raises(IntegrityError, match="statement_one_per_note_and_period"), \
            transaction.atomic():
        InterestStatement.objects.create(**_fields(original), amount=D("2.00"))


def test_a_notes_statements_are_read_through_the_unique_index():
    note = NoteFactory(issue_date=date(2024, 1, 10))
    _state(note, date(2024, 6, 1))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT * FROM notes_intereststatement WHERE note_id = %s"
            " ORDER BY period_start",
            [note.pk],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "statement_one_per_note_and_period" in plan


def test_a_servicing_run_cannot_be_deleted():
    run = ServicingRun.objects.create(as_of=date(2024, 2, 1))
    with pytest.raises(Exception, match="Cannot delete"), transaction.atomic():
        ServicingRun.objects.filter(pk=run.pk).delete()
    assert ServicingRun.objects.filter(pk=run.pk).exists()


def test_months_another_run_stated_meanwhile_are_skipped_not_doubled():
    note = NoteFactory(issue_date=date(2024, 1, 10))
    assert _state(note, date(2024, 3, 1)) == (1, 2)  # January and February
    # A run that read the note before those two were committed starts at the issue date.
    stale = re.sub(
        r"COALESCE\(recent\.period_end \+ 1,.*?LIMIT 1\),\s*n\.issue_date\)",
        "n.issue_date",
        servicing._STEADY_NOTES,
        flags=re.S,
    )
    assert stale != servicing._STEADY_NOTES
    with mock.patch.object(servicing, "_STEADY_NOTES", stale):
        assert _state(note, date(2024, 4, 1)) == (1, 1)  # March only
    starts = list(
        InterestStatement.objects.filter(note=note)
        .order_by("period_start")
        .values_list("period_start", flat=True)
    )
    assert starts == [date(2024, 1, 10), date(2024, 2, 1), date(2024, 3, 1)]


def _first_unstated_day(note, as_of):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT first_day FROM ({servicing._STEADY_NOTES}) steady",
            servicing._chunk_reads(note.pk, note.pk, as_of),
        )
        return cursor.fetchone()[0]


def test_a_note_continues_from_its_latest_statement_recent_or_not():
    """The first unstated day: from the chunk's recent statements, else the note's own probe."""
    note = NoteFactory(issue_date=date(2024, 1, 10))
    assert _first_unstated_day(note, date(2024, 3, 1)) == date(2024, 1, 10)  # none yet
    assert _state(note, date(2024, 3, 1)) == (1, 2)  # January and February
    # Its latest (February) starts before May, the month before last: its own probe.
    assert _first_unstated_day(note, date(2024, 7, 1)) == date(2024, 3, 1)
    assert _state(note, date(2024, 7, 1)) == (1, 4)  # March to June
    # Its latest (June) is among the recent ones (on or after June 1).
    assert _first_unstated_day(note, date(2024, 8, 1)) == date(2024, 7, 1)
    assert _state(note, date(2024, 8, 1)) == (1, 1)  # July
    assert _first_unstated_day(note, date(2024, 8, 20)) == date(2024, 8, 1)
    assert _state(note, date(2024, 8, 20)) == (1, 0)  # July again: already stated
    starts = list(
        InterestStatement.objects.filter(note=note)
        .order_by("period_start")
        .values_list("period_start", flat=True)
    )
    assert starts == [date(2024, 1, 10)] + [date(2024, m, 1) for m in range(2, 8)]


@pytest.mark.django_db(transaction=True)
def test_statements_are_generated_outside_any_transaction_too():
    """Called in autocommit (a script, a shell), the chunk still runs as one transaction."""
    note = NoteFactory(issue_date=date(2024, 1, 10))
    assert connection.get_autocommit()
    assert _state(note, date(2024, 4, 1)) == (1, 3)
    assert InterestStatement.objects.filter(note=note).count() == 3
