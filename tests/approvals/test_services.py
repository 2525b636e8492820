"""Four eyes: irreversible actions wait for a second Finance user; refusals change nothing."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from approvals.models import ActionKind, ActionStatus, PendingAction
from approvals.services import (
    ApprovalConflict,
    ApprovalRefused,
    pending_action_approve,
    pending_action_withdraw,
)
from notes.models import DefaultEvent, NoteStatus
from notes.services.defaults import default_event_record
from notes.services.four_eyes import default_event_request
from offerings import services
from offerings.models import Conversion, ConversionStatus, ConversionTrigger, TriggerStatus
from offerings.services.four_eyes import price_determination_request
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db

FIVE_MILLION_SALES = [
    {"shares": 500_000, "price_per_share": D("2.00")},
    {"shares": 1_000_000, "price_per_share": D("4.00")},
]


@pytest.fixture
def series():
    return SeriesFactory()


@pytest.fixture
def note(series):
    return NoteFactory(series=series, principal=D("250000.00"), issue_date=date(2006, 7, 20))


def five_million_pipe(committed, series, user):
    return committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 7, 20), gross_proceeds=D("5000000.00"),
        sales=FIVE_MILLION_SALES, recorded_by=user,
    )


def test_a_five_million_pipe_waits_for_a_second_finance_user(
    four_eyes, committed, series, note, finance_user, second_finance_user
):
    offering = five_million_pipe(committed, series, finance_user)
    action = offering.pending_action
    assert action.kind == ActionKind.CONVERSION_TRIGGER and action.is_pending
    assert action.requested_by == finance_user
    assert ConversionTrigger.objects.get(offering=offering).status == (
        TriggerStatus.AWAITING_APPROVAL
    )
    # Nothing converts while it waits: not the relay, not the daily safety net.
    assert services.conversion_triggers_process_pending() == 0
    assert services.conversion_trigger_process(trigger_id=offering.trigger.pk) == (
        "Awaiting approval"
    )
    assert not Conversion.objects.exists()
    note.refresh_from_db()
    assert note.status == NoteStatus.OUTSTANDING

    approved = committed(
        pending_action_approve, action=action, approved_by=second_finance_user
    )
    assert approved.status == ActionStatus.APPROVED
    assert approved.decided_by == second_finance_user
    conversion = Conversion.objects.get(note=note)
    assert conversion.conversion_date == date(2007, 7, 20)
    assert ConversionTrigger.objects.get(offering=offering).status == TriggerStatus.DONE


def test_a_three_million_pipe_is_never_held(
    four_eyes, committed, series, note, finance_user
):
    offering = committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 1, 10), gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}], recorded_by=finance_user,
    )
    # A $3M Qualified Offering converts nothing by itself (§5.1): it is not held.
    assert offering.pending_action is None
    assert ConversionTrigger.objects.get(offering=offering).status == TriggerStatus.DONE
    assert not PendingAction.objects.exists()


def test_four_eyes_off_carries_out_at_once(committed, series, note, finance_user):
    offering = five_million_pipe(committed, series, finance_user)
    assert offering.pending_action is None
    assert Conversion.objects.filter(note=note).exists()


def test_the_maker_cannot_approve_their_own_action(
    four_eyes, committed, series, note, finance_user
):
    action = five_million_pipe(committed, series, finance_user).pending_action
    with pytest.raises(ApprovalRefused, match="another Finance user"):
        pending_action_approve(action=action, approved_by=finance_user)
    action.refresh_from_db()
    assert action.is_pending
    assert not Conversion.objects.exists()


def test_an_auditor_cannot_approve_or_withdraw(
    four_eyes, committed, series, note, finance_user, auditor_user
):
    action = five_million_pipe(committed, series, finance_user).pending_action
    with pytest.raises(ApprovalRefused, match="Auditors"):
        pending_action_approve(action=action, approved_by=auditor_user)
    with pytest.raises(ApprovalRefused, match="Auditors"):
        pending_action_withdraw(action=action, withdrawn_by=auditor_user, reason="no")
    action.refresh_from_db()
    assert action.is_pending


def test_withdrawing_needs_a_reason_and_then_nothing_ever_converts(
    four_eyes, committed, series, note, finance_user, second_finance_user
):
    offering = five_million_pipe(committed, series, finance_user)
    action = offering.pending_action
    with pytest.raises(ValidationError) as exc:
        pending_action_withdraw(action=action, withdrawn_by=finance_user, reason="   ")
    assert "reason" in exc.value.message_dict
    action.refresh_from_db()
    assert action.is_pending

    # The maker may withdraw their own mistake.
    withdrawn = pending_action_withdraw(
        action=action, withdrawn_by=finance_user, reason="Recorded in error: wrong closing date"
    )
    assert withdrawn.status == ActionStatus.WITHDRAWN
    assert withdrawn.withdrawal_reason == "Recorded in error: wrong closing date"
    trigger = ConversionTrigger.objects.get(offering=offering)
    assert trigger.status == TriggerStatus.WITHDRAWN

    with pytest.raises(ApprovalConflict, match="already withdrawn"):
        pending_action_approve(action=action, approved_by=second_finance_user)
    with pytest.raises(ApprovalConflict, match="already withdrawn"):
        pending_action_withdraw(action=action, withdrawn_by=second_finance_user, reason="again")
    assert services.conversion_triggers_process_pending() == 0
    services.conversion_trigger_process(trigger_id=trigger.pk)
    assert not Conversion.objects.exists()


def test_approving_twice_in_a_row_has_one_effect(
    four_eyes, committed, series, note, finance_user, second_finance_user, admin_user
):
    action = five_million_pipe(committed, series, finance_user).pending_action
    committed(pending_action_approve, action=action, approved_by=second_finance_user)
    with pytest.raises(ApprovalConflict, match="already approved by"):
        pending_action_approve(action=action, approved_by=admin_user)
    assert Conversion.objects.filter(note=note).count() == 1


def test_a_change_of_control_waits_too(
    four_eyes, committed, series, note, finance_user, second_finance_user
):
    event = committed(
        services.event_record, issuer=series.issuer, kind="merger",
        effective_date=date(2007, 7, 20), recorded_by=finance_user,
    )
    assert event.pending_action.kind == ActionKind.CONVERSION_TRIGGER
    assert not Conversion.objects.exists()
    committed(pending_action_approve, action=event.pending_action, approved_by=second_finance_user)
    assert Conversion.objects.get(note=note).event == event


def test_a_price_determination_waits_and_then_completes_the_conversion(
    committed, series, note, finance_user, second_finance_user, settings
):
    committed(services.event_record, issuer=series.issuer, kind="merger",
              effective_date=date(2007, 7, 20))
    conversion = Conversion.objects.get(note=note)
    assert conversion.status == ConversionStatus.AWAITING_PRICE
    settings.NOTEDESK_FOUR_EYES = True
    with pytest.raises(ValidationError):
        price_determination_request(conversion=conversion, price=D("0"), source="Board",
                                    determined_by=finance_user)
    action = price_determination_request(
        conversion=conversion, price=D("2.50"), source="Board resolution of 2007-08-01",
        determined_by=finance_user,
    )
    assert action.kind == ActionKind.PRICE_DETERMINATION
    assert action.payload["note"] == note.pk and action.payload["price"] == "2.500000"
    conversion.refresh_from_db()
    assert conversion.status == ConversionStatus.AWAITING_PRICE
    # One open determination per conversion: a second one is refused until this is decided.
    with pytest.raises(ApprovalConflict, match="awaiting approval"):
        price_determination_request(conversion=conversion, price=D("2.60"), source="Board",
                                    determined_by=second_finance_user)
    pending_action_approve(action=action, approved_by=second_finance_user)
    conversion.refresh_from_db()
    assert conversion.status == ConversionStatus.DONE
    assert conversion.conversion_price == D("2.500000")
    assert conversion.shares == int(conversion.note_amount / D("2.50"))


def test_an_acceleration_waits_and_is_checked_again_when_approved(
    four_eyes, note, finance_user, second_finance_user
):
    default_event_record(note=note, kind="voluntary_bankruptcy", date=date(2007, 2, 1))
    action = default_event_request(
        note=note, kind="acceleration", date=date(2007, 2, 9), delivery_method="mail",
        recorded_by=finance_user,
    )
    assert action.kind == ActionKind.ACCELERATION
    note.refresh_from_db()
    assert note.status == NoteStatus.OUTSTANDING
    assert not DefaultEvent.objects.filter(kind="acceleration").exists()
    # Other events of §3 are recorded at once.
    event = default_event_request(
        note=note, kind="involuntary_proceeding", date=date(2007, 2, 2),
        recorded_by=finance_user,
    )
    assert isinstance(event, DefaultEvent)

    pending_action_approve(action=action, approved_by=second_finance_user)
    note.refresh_from_db()
    assert note.status == NoteStatus.ACCELERATED
    declared = DefaultEvent.objects.get(kind="acceleration")
    assert declared.recorded_by == finance_user
    assert declared.deemed_delivered_on == date(2007, 2, 14)


def test_an_acceleration_without_an_event_of_default_is_refused_at_once(four_eyes, note,
                                                                        finance_user):
    with pytest.raises(ValidationError, match="No Event of Default"):
        default_event_request(note=note, kind="acceleration", date=date(2007, 2, 9),
                              delivery_method="mail", recorded_by=finance_user)
    assert not PendingAction.objects.exists()


def test_an_approval_whose_effect_is_refused_leaves_the_action_pending(
    four_eyes, committed, series, note, finance_user, second_finance_user
):
    default_event_record(note=note, kind="voluntary_bankruptcy", date=date(2007, 2, 1))
    action = default_event_request(note=note, kind="acceleration", date=date(2007, 2, 9),
                                   delivery_method="mail", recorded_by=finance_user)
    # Meanwhile another declaration was recorded directly (four eyes off for it).
    default_event_record(note=note, kind="acceleration", date=date(2007, 2, 10),
                         delivery_method="personal")
    with pytest.raises(ApprovalConflict, match="already accelerated"):
        pending_action_approve(action=action, approved_by=second_finance_user)
    action.refresh_from_db()
    assert action.is_pending
    assert DefaultEvent.objects.filter(kind="acceleration").count() == 1


def test_the_database_refuses_a_self_approval_and_changes_to_a_decided_action(
    four_eyes, committed, series, note, finance_user, second_finance_user
):
    action = five_million_pipe(committed, series, finance_user).pending_action
    with pytest.raises(IntegrityError), transaction.atomic():
        PendingAction.objects.filter(pk=action.pk).update(
            status="approved", decided_by=finance_user, decided_at=action.requested_at
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PendingAction.objects.filter(pk=action.pk).update(
            status="withdrawn", decided_by=finance_user, decided_at=action.requested_at
        )
    pending_action_withdraw(action=action, withdrawn_by=second_finance_user, reason="error")
    with pytest.raises(Exception, match="pending_action_decided_is_final"), transaction.atomic():
        PendingAction.objects.filter(pk=action.pk).update(withdrawal_reason="changed")
    with pytest.raises(Exception, match="pending_action_never_deleted"), transaction.atomic():
        PendingAction.objects.filter(pk=action.pk).delete()
