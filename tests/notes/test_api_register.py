"""The API base (docs/api.md): issuers, series, holders, addresses, notes."""

import pytest

from notes.models import Note
from tests.factories import HolderFactory, NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db

ADDRESS = {"line1": "1820 Fountaingrove Pkwy", "city": "Santa Rosa", "region": "CA",
           "postal_code": "95403", "country": "US"}


def test_anonymous_callers_get_401(api):
    for path in ["issuers/", "series/", "holders/", "notes/"]:
        assert api().get(f"/api/v1/{path}").status_code == 401


def test_finance_builds_a_register_through_the_api(finance_api):
    issuer = finance_api.post("/api/v1/issuers/", {
        "name": "American TonerServ Corp.",
        "principal_office_address": "475 Aviation Blvd, Suite 100, Santa Rosa, CA 95403",
        "copy_to_address": "600 Bicentennial Way, Ste 300 Santa Rosa, Ca 95403",
    }, format="json")
    assert issuer.status_code == 201, issuer.json()
    series = finance_api.post("/api/v1/series/", {
        "issuer": issuer.json()["id"], "name": "July 2006", "currency": "USD",
        "agreement_date": "2006-07-14",
    }, format="json")
    assert series.status_code == 201, series.json()
    body = series.json()
    assert body["stated_rate"] == "0.10"
    assert body["day_count"] == "ACT/365F"
    assert body["term_months"] == 24
    assert body["voluntary_threshold"] == "3000000.00"
    assert body["automatic_threshold"] == "5000000.00"
    assert body["price_tranche"] == "1000000.00"
    assert body["voluntary_window_months"] == 6
    holder = finance_api.post("/api/v1/holders/", {
        "name": "Margaret A. Keller", "kind": "person", "email": "mk@example.com",
        "address": ADDRESS, "tax_id": "512-44-6781",
    }, format="json")
    assert holder.status_code == 201, holder.json()
    hbody = holder.json()
    assert "tax_id" not in hbody
    assert hbody["tax_id_masked"] == "***-**-6781"
    note = finance_api.post("/api/v1/notes/", {
        "series": body["id"], "holder": hbody["id"], "principal": "250000.00",
        "issue_date": "2006-07-20",
    }, format="json")
    assert note.status_code == 201, note.json()
    nbody = note.json()
    assert nbody["principal"] == "250000.00"
    assert nbody["currency"] == "USD"
    assert nbody["maturity_date"] == "2008-07-20"
    assert nbody["status"] == "outstanding"
    assert nbody["outstanding_principal"] == "250000.00"
    assert nbody["number"]


def test_validation_errors_name_the_field_and_record_nothing(finance_api):
    series = SeriesFactory()
    holder = HolderFactory()
    for principal in ["0", "-5", "abc"]:
        response = finance_api.post("/api/v1/notes/", {
            "series": series.pk, "holder": holder.pk, "principal": principal,
            "issue_date": "2006-07-20",
        }, format="json")
        assert response.status_code == 400
        assert "principal" in response.json()
    missing = finance_api.post("/api/v1/notes/", {"series": series.pk}, format="json")
    assert set(missing.json()) >= {"holder", "principal", "issue_date"}
    assert Note.objects.count() == 0


def test_duplicate_note_number_is_a_400(finance_api):
    note = NoteFactory(number="ATS-001")
    response = finance_api.post("/api/v1/notes/", {
        "series": note.series_id, "holder": note.holder_id, "principal": "100.00",
        "issue_date": "2006-07-20", "number": "ATS-001",
    }, format="json")
    assert response.status_code == 400
    assert "already exists" in str(response.json())


def test_series_rate_out_of_range_is_a_400(finance_api):
    issuer = SeriesFactory().issuer
    response = finance_api.post("/api/v1/series/", {
        "issuer": issuer.pk, "name": "Bad", "agreement_date": "2006-07-14",
        "stated_rate": "1.20",
    }, format="json")
    assert response.status_code == 400
    assert response.json()


def test_auditors_read_but_cannot_write(auditor_api):
    NoteFactory()
    listing = auditor_api.get("/api/v1/notes/")
    assert listing.status_code == 200
    assert set(listing.json()) >= {"count", "next", "results"}
    assert listing.json()["count"] == 1
    refused = auditor_api.post("/api/v1/issuers/", {"name": "X"}, format="json")
    assert refused.status_code == 403


def test_holders_have_no_api_access(api, holder_user):
    user, _ = holder_user
    assert api(user).get("/api/v1/notes/").status_code == 403
    assert api(user).post("/api/v1/issuers/", {"name": "X"}, format="json").status_code == 403


def test_address_history(finance_api):
    holder = HolderFactory()
    url = f"/api/v1/holders/{holder.pk}/addresses/"
    moved = finance_api.post(url, {
        "address": {**ADDRESS, "line1": "9 New Street"}, "effective_from": "2007-03-01",
    }, format="json")
    assert moved.status_code == 201, moved.json()
    history = finance_api.get(url).json()["results"]
    assert [h["effective_from"] for h in history] == ["2007-03-01", "2006-01-01"]
    assert holder.address_on(__import__("datetime").date(2007, 2, 28)).line1 == "1 Main St"
    assert holder.address_on(__import__("datetime").date(2007, 3, 1)).line1 == "9 New Street"
    same_day = finance_api.post(url, {"address": ADDRESS, "effective_from": "2007-03-01"},
                                format="json")
    assert same_day.status_code == 400
    assert finance_api.get("/api/v1/holders/999999/addresses/").status_code == 404


def test_note_list_query_count_does_not_grow_with_notes(finance_api, django_assert_max_num_queries):
    series = SeriesFactory()
    for _ in range(5):
        NoteFactory(series=series)
    with django_assert_max_num_queries(6):
        assert finance_api.get("/api/v1/notes/").json()["count"] == 5


def test_schema_and_docs_are_served(finance_api, client, finance_user):
    schema = finance_api.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/notes/" in schema.content
    client.force_login(finance_user)
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_api_docs_are_for_staff_only(client, holder_user, auditor_user):
    user, _ = holder_user
    client.force_login(user)
    assert client.get("/api/v1/schema/").status_code == 403
    assert client.get("/api/v1/docs/").status_code == 403
    client.force_login(auditor_user)
    assert client.get("/api/v1/docs/").status_code == 200
