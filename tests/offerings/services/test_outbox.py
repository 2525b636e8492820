"""The conversion trigger is never lost and never carried out twice."""

import threading
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from notes.models import NoteStatus
from offerings import services
from offerings.models import Conversion, ConversionTrigger, Offering, TriggerStatus
from offerings.services import four_eyes
from offerings.tasks import conversion_trigger_task
from tests.factories import NoteFactory, SeriesFactory

D = Decimal
SALES = [{"shares": 500_000, "price_per_share": D("2.00")},
         {"shares": 1_000_000, "price_per_share": D("4.00")}]


def record(series):
    return services.offering_record(
        issuer=series.issuer, kind="pipe", closing_date=date(2007, 7, 20),
        gross_proceeds=D("5000000.00"), sales=SALES,
    )


@pytest.mark.django_db
def test_broker_unreachable_at_record_time_loses_nothing(django_capture_on_commit_callbacks):
    series = SeriesFactory()
    notes = [NoteFactory(series=series, issue_date=date(2006, 7, 20)) for _ in range(3)]
    unreachable = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(conversion_trigger_task, "delay", side_effect=unreachable),
        django_capture_on_commit_callbacks(execute=True),
    ):
        offering = record(series)
    # The offering is recorded, its trigger waits, nothing has converted yet.
    assert Offering.objects.filter(pk=offering.pk).exists()
    trigger = ConversionTrigger.objects.get()
    assert trigger.status == TriggerStatus.PENDING
    assert "Connection refused" in trigger.last_error
    assert not Conversion.objects.exists()
    # The relay sends what is pending once the broker is back.
    ConversionTrigger.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    assert services.conversion_triggers_relay() == 1
    trigger.refresh_from_db()
    assert trigger.status == TriggerStatus.DONE
    assert Conversion.objects.count() == 3
    assert {n.status for n in type(notes[0]).objects.all()} == {NoteStatus.CONVERTED}


@pytest.mark.django_db
def test_relay_leaves_fresh_triggers_to_their_own_task():
    series = SeriesFactory()
    NoteFactory(series=series, issue_date=date(2006, 7, 20))
    record(series)  # not committed in this test: its on-commit task has not run
    assert services.conversion_triggers_relay() == 0
    assert ConversionTrigger.objects.get().status == TriggerStatus.PENDING


@pytest.mark.django_db
def test_daily_cycle_carries_out_triggers_a_broker_outage_left_behind():
    series = SeriesFactory()
    NoteFactory(series=series, issue_date=date(2006, 7, 20))
    record(series)  # the on-commit send never happened
    from notes.tasks import servicing_daily_task

    servicing_daily_task()
    assert ConversionTrigger.objects.get().status == TriggerStatus.DONE
    assert Conversion.objects.count() == 1


@pytest.mark.django_db
def test_task_delivered_twice_converts_once(django_capture_on_commit_callbacks):
    series = SeriesFactory()
    NoteFactory(series=series, issue_date=date(2006, 7, 20))
    with django_capture_on_commit_callbacks(execute=True):
        record(series)
    trigger = ConversionTrigger.objects.get()
    first = Conversion.objects.get()
    outcome = conversion_trigger_task.apply(args=[trigger.pk]).get()
    assert "1 note converted" in outcome
    assert Conversion.objects.get() == first
    assert first.note.payments.filter(method="conversion").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_convert_each_note_once():
    series = SeriesFactory()
    for _ in range(5):
        NoteFactory(series=series, issue_date=date(2006, 7, 20))
    # Hold back the on-commit send, so the two workers below are the first to process it.
    with mock.patch.object(four_eyes, "conversion_trigger_enqueue") as enqueue:
        record(series)
    trigger = ConversionTrigger.objects.get()
    enqueue.assert_called_once_with(trigger_id=trigger.pk)
    assert trigger.status == TriggerStatus.PENDING
    barrier = threading.Barrier(2)
    errors = []

    def work():
        try:
            barrier.wait()
            services.conversion_trigger_process(trigger_id=trigger.pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Conversion.objects.count() == 5
    trigger.refresh_from_db()
    assert (trigger.status, trigger.attempts) == (TriggerStatus.DONE, 1)


@pytest.mark.django_db(transaction=True)
def test_an_election_racing_the_automatic_conversion_converts_once():
    series = SeriesFactory()
    note = NoteFactory(series=series, issue_date=date(2006, 7, 20))
    voluntary = services.offering_record(
        issuer=series.issuer, kind="pipe", closing_date=date(2007, 1, 10),
        gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
    )
    with mock.patch.object(four_eyes, "conversion_trigger_enqueue") as enqueue:
        record(series)
    trigger = ConversionTrigger.objects.get(offering__closing_date=date(2007, 7, 20))
    enqueue.assert_called_once_with(trigger_id=trigger.pk)
    assert trigger.status == TriggerStatus.PENDING
    results = []

    def elect():
        try:
            results.append(services.election_record(
                note=note, offering=voluntary, received_on=date(2007, 7, 1),
                certificate_names="M", address="A", tax_id="1"))
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    def automatic():
        services.conversion_trigger_process(trigger_id=trigger.pk)
        connection.close()

    threads = [threading.Thread(target=elect), threading.Thread(target=automatic)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Conversion.objects.filter(note=note).count() == 1


@pytest.mark.django_db
def test_every_converted_note_is_on_the_audit_trail_with_who_acted(
    django_capture_on_commit_callbacks, finance_user
):
    """The conversion's writes are set-based; each converted note's trail still records
    the change, with the user and request of the pghistory context (core.audit)."""
    import pghistory
    from pghistory.models import Events

    from notes.models import Note, NoteEvent, PaymentAllocation
    from offerings.models import NoticeObligation

    series = SeriesFactory()
    notes = [NoteFactory(series=series, issue_date=date(2006, 7, 20 + i)) for i in range(3)]
    with (
        pghistory.context(user=finance_user.pk, url="/offerings/new/"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record(series)
    assert Conversion.objects.filter(status="done").count() == 3
    for note in notes:
        event = NoteEvent.objects.filter(pgh_obj_id=note.pk, pgh_label="update").latest("pgh_id")
        assert (event.status, event.ended_on) == (NoteStatus.CONVERTED, date(2007, 7, 20))
        assert event.pgh_context.metadata["user"] == finance_user.pk
        assert Events.objects.references(Note.objects.get(pk=note.pk)).exists()
        # ...and its entries, allocations and §6.2 obligation are there, once.
        conversion = Conversion.objects.get(note=note)
        assert NoticeObligation.objects.get(note=note).conversion == conversion
        assert PaymentAllocation.objects.filter(note=note).exists()
