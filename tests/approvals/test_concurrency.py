"""Two approvals at once — a double click, two approvers — have exactly one effect."""

import threading
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection

from approvals.models import ActionStatus, PendingAction
from approvals.services import ApprovalConflict, pending_action_approve
from core.permissions import FINANCE_GROUP
from notes.models import NoteStatus
from offerings import services
from offerings.models import Conversion, ConversionTrigger, TriggerStatus
from tests.conftest import _user
from tests.factories import NoteFactory, SeriesFactory


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_convert_each_note_once(settings):
    settings.NOTEDESK_FOUR_EYES = True
    maker = _user("maker", FINANCE_GROUP)
    approvers = [_user("approver-a", FINANCE_GROUP), _user("approver-b", FINANCE_GROUP)]
    series = SeriesFactory()
    notes = [NoteFactory(series=series, issue_date=date(2006, 7, 20)) for _ in range(3)]
    offering = services.offering_record(
        issuer=series.issuer, kind="pipe", closing_date=date(2007, 7, 20),
        gross_proceeds=D("5000000.00"),
        sales=[{"shares": 500_000, "price_per_share": D("2.00")},
               {"shares": 1_000_000, "price_per_share": D("4.00")}],
        recorded_by=maker,
    )
    action = PendingAction.objects.get()
    assert action.is_pending and offering.pending_action == action

    barrier = threading.Barrier(2)
    approved, refused, errors = [], [], []

    def approve(user):
        try:
            barrier.wait()
            # Each thread has its own database connection.
            approved.append(pending_action_approve(
                action=PendingAction.objects.get(pk=action.pk), approved_by=user
            ))
        except ApprovalConflict as exc:
            refused.append(str(exc))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(approved) == 1 and len(refused) == 1
    assert "already approved by" in refused[0]
    action.refresh_from_db()
    assert action.status == ActionStatus.APPROVED
    assert action.decided_by == approved[0].decided_by
    # The trigger ran once (in-process, on the approval's commit): each note converted once.
    trigger = ConversionTrigger.objects.get(offering=offering)
    assert trigger.status == TriggerStatus.DONE
    assert trigger.attempts == 1
    assert Conversion.objects.count() == len(notes)
    for note in notes:
        note.refresh_from_db()
        assert note.status == NoteStatus.CONVERTED
