"""API: offerings, corporate events, conversions, price determinations, elections."""

from datetime import date
from decimal import Decimal

import pytest

from offerings.models import Conversion, Offering
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db

EXAMPLE_SALES = [
    {"shares": 150000, "price_per_share": "2.00"},
    {"shares": 200000, "price_per_share": "2.50"},
    {"shares": 100000, "price_per_share": "3.10"},
    {"shares": 1000000, "price_per_share": "4.00"},
]


@pytest.fixture
def note():
    series = SeriesFactory()
    return NoteFactory(series=series, principal=Decimal("250000.00"), issue_date=date(2006, 7, 20))


def post(api, path, body, capture):
    with capture(execute=True):
        return api.post(f"/api/v1/{path}", body, format="json")


def test_pipe_sets_the_example_price_and_converts(finance_api, note,
                                                  django_capture_on_commit_callbacks):
    response = post(finance_api, "offerings/", {
        "issuer": note.series.issuer_id, "kind": "pipe", "closing_date": "2007-07-20",
        "gross_proceeds": "5110000.00", "sales": EXAMPLE_SALES,
    }, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["conversion_price"] == "2.412451"
    assert (body["qualifies_voluntary"], body["qualifies_automatic"]) == (True, True)
    conversions = finance_api.get(f"/api/v1/conversions/?note={note.pk}").json()["results"]
    assert len(conversions) == 1
    c = conversions[0]
    assert (c["trigger"], c["status"], c["conversion_date"]) == (
        "qualified_offering", "done", "2007-07-20")
    assert (c["conversion_price"], c["principal_converted"], c["interest_converted"]) == (
        "2.412451", "250000.00", "25068.49")
    assert (c["note_amount"], c["shares"], c["cash_in_lieu"], c["cash_due_date"]) == (
        "275068.49", 114020, "0.83", "2007-07-30")
    series_filter = finance_api.get(f"/api/v1/conversions/?series={note.series_id}").json()
    assert series_filter["count"] == 1
    position = finance_api.get(f"/api/v1/notes/{note.pk}/position/?as_of=2007-08-01").json()
    assert (position["status"], position["note_amount"]) == ("converted", "0.00")
    assert position["conversion"]["shares"] == 114020
    assert position["conversion"]["note_amount"] == "275068.49"
    before = finance_api.get(f"/api/v1/notes/{note.pk}/position/?as_of=2007-07-19").json()
    assert (before["status"], before["conversion"]) == ("outstanding", None)


def test_offering_refusals_are_400_and_record_nothing(finance_api, note):
    bad = finance_api.post("/api/v1/offerings/", {
        "issuer": note.series.issuer_id, "kind": "pipe", "closing_date": "2007-07-20",
        "gross_proceeds": "5000000.00", "sales": EXAMPLE_SALES,
    }, format="json")
    assert bad.status_code == 400
    assert "5,110,000.00" in str(bad.json()["sales"])
    assert Offering.objects.count() == 0


def test_merger_awaits_a_price_then_a_determination(finance_api, note,
                                                   django_capture_on_commit_callbacks):
    event = post(finance_api, "corporate-events/", {
        "issuer": note.series.issuer_id, "kind": "merger", "effective_date": "2007-07-20",
    }, django_capture_on_commit_callbacks)
    assert event.status_code == 201, event.json()
    conversion = finance_api.get("/api/v1/conversions/").json()["results"][0]
    assert conversion["status"] == "awaiting_price"
    assert conversion["shares"] is None
    url = f"/api/v1/conversions/{conversion['id']}/price-determination/"
    done = finance_api.post(url, {"price": "2.500000", "source": "Board, 2007-08-01"},
                            format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done"
    assert done.json()["shares"] == 110027  # 275,068.49 ÷ 2.50 = 110,027.396
    assert done.json()["cash_in_lieu"] == "0.99"
    again = finance_api.post(url, {"price": "3.00", "source": "x"}, format="json")
    assert again.status_code == 409


def test_voting_transfers_related(finance_api, note, django_capture_on_commit_callbacks):
    first = post(finance_api, "corporate-events/", {
        "issuer": note.series.issuer_id, "kind": "voting_power_transfer",
        "effective_date": "2007-03-01", "voting_power_pct": "30",
    }, django_capture_on_commit_callbacks).json()
    first = finance_api.get(f"/api/v1/corporate-events/{first['id']}/").json()
    assert (first["trigger_status"], first["trigger_outcome"]) == (
        "done", f"{note.series.name}: no change of control")
    assert Conversion.objects.count() == 0
    post(finance_api, "corporate-events/", {
        "issuer": note.series.issuer_id, "kind": "voting_power_transfer",
        "effective_date": "2007-05-01", "voting_power_pct": "25",
        "related_events": [first["id"]],
    }, django_capture_on_commit_callbacks)
    assert Conversion.objects.get().conversion_date == date(2007, 5, 1)


def test_elections(finance_api, note, django_capture_on_commit_callbacks):
    offering = post(finance_api, "offerings/", {
        "issuer": note.series.issuer_id, "kind": "pipe", "closing_date": "2007-01-10",
        "gross_proceeds": "3000000.00",
        "sales": [{"shares": 1000000, "price_per_share": "3.00"}],
    }, django_capture_on_commit_callbacks).json()
    url = f"/api/v1/notes/{note.pk}/elections/"
    election = {"offering": offering["id"], "certificate_names": "Margaret A. Keller",
                "address": "1 Main St, Santa Rosa, CA 95403", "tax_id": "512-44-6781"}
    late = finance_api.post(url, {**election, "received_on": "2007-07-11"}, format="json")
    assert late.status_code == 400
    assert "outside the voluntary conversion window" in late.json()["received_on"][0]
    ok = finance_api.post(url, {**election, "received_on": "2007-02-01"}, format="json")
    assert ok.status_code == 201, ok.json()
    assert (ok.json()["trigger"], ok.json()["conversion_price"]) == ("voluntary", "3.00")
    assert "tax_id" not in ok.json()
    again = finance_api.post(url, {**election, "received_on": "2007-02-02"}, format="json")
    assert again.status_code == 409


def test_units_allocation_endpoint(finance_api, note, django_capture_on_commit_callbacks):
    offering = post(finance_api, "offerings/", {
        "issuer": note.series.issuer_id, "kind": "pipe", "closing_date": "2007-07-20",
        "gross_proceeds": "5000000.00", "sales": [{"units": 1000000, "unit_price": "5.00"}],
        "units": {"shares_per_unit": 1, "warrants_per_unit": 1},
    }, django_capture_on_commit_callbacks).json()
    assert offering["conversion_price"] is None
    assert "allocation" in offering["price_unavailable_reason"]
    response = finance_api.post(f"/api/v1/offerings/{offering['id']}/allocation/", {
        "share_allocation": "0.8", "source": "offering_documents", "reference": "PPM p. 12",
    }, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["conversion_price"] == "4.00"
    assert Conversion.objects.get().status == "done"


def test_auditors_read_offerings_but_cannot_record(auditor_api, note):
    assert auditor_api.get("/api/v1/offerings/").status_code == 200
    assert auditor_api.get("/api/v1/conversions/").status_code == 200
    assert auditor_api.post("/api/v1/corporate-events/", {
        "issuer": note.series.issuer_id, "kind": "merger", "effective_date": "2007-07-20",
    }, format="json").status_code == 403
    assert auditor_api.post(f"/api/v1/notes/{note.pk}/elections/", {}, format="json"
                            ).status_code == 403


def test_idempotency_key_on_offerings_events_and_elections(finance_api, note,
                                                          django_capture_on_commit_callbacks):
    from offerings.models import CorporateEvent

    body = {"issuer": note.series.issuer_id, "kind": "pipe", "closing_date": "2007-01-10",
            "gross_proceeds": "3000000.00",
            "sales": [{"shares": 1000000, "price_per_share": "3.00"}]}
    with django_capture_on_commit_callbacks(execute=True):
        first = finance_api.post("/api/v1/offerings/", body, format="json",
                                 HTTP_IDEMPOTENCY_KEY="off-1")
    again = finance_api.post("/api/v1/offerings/", body, format="json",
                             HTTP_IDEMPOTENCY_KEY="off-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Offering.objects.count() == 1
    other = finance_api.post("/api/v1/offerings/", {**body, "closing_date": "2007-01-11"},
                             format="json", HTTP_IDEMPOTENCY_KEY="off-1")
    assert other.status_code == 409
    election = {"offering": first.json()["id"], "received_on": "2007-02-01",
                "certificate_names": "M", "address": "A", "tax_id": "1"}
    url = f"/api/v1/notes/{note.pk}/elections/"
    made = finance_api.post(url, election, format="json", HTTP_IDEMPOTENCY_KEY="el-1")
    retry = finance_api.post(url, election, format="json", HTTP_IDEMPOTENCY_KEY="el-1")
    assert (made.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == made.json()["id"]
    # A refused request keeps nothing, so the key can be used for the corrected one.
    event = {"issuer": note.series.issuer_id, "kind": "voting_power_transfer",
             "effective_date": "2007-03-01"}
    refused = finance_api.post("/api/v1/corporate-events/", event, format="json",
                               HTTP_IDEMPOTENCY_KEY="ev-1")
    assert refused.status_code == 400
    fixed = finance_api.post("/api/v1/corporate-events/", {**event, "voting_power_pct": "10"},
                             format="json", HTTP_IDEMPOTENCY_KEY="ev-1")
    assert fixed.status_code == 201
    assert CorporateEvent.objects.count() == 1
