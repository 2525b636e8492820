"""Recording events of default (§3) and the note's default state from them and its payments."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from notes.models import DefaultEvent, NoteStatus
from notes.selectors import note_default_read, note_position_get
from notes.services.defaults import DefaultEventRefused, default_event_record
from notes.services.payments import NoteStateConflict, PaymentRefused, payment_record
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal
SEPT_20 = date(2006, 9, 20)


@pytest.fixture
def note():
    return NoteFactory(number="ATS06-001", principal=D("250000.00"), issue_date=date(2006, 7, 20))


def record(note, kind="payment_default_notice", day=SEPT_20, **kwargs):
    if kind in ("payment_default_notice", "acceleration"):
        kwargs.setdefault("delivery_method", "personal")
    return default_event_record(note=note, kind=kind, date=day, **kwargs)


def state(note, as_of):
    return note_default_read(note=note, as_of=as_of).state


# --- §3(i): the acceptance cases -------------------------------------------------------------


def test_past_due_at_the_notice_is_july_and_august_interest(note):
    # July 20–31 (12 days) due 15 Aug, August (31 days) due 15 Sep: both past due on 20 Sep.
    assert note_position_get(note=note, as_of=SEPT_20).past_due_interest == D("2945.21")


def test_notice_personally_delivered_20_september_unpaid_is_a_default_from_1_october(note):
    event = record(note)
    assert event.deemed_delivered_on == SEPT_20
    assert state(note, date(2006, 9, 30)).cure_deadline == date(2006, 9, 30)
    assert state(note, date(2006, 9, 30)).event_of_default_since is None
    after = state(note, date(2006, 10, 1))
    assert after.event_of_default_since == date(2006, 10, 1)
    assert "interest 2,945.21" in after.explanation[0].text


def test_notice_personally_delivered_20_september_paid_29_september_is_cured(note):
    record(note)
    payment_record(note=note, paid_on=date(2006, 9, 29), amount=D("2945.21"),
                   applies_to="interest")
    later = state(note, date(2006, 12, 31))
    assert later.cured_on == date(2006, 9, 29)
    assert later.event_of_default_since is None


def test_part_payment_in_the_cure_period_leaves_a_default(note):
    record(note)
    payment_record(note=note, paid_on=date(2006, 9, 29), amount=D("2945.20"),
                   applies_to="interest")
    assert state(note, date(2006, 10, 1)).event_of_default_since == date(2006, 10, 1)


def test_mailed_notice_deposited_veterans_day_observed_is_deemed_delivered_wednesday(note):
    event = record(note, day=date(2006, 11, 10), delivery_method="mail")
    assert event.deemed_delivered_on == date(2006, 11, 15)
    assert state(note, date(2006, 11, 16)).cure_deadline == date(2006, 11, 25)
    assert state(note, date(2006, 11, 26)).event_of_default_since == date(2006, 11, 26)


def test_the_series_mail_days_are_used(note):
    note.series.mail_delivery_business_days = 5
    note.series.save(update_fields=["mail_delivery_business_days"])
    event = record(note, day=date(2006, 11, 10), delivery_method="mail")
    assert event.deemed_delivered_on == date(2006, 11, 17)


# --- §3(iii) and acceleration --------------------------------------------------------------


def test_involuntary_proceeding_commenced_1_march_is_a_default_from_day_61():
    note = NoteFactory(issue_date=date(2006, 7, 20))
    record(note, "involuntary_proceeding", date(2007, 3, 1))
    assert state(note, date(2007, 4, 30)).event_of_default_since is None
    assert state(note, date(2007, 5, 1)).event_of_default_since == date(2007, 5, 1)


def test_a_dismissal_within_60_days_prevents_the_default(note):
    proceeding = record(note, "involuntary_proceeding", date(2007, 3, 1))
    record(note, "resolved", date(2007, 4, 29), resolves=proceeding)
    assert state(note, date(2008, 1, 1)).event_of_default_since is None


def test_acceleration_needs_an_event_of_default_on_its_date_and_cites_the_clause(note):
    record(note, "involuntary_proceeding", date(2007, 3, 1))
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, "acceleration", date(2007, 4, 29))
    message = exc.value.message_dict["kind"][0]
    assert "No Event of Default exists on 2007-04-29" in message
    assert "§3" in message and "2007-05-01" in message
    assert not DefaultEvent.objects.filter(kind="acceleration").exists()
    note.refresh_from_db()
    assert note.status == NoteStatus.OUTSTANDING


def test_acceleration_makes_principal_and_interest_due_at_once(note):
    record(note, "voluntary_bankruptcy", date(2007, 2, 1))
    event = record(note, "acceleration", date(2007, 2, 9), delivery_method="mail")
    assert event.deemed_delivered_on == date(2007, 2, 14)
    note.refresh_from_db()
    assert note.status == NoteStatus.ACCELERATED
    s = state(note, date(2007, 2, 14))
    assert s.accelerated_on == date(2007, 2, 14)
    assert s.amount_due_at_once == note_position_get(note=note, as_of=date(2007, 2, 14)).note_amount
    assert s.amount_due_at_once > D("250000.00")
    # §4: principal before maturity needs no consent once accelerated.
    payment_record(note=note, paid_on=date(2007, 2, 20), amount=D("1000.00"),
                   applies_to="principal")


def test_a_second_acceleration_is_a_state_conflict(note):
    record(note, "voluntary_bankruptcy", date(2007, 2, 1))
    record(note, "acceleration", date(2007, 2, 9))
    with pytest.raises(NoteStateConflict, match="already accelerated by the declaration of"):
        record(note, "acceleration", date(2007, 2, 10))


def test_events_on_a_repaid_note_are_a_state_conflict(note):
    day = date(2006, 8, 10)
    owed = note_position_get(note=note, as_of=day).accrued_unpaid_interest
    payment_record(note=note, paid_on=day, amount=owed, applies_to="interest")
    payment_record(note=note, paid_on=day, amount=D("250000.00"), applies_to="principal",
                   holder_consent_reference="Letter of 2006-08-01")
    note.refresh_from_db()
    assert note.status == NoteStatus.REPAID
    for kind in ("voluntary_bankruptcy", "acceleration"):
        with pytest.raises(NoteStateConflict, match="repaid"):
            record(note, kind, date(2006, 8, 9))
    assert DefaultEvent.objects.count() == 0


# --- Refusals ------------------------------------------------------------------------------


def test_refuses_a_future_date(note):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, "voluntary_bankruptcy", tomorrow)
    assert "after today" in exc.value.message_dict["date"][0]


def test_refuses_a_date_before_issue(note):
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, "voluntary_bankruptcy", date(2006, 7, 19))
    assert "issued on 2006-07-20" in exc.value.message_dict["date"][0]


def test_a_notice_needs_a_delivery_method_and_nothing_else_has_one(note):
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, delivery_method="")
    assert "personally or by United States mail" in exc.value.message_dict["delivery_method"][0]
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, "voluntary_bankruptcy", date(2007, 1, 5), delivery_method="mail")
    assert "leave it blank" in exc.value.message_dict["delivery_method"][0]


def test_a_notice_needs_a_payment_in_default(note):
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, day=date(2006, 8, 15))  # July's interest is due that day, not past due
    assert "Nothing was past due" in exc.value.message_dict["kind"][0]


def test_resolved_needs_a_proceeding_of_the_note(note):
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, "resolved", date(2007, 1, 5))
    assert "resolves" in exc.value.message_dict
    bankruptcy = record(note, "voluntary_bankruptcy", date(2007, 1, 5))
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, "resolved", date(2007, 1, 6), resolves=bankruptcy)
    assert "only an involuntary proceeding" in exc.value.message_dict["resolves"][0]
    other = record(NoteFactory(issue_date=date(2006, 7, 20)), "receiver_appointment",
                   date(2007, 1, 5))
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, "resolved", date(2007, 1, 6), resolves=other.pk)
    assert f"no event #{other.pk}" in exc.value.message_dict["resolves"][0]


def test_resolved_cannot_predate_what_it_resolves_nor_come_twice(note):
    appointment = record(note, "receiver_appointment", date(2007, 3, 1))
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, "resolved", date(2007, 2, 28), resolves=appointment)
    assert "cannot be resolved before" in exc.value.message_dict["date"][0]
    first = record(note, "resolved", date(2007, 3, 10), resolves=appointment)
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, "resolved", date(2007, 3, 11), resolves=appointment)
    assert f"already resolved on 2007-03-10 (event #{first.pk})" in (
        exc.value.message_dict["resolves"][0]
    )


def test_only_resolved_names_what_it_resolves(note):
    appointment = record(note, "receiver_appointment", date(2007, 3, 1))
    with pytest.raises(DefaultEventRefused) as exc:
        record(note, "voluntary_bankruptcy", date(2007, 3, 2), resolves=appointment)
    assert "resolves" in exc.value.message_dict


def test_payments_service_still_refuses_prepayment_before_acceleration(note):
    with pytest.raises(PaymentRefused):
        payment_record(note=note, paid_on=date(2007, 2, 20), amount=D("1000.00"),
                       applies_to="principal")


# --- The database ---------------------------------------------------------------------------


def test_the_database_refuses_update_and_delete(note):
    event = record(note, "voluntary_bankruptcy", date(2007, 1, 5))
    for sql in (
        "UPDATE notes_defaultevent SET description = 'edited' WHERE id = %s",
        "DELETE FROM notes_defaultevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="Cannot update or delete"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert DefaultEvent.objects.get().description == ""


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "payment_default_notice"},  # a notice without delivery
        {"kind": "voluntary_bankruptcy", "delivery_method": "mail",
         "deemed_delivered_on": date(2007, 1, 10)},
        {"kind": "payment_default_notice", "delivery_method": "personal",
         "deemed_delivered_on": date(2007, 1, 9)},  # personal: deemed on the day itself
        {"kind": "payment_default_notice", "delivery_method": "mail",
         "deemed_delivered_on": date(2007, 1, 4)},  # before deposit
        {"kind": "resolved"},  # resolves nothing
        {"kind": "bankruptcy_rumour"},
    ],
)
def test_the_database_refuses_wrong_field_combinations(note, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        DefaultEvent.objects.create(note=note, date=date(2007, 1, 5), **fields)


def test_the_database_allows_one_acceleration_and_one_resolution(note):
    DefaultEvent.objects.create(note=note, kind="acceleration", date=date(2007, 1, 5),
                                delivery_method="personal", deemed_delivered_on=date(2007, 1, 5))
    with pytest.raises(IntegrityError), transaction.atomic():
        DefaultEvent.objects.create(note=note, kind="acceleration", date=date(2007, 1, 6),
                                    delivery_method="personal",
                                    deemed_delivered_on=date(2007, 1, 6))
    proceeding = DefaultEvent.objects.create(note=note, kind="involuntary_proceeding",
                                             date=date(2007, 1, 5))
    DefaultEvent.objects.create(note=note, kind="resolved", date=date(2007, 1, 6),
                                resolves=proceeding)
    with pytest.raises(IntegrityError), transaction.atomic():
        DefaultEvent.objects.create(note=note, kind="resolved", date=date(2007, 1, 7),
                                    resolves=proceeding)


def test_recording_is_audited(note, finance_user):
    event = record(note, "voluntary_bankruptcy", date(2007, 1, 5), recorded_by=finance_user)
    history = apps.get_model("notes", "DefaultEventEvent").objects.filter(pgh_obj_id=event.pk)
    assert list(history.values_list("pgh_label", "kind")) == [("insert", "voluntary_bankruptcy")]
    assert event.recorded_by == finance_user
