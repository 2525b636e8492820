"""`reports/payments/` and `reports/conversions/`: the payments register and conversion summary."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db.models import Sum

from notes.models import Payment, PaymentMethod
from offerings.models import CashInLieuPayment, Conversion

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")


def _sum(qs, field="amount") -> Decimal:
    return qs.aggregate(total=Sum(field))["total"] or ZERO


def test_the_payments_register_lists_every_value_date_in_the_range(demo, finance_api):
    url = "/api/v1/reports/payments/?date_from=2006-01-01&date_to=2030-12-31"
    body = finance_api.get(url + "&page_size=1000").json()
    payments = Payment.objects.all()
    cash_in_lieu = CashInLieuPayment.objects.all()
    assert body["count"] == payments.count() + cash_in_lieu.count() > 0
    cash = payments.exclude(method=PaymentMethod.CONVERSION)
    totals = body["totals"]
    assert Decimal(totals["interest"]) == _sum(cash.filter(applies_to="interest"))
    assert Decimal(totals["principal"]) == _sum(cash.filter(applies_to="principal"))
    assert Decimal(totals["cash_in_lieu"]) == _sum(cash_in_lieu)
    assert Decimal(totals["converted"]) == _sum(payments.filter(method=PaymentMethod.CONVERSION))
    assert Decimal(totals["cash"]) == (
        Decimal(totals["interest"]) + Decimal(totals["principal"])
        + Decimal(totals["cash_in_lieu"])
    )
    days = [r["paid_on"] for r in body["results"]]
    assert days == sorted(days)
    first = body["results"][0]
    assert first["record"].split(":")[0] in ("payment", "cash_in_lieu")
    # A narrower range holds only its own value dates.
    day = days[0]
    narrow = finance_api.get(
        f"/api/v1/reports/payments/?date_from={day}&date_to={day}&page_size=1000"
    ).json()
    assert narrow["count"] == days.count(day)
    # The same register as a file, with its totals row.
    response = finance_api.get(url + "&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) > body["count"]


def test_the_payments_register_refuses_a_range_that_ends_before_it_begins(finance_api):
    response = finance_api.get(
        "/api/v1/reports/payments/?date_from=2008-02-01&date_to=2008-01-01"
    )
    assert response.status_code == 400
    assert "ends before it begins" in response.json()["date_to"][0]
    missing = finance_api.get("/api/v1/reports/payments/?date_from=2008-02-01")
    assert missing.status_code == 400 and "date_to" in missing.json()


def test_the_conversion_summary_adds_up_to_the_conversions(demo, finance_api, auditor_api):
    body = auditor_api.get("/api/v1/reports/conversions/").json()
    conversions = Conversion.objects.all()
    assert conversions.exists()
    assert body["totals"]["conversions"] == conversions.count()
    assert Decimal(body["totals"]["note_amount"]) == _sum(conversions, "note_amount")
    assert body["totals"]["shares"] == (conversions.aggregate(s=Sum("shares"))["s"] or 0)
    assert Decimal(body["totals"]["cash_in_lieu"]) == _sum(conversions, "cash_in_lieu")
    paid = _sum(CashInLieuPayment.objects.all())
    assert Decimal(body["totals"]["cash_in_lieu_unpaid"]) == (
        _sum(conversions, "cash_in_lieu") - paid
    )
    for row in body["results"]:
        assert Decimal(row["cash_in_lieu_unpaid"]) == (
            Decimal(row["cash_in_lieu"]) - Decimal(row["cash_in_lieu_paid"])
        )
    xlsx = finance_api.get("/api/v1/reports/conversions/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_holders_and_anonymous_callers_get_no_register(api, holder_user):
    for url in ("/api/v1/reports/payments/?date_from=2008-01-01&date_to=2008-01-31",
                "/api/v1/reports/conversions/"):
        assert api(holder_user[0]).get(url).status_code == 403
        assert api().get(url).status_code == 401
