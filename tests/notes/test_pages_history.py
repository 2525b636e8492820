"""The note page's timeline and chart, and the payment form's preview (§2, §4).

The contract example: a USD 250,000 note issued 2006-07-20 at 10% ACT/365F.
July 2006 (12 days) accrues 821.92, August 2,123.29. Paying 1,000.00 on
2006-09-10 pays July in full and 178.08 of August.
"""

import html
import re
import uuid
from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from notes.domain.position import position_history
from notes.models import Payment, PaymentAllocation
from notes.selectors import note_facts_get, note_position_history, note_timeline
from notes.services import servicing
from notes.services.defaults import default_event_record
from notes.services.payments import payment_record, payment_reverse
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db


def _text(content) -> str:
    content = content.decode() if isinstance(content, bytes) else content
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


@pytest.fixture
def note():
    note = NoteFactory(number="ATS06-001", principal=D("250000.00"), issue_date=date(2006, 7, 20))
    servicing.statements_generate(id_from=note.pk, id_to=note.pk, as_of=date(2006, 10, 1),
                                  run_id=None)
    return note


def _detail(note, as_of="2006-10-20"):
    return reverse("note-detail", args=[note.pk]) + f"?as_of={as_of}"


def _payment(note, **overrides):
    data = {"paid_on": "2006-09-10", "amount": "1000.00", "applies_to": "interest",
            "method": "check", "reference": "CHK 1", "holder_consent_reference": "",
            "idempotency_key": str(uuid.uuid4())}
    data.update(overrides)
    return data


# --- Timeline -------------------------------------------------------------------------------


def test_the_timeline_tells_the_notes_story_in_order(client, auditor_user, note):
    paid = payment_record(note=note, paid_on=date(2006, 9, 10), amount=D("1000.00"),
                          applies_to="interest", reference="CHK 1")
    payment_reverse(payment=paid, reason="Check returned unpaid")
    default_event_record(note=note, kind="payment_default_notice", date=date(2006, 10, 2),
                         delivery_method="personal")
    client.force_login(auditor_user)
    page = client.get(reverse("note-timeline", args=[note.pk]))
    assert page.status_code == 200
    section = re.search(r'<section class="card" id="timeline".*?</section>', page.content.decode(),
                        re.S).group(0)
    text = _text(section)
    order = [
        "2006-07-20 Issued to",
        "2006-08-01 Interest statement for July 2006 issued, due 2006-08-15 (§2) USD 821.92",
        "2006-08-16 The July 2006 interest was not paid by 2006-08-15: past due (§2)",
        "2006-09-01 Interest statement for August 2006 issued",
        "2006-09-10 Interest payment USD 1,000.00",
        "Applied to 2006-07 (821.92), 2006-08 (178.08), oldest month first.",
        "2006-10-02 Notice of payment default (§3(i))",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert f"Payment #{paid.pk} (interest, paid 2006-09-10) reversed" in text
    assert "Check returned unpaid" in text


def test_the_timeline_says_when_a_month_was_paid_in_full(note):
    payment_record(note=note, paid_on=date(2006, 8, 14), amount=D("821.92"),
                   applies_to="interest", reference="CHK 1001")
    titles = [(e.day, e.title) for e in note_timeline(note=note, today=date(2006, 10, 20))]
    assert (date(2006, 8, 14), "The July 2006 interest paid in full") in titles
    assert not any("July 2006 interest was not paid" in t for _, t in titles)


# --- Chart ----------------------------------------------------------------------------------


def test_the_history_points_equal_the_position_of_each_day(note):
    payment_record(note=note, paid_on=date(2006, 9, 10), amount=D("1000.00"),
                   applies_to="interest")
    payment_record(note=note, paid_on=date(2006, 9, 12), amount=D("50000.00"),
                   applies_to="principal", holder_consent_reference="Letter 2006-09-01")
    facts = note_facts_get(note=note)
    points = note_position_history(facts=facts, through=date(2006, 12, 3))
    assert points[0].day == date(2006, 7, 20) and points[-1].day == date(2006, 12, 3)
    for point in points:
        position = facts.position(point.day)
        assert point.outstanding_principal == position.outstanding_principal
        assert point.accrued_unpaid_interest == position.accrued_unpaid_interest
    by_day = {p.day: p for p in points}
    assert by_day[date(2006, 9, 12)].outstanding_principal == D("200000.00")
    assert by_day[date(2006, 9, 11)].outstanding_principal == D("250000.00")
    assert by_day[date(2006, 8, 31)].accrued_unpaid_interest == D("2945.21")  # 821.92 + 2,123.29


def test_position_history_keeps_the_order_asked():
    from notes.domain.interest import principal_timeline

    timeline = principal_timeline(date(2006, 7, 20), D("250000.00"))
    days = [date(2006, 8, 31), date(2006, 7, 31)]
    points = position_history(timeline=timeline, rate=D("0.10"), convention="ACT/365F",
                              issue_date=date(2006, 7, 20), allocations=(), days=days)
    assert [p.day for p in points] == days
    assert [p.accrued_unpaid_interest for p in points] == [D("2945.21"), D("821.92")]


def test_the_note_page_draws_the_charts_with_a_table_behind_them(client, auditor_user, note):
    client.force_login(auditor_user)
    content = client.get(_detail(note)).content.decode()
    assert content.count('<svg class="chart') == 2
    assert 'role="img"' in content and '<title id="chart-principal-title">' in content
    assert '<desc id="chart-interest-desc">' in content
    table = re.search(r'<table class="grid history-table">.*?</table>', content, re.S).group(0)
    assert "<th scope=\"row\">2006-08-31</th><td class=\"num\">250,000.00</td>" \
           "<td class=\"num\">2,945.21</td>" in table
    assert "cdn" not in content.lower()


def test_the_note_page_queries_do_not_grow_with_its_history(
    client, finance_user, note, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(finance_user)
    payment_record(note=note, paid_on=date(2006, 9, 5), amount=D("10.00"), applies_to="interest")
    client.get(_detail(note))  # warm the session
    # Session, user, groups; the note; its money facts (3), payments (+ allocations),
    # statements (2: the as-of list and the timeline's), the conversion and the elections
    # (offerings), the notices (notices); the chain of holders and the stop-transfer
    # instruction in force (§10); the note's history of changes.
    with django_assert_max_num_queries(19) as small:
        client.get(_detail(note))
    for day, amount in ((date(2006, 9, 10), "1000.00"), (date(2006, 9, 20), "900.00"),
                        (date(2006, 10, 5), "100.00")):
        payment_record(note=note, paid_on=day, amount=D(amount), applies_to="interest")
    servicing.statements_generate(id_from=note.pk, id_to=note.pk, as_of=date(2007, 3, 1),
                                  run_id=None)
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get(_detail(note, as_of="2007-03-20"))
    assert _text(page.content).count("Interest payment") == 4


def test_an_htmx_as_of_swap_skips_the_timeline(client, auditor_user, note):
    client.force_login(auditor_user)
    fragment = client.get(_detail(note), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="as-of-panel">')
    assert 'id="history"' in fragment
    assert 'id="timeline"' not in fragment


# --- Payment preview -----------------------------------------------------------------------


def test_the_payment_preview_shows_each_month_and_the_confirm_records_exactly_it(
    client, finance_user, note
):
    client.force_login(finance_user)
    data = _payment(note)
    preview = client.post(reverse("note-payment-preview", args=[note.pk]), data)
    assert preview.status_code == 200
    assert not Payment.objects.exists()
    content = preview.content.decode()
    rows = re.findall(r'<tr class="applied"><th scope="row">([\d-]+)</th><td class="num">'
                      r'([\d,.]+)</td><td class="num">([\d,.]+)</td>', content)
    assert rows == [("2006-07", "821.92", "821.92"), ("2006-08", "2,123.29", "178.08")]
    # The confirm carries every entry, the one-time key included, to the record view.
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', content))
    assert hidden["idempotency_key"] == data["idempotency_key"]
    assert f'action="{reverse("note-payment-record", args=[note.pk])}"' in content
    recorded = client.post(reverse("note-payment-record", args=[note.pk]), hidden)
    assert recorded.status_code == 302
    stored = [(a.period_start.strftime("%Y-%m"), f"{a.amount:,.2f}")
              for a in PaymentAllocation.objects.order_by("period_start")]
    assert stored == [(month, applied) for month, _, applied in rows]
    # The same confirm again (a double click): recorded once.
    client.post(reverse("note-payment-record", args=[note.pk]), hidden)
    assert Payment.objects.count() == 1


def test_a_principal_preview_states_the_consent_rule(client, finance_user, note):
    client.force_login(finance_user)
    refused = client.post(reverse("note-payment-preview", args=[note.pk]),
                          _payment(note, applies_to="principal", amount="10000.00"))
    assert refused.status_code == 200
    text = _text(refused.content)
    assert "Not recorded." in text
    assert ("Holder consent reference : §4: the Company may not prepay principal before the due"
            " date (2008-07-20) without the consent of the Holder.") in text
    assert "Payment not recorded: §4" in text  # at the top of the page too
    assert re.search(r'id="id_holder_consent_reference"', refused.content.decode())
    ok = client.post(reverse("note-payment-preview", args=[note.pk]),
                     _payment(note, applies_to="principal", amount="10000.00",
                              holder_consent_reference="Letter of 2006-09-01"))
    text = _text(ok.content)
    assert "Needed: the note is not due until 2008-07-20" in text
    assert "Letter of 2006-09-01" in text
    assert "Outstanding after USD 240,000.00" in text
    assert not Payment.objects.exists()


def test_an_overpayment_is_refused_in_the_preview_with_the_clause(
    client, finance_user, note
):
    client.force_login(finance_user)
    page = client.post(reverse("note-payment-preview", args=[note.pk]),
                       _payment(note, amount="999999.00"))
    text = _text(page.content)
    assert "Amount : The interest payment of 999,999.00 exceeds the interest accrued and unpaid" \
           " through its date, 3,630.14" in text
    assert "(§4)" in text
    assert not Payment.objects.exists()


def test_change_brings_the_form_back_as_typed(client, finance_user, note):
    client.force_login(finance_user)
    data = _payment(note, reference="CHK 77", edit="1")
    page = client.post(reverse("note-payment-preview", args=[note.pk]), data).content.decode()
    assert 'value="CHK 77"' in page
    assert f'value="{data["idempotency_key"]}"' in page
    assert "Not recorded." not in page


def test_preview_permissions(client, auditor_user, holder_user, note):
    url = reverse("note-payment-preview", args=[note.pk])
    assert client.post(url, _payment(note)).url.startswith("/login/")
    client.force_login(auditor_user)
    assert client.post(url, _payment(note)).status_code == 403
    client.force_login(holder_user[0])
    assert client.post(url, _payment(note)).url == reverse("portal-home")
    assert not Payment.objects.exists()
