"""An allocation names a payment that exists, of the allocation's own note (notes/migrations/0015).

PaymentAllocation has no foreign-key constraint: `allocation_payment_with_its_note`
checks each INSERT's (and UPDATE's) new rows at once, `payment_kept_while_allocated`
refuses to delete a payment that has allocations (or change its id or note), and
an advisory lock serialises the two, so whichever of an insertion and a deletion
comes second sees what the first committed. Payments are append-only, so a
deletion needs that guard lifted first (`pgtrigger.ignore`, as a data migration
may); without it every deletion is refused before anything else. Checked here
with plain SQL and COPY (the ORM's PROTECT would refuse first) and, for the
races, with two real connections in both orders, committed and rolled back.
"""

from datetime import date
from decimal import Decimal

import pgtrigger
import psycopg
import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from notes.models import Payment, PaymentAllocation
from tests.factories import NoteFactory
from tests.races import REPEATABLE_READ, in_thread, race_connect, waiting_for_lock

D = Decimal
INSERT = """
    INSERT INTO notes_paymentallocation (payment_id, note_id, period_start, paid_on, amount)
    SELECT payment_id, note_id, start, DATE '2025-07-15', 1.00
    FROM unnest(%s::bigint[], %s::bigint[], %s::date[]) AS row (payment_id, note_id, start)
"""
# What `append_only` (pgtrigger.Protect) says when it refuses.
APPEND_ONLY = "pgtrigger: Cannot update or delete rows from %s table"
MONTHS = [date(2025, month, 1) for month in range(1, 13)]


def _insert(cursor, *rows):
    """Allocations of (payment, note, month) rows in one INSERT."""
    cursor.execute(INSERT, [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]])


def _payment(note, amount="10.00"):
    return Payment.objects.create(
        note=note, paid_on=date(2025, 7, 15), amount=D(amount), applies_to="interest",
        method="wire",
    )


def _missing_id():
    return (Payment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def _append_only_pgid():
    """The id PostgreSQL knows the payments' append-only trigger by (to lift it)."""
    (trigger,) = [t for t in Payment._meta.triggers if t.name == "append_only"]
    return trigger.get_pgid(Payment)


def _allocations_of(payment_id):
    return PaymentAllocation.objects.filter(payment_id=payment_id).count()


@pytest.mark.django_db
class TestRefusals:
    def test_allocations_of_their_payments_notes_are_accepted(self):
        note, other = NoteFactory(), NoteFactory()
        payment, theirs = _payment(note), _payment(other)
        with connection.cursor() as cursor:
            _insert(cursor, *[(payment.pk, note.pk, m) for m in MONTHS],
                    (theirs.pk, other.pk, MONTHS[0]))
        assert _allocations_of(payment.pk) == 12 and _allocations_of(theirs.pk) == 1

    def test_an_allocation_of_a_missing_payment_is_refused(self):
        note = NoteFactory()
        missing = _missing_id()
        with pytest.raises(
            IntegrityError,
            match=f"allocation_payment_with_its_note: an allocation of payment {missing} to note"
            f" {note.pk},",
        ), transaction.atomic(), connection.cursor() as cursor:
            _insert(cursor, (missing, note.pk, MONTHS[0]))

    def test_an_allocation_to_another_note_than_its_payments_is_refused(self):
        note, other = NoteFactory(), NoteFactory()
        payment = _payment(note)
        with pytest.raises(
            IntegrityError, match=f"payment {payment.pk} to note {other.pk}, which is not"
        ), transaction.atomic(), connection.cursor() as cursor:
            _insert(cursor, (payment.pk, other.pk, MONTHS[0]))
        assert _allocations_of(payment.pk) == 0

    def test_one_bad_pair_among_many_refuses_the_whole_insert(self):
        note, other = NoteFactory(), NoteFactory()
        payment, theirs = _payment(note), _payment(other)
        rows = [(payment.pk, note.pk, m) for m in MONTHS] + [(theirs.pk, note.pk, MONTHS[0])]
        with pytest.raises(IntegrityError, match=f"payment {theirs.pk} to note {note.pk},"), \
                transaction.atomic(), connection.cursor() as cursor:
            _insert(cursor, *rows)
        assert not PaymentAllocation.objects.exists()

    def test_the_orm_is_checked_too(self):
        note, other = NoteFactory(), NoteFactory()
        payment = _payment(note)
        with pytest.raises(IntegrityError, match="allocation_payment_with_its_note"), \
                transaction.atomic():
            PaymentAllocation.objects.create(
                payment=payment, note=other, period_start=MONTHS[0], paid_on=date(2025, 7, 15),
                amount=D("1.00"),
            )

    @pytest.mark.parametrize("bad", ["missing payment", "another note"])
    def test_copy_is_checked_too(self, bad):
        from offerings.services.conversions import ALLOCATION_COLUMNS, _rows_copy

        note, other = NoteFactory(), NoteFactory()
        payment = _payment(note)
        row = (
            (_missing_id(), note.pk) if bad == "missing payment" else (payment.pk, other.pk)
        )
        # COPY raises psycopg's error (Django does not wrap cursor.copy).
        with pytest.raises(
            psycopg.errors.ForeignKeyViolation, match="allocation_payment_with_its_note"
        ), transaction.atomic():
            _rows_copy("notes_paymentallocation", ALLOCATION_COLUMNS, [
                (payment.pk, note.pk, MONTHS[0], date(2025, 7, 15), D("1.00")),
                (*row, MONTHS[1], date(2025, 7, 15), D("1.00")),
            ])
        assert not PaymentAllocation.objects.exists()

    def test_an_allocation_moved_to_another_notes_payment_is_refused(self):
        """Allocations are append-only; with that guard lifted, the move is still checked."""
        note, other = NoteFactory(), NoteFactory()
        payment, second, theirs = _payment(note), _payment(note), _payment(other)
        with connection.cursor() as cursor:
            _insert(cursor, (payment.pk, note.pk, MONTHS[0]))
        with pytest.raises(ProgrammingError, match=APPEND_ONLY % "notes_paymentallocation"), \
                transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE notes_paymentallocation SET payment_id = %s", [second.pk])
        with pgtrigger.ignore("notes.PaymentAllocation:append_only"):
            for payment_id, note_id in ((theirs.pk, note.pk), (payment.pk, other.pk)):
                with pytest.raises(IntegrityError, match="allocation_payment_with_its_note"), \
                        transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE notes_paymentallocation SET payment_id = %s, note_id = %s",
                        [payment_id, note_id],
                    )
            with connection.cursor() as cursor:  # another payment of the same note: fine
                cursor.execute("UPDATE notes_paymentallocation SET payment_id = %s", [second.pk])
        assert _allocations_of(second.pk) == 1

    def test_a_payment_is_never_deleted_nor_its_note_changed(self):
        """The deletion side: payments are append-only, so no allocation can lose its payment."""
        note, other = NoteFactory(), NoteFactory()
        payment = _payment(note)
        for sql, params in (
            ("DELETE FROM notes_payment WHERE id = %s", [payment.pk]),
            ("UPDATE notes_payment SET note_id = %s WHERE id = %s", [other.pk, payment.pk]),
            ("UPDATE notes_payment SET id = %s WHERE id = %s", [_missing_id(), payment.pk]),
        ):
            with pytest.raises(ProgrammingError, match=APPEND_ONLY % "notes_payment"), \
                    transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
        assert Payment.objects.filter(pk=payment.pk, note=note).exists()

    def test_with_append_only_lifted_a_payment_with_allocations_is_still_kept(self):
        note, other = NoteFactory(), NoteFactory()
        payment, spare = _payment(note), _payment(note)
        with connection.cursor() as cursor:
            _insert(cursor, (payment.pk, note.pk, MONTHS[0]))
        with pgtrigger.ignore("notes.Payment:append_only"):
            for sql, params in (
                ("DELETE FROM notes_payment WHERE id = %s", [payment.pk]),
                ("UPDATE notes_payment SET note_id = %s WHERE id = %s", [other.pk, payment.pk]),
                ("UPDATE notes_payment SET id = %s WHERE id = %s", [_missing_id(), payment.pk]),
            ):
                with pytest.raises(
                    IntegrityError, match=f"payment_kept_while_allocated: payment {payment.pk} has"
                ), transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, params)
            with connection.cursor() as cursor:
                # Other columns change (what a data migration lifts the guard for)...
                cursor.execute("UPDATE notes_payment SET reference = 'W-1' WHERE id = %s",
                               [payment.pk])
                # ...and a payment without allocations may go.
                cursor.execute("DELETE FROM notes_payment WHERE id = %s", [spare.pk])
        assert Payment.objects.get(pk=payment.pk).reference == "W-1"
        assert not Payment.objects.filter(pk=spare.pk).exists()
        assert _allocations_of(payment.pk) == 1


# --- races: two real connections ------------------------------------------------------------




def _delete(conn, payment_id):
    """Delete a payment with its append-only guard lifted, in conn's transaction."""
    conn.execute("SELECT set_config('pgtrigger.ignore', %s, true)",
                 ["{" + _append_only_pgid() + "}"])
    conn.execute("DELETE FROM notes_payment WHERE id = %s", [payment_id])






@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False])
def test_insert_first_then_delete_waits_and_sees_the_allocation(first_commits):
    note = NoteFactory()
    payment = _payment(note)
    with race_connect() as inserter, race_connect() as deleter:
        _insert(inserter.cursor(), (payment.pk, note.pk, MONTHS[0]))  # lock held until commit
        thread, box = in_thread(lambda: (_delete(deleter, payment.pk), deleter.commit()))
        waiting_for_lock(deleter.info.backend_pid)
        if first_commits:
            inserter.commit()
        else:
            inserter.rollback()
        thread.join(30)
        assert not thread.is_alive()
        if first_commits:
            assert isinstance(box.get("error"), psycopg.errors.ForeignKeyViolation)
            assert f"payment_kept_while_allocated: payment {payment.pk} has" in str(box["error"])
            deleter.rollback()
    if first_commits:
        assert Payment.objects.filter(pk=payment.pk).exists()
        assert _allocations_of(payment.pk) == 1
    else:
        assert box == {"ok": True}
        assert not Payment.objects.filter(pk=payment.pk).exists()
        assert _allocations_of(payment.pk) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False])
def test_delete_first_then_insert_waits_and_sees_the_payment_gone(first_commits):
    note = NoteFactory()
    payment = _payment(note)
    with race_connect() as deleter, race_connect() as inserter:
        _delete(deleter, payment.pk)  # lock held until commit
        thread, box = in_thread(
            lambda: (_insert(inserter.cursor(), (payment.pk, note.pk, MONTHS[0])),
                     inserter.commit())
        )
        waiting_for_lock(inserter.info.backend_pid)
        if first_commits:
            deleter.commit()
        else:
            deleter.rollback()
        thread.join(30)
        assert not thread.is_alive()
        if first_commits:
            assert isinstance(box.get("error"), psycopg.errors.ForeignKeyViolation)
            assert (f"allocation_payment_with_its_note: an allocation of payment {payment.pk}"
                    in str(box["error"]))
            inserter.rollback()
    if first_commits:
        assert not Payment.objects.filter(pk=payment.pk).exists()
        assert _allocations_of(payment.pk) == 0
    else:
        assert box == {"ok": True}
        assert Payment.objects.filter(pk=payment.pk).exists()
        assert _allocations_of(payment.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_a_repeatable_read_insert_after_a_concurrent_deletion_fails():
    """Its snapshot still shows the payment: the FOR KEY SHARE lock finds it deleted."""
    note = NoteFactory()
    payment = _payment(note)
    with race_connect(REPEATABLE_READ) as inserter, race_connect() as deleter:
        inserter.execute("SELECT count(*) FROM notes_payment").fetchone()  # the snapshot
        _delete(deleter, payment.pk)
        deleter.commit()
        with pytest.raises(psycopg.errors.SerializationFailure):
            _insert(inserter.cursor(), (payment.pk, note.pk, MONTHS[0]))
        inserter.rollback()
    assert _allocations_of(payment.pk) == 0


@pytest.mark.django_db(transaction=True)
def test_a_repeatable_read_insert_holds_the_payment_against_a_later_deletion():
    note = NoteFactory()
    payment = _payment(note)
    with race_connect(REPEATABLE_READ) as inserter, race_connect() as deleter:
        _insert(inserter.cursor(), (payment.pk, note.pk, MONTHS[0]))
        thread, box = in_thread(lambda: (_delete(deleter, payment.pk), deleter.commit()))
        waiting_for_lock(deleter.info.backend_pid)
        inserter.commit()
        thread.join(30)
        assert isinstance(box.get("error"), psycopg.errors.ForeignKeyViolation)
        deleter.rollback()
    assert Payment.objects.filter(pk=payment.pk).exists() and _allocations_of(payment.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_a_payment_is_deleted_only_under_read_committed():
    """A REPEATABLE READ snapshot could miss allocations committed after it began."""
    note = NoteFactory()
    payment = _payment(note)
    with race_connect(REPEATABLE_READ) as deleter:
        with pytest.raises(psycopg.errors.InvalidTransactionState, match="READ COMMITTED"):
            _delete(deleter, payment.pk)
        deleter.rollback()
    assert Payment.objects.filter(pk=payment.pk).exists()
