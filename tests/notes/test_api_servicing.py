"""API: positions, statements, payments (Idempotency-Key), servicing runs."""

from datetime import date
from decimal import Decimal

import pytest

from notes.models import Payment
from notes.services import servicing
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def note():
    return NoteFactory(principal=Decimal("250000.00"), issue_date=date(2006, 7, 20))


def test_position_as_of_a_day(finance_api, note):
    body = finance_api.get(f"/api/v1/notes/{note.pk}/position/?as_of=2006-08-16").json()
    assert body == {
        "note": note.pk, "as_of": "2006-08-16", "currency": "USD", "conversion": None,
        "outstanding_principal": "250000.00",
        "accrued_unpaid_interest": "1917.81",  # 821.92 + 16 days of August (1,095.89)
        "note_amount": "251917.81", "past_due_interest": "821.92",
        "status": "outstanding", "rate": "0.10", "rate_basis": "stated", "day_count": "ACT/365F",
        "accrual_ended_on": None, "status_detail": "",
        # No run has stated July yet; August is in progress through the 16th.
        "interest_lines": [
            {"kind": "stated", "start": "2006-07-20", "end": "2006-07-31", "days": 12,
             "amount": "821.92", "calculation": ""},
            {"kind": "current", "start": "2006-08-01", "end": "2006-08-16", "days": 16,
             "amount": "1095.89",
             "calculation": "250,000.00 × 0.1 × 16/365 (2006-08-01–2006-08-16, 16 days)"
             " = 1095.890411; ACT/365F, days counted inclusively; rounded half-up once to"
             " 1,095.89 (§2)"},
        ],
    }


def test_position_refuses_a_bad_date(finance_api, note):
    response = finance_api.get(f"/api/v1/notes/{note.pk}/position/?as_of=16/08/2006")
    assert response.status_code == 400
    assert "as_of" in response.json()


def test_statements_with_paid_amount_and_status(
    finance_api, note, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        servicing.servicing_run_start(as_of=date(2006, 10, 1))
    finance_api.post("/api/v1/payments/", {
        "note": note.pk, "paid_on": "2006-08-15", "amount": "821.92", "applies_to": "interest",
        "method": "check", "reference": "1001",
    }, format="json")
    rows = finance_api.get(f"/api/v1/notes/{note.pk}/statements/?as_of=2006-09-20").json()
    assert rows["count"] == 2
    assert [(r["period_start"], r["amount"], r["paid_amount"], r["status"], r["due_date"])
            for r in rows["results"]] == [
        ("2006-07-20", "821.92", "821.92", "paid", "2006-08-15"),
        ("2006-08-01", "2123.29", "0.00", "past_due", "2006-09-15"),
    ]
    assert rows["results"][0]["days"] == 12
    assert rows["results"][0]["period_end"] == "2006-07-31"


def test_payment_idempotency_key(finance_api, note):
    body = {"note": note.pk, "paid_on": "2006-09-20", "amount": "500.00",
            "applies_to": "interest", "method": "wire", "reference": "FED-1"}
    first = finance_api.post("/api/v1/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.json()
    again = finance_api.post("/api/v1/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other = finance_api.post("/api/v1/payments/", {**body, "amount": "600.00"}, format="json",
                             HTTP_IDEMPOTENCY_KEY="abc")
    assert other.status_code == 409
    assert Payment.objects.count() == 1
    assert first.json()["allocations"] == [{"period_start": "2006-07-20", "amount": "500.00"}]


def test_refusals_are_400_with_the_reason(finance_api, note):
    over = finance_api.post("/api/v1/payments/", {
        "note": note.pk, "paid_on": "2006-07-31", "amount": "900.00", "applies_to": "interest",
    }, format="json")
    assert over.status_code == 400
    assert "821.92" in over.json()["amount"][0]
    prepay = finance_api.post("/api/v1/payments/", {
        "note": note.pk, "paid_on": "2007-01-02", "amount": "1000.00", "applies_to": "principal",
    }, format="json")
    assert prepay.status_code == 400
    assert "§4" in prepay.json()["holder_consent_reference"][0]
    assert Payment.objects.count() == 0


def test_payment_on_a_repaid_note_is_409(finance_api, note):
    from notes.selectors import note_position_get

    accrued = note_position_get(note=note, as_of=date(2008, 7, 20)).accrued_unpaid_interest
    for applies_to, amount in [("principal", "250000.00"), ("interest", str(accrued))]:
        assert finance_api.post("/api/v1/payments/", {
            "note": note.pk, "paid_on": "2008-07-20", "amount": amount, "applies_to": applies_to,
        }, format="json").status_code == 201
    late = finance_api.post("/api/v1/payments/", {
        "note": note.pk, "paid_on": "2008-08-01", "amount": "1.00", "applies_to": "interest",
    }, format="json")
    assert late.status_code == 409
    assert finance_api.get(f"/api/v1/notes/{note.pk}/").json()["status"] == "repaid"


def test_reversal_through_the_api(finance_api, note):
    paid = finance_api.post("/api/v1/payments/", {
        "note": note.pk, "paid_on": "2006-08-15", "amount": "821.92", "applies_to": "interest",
    }, format="json").json()
    reversal = finance_api.post(f"/api/v1/payments/{paid['id']}/reverse/",
                                {"reason": "Check returned"}, format="json")
    assert reversal.status_code == 201
    assert reversal.json()["amount"] == "-821.92"
    assert reversal.json()["reverses"] == paid["id"]
    assert finance_api.post(f"/api/v1/payments/{paid['id']}/reverse/",
                            {"reason": "again"}, format="json").status_code == 400


def test_auditors_cannot_pay_or_run(auditor_api, note):
    assert auditor_api.post("/api/v1/payments/", {
        "note": note.pk, "paid_on": "2006-08-15", "amount": "1.00", "applies_to": "interest",
    }, format="json").status_code == 403
    assert auditor_api.post("/api/v1/servicing/runs/", {"as_of": "2006-10-01"},
                            format="json").status_code == 403
    assert auditor_api.get(f"/api/v1/notes/{note.pk}/position/").status_code == 200


def test_servicing_run_is_accepted_and_reports_progress(finance_api, note,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_api.post("/api/v1/servicing/runs/", {"as_of": "2006-10-16"},
                                    format="json")
    assert response.status_code == 202
    run_id = response.json()["id"]
    body = finance_api.get(f"/api/v1/servicing/runs/{run_id}/").json()
    assert body["status"] == "done"
    assert body["progress"] == "1/1"
    assert body["counts"] == {"notes": 1, "statements_created": 3, "past_due_statements": 3}
    bad = finance_api.post("/api/v1/servicing/runs/", {"as_of": "nope"}, format="json")
    assert bad.status_code == 400


def test_a_run_cannot_be_dated_after_today(finance_api):
    response = finance_api.post("/api/v1/servicing/runs/", {"as_of": "2999-01-01"},
                                format="json")
    assert response.status_code == 400
    assert "future" in response.json()["as_of"][0]
