"""Two holders of the same series, each with a full history, built through the services.

Holder A (the login under test) and holder B (the one whose records must never
show): notes, statements, payments, a §3 event, a $3 Million Qualified
Offering whose voluntary window is open today, B's Notice of Election and its
conversion with cash in lieu paid, and the letters of all of it, mailed. B's
figures are unusual amounts so that finding one in a page means it leaked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from holders.models import Holder
from notes.models import Note
from notes.services import servicing
from notes.services.defaults import default_event_record
from notes.services.payments import payment_record
from notices.models import Direction, Notice
from notices.services import job
from notices.services.delivery import notices_deposit
from offerings import services as offerings
from offerings.models import Conversion
from offerings.services.cash import cash_in_lieu_payment_record
from tests.factories import HolderFactory, NoteFactory, SeriesFactory

D = Decimal


@dataclass
class World:
    today: object
    user_a: object
    holder_a: Holder
    note_a: Note
    user_b: object
    holder_b: Holder
    notes_b: list[Note]
    offering: object
    conversion_b: Conversion
    ids_b: dict[str, list[int]] = field(default_factory=dict)
    markers_b: list[str] = field(default_factory=list)
    kind_of_model: dict = field(default_factory=dict)


def _money(value: Decimal) -> list[str]:
    """How an amount may appear on a page or in a letter."""
    return [f"{value:,.2f}"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def _world_module(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once per test module inside a transaction rolled back at its end
    (Django's setUpTestData pattern): each test runs in a savepoint on top of it."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build_world(TestCase.captureOnCommitCallbacks), media
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_world_module, db, settings) -> World:
    built, media = _world_module
    settings.MEDIA_ROOT = media
    for obj in (built.user_a, built.user_b, built.holder_a, built.holder_b, built.note_a,
                *built.notes_b):
        obj.refresh_from_db()
    return built


def _build_world(django_capture_on_commit_callbacks) -> World:
    today = timezone.localdate()
    issued = today - timedelta(days=45)
    closing = today - timedelta(days=40)
    series = SeriesFactory(agreement_date=issued - timedelta(days=10))
    users = get_user_model().objects
    user_a = users.create_user("alice", password="pw")
    user_b = users.create_user("zebulon", password="pw")
    holder_a = HolderFactory(name="Alice P. Portal", user=user_a, tax_id="111-22-3333")
    holder_b = HolderFactory(
        name="Zebulon Q. Otherholder", user=user_b, tax_id="987-65-4321",
        address={"line1": "77 Elsewhere Lane", "city": "Faraway", "region": "ME",
                 "postal_code": "04001", "country": "US"},
    )
    note_a = NoteFactory(series=series, holder=holder_a, number="AAA-0001",
                         principal=D("250000.00"), issue_date=issued)
    b1 = NoteFactory(series=series, holder=holder_b, number="ZZZ-7771",
                     principal=D("987654.32"), issue_date=issued)
    b2 = NoteFactory(series=series, holder=holder_b, number="ZZZ-7772",
                     principal=D("123457.89"), issue_date=issued)
    with django_capture_on_commit_callbacks(execute=True):
        servicing.servicing_run_start(as_of=today)
    first_due = today - timedelta(days=25)
    payment_record(note=note_a, paid_on=first_due, amount=D("1000.00"),
                               applies_to="interest", reference="CHK-A-1")
    payment_b = payment_record(note=b2, paid_on=first_due, amount=D("613.37"),
                               applies_to="interest", method="wire", reference="WIRE-ZZZ-99")
    event_b = default_event_record(note=b2, kind="involuntary_proceeding",
                                   date=today - timedelta(days=3),
                                   description="Staff note: petition filed in Maine")
    with django_capture_on_commit_callbacks(execute=True):
        offering = offerings.offering_record(
            issuer=series.issuer, kind="pipe", closing_date=closing,
            gross_proceeds=D("3500000.00"), sales=[{"shares": 1_400_000,
                                                    "price_per_share": D("2.50")}],
        )
    with django_capture_on_commit_callbacks(execute=True):
        conversion_b = offerings.election_record(
            note=b1, offering=offering, received_on=today - timedelta(days=20),
            certificate_names="Zebulon Q. Otherholder", address="77 Elsewhere Lane",
            tax_id="987-65-4321",
        )
    conversion_b.refresh_from_db()
    cash_b = cash_in_lieu_payment_record(
        conversion=conversion_b, paid_on=today - timedelta(days=15),
        amount=conversion_b.cash_in_lieu, method="check", reference="CIL-ZZZ-7771",
    )
    with django_capture_on_commit_callbacks(execute=True):
        job.notice_run_start(as_of=today)
    unsent = list(
        Notice.objects.filter(direction=Direction.SENT, sent_on__isnull=True)
        .values_list("pk", flat=True)
    )
    notices_deposit(notices=unsent, deposited_on=today)
    for n in (note_a, b1, b2):
        n.refresh_from_db()

    notices_b = list(Notice.objects.filter(holder=holder_b).values_list("pk", flat=True))
    assert notices_b, "holder B has letters to refuse"
    from holders.models import HolderAddress
    from notes.models import DefaultEvent, InterestStatement, Payment
    from offerings.models import CashInLieuPayment, Election

    ids_b = {
        "holder": [holder_b.pk],
        "note": [b1.pk, b2.pk],
        "payment": [payment_b.pk],
        "statement": list(b2.statements.values_list("pk", flat=True)[:3]),
        "notice": notices_b,
        "conversion": [conversion_b.pk],
        "election": [conversion_b.election_id],
        "cash_payment": [cash_b.pk],
        "default_event": [event_b.pk],
        "address": list(holder_b.addresses.values_list("pk", flat=True)),
        "user": [user_b.pk],
        "series": [series.pk],
        "offering": [offering.pk],
    }
    by_model = {
        Holder: "holder", Note: "note", Payment: "payment", InterestStatement: "statement",
        Notice: "notice", Conversion: "conversion", Election: "election",
        CashInLieuPayment: "cash_payment", DefaultEvent: "default_event",
        HolderAddress: "address", get_user_model(): "user",
    }
    markers_b = [holder_b.name, "Zebulon", "Otherholder", b1.number, b2.number,
                 "77 Elsewhere Lane", "WIRE-ZZZ-99", "CIL-ZZZ-7771", "987-65-4321"]
    for amount in (b1.principal.amount, b2.principal.amount, payment_b.amount.amount,
                   conversion_b.note_amount, conversion_b.principal_converted,
                   conversion_b.cash_in_lieu):
        markers_b += _money(amount)
    markers_b.append(f"{conversion_b.shares:,}")
    return World(
        today=today, user_a=user_a, holder_a=holder_a, note_a=note_a, user_b=user_b,
        holder_b=holder_b, notes_b=[b1, b2], offering=offering, conversion_b=conversion_b,
        ids_b=ids_b, markers_b=markers_b, kind_of_model=by_model,
    )
