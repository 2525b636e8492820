"""`transfers/` (§10): the contract's fields, decisions, refusals, roles, idempotency."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from notes.models import Note, Transfer
from notes.services.transfers import stop_transfer_record
from notices.models import Notice, NoticeKind
from reports.selectors import interest_paid_by_holder
from tests.notes.transfers.conftest import PDF

pytestmark = pytest.mark.django_db

URL = "/api/v1/transfers/"


def body(note, buyer, **extra):
    return {
        "note": note.pk,
        "transferee": buyer.pk,
        "notice_received_on": "2007-01-05",
        "opinion_received_on": "2007-01-08",
        **extra,
    }


def test_an_approved_transfer_changes_the_registered_holder(finance_api, note, buyer):
    seller = note.holder
    response = finance_api.post(
        URL, body(note, buyer, decision="approved", effective_date="2007-01-10"), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["decision"] == "approved" and data["effective_date"] == "2007-01-10"
    assert data["transferor"] == seller.pk and data["legend_required"] is True
    assert Note.objects.get(pk=note.pk).holder == buyer
    listed = finance_api.get(URL, {"note": note.pk}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == data["id"]


def test_a_refusal_needs_a_reason_and_notifies_the_holder(
    finance_api, note, buyer, django_capture_on_commit_callbacks
):
    response = finance_api.post(URL, body(note, buyer, decision="refused"), format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert not Transfer.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_api.post(
            URL, body(note, buyer, decision="refused", reason="Opinion not satisfactory"),
            format="json",
        )
    assert response.status_code == 201
    assert Note.objects.get(pk=note.pk).holder != buyer
    letter = Notice.objects.get(kind=NoticeKind.TRANSFER_REFUSAL)
    assert letter.holder == note.holder and "Opinion not satisfactory" in letter.figures["reason"]


def test_a_pending_transfer_is_decided_later(finance_api, note, buyer):
    created = finance_api.post(URL, body(note, buyer), format="json").json()
    assert created["decision"] == "pending"
    decided = finance_api.post(
        f"{URL}{created['id']}/decision/",
        {"decision": "approved", "effective_date": "2007-01-10"}, format="json",
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "approved"
    again = finance_api.post(
        f"{URL}{created['id']}/decision/", {"decision": "refused", "reason": "x"}, format="json"
    )
    assert again.status_code == 409


def test_a_stop_transfer_instruction_answers_409_with_its_reason(finance_api, note, buyer):
    stop_transfer_record(note=note, reason="Pledged to the bank", recorded_on=date(2007, 1, 2))
    response = finance_api.post(
        URL, body(note, buyer, decision="approved", effective_date="2007-01-10"), format="json"
    )
    assert response.status_code == 409 and "Pledged to the bank" in response.json()["detail"]
    assert not Transfer.objects.exists()  # the refused request changed nothing


def test_documents_upload_as_multipart_with_their_digest(finance_api, note, buyer):
    response = finance_api.post(
        URL,
        body(
            note, buyer,
            notice_document=SimpleUploadedFile("notice.pdf", PDF, "application/pdf"),
            opinion_document=SimpleUploadedFile("opinion.txt", b"not a pdf"),
        ),
        format="multipart",
    )
    assert response.status_code == 400 and "opinion_document" in response.json()
    response = finance_api.post(
        URL,
        body(
            note, buyer,
            notice_document=SimpleUploadedFile("notice.pdf", PDF, "application/pdf"),
            opinion_document=SimpleUploadedFile("opinion.pdf", PDF, "application/pdf"),
        ),
        format="multipart",
    )
    assert response.status_code == 201, response.content
    import hashlib

    assert response.json()["notice_document_sha256"] == hashlib.sha256(PDF).hexdigest()


def test_a_repeat_with_the_same_key_records_once(finance_api, note, buyer):
    payload = body(note, buyer, decision="approved", effective_date="2007-01-10")
    first = finance_api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    second = finance_api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    assert first.status_code == 201 and second.json()["id"] == first.json()["id"]
    assert Transfer.objects.count() == 1


def test_auditors_read_and_cannot_write(auditor_api, note, buyer):
    assert auditor_api.get(URL).status_code == 200
    response = auditor_api.post(URL, body(note, buyer), format="json")
    assert response.status_code == 403
    assert not Transfer.objects.exists()


def test_interest_paid_splits_between_holders_at_the_effective_date(finance_api, note, buyer):
    seller = note.holder
    from notes.services.payments import payment_record

    payment_record(note=note, paid_on=date(2006, 8, 15), amount=Decimal("821.92"),
                   applies_to="interest", method="check")
    finance_api.post(
        URL,
        body(note, buyer, decision="approved", effective_date="2006-09-01",
             notice_received_on="2006-08-20", opinion_received_on="2006-08-25"),
        format="json",
    )
    payment_record(note=note, paid_on=date(2006, 9, 15), amount=Decimal("2123.29"),
                   applies_to="interest", method="check")
    rows = {r.holder_id: r.interest_paid for r in interest_paid_by_holder(year=2006)}
    assert rows == {seller.pk: Decimal("821.92"), buyer.pk: Decimal("2123.29")}
