"""Transfers (§10): request, approval with the chain and legend, refusal, stop instructions."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from notes.models import TransferDecision
from notes.selectors import note_holder_on, note_register_chain
from notes.services.payments import NoteStateConflict, payment_record
from notes.services.transfers import (
    document_store,
    stop_transfer_lift,
    stop_transfer_record,
    transfer_approve,
    transfer_refuse,
    transfer_request,
)
from notices.models import Notice, NoticeKind
from tests.notes.transfers.conftest import PDF, PNG

pytestmark = pytest.mark.django_db


def request(note, buyer, day=date(2007, 1, 5)):
    return transfer_request(
        note=note, transferee=buyer, notice_received_on=day, opinion_received_on=day
    )


def test_an_approved_transfer_changes_the_holder_from_its_effective_date(note, buyer):
    seller = note.holder
    transfer = transfer_approve(transfer=request(note, buyer), effective_date=date(2007, 1, 10))
    note.refresh_from_db()
    assert note.holder == buyer
    assert note_holder_on(note, date(2007, 1, 9)) == seller
    assert note_holder_on(note, date(2007, 1, 10)) == buyer
    chain = note_register_chain(note)
    assert [(h.holder, h.held_from, h.held_until) for h in chain] == [
        (seller, date(2006, 7, 20), date(2007, 1, 9)),
        (buyer, date(2007, 1, 10), None),
    ]
    assert chain[1].transfer == transfer and chain[1].legend_required is True


def test_the_legend_is_dropped_only_on_the_issuers_counsel_opinion(note, buyer):
    transfer = request(note, buyer)
    with pytest.raises(ValidationError) as exc:
        transfer_approve(transfer=transfer, effective_date=date(2007, 1, 10), legend_required=False)
    assert "legend_counsel_reference" in exc.value.error_dict
    transfer = transfer_approve(
        transfer=transfer, effective_date=date(2007, 1, 10), legend_required=False,
        legend_counsel_reference="Opinion of Issuer counsel, 2007-01-08",
    )
    assert note_register_chain(note)[-1].legend_required is False


def test_the_effective_date_cannot_precede_the_notice_and_opinion(note, buyer):
    transfer = transfer_request(
        note=note, transferee=buyer, notice_received_on=date(2007, 1, 5),
        opinion_received_on=date(2007, 1, 8),
    )
    with pytest.raises(ValidationError) as exc:
        transfer_approve(transfer=transfer, effective_date=date(2007, 1, 7))
    assert "2007-01-08" in str(exc.value)
    with pytest.raises(ValidationError):
        transfer_approve(
            transfer=transfer, effective_date=timezone.localdate() + timedelta(days=1)
        )


def test_a_decision_is_recorded_once(note, buyer):
    transfer = transfer_approve(transfer=request(note, buyer), effective_date=date(2007, 1, 10))
    with pytest.raises(NoteStateConflict):
        transfer_refuse(transfer=transfer, reason="Changed our mind")


def test_one_request_at_a_time_and_not_to_the_holder_itself(note, buyer):
    with pytest.raises(ValidationError) as exc:
        request(note, note.holder)
    assert "already the registered holder" in str(exc.value)
    request(note, buyer)
    with pytest.raises(NoteStateConflict, match="already awaiting a decision"):
        request(note, buyer)


def test_a_refusal_keeps_the_holder_and_sends_the_letter(
    note, buyer, django_capture_on_commit_callbacks
):
    seller = note.holder
    with django_capture_on_commit_callbacks(execute=True):
        transfer = transfer_refuse(
            transfer=request(note, buyer), reason="The opinion does not cover state law.",
            decided_on=date(2007, 1, 12),
        )
    note.refresh_from_db()
    assert note.holder == seller and transfer.decision == TransferDecision.REFUSED
    letter = Notice.objects.get(kind=NoticeKind.TRANSFER_REFUSAL, transfer=transfer)
    assert letter.holder == seller and letter.clause == "§10"
    assert letter.notice_date == date(2007, 1, 12)
    assert letter.figures["reason"] == "The opinion does not cover state law."


def test_a_refusal_needs_a_reason(note, buyer):
    with pytest.raises(ValidationError):
        transfer_refuse(transfer=request(note, buyer), reason="  ")


def test_a_stop_transfer_instruction_refuses_approval_with_its_reason(note, buyer):
    stop = stop_transfer_record(
        note=note, reason="Court order 07-123", recorded_on=date(2007, 1, 2)
    )
    transfer = request(note, buyer)
    with pytest.raises(NoteStateConflict, match="Court order 07-123"):
        transfer_approve(transfer=transfer, effective_date=date(2007, 1, 10))
    stop_transfer_lift(instruction=stop, reason="Order vacated", lifted_on=date(2007, 1, 9))
    transfer_approve(transfer=transfer, effective_date=date(2007, 1, 10))
    note.refresh_from_db()
    assert note.holder == buyer


def test_payments_go_to_the_holder_registered_on_the_payment_day(note, buyer):
    seller = note.holder
    seller_address = "\n".join(seller.current_address.lines())
    buyer_address = "\n".join(buyer.current_address.lines())
    assert seller_address == buyer_address  # the factory's; give the buyer another one
    from holders.services import holder_address_add

    holder_address_add(holder=buyer, effective_from=date(2006, 1, 2), line1="9 Market St",
                       city="San Francisco", region="CA", postal_code="94105")
    transfer_approve(transfer=request(note, buyer), effective_date=date(2007, 1, 10))
    before = payment_record(note=note, paid_on=date(2006, 9, 15), amount=Decimal("821.92"),
                            applies_to="interest")
    after = payment_record(note=note, paid_on=date(2007, 1, 15), amount=Decimal("2123.29"),
                           applies_to="interest")
    assert "1 Main St" in before.mailed_to
    assert "9 Market St" in after.mailed_to


def test_documents_are_checked_by_their_bytes_and_hashed(db):
    doc = document_store(upload=SimpleUploadedFile("notice.pdf", PDF), field="notice_document")
    assert doc.content_type == "application/pdf" and doc.size == len(PDF)
    import hashlib

    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document_store(upload=SimpleUploadedFile("x.png", PNG), field="f").content_type == (
        "image/png"
    )
    with pytest.raises(ValidationError, match="PDF, PNG or JPEG"):
        document_store(
            upload=SimpleUploadedFile("notice.pdf", b"MZ\x90 not a pdf"), field="notice_document"
        )


def test_documents_over_the_size_limit_are_refused(db, settings):
    settings.REGISTER_DOCUMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="at most 10 bytes"):
        document_store(upload=SimpleUploadedFile("n.pdf", PDF), field="notice_document")
