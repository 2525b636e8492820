"""The staff offering form reads fractional unit terms (§5.1)."""

from decimal import Decimal

import pytest

from offerings.forms import OfferingForm
from tests.factories import IssuerFactory

pytestmark = pytest.mark.django_db


def _form(**units):
    issuer = IssuerFactory()
    data = {
        "issuer": issuer.pk, "kind": "pipe", "closing_date": "2007-07-20",
        "gross_proceeds": "5000000.00", "currency": "USD", "description": "",
        "share_allocation": "", "allocation_source": "", "allocation_reference": "",
        "idempotency_key": "units-form",
        **units,
    }
    return OfferingForm(data)


def test_half_a_warrant_and_half_a_share_are_read_exactly():
    form = _form(shares_per_unit="0.5", warrants_per_unit="0.25")
    assert form.is_valid(), form.errors
    units = form.units()
    assert (units["shares_per_unit"], units["warrants_per_unit"]) == (Decimal("0.5"),
                                                                      Decimal("0.25"))


@pytest.mark.parametrize(("units", "field", "message"), [
    ({"shares_per_unit": "0"}, "shares_per_unit", "Shares per unit must be greater than 0"),
    ({"shares_per_unit": "-2"}, "shares_per_unit", "Shares per unit must be greater than 0"),
    ({"shares_per_unit": "1", "warrants_per_unit": "-0.5"}, "warrants_per_unit",
     "Warrants per unit cannot be negative"),
])
def test_no_or_negative_counts_are_refused_with_a_clear_message(units, field, message):
    form = _form(**units)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])
