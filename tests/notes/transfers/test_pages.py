"""Transfer pages (§10): the forms record once, refusals on the form, roles, chain and history."""

import html
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notes.models import Document, Note, Transfer, TransferDecision
from notes.services.transfers import stop_transfer_record, transfer_approve, transfer_request
from tests.notes.transfers.conftest import PDF, PNG

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _key(response, prefix="") -> str:
    name = f"{prefix}-idempotency_key" if prefix else "idempotency_key"
    match = re.search(rf'name="{name}" value="([^"]+)"', response.content.decode())
    assert match, "no one-time key on the page"
    return match.group(1)


def _request_post(key, buyer, **extra):
    return {
        "idempotency_key": key,
        "transferee": buyer.pk,
        "notice_received_on": "2007-01-05",
        "opinion_received_on": "2007-01-08",
        "notice_document": SimpleUploadedFile("notice.pdf", PDF, "application/pdf"),
        "opinion_document": SimpleUploadedFile("opinion.png", PNG, "image/png"),
        **extra,
    }


def test_finance_records_a_request_once_however_often_it_is_submitted(
    client, finance_user, note, buyer
):
    client.force_login(finance_user)
    url = reverse("note-transfer-request", args=[note.pk])
    key = _key(client.get(url))
    first = client.post(url, _request_post(key, buyer))
    assert first.status_code == 302
    again = client.post(url, _request_post(key, buyer), follow=True)
    assert "already recorded" in _text(again)
    transfer = Transfer.objects.get()
    assert transfer.decision == TransferDecision.PENDING
    assert transfer.opinion_document.content_type == "image/png"
    page = client.get(reverse("transfer-detail", args=[transfer.pk]))
    assert "Awaiting decision" in _text(page) and "notice.pdf" in _text(page)


def test_a_new_holder_can_be_the_transferee(client, finance_user, note):
    client.force_login(finance_user)
    url = reverse("note-transfer-request", args=[note.pk])
    data = _request_post(_key(client.get(url)), note.holder, transferee="")
    refused = client.post(url, data)
    assert refused.status_code == 400 and "name a new holder" in _text(refused)
    data = _request_post(
        _key(refused), note.holder, transferee="", new_name="Ocean Trust", new_kind="entity",
        new_line1="5 Shore Rd", new_city="Monterey", new_region="CA", new_postal_code="93940",
    )
    assert client.post(url, data).status_code == 302
    assert Transfer.objects.get().transferee.name == "Ocean Trust"


def test_a_document_that_is_not_pdf_png_or_jpeg_is_refused_beside_its_field(
    client, finance_user, note, buyer
):
    client.force_login(finance_user)
    url = reverse("note-transfer-request", args=[note.pk])
    data = _request_post(_key(client.get(url)), buyer)
    data["notice_document"] = SimpleUploadedFile("notice.pdf", b"<html>not a pdf</html>")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "PDF, PNG or JPEG" in _text(response)
    assert not Transfer.objects.exists() and not Document.objects.exists()


def test_approval_from_the_page_changes_the_holder_and_shows_the_chain(
    client, finance_user, note, buyer
):
    seller = note.holder
    transfer = transfer_request(note=note, transferee=buyer, notice_received_on=date(2007, 1, 5),
                                opinion_received_on=date(2007, 1, 8))
    client.force_login(finance_user)
    page = client.get(reverse("transfer-detail", args=[transfer.pk]))
    key = _key(page, "decision")
    response = client.post(
        reverse("transfer-decision", args=[transfer.pk]),
        {"decision-idempotency_key": key, "decision-decision": "approved",
         "decision-effective_date": "2007-01-04", "decision-legend_required": "on"},
    )
    assert response.status_code == 400
    assert "2007-01-08" in _text(response)  # before the opinion: refused beside the field
    response = client.post(
        reverse("transfer-decision", args=[transfer.pk]),
        {"decision-idempotency_key": key, "decision-decision": "approved",
         "decision-effective_date": "2007-01-10", "decision-legend_required": "on"},
        follow=True,
    )
    assert "Approved" in _text(response)
    assert Note.objects.get(pk=note.pk).holder == buyer
    note_page = _text(client.get(reverse("note-detail", args=[note.pk])))
    assert "Holder and register chain" in note_page
    assert f"{seller.name} 2006-07-20 2007-01-09 Issued" in note_page
    assert f"{buyer.name} 2007-01-10 today Transfer #{transfer.pk}" in note_page
    # The note's history says who changed the registered holder, from whom to whom.
    assert f"Holder {seller.name} {buyer.name}" in note_page
    assert finance_user.username in note_page


def test_a_stop_transfer_instruction_is_shown_and_refuses_the_approval(
    client, finance_user, note, buyer
):
    stop_transfer_record(note=note, reason="Pledged to First Bank", recorded_on=date(2007, 1, 2))
    transfer = transfer_request(note=note, transferee=buyer, notice_received_on=date(2007, 1, 5),
                                opinion_received_on=date(2007, 1, 8))
    client.force_login(finance_user)
    page = client.get(reverse("transfer-detail", args=[transfer.pk]))
    assert "Pledged to First Bank" in _text(page)
    response = client.post(
        reverse("transfer-decision", args=[transfer.pk]),
        {"decision-idempotency_key": _key(page, "decision"), "decision-decision": "approved",
         "decision-effective_date": "2007-01-10", "decision-legend_required": "on"},
    )
    assert response.status_code == 409 and "Pledged to First Bank" in _text(response)
    assert Note.objects.get(pk=note.pk).holder != buyer


def test_auditors_read_without_forms_and_cannot_post(client, auditor_user, note, buyer):
    transfer = transfer_request(note=note, transferee=buyer, notice_received_on=date(2007, 1, 5),
                                opinion_received_on=date(2007, 1, 8))
    client.force_login(auditor_user)
    assert client.get(reverse("transfers")).status_code == 200
    page = client.get(reverse("transfer-detail", args=[transfer.pk]))
    assert page.status_code == 200 and "Record decision" not in _text(page)
    response = client.post(
        reverse("transfer-decision", args=[transfer.pk]),
        {"decision-decision": "refused", "decision-reason": "no"},
    )
    assert response.status_code == 403
    assert client.get(reverse("note-transfer-request", args=[note.pk])).status_code == 403


def test_documents_are_served_to_staff_only(client, finance_user, holder_user, note, buyer):
    from notes.services.transfers import document_store

    document = document_store(upload=SimpleUploadedFile("n.pdf", PDF), field="notice_document")
    url = reverse("document", args=[document.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(holder_user[0])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("portal-home")
    client.force_login(finance_user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_the_transfer_page_shows_its_history(client, finance_user, note, buyer):
    transfer = transfer_request(note=note, transferee=buyer, notice_received_on=date(2007, 1, 5),
                                opinion_received_on=date(2007, 1, 8))
    transfer_approve(transfer=transfer, effective_date=date(2007, 1, 10))
    client.force_login(finance_user)
    text = _text(client.get(reverse("transfer-detail", args=[transfer.pk])))
    assert "History of changes" in text
    assert "Decision Awaiting decision Approved" in text
    assert "Effective date — 2007-01-10" in text
