"""The database itself refuses to change or delete a money fact (raw SQL, no ORM in the way).

Every table in ``core.money_facts.MONEY_FACTS`` gets one row, then a raw
UPDATE and a raw DELETE that PostgreSQL must refuse. Where one state change is
allowed (a conversion completed, a notice's delivery, a transfer's decision, a
stop-transfer instruction lifted), that change goes through and the same
change touching any other column is refused.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from djmoney.money import Money

from core.money_facts import (
    MONEY_FACTS,
    flagged_money_fact_models,
    money_fact_models,
    money_facts_protected,
)
from notes.models import (
    DefaultEvent,
    InterestStatement,
    PaymentAllocation,
    StopTransferInstruction,
    Transfer,
)
from notes.services.payments import payment_record
from notes.services.transfers import document_store, transfer_request
from notices.models import Notice, NoticeDeposit, NoticeEmail
from offerings.models import CashInLieuPayment, Conversion, Election, Offering
from tests.factories import HolderFactory, NoteFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _notice(note, **extra):
    return Notice.objects.create(
        kind="maturity_reminder", direction="sent", purpose_key=f"test:{note.pk}:{extra}",
        clause="§1", note=note, holder=note.holder, issuer=note.series.issuer,
        recipient=note.holder.name, address="1 Main St", address_basis="holder_record",
        notice_date=date(2008, 6, 20), document="notices/test.pdf", document_sha256="a" * 64,
        delivery_method="mail", **extra,
    )


def _conversion(note, **extra):
    values = {
        "note": note, "trigger": "voluntary", "conversion_date": date(2008, 1, 15),
        "principal_converted": Decimal("250000.00"), "interest_converted": Decimal("1000.00"),
        "note_amount": Decimal("251000.00"), "status": "awaiting_price",
    }
    values.update(extra)
    return Conversion.objects.create(**values)


DONE = {
    "status": "done", "conversion_price": Decimal("2.000000"), "shares": 125500,
    "cash_in_lieu": Decimal("0.00"), "cash_due_date": date(2008, 1, 25),
}


@pytest.fixture
def one_of_each(settings, tmp_path):
    """One row in every money table, made as the product makes them where it is quick."""
    settings.MEDIA_ROOT = tmp_path / "media"
    note = NoteFactory(principal=Decimal("250000.00"), issue_date=date(2006, 7, 20))
    rows = {}
    rows["notes.InterestStatement"] = InterestStatement.objects.create(
        note=note, period_start=date(2006, 7, 20), period_end=date(2006, 7, 31),
        due_date=date(2006, 8, 15), days=12, amount=Money("821.92", "USD"),
        rate=Decimal("0.10"), day_count="ACT/365F", calculation="12 days at 10%",
    )
    payment = payment_record(
        note=note, paid_on=date(2006, 8, 15), amount=Decimal("821.92"), applies_to="interest"
    )
    rows["notes.Payment"] = payment
    rows["notes.PaymentAllocation"] = PaymentAllocation.objects.get(payment=payment)
    rows["notes.DefaultEvent"] = DefaultEvent.objects.create(
        note=note, kind="voluntary_bankruptcy", date=date(2007, 1, 2)
    )
    document = document_store(upload=SimpleUploadedFile("n.pdf", PDF), field="notice_document")
    rows["notes.Document"] = document
    rows["notes.Transfer"] = transfer_request(
        note=note, transferee=HolderFactory(), notice_received_on=date(2007, 1, 5),
        opinion_received_on=date(2007, 1, 5), notice_document=document,
    )
    rows["notes.StopTransferInstruction"] = StopTransferInstruction.objects.create(
        note=note, recorded_on=date(2007, 1, 3), reason="Court order"
    )
    offering = Offering.objects.create(
        issuer=note.series.issuer, kind="pipe", closing_date=date(2007, 11, 19),
        gross_proceeds=Money("3500000.00", "USD"), conversion_price=Decimal("2.000000"),
    )
    rows["offerings.Election"] = Election.objects.create(
        note=note, offering=offering, received_on=date(2008, 1, 15),
        certificate_names=note.holder.name, address="1 Main St", tax_id="123-45-6789",
    )
    conversion = _conversion(note, **DONE)
    rows["offerings.Conversion"] = conversion
    rows["offerings.CashInLieuPayment"] = CashInLieuPayment.objects.create(
        conversion=conversion, paid_on=date(2008, 1, 20), amount=Decimal("1.50"),
        method="check",
    )
    notice = _notice(note)
    rows["notices.Notice"] = notice
    rows["notices.NoticeDeposit"] = NoticeDeposit.objects.create(deposited_on=date(2008, 6, 20))
    rows["notices.NoticeEmail"] = NoticeEmail.objects.create(
        notice=notice, sent_to="holder@example.com"
    )
    assert set(rows) == set(MONEY_FACTS)
    return rows


def refused(sql: str, params) -> bool:
    """The statement is refused by a protecting trigger (not by a type or constraint error)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert "pgtrigger: Cannot" in str(exc), f"refused for another reason: {exc}"
        return True
    return False


def allowed(sql: str, params) -> bool:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def test_every_model_flagged_as_a_money_fact_is_listed_and_protected():
    flagged = {m._meta.label for m in flagged_money_fact_models()}
    assert flagged == set(MONEY_FACTS)
    assert {"notes.Transfer", "offerings.CashInLieuPayment", "notices.NoticeEmail"} <= flagged
    assert money_facts_protected() == []


@pytest.mark.parametrize("label", MONEY_FACTS)
def test_the_database_refuses_update_and_delete(one_of_each, label):
    model = next(m for m in money_fact_models() if m._meta.label == label)
    table, pk = model._meta.db_table, one_of_each[label].pk
    dated = next(
        f for f in model._meta.concrete_fields
        if f.get_internal_type() in ("DateField", "DateTimeField")
    )
    step = "1" if dated.get_internal_type() == "DateField" else "interval '1 day'"
    # Assignments that change a value: a date of the fact, and its key.
    for assignment in (f'"{dated.column}" = "{dated.column}" + {step}', "id = -id"):
        assert refused(f'UPDATE "{table}" SET {assignment} WHERE id = %s', [pk]), (
            f"UPDATE {table} SET {assignment} went through"
        )
    assert refused(f'DELETE FROM "{table}" WHERE id = %s', [pk]), f"DELETE from {table}"
    assert model.objects.filter(pk=pk).exists()


def test_a_conversion_may_only_be_completed_with_its_price(one_of_each):
    note = NoteFactory(issue_date=date(2006, 7, 21))
    waiting = _conversion(note)
    complete = (
        "UPDATE offerings_conversion SET status = 'done', conversion_price = 2, shares = 125500,"
        " cash_in_lieu = 0, cash_due_date = '2008-01-25'"
    )
    assert refused(complete + ", principal_converted = 1 WHERE id = %s", [waiting.pk])
    assert refused(complete + ", conversion_date = '2008-01-16' WHERE id = %s", [waiting.pk])
    assert allowed(complete + " WHERE id = %s", [waiting.pk])
    assert refused("UPDATE offerings_conversion SET shares = 1 WHERE id = %s", [waiting.pk])


def test_a_notice_may_only_have_its_delivery_recorded_once(one_of_each):
    letter = _notice(NoteFactory(issue_date=date(2006, 7, 22)))
    deposit = one_of_each["notices.NoticeDeposit"]
    deliver = (
        "UPDATE notices_notice SET deposit_id = %s, sent_on = '2008-06-20',"
        " deemed_delivered_on = '2008-06-25'"
    )
    assert refused(deliver + ", recipient = 'Someone else' WHERE id = %s", [deposit.pk, letter.pk])
    assert refused(deliver + ", document_sha256 = %s WHERE id = %s",
                   [deposit.pk, "b" * 64, letter.pk])
    assert allowed(deliver + " WHERE id = %s", [deposit.pk, letter.pk])
    assert refused(
        "UPDATE notices_notice SET deemed_delivered_on = '2008-06-26' WHERE id = %s", [letter.pk]
    )


def test_a_transfer_may_only_have_its_decision_recorded_once(one_of_each):
    transfer = one_of_each["notes.Transfer"]
    other = HolderFactory()
    approve = (
        "UPDATE notes_transfer SET decision = 'approved', decided_on = '2007-01-09',"
        " effective_date = '2007-01-10'"
    )
    assert refused(approve + ", transferee_id = %s WHERE id = %s", [other.pk, transfer.pk])
    assert refused(approve + ", notice_received_on = '2007-01-01' WHERE id = %s", [transfer.pk])
    assert allowed(approve + " WHERE id = %s", [transfer.pk])
    assert refused(
        "UPDATE notes_transfer SET effective_date = '2007-01-11' WHERE id = %s", [transfer.pk]
    )
    assert Transfer.objects.get(pk=transfer.pk).effective_date == date(2007, 1, 10)


def test_a_stop_transfer_instruction_may_only_be_lifted_once(one_of_each):
    stop = one_of_each["notes.StopTransferInstruction"]
    lift = "UPDATE notes_stoptransferinstruction SET lifted_on = '2007-02-01', lift_reason = 'ok'"
    assert refused(lift + ", reason = 'Other' WHERE id = %s", [stop.pk])
    assert allowed(lift + " WHERE id = %s", [stop.pk])
    assert refused(
        "UPDATE notes_stoptransferinstruction SET lift_reason = 'changed' WHERE id = %s",
        [stop.pk],
    )
