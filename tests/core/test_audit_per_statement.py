"""A note's updates are audited once per statement: the same events as the per-row trigger.

`notes.Note` records its updates with a statement-level trigger (core.audit,
notes/migrations/0016). The same writes — a conversion's bulk UPDATE, an UPDATE
that changes some of the rows it touches, one that changes none or matches none,
a renumbering, a model's save(), a queryset update, with and without a pghistory
context — are made once under that trigger and once under pghistory's own per-row
trigger (the one migration 0001 installed, reinstalled inside the test's
transaction), and the events and contexts they leave are compared.
"""

from datetime import date

import pghistory
import pgtrigger
import pytest
from django.db import connection, transaction
from pghistory.models import Context
from pghistory.trigger import Event

from notes.models import Note, NoteEvent
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db

# The hash of pghistory's per-row update trigger of notes in notes/migrations/0001_initial.py.
ROW_TRIGGER_HASH = "73ac7b39003c0f07e340275401622577e3ea3d13"


def _row_trigger():
    """pghistory's per-row update trigger for notes, exactly as it was installed before."""
    ((_, statement),) = pgtrigger.registered("notes.Note:update_update")
    assert statement.level == pgtrigger.Statement
    row = Event(
        event_model=NoteEvent, label="update", name="update_update", row="NEW",
        operation=pgtrigger.Update, condition=statement.condition, level=pgtrigger.Row,
    )
    assert row.compile(Note).hash == ROW_TRIGGER_HASH
    return row


def _writes(ids, user_id):
    """Every kind of update a note sees, some inside a pghistory context."""
    with connection.cursor() as cursor:
        # Without a context (first: in a test's one transaction a context's settings linger).
        cursor.execute("UPDATE notes_note SET number = number || '-B' WHERE id = ANY(%s)",
                       [ids[10:]])
        with pghistory.context(user=user_id, url="/offerings/new/"):
            # A conversion's: one UPDATE ending many notes.
            cursor.execute(
                "UPDATE notes_note SET status = 'converted', ended_on = %s WHERE id = ANY(%s)",
                [date(2007, 7, 20), ids[:6]],
            )
        with pghistory.context(user=user_id, url="/notes/none/"):
            # Matches nothing.
            cursor.execute("UPDATE notes_note SET status = 'repaid' WHERE id = -1")
        with pghistory.context(user=user_id, url="/notes/bulk/"):
            # Touches every note, changes three of them.
            cursor.execute(
                "UPDATE notes_note SET status = CASE WHEN id = ANY(%s) THEN 'accelerated'"
                " ELSE status END WHERE id = ANY(%s)",
                [ids[6:9], ids],
            )
            # Changes nothing.
            cursor.execute("UPDATE notes_note SET number = number WHERE id = ANY(%s)", [ids])
            # A renumbered note (no statements, so it may be): recorded under its new id.
            cursor.execute("UPDATE notes_note SET id = id + 100000 WHERE id = %s", [ids[9]])
    with pghistory.context(user=user_id, url="/admin/notes/note/"):
        note = Note.objects.get(pk=ids[0])
        note.number = "RENAMED"
        note.save()
        note.save()  # no change: no event
    Note.objects.filter(pk__in=ids[6:8]).update(status="outstanding")


def _trail(ids, before):
    """The update events of the notes (by note, then in the order written), and each new
    context with how many of those events name it."""
    events = [
        {
            **{f.attname: getattr(e, f.attname) for f in NoteEvent._meta.concrete_fields
               if f.attname not in ("pgh_id", "pgh_context_id")},
            "context": e.pgh_context.metadata if e.pgh_context_id else None,
        }
        for e in NoteEvent.objects.filter(
            pgh_label="update", pgh_obj_id__in=[*ids, ids[9] + 100000]
        ).select_related("pgh_context").order_by("pgh_obj_id", "pgh_id")
    ]
    contexts = sorted(
        (context.metadata["url"], context.metadata["user"],
         NoteEvent.objects.filter(pgh_context_id=context.id).count())
        for context in Context.objects.exclude(id__in=before)
    )
    return events, contexts


def test_the_statement_trigger_writes_the_events_the_row_trigger_wrote(finance_user):
    series = SeriesFactory()
    ids = [NoteFactory(series=series, number=f"N-{i:02}").pk for i in range(12)]
    before = list(Context.objects.values_list("id", flat=True))

    mark = transaction.savepoint()
    _writes(ids, finance_user.pk)
    per_statement = _trail(ids, before)
    transaction.savepoint_rollback(mark)

    _row_trigger().install(Note)
    _writes(ids, finance_user.pk)
    per_row = _trail(ids, before)

    events, contexts = per_row
    # What the writes must leave, so the comparison is not of two empty trails:
    # 6 converted, 3 accelerated, 1 renumbered, 2 renamed, 1 saved, 2 back to outstanding.
    assert len(events) == 6 + 3 + 1 + 2 + 1 + 2
    assert sum(e["status"] == "converted" for e in events) == 6 + 1  # + the renamed one
    assert ids[9] + 100000 in {e["pgh_obj_id"] for e in events}
    assert sum(e["context"] is None for e in events) == 2
    assert ("/offerings/new/", finance_user.pk, 6) in contexts
    assert per_statement == per_row, (per_statement, per_row)


def test_the_notes_update_trigger_runs_once_per_statement():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgtype & 1 FROM pg_trigger WHERE tgrelid = 'notes_note'::regclass"
            " AND tgname LIKE 'pgtrigger_update_update_%%'"
        )
        assert cursor.fetchall() == [(0,)]  # bit 0 unset: FOR EACH STATEMENT
