"""Offerings sold in units of part of a share or warrant, through the API (§5.1)."""

from datetime import date
from decimal import Decimal

import pytest

from offerings.models import Conversion, Offering
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def note():
    return NoteFactory(principal=Decimal("250000.00"), issue_date=date(2006, 7, 20))


def _units_offering(note, units, sales=None):
    return {
        "issuer": note.series.issuer_id, "kind": "pipe", "closing_date": "2007-07-20",
        "gross_proceeds": "5000000.00",
        "sales": sales or [{"units": 1_000_000, "unit_price": "5.00"}],
        "units": units,
    }


def test_one_share_and_half_a_warrant_round_trips_as_decimal_strings(
    finance_api, note, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_api.post("/api/v1/offerings/", _units_offering(note, {
            "shares_per_unit": "1", "warrants_per_unit": "0.5", "share_allocation": "0.9",
            "allocation_source": "offering_documents", "allocation_reference": "PPM p. 3",
        }), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["units"]["shares_per_unit"] == "1"
    assert body["units"]["warrants_per_unit"] == "0.5"
    assert body["units"]["share_allocation"] == "0.90"
    assert body["conversion_price"] == "4.50"  # 5.00 × 0.9 ÷ 1
    again = finance_api.get(f"/api/v1/offerings/{body['id']}/").json()
    assert again["units"] == body["units"]
    offering = Offering.objects.get()
    assert (offering.shares_per_unit, offering.warrants_per_unit) == (Decimal("1"),
                                                                      Decimal("0.5"))
    # The note converts at that price: 275,068.49 ÷ 4.50 = 61,126.33… shares.
    conversion = Conversion.objects.get(note=note)
    assert (conversion.shares, conversion.cash_in_lieu) == (61126, Decimal("1.49"))


def test_half_a_share_and_a_quarter_warrant(finance_api, note,
                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_api.post("/api/v1/offerings/", _units_offering(note, {
            "shares_per_unit": "0.5", "warrants_per_unit": "0.25", "share_allocation": "0.8",
            "allocation_source": "board_determination",
        }), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["units"]["shares_per_unit"], body["units"]["warrants_per_unit"]) == (
        "0.5", "0.25")
    assert body["conversion_price"] == "8.00"  # 5.00 × 0.8 ÷ 0.5
    assert "1,000,000.00 ÷ 125,000 shares" in body["price_computation"]


@pytest.mark.parametrize(("units", "field", "message"), [
    ({"shares_per_unit": "0"}, "shares_per_unit", "Shares per unit must be greater than 0"),
    ({"shares_per_unit": "-1"}, "shares_per_unit", "Shares per unit must be greater than 0"),
    ({"shares_per_unit": "1", "warrants_per_unit": "-0.5"}, "warrants_per_unit",
     "Warrants per unit cannot be negative"),
    ({"shares_per_unit": "0.3333333"}, "shares_per_unit", "no more than 6 decimal places"),
    ({"shares_per_unit": "abc"}, "shares_per_unit", "A valid number is required"),
])
def test_no_negative_or_unreadable_counts_are_refused_on_their_field(
    finance_api, note, units, field, message
):
    response = finance_api.post("/api/v1/offerings/", _units_offering(note, units),
                                format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()["units"][field])
    assert Offering.objects.count() == 0


def test_whole_number_units_still_read_as_whole_numbers(finance_api, note,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = finance_api.post("/api/v1/offerings/", _units_offering(note, {
            "shares_per_unit": 2, "warrants_per_unit": 1, "share_allocation": "0.8",
            "allocation_source": "offering_documents",
        }), format="json").json()
    assert (body["units"]["shares_per_unit"], body["units"]["warrants_per_unit"]) == ("2", "1")
    assert body["conversion_price"] == "2.00"  # 5.00 × 0.8 ÷ 2
