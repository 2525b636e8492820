"""`amendments/`: propose, consent, and read the running share and the day it took effect."""

import pytest

pytestmark = pytest.mark.django_db


def test_propose_consent_and_read_the_share(register, finance_api, auditor_api):
    series, holders, _notes = register
    created = finance_api.post("/api/v1/amendments/", {
        "series": series.pk, "title": "Extend the maturity", "issuer_consented_on": "2007-06-01",
    }, format="json", HTTP_IDEMPOTENCY_KEY="amend-1")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "amendment"
    assert (body["consenting_share"], body["effective_on"]) == ("0.000000", None)
    url = f"/api/v1/amendments/{body['id']}/consents/"

    first = finance_api.post(url, {"holder": holders[1].pk, "consented_on": "2007-06-04"},
                             format="json")
    assert first.status_code == 201, first.content
    assert first.json()["effective_on"] is None
    second = finance_api.post(url, {"holder": holders[2].pk, "consented_on": "2007-06-08"},
                              format="json", HTTP_IDEMPOTENCY_KEY="consent-2")
    read = second.json()
    # 300,000 + 200,000 of 1,000,000 is exactly half: not more than half, not in effect.
    assert read["effective_on"] is None and read["passed_majority_on"] is None
    assert read["consenting_share"] == "0.500000"  # today: 500,000 of 1,000,000
    assert [row["running_share"] for row in read["consents"]] == ["0.300000", "0.500000"]
    assert read["consents"][1]["passed_majority"] is False
    # The repeat with the same key changes nothing.
    again = finance_api.post(url, {"holder": holders[2].pk, "consented_on": "2007-06-08"},
                             format="json", HTTP_IDEMPOTENCY_KEY="consent-2")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"


def test_effective_when_strictly_more_than_half(register, finance_api):
    series, holders, _notes = register
    amendment = finance_api.post("/api/v1/amendments/", {
        "series": series.pk, "title": "Waive §6.1", "kind": "waiver",
        "issuer_consented_on": "2007-06-01",
    }, format="json").json()
    url = f"/api/v1/amendments/{amendment['id']}/consents/"
    finance_api.post(url, {"holder": holders[1].pk, "consented_on": "2007-06-04"}, format="json")
    finance_api.post(url, {"holder": holders[2].pk, "consented_on": "2007-06-05"}, format="json")
    read = finance_api.post(url, {"holder": holders[3].pk, "consented_on": "2007-06-06"},
                            format="json").json()
    assert read["effective_on"] == "2007-06-06"
    assert [row["passed_majority"] for row in read["consents"]] == [False, False, True]
    assert read["consents"][2]["running_share"] == "0.600000"
    assert read["consents"][2]["principal_counted"] == "100000.00"
    listed = finance_api.get(f"/api/v1/amendments/?series={series.pk}&as_of=2007-06-05").json()
    assert listed["results"][0]["consenting_share"] == "0.500000"


def test_refusals(register, finance_api, auditor_api):
    series, holders, _notes = register
    assert auditor_api.post("/api/v1/amendments/", {"series": series.pk, "title": "x"},
                            format="json").status_code == 403
    amendment = finance_api.post("/api/v1/amendments/", {"series": series.pk, "title": "x"},
                                 format="json").json()
    url = f"/api/v1/amendments/{amendment['id']}/"
    future = finance_api.post(url + "consents/", {"holder": holders[0].pk,
                                                  "consented_on": "2999-01-01"}, format="json")
    assert future.status_code == 400 and "after today" in future.json()["consented_on"][0]
    finance_api.post(url + "consents/", {"holder": holders[0].pk, "consented_on": "2007-06-04"},
                     format="json")
    twice = finance_api.post(url + "consents/", {"holder": holders[0].pk,
                                                 "consented_on": "2007-06-05"}, format="json")
    assert twice.status_code == 409
    issuer = finance_api.post(url + "issuer-consent/", {"consented_on": "2007-06-10"},
                              format="json")
    assert issuer.status_code == 200
    assert issuer.json()["effective_on"] is None  # 400,000 of 1,000,000 only
    assert finance_api.post(url + "issuer-consent/", {"consented_on": "2007-06-11"},
                            format="json").status_code == 409
    assert auditor_api.get(url).status_code == 200
