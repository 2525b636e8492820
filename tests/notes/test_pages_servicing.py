"""Staff pages for interest, payments and servicing, driven through the real services.

The contract example throughout: USD 250,000 issued 2006-07-20 at 10% ACT/365F.
Its statements are July 821.92 (12 days), August 2,123.29 (31), September
2,054.79 (30), due on the 15th of the following month (§2).
"""

import html
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from notes.models import NoteStatus, Payment, RunStatus, ServicingRun
from notes.services import servicing
from notes.services.payments import payment_record, payment_reverse
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def run_servicing(django_capture_on_commit_callbacks):
    """Start a run and let its chunks run once it commits, as in production."""

    def _run(as_of):
        with django_capture_on_commit_callbacks(execute=True):
            run = servicing.servicing_run_start(as_of=as_of)
        run.refresh_from_db()
        assert run.status == RunStatus.DONE
        return run

    return _run


@pytest.fixture
def note():
    return NoteFactory(number="ATS06-001", principal=D("250000.00"), issue_date=date(2006, 7, 20))


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _terms(page) -> dict[str, str]:
    """The figures of every <dl class="terms"> on a page, label → text."""
    content = page.content.decode()
    return {
        _text(dt): _text(dd)
        for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", content, re.S)
    }


def _row(page, row_id: str) -> str:
    match = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', page.content.decode(), re.S)
    assert match, f"no row {row_id}"
    return _text(match.group(1))


def _statement_rows(page) -> list[str]:
    return re.findall(r'<tr id="statement-(\d{4}-\d{2})"', page.content.decode())


def _detail(note, **query):
    url = reverse("note-detail", args=[note.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _payment_data(**overrides):
    data = {
        "paid_on": "2006-09-15",
        "amount": "2945.21",
        "applies_to": "interest",
        "method": "check",
        "reference": "Check 1001",
        "holder_consent_reference": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def _record(client, note, **overrides):
    return client.post(reverse("note-payment-record", args=[note.pk]), _payment_data(**overrides))


# --- Note page: position and statements ---------------------------------------------


@pytest.mark.parametrize("role", ["finance_user", "auditor_user"])
def test_note_page_shows_statements_with_their_status_and_calculation(
    client, request, note, run_servicing, role
):
    run_servicing(date(2006, 10, 16))
    client.force_login(request.getfixturevalue(role))
    page = client.get(_detail(note, as_of="2006-10-15"))
    assert page.status_code == 200
    assert _statement_rows(page) == ["2006-07", "2006-08", "2006-09"]
    july, august, september = (_row(page, f"statement-2006-{m}") for m in ("07", "08", "09"))
    assert "2006-07-20 – 2006-07-31 12 USD 821.92 2006-08-15 USD 0.00 Past due" in july
    assert "USD 2,123.29 2006-09-15 USD 0.00 Past due" in august
    assert "USD 2,054.79 2006-10-15 USD 0.00 Open" in september
    # Every figure is traceable to its rule.
    assert "250,000.00 × 0.1 × 12/365" in july
    assert "rounded half-up once to 821.92" in july


def test_note_page_shows_the_position_as_of_a_day(client, auditor_user, note, run_servicing):
    run_servicing(date(2006, 10, 16))
    client.force_login(auditor_user)
    terms = _terms(client.get(_detail(note, as_of="2006-10-15")))
    # July + August + September + 1–15 October (15/365 of 25,000 = 1,027.40).
    assert terms["Outstanding principal"] == "USD 250,000.00"
    assert terms["Accrued unpaid interest"] == "USD 6,027.40"
    assert terms["Note Amount (§5.1)"] == "USD 256,027.40"
    assert terms["Past-due interest"] == "USD 2,945.21"
    assert terms["Status"] == "Outstanding"
    assert terms["Rate applied (§2)"] == "10% per annum, simple — the stated rate"
    assert terms["Day count"].startswith("ACT/365F")


def test_position_form_swaps_the_panel_via_htmx_and_works_without_js(
    client, auditor_user, note, run_servicing
):
    run_servicing(date(2006, 10, 16))
    client.force_login(auditor_user)

    fragment = client.get(_detail(note, as_of="2006-08-16"), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="as-of-panel">')
    assert "<html" not in body and "Payments" not in body
    assert _terms(fragment)["Past-due interest"] == "USD 821.92"
    # Only July had ended and been stated by 16 August; later months are in the accrual.
    assert _statement_rows(fragment) == ["2006-07"]
    assert "HX-Request" in fragment["Vary"]

    page = client.get(_detail(note, as_of="2006-08-16"))
    assert "<html" in page.content.decode()
    assert _terms(page)["Past-due interest"] == "USD 821.92"
    assert f'hx-get="{_detail(note)}"' in page.content.decode()


def test_an_unreadable_as_of_falls_back_to_today(client, auditor_user, note):
    client.force_login(auditor_user)
    page = client.get(_detail(note, as_of="16/08/2006"))
    assert page.status_code == 200
    assert "Enter a valid date." in page.content.decode()
    assert f"Position as of {timezone.localdate():%Y-%m-%d}" in page.content.decode()


def test_auditor_sees_no_payment_form_and_no_reversal_link(client, auditor_user, note):
    payment_record(note=note, paid_on=date(2006, 8, 15), amount=D("821.92"), applies_to="interest")
    client.force_login(auditor_user)
    content = client.get(_detail(note)).content.decode()
    assert "Record a payment" not in content
    assert "idempotency_key" not in content
    assert "Reverse…" not in content
    assert "USD 821.92" in content


# --- Recording a payment -----------------------------------------------------------


def test_each_rendered_payment_form_carries_its_own_idempotency_key(client, finance_user, note):
    client.force_login(finance_user)
    keys = [
        re.search(r'name="idempotency_key" value="([^"]+)"', client.get(_detail(note)).content
                  .decode()).group(1)
        for _ in range(2)
    ]
    assert keys[0] != keys[1]
    assert all(uuid.UUID(k) for k in keys)


def test_finance_records_an_interest_payment_and_sees_its_allocation(
    client, finance_user, note, run_servicing
):
    run_servicing(date(2006, 10, 16))
    client.force_login(finance_user)
    response = _record(client, note)
    assert response.status_code == 302
    assert response.url == _detail(note)

    payment = Payment.objects.get()
    assert (payment.amount.amount, payment.recorded_by) == (D("2945.21"), finance_user)
    page = client.get(_detail(note, as_of="2006-10-15"))
    content = page.content.decode()
    assert "Recorded interest payment of USD 2,945.21 on 2006-09-15." in content
    row = _row(page, f"payment-{payment.pk}")
    assert "2006-09-15 Interest USD 2,945.21 Check by mail Check 1001" in row
    assert "1 Main St" in row  # mailed to the registered address
    assert "2006-07 → USD 821.92 2006-08 → USD 2,123.29" in row
    assert "Reverse…" in row
    assert "USD 821.92 Paid" in _row(page, "statement-2006-07")
    assert "USD 2,123.29 Paid" in _row(page, "statement-2006-08")
    assert "USD 0.00 Open" in _row(page, "statement-2006-09")
    assert _terms(page)["Past-due interest"] == "USD 0.00"


def test_double_submit_of_one_form_records_one_payment(client, finance_user, note):
    client.force_login(finance_user)
    data = _payment_data(amount="500.00")
    first = client.post(reverse("note-payment-record", args=[note.pk]), data)
    second = client.post(reverse("note-payment-record", args=[note.pk]), data, follow=True)
    assert first.status_code == 302
    assert second.status_code == 200
    assert Payment.objects.count() == 1
    assert "it was not recorded twice" in second.content.decode()


def test_reusing_a_spent_form_for_another_amount_is_refused_with_a_fresh_key(
    client, finance_user, note
):
    client.force_login(finance_user)
    data = _payment_data(amount="500.00")
    client.post(reverse("note-payment-record", args=[note.pk]), data)
    page = client.post(
        reverse("note-payment-record", args=[note.pk]), {**data, "amount": "600.00"}
    )
    content = page.content.decode()
    assert page.status_code == 200
    assert "already used for a different payment; nothing was recorded" in content
    assert f'value="{data["idempotency_key"]}"' not in content
    assert Payment.objects.count() == 1


def test_interest_overpayment_is_refused_on_the_form(client, finance_user, note):
    client.force_login(finance_user)
    page = _record(client, note, amount="5000.00")
    assert page.status_code == 200
    # Through 15 September: July 821.92 + August 2,123.29 + 1–15 September 1,027.40.
    assert (
        "The interest payment of 5,000.00 exceeds the interest accrued and unpaid through "
        "its date, 3,972.61" in html.unescape(page.content.decode())
    )
    assert 'value="5000.00"' in page.content.decode()  # the entry is kept for correction
    assert Payment.objects.count() == 0


def test_principal_before_maturity_without_consent_is_refused_citing_section_4(
    client, finance_user, note
):
    client.force_login(finance_user)
    page = _record(client, note, paid_on="2007-01-10", amount="50000.00", applies_to="principal")
    content = html.unescape(page.content.decode())
    assert page.status_code == 200
    assert (
        "§4: the Company may not prepay principal before the due date (2008-07-20) "
        "without the consent of the Holder." in content
    )
    assert Payment.objects.count() == 0

    done = _record(
        client, note, paid_on="2007-01-10", amount="50000.00", applies_to="principal",
        holder_consent_reference="Letter of M. Keller dated 2007-01-02",
    )
    assert done.status_code == 302
    assert Payment.objects.get().holder_consent_reference == "Letter of M. Keller dated 2007-01-02"
    terms = _terms(client.get(_detail(note, as_of="2007-01-10")))
    assert terms["Outstanding principal"] == "USD 200,000.00"


def test_form_errors_are_shown_before_the_service_is_asked(client, finance_user, note):
    client.force_login(finance_user)
    page = _record(client, note, amount="12.345", paid_on="", method="reversal")
    content = page.content.decode()
    assert "Ensure that there are no more than 2 decimal places." in content
    assert "This field is required." in content
    # Reversals (and conversions) are entries their own services make, not a method to pick.
    assert "Select a valid choice. reversal is not one of the available choices." in content
    assert Payment.objects.count() == 0


def test_a_payment_on_a_repaid_note_shows_the_state_conflict(client, finance_user, note):
    day = date(2006, 7, 25)
    payment_record(note=note, paid_on=day, amount=D("410.96"), applies_to="interest")
    payment_record(note=note, paid_on=day, amount=D("250000.00"), applies_to="principal",
                   holder_consent_reference="Payoff agreed 2006-07-21")
    note.refresh_from_db()
    assert note.status == NoteStatus.REPAID
    client.force_login(finance_user)
    assert "Record a payment" not in client.get(_detail(note)).content.decode()
    page = _record(client, note, paid_on="2006-08-01", amount="1.00")
    assert page.status_code == 200
    assert "Note ATS06-001 is repaid since 2006-07-25" in page.content.decode()
    assert Payment.objects.count() == 2


def test_auditor_post_gets_403_and_records_nothing(client, auditor_user, note):
    client.force_login(auditor_user)
    response = _record(client, note, amount="500.00")
    assert response.status_code == 403
    assert Payment.objects.count() == 0


def test_holder_and_anonymous_cannot_reach_staff_pages(client, holder_user, note):
    response = _record(client, note, amount="500.00")
    assert response.status_code == 302 and response.url.startswith("/login/")
    user, holder = holder_user
    client.force_login(user)
    for url in [_detail(note), reverse("servicing")]:
        assert client.get(url).url == reverse("portal-home")
    assert _record(client, note, amount="500.00").url == reverse("portal-home")
    assert Payment.objects.count() == 0


# --- Reversing a payment -------------------------------------------------------------


def test_finance_reverses_a_payment_with_a_reason(client, finance_user, note, run_servicing):
    run_servicing(date(2006, 10, 16))
    payment = payment_record(
        note=note, paid_on=date(2006, 8, 15), amount=D("821.92"), applies_to="interest"
    )
    client.force_login(finance_user)
    url = reverse("payment-reverse", args=[payment.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert "2006-07 → USD 821.92" in _text(form.content.decode())

    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.content.decode()).group(1)
    missing = client.post(url, {"reason": " ", "idempotency_key": key})
    assert "This field is required." in missing.content.decode()
    assert Payment.objects.count() == 1

    done = client.post(url, {"reason": "Check returned unpaid", "idempotency_key": key})
    assert done.status_code == 302
    reversal = Payment.objects.get(reverses=payment)
    page = client.get(_detail(note, as_of="2006-10-15"))
    assert f"Reversed by #{reversal.pk}" in _row(page, f"payment-{payment.pk}")
    reversal_row = _row(page, f"payment-{reversal.pk}")
    assert "USD -821.92" in reversal_row
    assert f"Reverses #{payment.pk}" in reversal_row
    assert reversal_row.endswith("Check returned unpaid")
    assert "Past due" in _row(page, "statement-2006-07")

    again = client.post(url, {"reason": "twice", "idempotency_key": str(uuid.uuid4())})
    assert "This payment has already been reversed." in again.content.decode()
    assert Payment.objects.count() == 2


def test_auditor_cannot_reverse_a_payment(client, auditor_user, note):
    payment = payment_record(
        note=note, paid_on=date(2006, 8, 15), amount=D("821.92"), applies_to="interest"
    )
    client.force_login(auditor_user)
    url = reverse("payment-reverse", args=[payment.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "not mine to do"}).status_code == 403
    assert Payment.objects.count() == 1


# --- Query count -----------------------------------------------------------------------


def test_note_page_queries_do_not_grow_with_statements_and_payments(
    client, finance_user, run_servicing, django_assert_num_queries,
    django_assert_max_num_queries,
):
    young = NoteFactory(issue_date=date(2008, 5, 20))
    old = NoteFactory(issue_date=date(2006, 7, 20))
    run_servicing(date(2008, 7, 2))  # young: May and June; old: July 2006 to June 2008
    payment_record(note=young, paid_on=date(2008, 6, 15), amount=D("100.00"),
                   applies_to="interest")
    for day in (date(2006, 8, 15), date(2006, 9, 15), date(2006, 10, 15)):
        payment_record(note=old, paid_on=day, amount=D("1000.00"), applies_to="interest")
    client.force_login(finance_user)
    client.get(_detail(young))  # warm the session

    # Session, user, groups, note, principal payments, allocations, adjustments,
    # statements, payments, their allocations; the timeline's statements, and what the
    # apps above add to it: the conversion and the elections (offerings), the notices;
    # the actions awaiting four-eyes approval that would change the note (one query), the
    # chain of holders, the stop-transfer instruction in force and the note's history of
    # changes (§10).
    with django_assert_max_num_queries(19) as small:
        page = client.get(_detail(young))
    assert len(_statement_rows(page)) == 2
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get(_detail(old))
    # The latest twelve of its 24 statements; the rest a link away.
    assert _statement_rows(page) == [f"{y}-{m:02d}" for y, m in
                                     [(2007, m) for m in range(7, 13)]
                                     + [(2008, m) for m in range(1, 7)]]
    assert "The latest 12 of 24 statements." in page.content.decode()
    assert len(re.findall(r'<tr id="payment-\d+"', page.content.decode())) == 3


# --- Servicing -------------------------------------------------------------------------


def test_finance_starts_a_run_and_sees_it_complete_with_counts(
    client, finance_user, note, django_capture_on_commit_callbacks
):
    client.force_login(finance_user)
    page = client.get(reverse("servicing"))
    assert 'name="as_of"' in page.content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode()).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        data = {"as_of": "2006-10-16", "idempotency_key": key}
        response = client.post(reverse("servicing"), data)
        # A double click: the same rendered form again starts nothing new.
        again = client.post(reverse("servicing"), data)
    run = ServicingRun.objects.get()
    assert again.url == reverse("servicing-run-detail", args=[run.pk])
    assert response.status_code == 302
    assert response.url == reverse("servicing-run-detail", args=[run.pk])
    assert (run.status, run.trigger, run.requested_by) == (RunStatus.DONE, "manual", finance_user)

    detail = client.get(response.url)
    content = detail.content.decode()
    assert f"Servicing run #{run.pk} as of 2006-10-16 started." in content
    terms = _terms(detail)
    assert terms["Notes examined"] == "1"
    assert terms["Statements created"] == "3"
    assert terms["Statements past due on 2006-10-16"] == "3"
    assert "every 2s" not in content

    row = _row(client.get(reverse("servicing")), f"run-{run.pk}")
    assert f"#{run.pk} 2006-10-16 manual Done 1/1 1 3 3 fiona" in row


def test_a_run_cannot_be_dated_after_today(client, finance_user):
    client.force_login(finance_user)
    tomorrow = timezone.localdate() + timedelta(days=1)
    page = client.post(
        reverse("servicing"), {"as_of": tomorrow.isoformat(), "idempotency_key": "k1"}
    )
    assert page.status_code == 200
    assert "A run cannot be dated after today" in page.content.decode()
    assert not ServicingRun.objects.exists()


def test_auditor_sees_runs_but_cannot_start_one(client, auditor_user, run_servicing, note):
    run = run_servicing(date(2006, 10, 16))
    client.force_login(auditor_user)
    page = client.get(reverse("servicing"))
    assert page.status_code == 200
    assert f'id="run-{run.pk}"' in page.content.decode()
    assert 'name="as_of"' not in page.content.decode()
    assert client.post(reverse("servicing"), {"as_of": "2006-11-16"}).status_code == 403
    assert ServicingRun.objects.count() == 1


def test_run_progress_fragment_polls_while_running_and_stops_when_done(
    client, auditor_user, note
):
    # Chunks are dispatched on commit; inside the test transaction they wait.
    run = servicing.servicing_run_start(as_of=date(2006, 10, 16))
    assert run.status == RunStatus.QUEUED
    client.force_login(auditor_user)
    url = reverse("servicing-run-detail", args=[run.pk])

    polling = client.get(url, HTTP_HX_REQUEST="true")
    body = polling.content.decode()
    assert body.lstrip().startswith('<section id="run-progress"')
    assert "<html" not in body
    assert 'hx-trigger="every 2s"' in body
    assert 'value="0"' in body and "0 of 1 chunk done" in _text(body)

    servicing.servicing_run_dispatch(run_id=run.pk)
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done
    assert 'value="100"' in done
    assert "Done" in done and "1 of 1 chunk done" in _text(done)

    page = client.get(url).content.decode()
    assert "<html" in page and "hx-trigger" not in page


def test_staff_nav_links_to_servicing(client, auditor_user):
    client.force_login(auditor_user)
    assert f'href="{reverse("servicing")}"' in client.get(reverse("home")).content.decode()


def test_payment_reversed_after_the_fact_keeps_both_entries_listed(client, finance_user, note):
    payment = payment_record(
        note=note, paid_on=date(2006, 8, 15), amount=D("821.92"), applies_to="interest"
    )
    payment_reverse(payment=payment, reason="Wrong note")
    client.force_login(finance_user)
    page = client.get(_detail(note))
    assert "Reverse…" not in page.content.decode()  # neither entry can be reversed again
    assert len(re.findall(r'<tr id="payment-\d+"', page.content.decode())) == 2


def test_a_refused_payment_is_also_announced_at_the_top(client, finance_user):
    note = NoteFactory(principal=Decimal("250000.00"), issue_date=date(2006, 7, 20))
    client.force_login(finance_user)
    page = client.post(f"/notes/{note.pk}/payments/", {
        "paid_on": "2006-07-31", "amount": "900.00", "applies_to": "interest",
        "method": "check", "reference": "1", "holder_consent_reference": "",
        "idempotency_key": "top-1",
    }).content.decode()
    messages_block = page.split('<ul class="messages">', 1)[1].split("</ul>", 1)[0]
    assert "Payment not recorded" in messages_block and "821.92" in messages_block


def test_a_position_before_issue_says_not_yet_issued(client, auditor_user):
    note = NoteFactory(issue_date=date(2006, 7, 20))
    client.force_login(auditor_user)
    page = client.get(f"/notes/{note.pk}/?as_of=2006-07-01").content.decode()
    assert "Not yet issued" in page
