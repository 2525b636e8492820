"""A statement never points at a missing note (notes/migrations/0013).

InterestStatement.note has no foreign-key constraint: `statement_note_exists`
checks each INSERT's new rows at once, `stated_note_kept` refuses to delete (or
renumber) a note that has statements, and an advisory lock serialises the two,
so whichever of an insertion and a deletion comes second sees what the first
committed. Checked here with plain SQL (the ORM's PROTECT would refuse first)
and, for the races, with two real connections in both orders, committed and
rolled back.
"""

from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from notes.models import InterestStatement, Note
from notes.services import servicing
from tests.factories import NoteFactory
from tests.races import REPEATABLE_READ, in_thread, race_connect, waiting_for_lock

D = Decimal
INSERT = """
    INSERT INTO notes_intereststatement (note_id, period_start, period_end, due_date, days,
        amount, amount_currency, rate, day_count, calculation, created_at)
    SELECT note_id, DATE '2024-01-01', DATE '2024-01-31', DATE '2024-02-15', 31, 1.00, 'USD',
           0.1, 'ACT/365F', 'test', now()
    FROM unnest(%s::bigint[]) AS note_id
"""


def _insert(cursor, *note_ids):
    cursor.execute(INSERT, [list(note_ids)])


def _state(note):
    return servicing.statements_generate(
        id_from=note.pk, id_to=note.pk, as_of=date(2024, 3, 1), run_id=None
    )


def _missing_id():
    return (Note.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.mark.django_db
class TestRefusals:
    def test_a_statement_of_a_missing_note_is_refused(self):
        missing = _missing_id()
        with pytest.raises(IntegrityError, match=f"statement_note_exists: .* note {missing},"), \
                transaction.atomic(), connection.cursor() as cursor:
            _insert(cursor, missing)

    def test_one_missing_note_among_many_refuses_the_whole_insert(self):
        notes = [NoteFactory(issue_date=date(2024, 1, 1)) for _ in range(3)]
        missing = _missing_id()
        # Ids with gaps: the per-note look-up, not the range count, finds the missing one.
        with pytest.raises(IntegrityError, match=f"note {missing},"), \
                transaction.atomic(), connection.cursor() as cursor:
            _insert(cursor, notes[0].pk, notes[2].pk, missing)
        assert not InterestStatement.objects.exists()

    def test_notes_with_gaps_between_them_all_existing_are_accepted(self):
        notes = [NoteFactory(issue_date=date(2024, 1, 1)) for _ in range(3)]
        with transaction.atomic():
            Note.objects.filter(pk=notes[1].pk).delete()  # a gap in the ids
        with connection.cursor() as cursor:
            _insert(cursor, notes[0].pk, notes[2].pk)
        assert InterestStatement.objects.count() == 2

    def test_copy_is_checked_too(self):
        missing = _missing_id()
        # COPY raises psycopg's error (Django does not wrap cursor.copy).
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="statement_note_exists"), \
                transaction.atomic():
            servicing._statements_insert(
                [(missing, date(2024, 1, 1), date(2024, 1, 31), date(2024, 2, 15), 31,
                  D("1.00"), "USD", D("0.1"), "ACT/365F", "test")],
                run_id=None,
            )

    def test_a_note_with_statements_cannot_be_deleted(self):
        note = NoteFactory(issue_date=date(2024, 1, 10))
        assert _state(note) == (1, 2)
        with pytest.raises(ProtectedError), transaction.atomic():
            note.delete()  # the ORM's PROTECT
        with pytest.raises(IntegrityError, match=f"stated_note_kept: note {note.pk} has"), \
                transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM notes_note WHERE id = %s", [note.pk])
        with pytest.raises(IntegrityError, match="stated_note_kept"), \
                transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE notes_note SET id = %s WHERE id = %s",
                           [_missing_id(), note.pk])
        assert Note.objects.filter(pk=note.pk).exists()

    def test_a_note_without_statements_is_deleted_and_updated(self):
        note, other = NoteFactory(), NoteFactory()
        with connection.cursor() as cursor:
            cursor.execute("UPDATE notes_note SET number = 'N-1' WHERE id = %s", [note.pk])
            cursor.execute("UPDATE notes_note SET id = %s WHERE id = %s",
                           [_missing_id(), other.pk])
        note.delete()
        assert not Note.objects.filter(pk__in=[note.pk, other.pk]).exists()


# --- races: two real connections ------------------------------------------------------------








def _statements_of(note_id):
    return InterestStatement.objects.filter(note_id=note_id).count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False])
def test_insert_first_then_delete_waits_and_sees_the_statement(first_commits):
    note = NoteFactory(issue_date=date(2024, 1, 1))
    with race_connect() as inserter, race_connect() as deleter:
        _insert(inserter.cursor(), note.pk)  # checked, lock held until commit
        thread, box = in_thread(
            lambda: (deleter.execute("DELETE FROM notes_note WHERE id = %s", [note.pk]),
                     deleter.commit())
        )
        waiting_for_lock(deleter.info.backend_pid)
        if first_commits:
            inserter.commit()
        else:
            inserter.rollback()
        thread.join(30)
        assert not thread.is_alive()
        if first_commits:
            assert isinstance(box.get("error"), psycopg.errors.ForeignKeyViolation)
            assert "stated_note_kept" in str(box["error"])
            deleter.rollback()
    if first_commits:
        assert Note.objects.filter(pk=note.pk).exists() and _statements_of(note.pk) == 1
    else:
        assert box == {"ok": True}
        assert not Note.objects.filter(pk=note.pk).exists() and _statements_of(note.pk) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False])
def test_delete_first_then_insert_waits_and_sees_the_note_gone(first_commits):
    note = NoteFactory(issue_date=date(2024, 1, 1))
    with race_connect() as deleter, race_connect() as inserter:
        deleter.execute("DELETE FROM notes_note WHERE id = %s", [note.pk])  # lock held
        thread, box = in_thread(lambda: (_insert(inserter.cursor(), note.pk), inserter.commit()))
        waiting_for_lock(inserter.info.backend_pid)
        if first_commits:
            deleter.commit()
        else:
            deleter.rollback()
        thread.join(30)
        assert not thread.is_alive()
        if first_commits:
            assert isinstance(box.get("error"), psycopg.errors.ForeignKeyViolation)
            assert f"statement_note_exists: a statement of note {note.pk}," in str(box["error"])
            inserter.rollback()
    if first_commits:
        assert not Note.objects.filter(pk=note.pk).exists() and _statements_of(note.pk) == 0
    else:
        assert box == {"ok": True}
        assert Note.objects.filter(pk=note.pk).exists() and _statements_of(note.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_a_repeatable_read_insert_after_a_concurrent_deletion_fails():
    """Its snapshot still shows the note: the FOR KEY SHARE lock finds it deleted."""
    note = NoteFactory(issue_date=date(2024, 1, 1))
    with race_connect(REPEATABLE_READ) as inserter, race_connect() as deleter:
        inserter.execute("SELECT count(*) FROM notes_note").fetchone()  # the snapshot
        deleter.execute("DELETE FROM notes_note WHERE id = %s", [note.pk])
        deleter.commit()
        with pytest.raises(psycopg.errors.SerializationFailure):
            _insert(inserter.cursor(), note.pk)
        inserter.rollback()
    assert _statements_of(note.pk) == 0


@pytest.mark.django_db(transaction=True)
def test_a_repeatable_read_insert_holds_the_note_against_a_later_deletion():
    note = NoteFactory(issue_date=date(2024, 1, 1))
    with race_connect(REPEATABLE_READ) as inserter, race_connect() as deleter:
        _insert(inserter.cursor(), note.pk)
        thread, box = in_thread(
            lambda: (deleter.execute("DELETE FROM notes_note WHERE id = %s", [note.pk]),
                     deleter.commit())
        )
        waiting_for_lock(deleter.info.backend_pid)
        inserter.commit()
        thread.join(30)
        assert isinstance(box.get("error"), psycopg.errors.ForeignKeyViolation)
        deleter.rollback()
    assert Note.objects.filter(pk=note.pk).exists() and _statements_of(note.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_a_note_is_deleted_only_under_read_committed():
    """A REPEATABLE READ snapshot could miss statements committed after it began."""
    note = NoteFactory()
    with race_connect(REPEATABLE_READ) as deleter:
        with pytest.raises(psycopg.errors.InvalidTransactionState, match="READ COMMITTED"):
            deleter.execute("DELETE FROM notes_note WHERE id = %s", [note.pk])
        deleter.rollback()
    assert Note.objects.filter(pk=note.pk).exists()
