"""Django admin for offerings, conversions and the money facts: renders, and stays read-only.

Money facts (conversions, elections, statements, payments, allocations) and the
conversion outbox are never added, changed or deleted in admin; offerings and
events are recorded through their services, so admin may only retouch their
description. An election's tax ID is shown masked, never raw.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from notes.models import InterestStatement, Payment, PaymentAllocation, ServicingRun
from notes.services import servicing
from notes.services.payments import payment_record
from offerings import services
from offerings.models import (
    Conversion,
    ConversionTrigger,
    CorporateEvent,
    Election,
    NoticeObligation,
    Offering,
)
from tests.factories import NoteFactory, SeriesFactory

pytestmark = pytest.mark.django_db
D = Decimal
TAX_ID = "512-44-6781"

READ_ONLY = [
    ConversionTrigger, Conversion, Election, NoticeObligation, InterestStatement, Payment,
    ServicingRun,
]
RECORDED_BY_SERVICES = [Offering, CorporateEvent]


@pytest.fixture
def records(committed, django_capture_on_commit_callbacks):
    """One of everything: a voluntary election, an automatic conversion, a merger, a run."""
    series = SeriesFactory()
    elector = NoteFactory(series=series, issue_date=date(2006, 7, 20))
    other = NoteFactory(series=series, issue_date=date(2006, 7, 20))
    payment_record(note=other, paid_on=date(2006, 8, 15), amount=D("821.92"),
                   applies_to="interest")
    with django_capture_on_commit_callbacks(execute=True):
        run = servicing.servicing_run_start(as_of=date(2006, 9, 1))
    three = committed(
        services.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 1, 10), gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
    )
    services.election_record(
        note=elector, offering=three, received_on=date(2007, 2, 1),
        certificate_names="Margaret A. Keller", address="1 Main St", tax_id=TAX_ID,
    )
    event = committed(services.event_record, issuer=series.issuer, kind="merger",
                      effective_date=date(2007, 7, 20))
    return {
        Offering: three,
        CorporateEvent: event,
        ConversionTrigger: ConversionTrigger.objects.get(event=event),
        Conversion: Conversion.objects.get(note=other),
        Election: Election.objects.get(),
        NoticeObligation: NoticeObligation.objects.filter(kind="automatic_conversion").get(),
        InterestStatement: InterestStatement.objects.filter(note=other).first(),
        Payment: Payment.objects.filter(note=other, method="check").get(),
        ServicingRun: ServicingRun.objects.get(pk=run.pk),
    }


def _url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def test_every_model_is_registered():
    for model in READ_ONLY + RECORDED_BY_SERVICES:
        assert admin.site.is_registered(model), model


@pytest.mark.parametrize("model", READ_ONLY + RECORDED_BY_SERVICES, ids=lambda m: m.__name__)
def test_changelist_and_change_page_render(client, admin_user, records, model):
    client.force_login(admin_user)
    changelist = client.get(_url(model, "changelist"))
    assert changelist.status_code == 200
    assert "0 results" not in changelist.content.decode()
    change = client.get(_url(model, "change", records[model].pk))
    assert change.status_code == 200
    # Nobody adds these in admin: offerings and events go through their services.
    assert client.get(_url(model, "add")).status_code == 403


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_money_facts_are_read_only(client, rf, admin_user, records, model):
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    request.user = admin_user
    obj = records[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    client.force_login(admin_user)
    change = client.get(_url(model, "change", obj.pk)).content.decode()
    assert 'name="_save"' not in change
    assert client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_inlines_show_sales_allocations_and_chunks(client, admin_user, records):
    client.force_login(admin_user)
    offering = client.get(_url(Offering, "change", records[Offering].pk)).content.decode()
    assert "1000000" in offering.replace(",", "") and "Offering sales" in offering
    assert "1,000,000.00 ÷ 333,333.333333 shares" in offering  # the computed price, shown
    payment = records[Payment]
    assert PaymentAllocation.objects.filter(payment=payment).exists()
    page = client.get(_url(Payment, "change", payment.pk)).content.decode()
    assert "Payment allocations" in page
    run = client.get(_url(ServicingRun, "change", records[ServicingRun].pk)).content.decode()
    assert "Servicing chunks" in run


def test_offering_admin_changes_only_the_description(client, admin_user, records):
    offering = records[Offering]
    client.force_login(admin_user)
    response = client.post(_url(Offering, "change", offering.pk), {
        "description": "Series A PIPE", "closing_date": "2006-01-01",
        "gross_proceeds_0": "1.00", "gross_proceeds_1": "USD",
        "sales-TOTAL_FORMS": "0", "sales-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    offering.refresh_from_db()
    assert offering.description == "Series A PIPE"
    assert offering.closing_date == date(2007, 1, 10)
    assert offering.gross_proceeds.amount == D("3000000.00")
    assert offering.conversion_price == D("3.000000")


def test_election_admin_never_shows_the_raw_tax_id(client, admin_user, records):
    client.force_login(admin_user)
    election = records[Election]
    pages = [
        client.get(_url(Election, "changelist")),
        client.get(_url(Election, "change", election.pk)),
        client.get(_url(Election, "changelist"), {"q": "Keller"}),
        client.get(_url(Election, "history", election.pk)),
    ]
    for page in pages:
        assert page.status_code == 200
        content = page.content.decode()
        assert TAX_ID not in content
        assert "446781" not in content.replace("-", "")
    assert "***-**-6781" in pages[0].content.decode()
    assert "***-**-6781" in pages[1].content.decode()
