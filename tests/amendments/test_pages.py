"""Staff pages: the amendments list, the consent table with its running share, the forms."""

from datetime import date

import pytest
from django.test import Client

from amendments.models import Amendment, HolderConsent
from amendments.services import amendment_holder_consent_record, amendment_propose

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(form, **values):
    data = {form.add_prefix("idempotency_key"): form["idempotency_key"].value()}
    data.update({form.add_prefix(k): v for k, v in values.items()})
    return data


def test_propose_then_record_consents_from_the_pages(register, finance_user):
    series, holders, _notes = register
    client = client_for(finance_user)
    page = client.get(f"/amendments/?series={series.pk}")
    assert page.status_code == 200
    data = form_data(page.context["propose_form"], series=series.pk, kind="amendment",
                     title="Extend the maturity", summary="Three years instead of two.",
                     issuer_consented_on="2007-06-01")
    created = client.post("/amendments/", data)
    amendment = Amendment.objects.get()
    assert created.status_code == 302 and created.url == f"/amendments/{amendment.pk}/"
    # A double click records one amendment.
    client.post("/amendments/", data)
    assert Amendment.objects.count() == 1

    detail = client.get(f"/amendments/{amendment.pk}/")
    consent_form = detail.context["consent_form"]
    # Only the series' holders are offered.
    assert set(consent_form.fields["holder"].queryset) == set(holders)
    for holder, day in ((holders[0], "2007-06-04"), (holders[2], "2007-06-08")):
        form = client.get(f"/amendments/{amendment.pk}/").context["consent_form"]
        response = client.post(f"/amendments/{amendment.pk}/consents/",
                               form_data(form, holder=holder.pk, consented_on=day))
        assert response.status_code == 302
    shown = client.get(f"/amendments/{amendment.pk}/").content.decode()
    assert "In effect since 2007-06-08" in shown
    assert "✔ passed 50% on 2007-06-08" in shown
    assert "60.00%" in shown and "40.00%" in shown
    # The same holder again: refused on the form, nothing recorded.
    form = client.get(f"/amendments/{amendment.pk}/").context["consent_form"]
    refused = client.post(f"/amendments/{amendment.pk}/consents/",
                          form_data(form, holder=holders[0].pk, consented_on="2007-06-09"))
    assert refused.status_code == 200
    assert "already recorded, dated 2007-06-04" in refused.content.decode()
    assert HolderConsent.objects.count() == 2


def test_the_issuer_consent_form_and_a_refusal_beside_its_field(register, finance_user):
    series, holders, _notes = register
    amendment = amendment_propose(series=series, title="Waive §6.1")
    amendment_holder_consent_record(amendment=amendment, holder=holders[0],
                                    consented_on=date(2007, 6, 4))
    amendment_holder_consent_record(amendment=amendment, holder=holders[1],
                                    consented_on=date(2007, 6, 5))
    client = client_for(finance_user)
    page = client.get(f"/amendments/{amendment.pk}/")
    assert "the Company's written consent is still needed" in page.content.decode()
    form = page.context["issuer_form"]
    refused = client.post(f"/amendments/{amendment.pk}/issuer-consent/",
                          form_data(form, consented_on="2999-01-01"))
    assert "after today" in refused.content.decode()
    done = client.post(f"/amendments/{amendment.pk}/issuer-consent/",
                       form_data(form, consented_on="2007-07-02"), follow=True)
    assert "It took effect on 2007-07-02" in done.content.decode()


def test_auditors_read_and_change_nothing(register, auditor_user, django_assert_max_num_queries):
    series, holders, _notes = register
    amendment = amendment_propose(series=series, title="Waive §6.1",
                                  issuer_consented_on=date(2007, 6, 1))
    for holder in holders:
        amendment_holder_consent_record(amendment=amendment, holder=holder,
                                        consented_on=date(2007, 6, 4))
    client = client_for(auditor_user)
    with django_assert_max_num_queries(12):
        page = client.get(f"/amendments/{amendment.pk}/")
    assert page.status_code == 200
    assert page.context["consent_form"] is None and page.context["issuer_form"] is None
    assert "Record consent" not in page.content.decode()
    assert client.get("/amendments/").context["propose_form"] is None
    assert client.post("/amendments/", {"propose-title": "x"}).status_code == 403
    assert client.post(f"/amendments/{amendment.pk}/consents/", {}).status_code == 403
    # The series page and the dashboard link to amendments.
    assert f"/amendments/?series={series.pk}" in client.get(
        f"/series/{series.pk}/"
    ).content.decode()


def test_the_dashboard_lists_amendments_awaiting_consent(register, auditor_user):
    series, _holders, _notes = register
    amendment = amendment_propose(series=series, title="Waive §6.1")
    page = client_for(auditor_user).get("/").content.decode()
    assert f"/amendments/{amendment.pk}/" in page
    assert "Amendments awaiting consent (§9)" in page


def test_the_admin_shows_amendments_and_pending_actions_read_only(register, admin_user):
    series, holders, _notes = register
    amendment = amendment_propose(series=series, title="Waive §6.1")
    amendment_holder_consent_record(amendment=amendment, holder=holders[0],
                                    consented_on=date(2007, 6, 4))
    client = client_for(admin_user)
    assert client.get("/admin/amendments/amendment/").status_code == 200
    page = client.get(f"/admin/amendments/amendment/{amendment.pk}/change/")
    assert page.status_code == 200 and holders[0].name in page.content.decode()
    assert client.get("/admin/approvals/pendingaction/").status_code == 200
    assert client.get("/admin/amendments/amendment/add/").status_code == 403
