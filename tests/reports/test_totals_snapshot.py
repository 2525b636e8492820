"""The dashboard's totals are added up once per state of the ledger, by a worker when large."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from notes.models import Note, NoteStatus
from notes.services.payments import payment_record
from reports import selectors
from reports.models import TotalsSnapshot
from reports.services import totals_snapshot_for, totals_snapshot_process

pytestmark = pytest.mark.django_db


def _an_outstanding_note() -> Note:
    return Note.objects.filter(status=NoteStatus.OUTSTANDING).order_by("pk").first()


def test_the_totals_are_the_reports_and_are_added_up_once_per_ledger_state(
    demo, client, finance_user
):
    client.force_login(finance_user)
    today = timezone.localdate()
    page = client.get(reverse("home"))
    expected = selectors.notes_outstanding_report(as_of=today, keep_rows=False)
    totals = page.context["totals"]
    assert totals.notes == expected.totals.notes > 0
    assert totals.outstanding_principal == expected.totals.outstanding_principal
    assert totals.accrued_unpaid_interest == expected.totals.accrued_unpaid_interest
    assert totals.past_due_interest == expected.totals.past_due_interest
    assert totals.interest_due_this_month == expected.totals.interest_due_this_month
    assert {s["id"]: s["totals"].notes for s in page.context["by_series"]} == {
        sid: t.notes for sid, t in expected.by_series.items()
    }
    assert TotalsSnapshot.objects.count() == 1
    client.get(reverse("home"))
    assert TotalsSnapshot.objects.count() == 1  # nothing recorded since: the same snapshot

    # A payment is a new state of the ledger: the totals are added up again, and move.
    note = _an_outstanding_note()
    before = page.context["totals"].outstanding_principal
    payment_record(note=note, paid_on=today, amount=Decimal("1000.00"), applies_to="principal",
                   holder_consent_reference="written consent on file")
    again = client.get(reverse("home"))
    assert TotalsSnapshot.objects.count() == 2
    assert again.context["totals"].outstanding_principal == before - Decimal("1000.00")


def test_a_large_register_is_added_up_by_a_worker_while_the_page_shows_progress(
    demo, client, finance_user, settings, django_capture_on_commit_callbacks
):
    settings.DASHBOARD_INLINE_NOTES = 0
    client.force_login(finance_user)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        page = client.get(reverse("home"))
    snapshot = TotalsSnapshot.objects.get()
    assert snapshot.status == "queued" and len(queued) == 1
    html = page.content.decode()
    assert 'hx-trigger="every 2s"' in html and "<progress" in html
    assert f"Adding up {snapshot.progress_total:,} notes" in html
    assert page.context["totals"] is None
    # Polling again does not start a second job.
    with django_capture_on_commit_callbacks(execute=False) as more:
        client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert not more and TotalsSnapshot.objects.count() == 1
    # The worker adds them up; the next poll shows them, and stops polling.
    totals_snapshot_process(snapshot_id=snapshot.pk)
    fragment = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and "dashboard-totals" in body and "every 2s" not in body
    assert fragment.context["totals"].notes == snapshot.progress_total


def test_totals_computed_while_the_ledger_moved_are_never_shown(demo):
    today = timezone.localdate()
    snapshot = TotalsSnapshot.objects.create(
        as_of=today, currency="USD", ledger_version=selectors.ledger_version()
    )
    payment_record(note=_an_outstanding_note(), paid_on=today, amount=Decimal("10.00"),
                   applies_to="interest")
    snapshot = totals_snapshot_process(snapshot_id=snapshot.pk)
    assert snapshot.status == "superseded"
    # Asked for now, the ledger's new state gets its own snapshot, computed afresh.
    fresh = totals_snapshot_for(as_of=today, currency="USD", inline_limit=10**6)
    assert fresh.pk != snapshot.pk and fresh.status == "done"


def test_every_kind_of_money_fact_moves_the_ledger_version(demo):
    version = selectors.ledger_version()
    assert len(version.split(":")) == len(selectors._LEDGER_TABLES)
    payment_record(note=_an_outstanding_note(), paid_on=timezone.localdate(),
                   amount=Decimal("1.00"), applies_to="interest")
    moved = selectors.ledger_version()
    assert moved != version
    # A change to a note's row (its audit event) moves it too.
    note = _an_outstanding_note()
    Note.objects.filter(pk=note.pk).update(number=note.number + "-R")
    assert selectors.ledger_version() != moved
