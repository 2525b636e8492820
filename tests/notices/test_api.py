"""`notices/`, `notices/{id}/document/`, `notices/deposit/` and personal delivery (docs/api.md)."""

import io
import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from notices.models import Notice, NoticeDeposit, NoticeKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(converted, run_notices):
    run_notices(date(2007, 7, 21))
    return (
        Notice.objects.get(kind=NoticeKind.AUTOMATIC_CONVERSION),
        Notice.objects.get(kind=NoticeKind.CASH_IN_LIEU),
    )


def test_list_with_its_fields_and_filters(auditor_api, letters, note):
    six_two, cash = letters
    body = auditor_api.get("/api/v1/notices/", {"note": note.pk}).json()
    assert body["count"] == 2
    row = next(r for r in body["results"] if r["id"] == six_two.pk)
    assert row["kind"] == "automatic_conversion"
    assert row["purpose"] == six_two.purpose_key
    assert row["recipient"] == note.holder.name
    assert row["address"].startswith("1 Main St")
    assert row["delivery_method"] == "mail"
    assert (row["sent_on"], row["deemed_delivered_on"], row["corrects"]) == (None, None, None)
    assert row["document"] == f"http://testserver/api/v1/notices/{six_two.pk}/document/"
    assert row["figures"]["conversion_price"] == "2.412451"
    assert (row["note"], row["holder"]) == (note.pk, note.holder_id)
    kind = auditor_api.get("/api/v1/notices/", {"kind": "cash_in_lieu"}).json()
    assert [r["id"] for r in kind["results"]] == [cash.pk]
    holder = auditor_api.get("/api/v1/notices/", {"holder": note.holder_id}).json()
    assert holder["count"] == 2


def test_the_pdf_downloads_for_staff_only(auditor_api, finance_api, api, holder_user, letters):
    six_two, _ = letters
    url = f"/api/v1/notices/{six_two.pk}/document/"
    response = auditor_api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "2.412451" in text
    assert finance_api.get(url).status_code == 200
    assert api().get(url).status_code == 401
    assert api(holder_user[0]).get(url).status_code == 403
    assert api(holder_user[0]).get("/api/v1/notices/").status_code == 403


def test_deposit_answers_each_notice_with_its_deemed_delivery(finance_api, letters):
    ids = [n.pk for n in letters]
    response = finance_api.post(
        "/api/v1/notices/deposit/", {"notices": ids, "deposited_on": "2007-07-27"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["deposited_on"] == "2007-07-27"
    # Friday 27 July 2007 + 3 business days = Wednesday 1 August.
    assert {(r["id"], r["sent_on"], r["deemed_delivered_on"]) for r in body["notices"]} == {
        (i, "2007-07-27", "2007-08-01") for i in ids
    }


def test_deposit_is_idempotent_under_its_key(finance_api, letters):
    key = str(uuid.uuid4())
    data = {"notices": [letters[0].pk], "deposited_on": "2007-07-27"}
    first = finance_api.post("/api/v1/notices/deposit/", data, format="json",
                             HTTP_IDEMPOTENCY_KEY=key)
    again = finance_api.post("/api/v1/notices/deposit/", data, format="json",
                             HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert NoticeDeposit.objects.count() == 1


def test_deposit_refusals_are_clear_400s(finance_api, letters):
    six_two, cash = letters
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = finance_api.post(
        "/api/v1/notices/deposit/", {"notices": [six_two.pk], "deposited_on": tomorrow},
        format="json",
    )
    assert future.status_code == 400
    assert "is after today" in future.json()["deposited_on"][0]
    finance_api.post(
        f"/api/v1/notices/{cash.pk}/personal-delivery/", {"delivered_on": "2007-07-23"},
        format="json",
    )
    finance_api.post(
        "/api/v1/notices/deposit/", {"notices": [six_two.pk], "deposited_on": "2007-07-23"},
        format="json",
    )
    both = finance_api.post(
        "/api/v1/notices/deposit/", {"notices": [six_two.pk, cash.pk], "deposited_on":
                                     "2007-07-24"}, format="json",
    )
    assert both.status_code == 400
    messages = both.json()["notices"]
    assert any("already sent on 2007-07-23 in print run" in m for m in messages)
    assert any("is for personal delivery" in m for m in messages)
    empty = finance_api.post(
        "/api/v1/notices/deposit/", {"notices": [], "deposited_on": "2007-07-24"}, format="json"
    )
    assert empty.status_code == 400
    assert NoticeDeposit.objects.count() == 1


def test_personal_delivery(finance_api, auditor_api, letters):
    six_two, _ = letters
    url = f"/api/v1/notices/{six_two.pk}/personal-delivery/"
    assert auditor_api.post(url, {"delivered_on": "2007-07-23"}, format="json").status_code == 403
    response = finance_api.post(url, {"delivered_on": "2007-07-23"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["delivery_method"], body["sent_on"], body["deemed_delivered_on"]) == (
        "personal", "2007-07-23", "2007-07-23"
    )
    again = finance_api.post(url, {"delivered_on": "2007-07-24"}, format="json")
    assert again.status_code == 400


def test_auditors_cannot_deposit(auditor_api, letters):
    response = auditor_api.post(
        "/api/v1/notices/deposit/", {"notices": [letters[0].pk], "deposited_on": "2007-07-27"},
        format="json",
    )
    assert response.status_code == 403
    assert not NoticeDeposit.objects.exists()


def test_obligations_show_missed(auditor_api, letters):
    # The §6.2 notice was due by 2007-07-30 and never sent: missed today.
    body = auditor_api.get("/api/v1/notices/obligations/", {"state": "missed"}).json()
    assert [(r["clause"], r["due_by"], r["state"]) for r in body["results"]] == [
        ("§6.2", "2007-07-30", "missed")
    ]
    assert auditor_api.get("/api/v1/notices/obligations/", {"state": "met"}).json()["count"] == 0
    assert auditor_api.get("/api/v1/notices/obligations/", {"state": "x"}).status_code == 400
