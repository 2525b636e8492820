"""An adjustment never points at a statement that does not exist (notes/migrations/0015).

InterestStatement.corrects has no foreign-key constraint: the deferred constraint
trigger `statement_corrects_exists` checks each adjustment at commit, and only
adjustments (its condition, corrects set, is evaluated as the row is written, so
an original queues nothing). Statements are never updated or deleted, so the
insert is the only way to a dangling link. Checked here with plain SQL and real
commits (the check runs at commit), and with two connections: an adjustment of
a statement another transaction has not committed yet is refused, as the key
refused it.
"""

from datetime import date

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from notes.models import InterestStatement
from tests.dburl import database_url_for
from tests.factories import NoteFactory

ORIGINAL = """
    INSERT INTO notes_intereststatement (note_id, period_start, period_end, due_date, days,
        amount, amount_currency, rate, day_count, calculation, created_at)
    VALUES (%s, DATE '2024-01-01', DATE '2024-01-31', DATE '2024-02-15', 31, 1.00, 'USD',
            0.1, 'ACT/365F', 'test', now())
    RETURNING id
"""
ADJUSTMENT = """
    INSERT INTO notes_intereststatement (note_id, period_start, period_end, due_date, days,
        amount, amount_currency, rate, day_count, calculation, created_at, corrects_id, reason)
    VALUES (%s, DATE '2024-01-01', DATE '2024-01-31', DATE '2024-03-15', 31, -0.50, 'USD',
            0.1, 'ACT/365F', 'test', now(), %s, 'test')
    RETURNING id
"""


def _missing_id():
    return (InterestStatement.objects.order_by("-pk").values_list("pk", flat=True).first()
            or 0) + 1000


@pytest.mark.django_db(transaction=True)
def test_an_adjustment_of_a_missing_statement_is_refused_at_commit():
    note = NoteFactory(issue_date=date(2024, 1, 1))
    missing = _missing_id()
    refused = f"statement_corrects_exists: .* corrects {missing},"
    with pytest.raises(IntegrityError, match=refused), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(ADJUSTMENT, [note.pk, missing])
    assert not InterestStatement.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_adjustment_of_an_existing_statement_is_accepted():
    note = NoteFactory(issue_date=date(2024, 1, 1))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ORIGINAL, [note.pk])
        (original,) = cursor.fetchone()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ADJUSTMENT, [note.pk, original])
    adjustment = InterestStatement.objects.get(corrects__isnull=False)
    assert adjustment.corrects_id == original


@pytest.mark.django_db(transaction=True)
def test_the_check_waits_for_commit_as_the_key_did():
    """Deferred: an adjustment written before its original in one transaction is kept."""
    note = NoteFactory(issue_date=date(2024, 1, 1))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('notes_intereststatement', 'id'))")
        (original,) = cursor.fetchone()
        cursor.execute(ADJUSTMENT, [note.pk, original])
        cursor.execute(ORIGINAL.replace("(%s,", "(%s, %s,").replace("(note_id,", "(id, note_id,"),
                       [original, note.pk])
    assert InterestStatement.objects.filter(corrects_id=original).count() == 1


@pytest.mark.django_db
def test_originals_queue_no_check_and_no_key_is_left():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger"
            " WHERE tgrelid = 'notes_intereststatement'::regclass"
            " AND tgname LIKE 'pgtrigger_statement_corrects_exists_%'"
        )
        (definition,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid = 'notes_intereststatement'::regclass"
        )
        (keys,) = cursor.fetchone()
    assert "CONSTRAINT TRIGGER" in definition
    assert "DEFERRABLE INITIALLY DEFERRED" in definition
    assert "WHEN ((new.corrects_id IS NOT NULL))" in definition
    assert keys == 0


@pytest.mark.django_db(transaction=True)
def test_an_adjustment_of_a_statement_not_yet_committed_elsewhere_is_refused():
    note = NoteFactory(issue_date=date(2024, 1, 1))
    url = database_url_for(connection.settings_dict["NAME"])
    with psycopg.connect(url) as first, psycopg.connect(url) as second:
        (original,) = first.execute(ORIGINAL, [note.pk]).fetchone()  # not committed
        second.execute(ADJUSTMENT, [note.pk, original])
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="statement_corrects_exists"):
            second.commit()
        first.commit()
        second.execute(ADJUSTMENT, [note.pk, original])  # now it exists
        second.commit()
    assert InterestStatement.objects.filter(corrects_id=original).count() == 1


# --- the other end: an original kept under its adjustments (notes/migrations/0018) ----------


def _append_only_lifted(cursor):
    """Lift the statements' append-only guard for the transaction, as a data migration may."""
    (trigger,) = [t for t in InterestStatement._meta.triggers if t.name == "append_only"]
    cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)",
                   ["{" + trigger.get_pgid(InterestStatement) + "}"])


def _original_with_adjustment(cursor, note):
    cursor.execute(ORIGINAL, [note.pk])
    (original,) = cursor.fetchone()
    cursor.execute(ADJUSTMENT, [note.pk, original])
    (adjustment,) = cursor.fetchone()
    return original, adjustment


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["delete", "renumber"])
def test_an_original_is_not_taken_from_under_its_adjustment(how):
    note = NoteFactory(issue_date=date(2024, 1, 1))
    with transaction.atomic(), connection.cursor() as cursor:
        original, adjustment = _original_with_adjustment(cursor, note)
    with pytest.raises(IntegrityError, match="corrected_statement_kept"), \
            transaction.atomic(), connection.cursor() as cursor:
        _append_only_lifted(cursor)
        if how == "delete":
            cursor.execute("DELETE FROM notes_intereststatement WHERE id = %s", [original])
        else:
            cursor.execute("UPDATE notes_intereststatement SET id = %s WHERE id = %s",
                           [_missing_id(), original])
    assert InterestStatement.objects.get(pk=adjustment).corrects_id == original
    assert InterestStatement.objects.filter(pk=original).exists()


@pytest.mark.django_db(transaction=True)
def test_an_original_goes_with_its_adjustments_or_alone():
    note = NoteFactory(issue_date=date(2024, 1, 1))
    with transaction.atomic(), connection.cursor() as cursor:
        original, adjustment = _original_with_adjustment(cursor, note)
        february = ORIGINAL.replace("2024-01-01", "2024-02-01").replace(
            "2024-01-31", "2024-02-29").replace("2024-02-15", "2024-03-15")
        cursor.execute(february, [note.pk])
        (alone,) = cursor.fetchone()
    with transaction.atomic(), connection.cursor() as cursor:
        _append_only_lifted(cursor)
        cursor.execute("DELETE FROM notes_intereststatement WHERE id = %s", [alone])
        cursor.execute("DELETE FROM notes_intereststatement WHERE id IN (%s, %s)",
                       [original, adjustment])
    assert not InterestStatement.objects.filter(note=note).exists()
