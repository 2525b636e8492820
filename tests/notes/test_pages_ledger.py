"""The note page and the portal show a ledger that adds up (§2): adjustments with their
reason, the final period, the month in progress, and the sum that ties them together."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from notes.models import InterestStatement, Payment
from notes.services.payments import payment_record
from notes.services.servicing import statements_generate
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _row(content: str, row_id: str) -> str:
    match = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', content, re.S)
    assert match, f"no row {row_id}"
    return _text(match.group(1))


@pytest.fixture
def prepaid(holder_user):
    """$100,000 issued 2007-01-01; $50,000 prepaid with consent 2007-03-10; Jan–Jun stated."""
    _, holder = holder_user
    note = NoteFactory(holder=holder, principal=D("100000.00"), issue_date=date(2007, 1, 1))
    prepayment = payment_record(
        note=note, paid_on=date(2007, 3, 10), amount=D("50000.00"), applies_to="principal",
        holder_consent_reference="Holder's letter of 2007-03-01",
    )
    statements_generate(id_from=note.pk, id_to=note.pk, as_of=date(2007, 7, 1), run_id=None)
    return note, prepayment


def test_reversing_a_prepayment_from_the_browser_shows_the_adjustments_and_why(
    client, finance_user, prepaid
):
    note, prepayment = prepaid
    client.force_login(finance_user)
    url = reverse("payment-reverse", args=[prepayment.pk])
    form = client.get(url).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    response = client.post(
        url, {"reason": "Prepayment sent to the wrong account", "idempotency_key": key},
        follow=True,
    )
    content = response.content.decode()
    text = _text(content)
    assert "4 stated months corrected by adjustment, due on the next due date" in text
    adjustments = InterestStatement.objects.filter(note=note, corrects__isnull=False)
    assert adjustments.count() == 4
    april = adjustments.get(period_start=date(2007, 4, 1))
    # The note's page shows its latest statements; 2007's are on the statements page.
    content = client.get(reverse("note-statements", args=[note.pk])).content.decode()
    row = _row(content, f"adjustment-{april.pk}")
    assert "Adjusts the 2007-04 statement" in row and "USD 410.96" in row
    assert f"Payment #{prepayment.pk} (principal, 50,000.00 on 2007-03-10) was reversed" in row
    # The original stays, unchanged, beside it.
    assert "USD 410.96" in _row(content, "statement-2007-04")
    assert "do not add up" not in text


def test_the_sum_ties_statements_final_period_and_payments_together(client, finance_user):
    note = NoteFactory(principal=D("100000.00"), issue_date=date(2007, 1, 1))
    statements_generate(id_from=note.pk, id_to=note.pk, as_of=date(2007, 12, 1), run_id=None)
    payment_record(note=note, paid_on=date(2007, 12, 31), amount=D("100000.00"),
                   applies_to="principal", holder_consent_reference="Consent")
    payment_record(note=note, paid_on=date(2007, 12, 31), amount=D("10000.04"),
                   applies_to="interest")
    client.force_login(finance_user)
    content = client.get(reverse("note-detail", args=[note.pk])).content.decode()
    final = _row(content, "line-final-2007-12")
    assert "Final period: paid with the payoff — no statement (§2)" in final
    assert "USD 849.32" in final and "100,000.00 × 0.1 × 31/365" in final
    reconciliation = _text(
        re.search(r'id="interest-reconciliation">(.*?)</p>', content, re.S).group(1)
    )
    assert reconciliation == (
        "Interest accrued from issue through 2007-12-31 (the last day it accrued): statements"
        " USD 9,150.72 + final period 849.32 = USD 10,000.04; less interest paid or converted"
        " 10,000.04 = accrued unpaid 0.00."
    )


def test_the_portal_shows_the_holder_the_adjustments_and_the_month_in_progress(
    client, holder_user, prepaid
):
    from notes.services.payments import payment_reverse

    user, _ = holder_user
    note, prepayment = prepaid
    payment_reverse(payment=prepayment, reason="Prepayment sent to the wrong account")
    client.force_login(user)
    content = client.get(reverse("portal-note", args=[note.pk])).content.decode()
    text = _text(content)
    # The latest statements here; 2007's, adjustments and all, on the statements page.
    statements = _text(
        client.get(reverse("portal-note-statements", args=[note.pk])).content.decode()
    )
    assert statements.count("Adjusts the 2007-") == 4
    # The staff's own words stay with the reversal; the holder reads which payment it was.
    assert "Prepayment sent to the wrong account" not in text + statements
    assert (
        f"Payment #{prepayment.pk} (principal, 50,000.00 on 2007-03-10) was reversed" in statements
    )
    assert re.search(r'<tr id="line-current-\d{4}-\d{2}"', content)
    assert "Month in progress" in text
    assert "do not add up" not in text
    assert Payment.objects.filter(note=note).count() == 2
