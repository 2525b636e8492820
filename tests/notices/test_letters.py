"""Each kind of letter holds the figures of the record it was made from, read back from its PDF."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from holders.services import holder_address_add, holder_create
from notes.models import DefaultEvent
from notes.services import servicing
from notices.models import AddressBasis, Direction, Notice, NoticeKind
from notices.services.recording import notice_correct
from offerings import services as offerings
from tests.factories import NoteFactory
from tests.notices.conftest import pdf_text

pytestmark = pytest.mark.django_db
D = Decimal


def test_automatic_conversion_letter_states_the_conversion_and_asks_for_the_note(
    converted, run_notices
):
    run = run_notices(date(2007, 7, 21))
    assert run.status == "done"
    notice = Notice.objects.get(kind=NoticeKind.AUTOMATIC_CONVERSION)
    assert notice.purpose_key == f"6.2:{converted.pk}"
    assert notice.conversion == converted
    assert notice.obligation == converted.obligations.get()
    assert notice.clause == "§6.2"
    text = pdf_text(notice)
    # The record's own figures: price to 6 places, amounts to the cent (§5.1, §6.2, §7).
    for figure in [
        "Notice of Automatic Conversion (§6.2)",
        "Conversion Price 2.412451 per share",
        "Principal converted USD 250,000.00",
        "Accrued interest converted USD 25,068.49",
        "Note Amount USD 275,068.49",
        "Shares of Common Stock 114,020",
        "USD 0.83",
        "Conversion date July 20, 2007",
        "Cash payable by July 30, 2007",
        "Please surrender the Note",
        "1 Main St",
    ]:
        assert figure in text, figure
    assert notice.figures["conversion_price"] == "2.412451"
    assert notice.figures["cash_in_lieu"] == "USD 0.83"
    # The stored digest is the stored file's.
    with notice.document.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == notice.document_sha256


def test_cash_in_lieu_letter(converted, run_notices):
    run_notices(date(2007, 7, 21))
    notice = Notice.objects.get(kind=NoticeKind.CASH_IN_LIEU)
    assert notice.purpose_key == f"cash-in-lieu:{converted.pk}"
    text = pdf_text(notice)
    assert "Cash payable USD 0.83" in text
    assert "Payable by July 30, 2007" in text
    assert "Whole shares issued 114,020" in text
    assert "(§7)" in text


def test_qualified_offering_letter_states_the_price_and_the_last_day(
    committed, series, note, run_notices
):
    offering = committed(
        offerings.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 1, 10), gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
    )
    obligation = offering.obligations.get()
    run_notices(date(2007, 1, 12))
    notice = Notice.objects.get(kind=NoticeKind.QUALIFIED_OFFERING)
    assert (notice.purpose_key, notice.obligation) == (f"6.1:{obligation.pk}", obligation)
    text = pdf_text(notice)
    assert "Notice of $3 Million Qualified Offering (§6.1)" in text
    assert "Conversion Price (§5.1) 3.000000 per share" in text
    assert "Last day to elect to convert July 10, 2007" in text
    assert "Gross proceeds USD 3,000,000.00" in text
    assert "Closing date January 10, 2007" in text


def test_statement_letters_after_the_servicing_run(
    django_capture_on_commit_callbacks, note, run_notices
):
    with django_capture_on_commit_callbacks(execute=True):
        servicing.servicing_run_start(as_of=date(2006, 10, 16))
    run_notices(date(2006, 10, 16))
    letters = Notice.objects.filter(kind=NoticeKind.INTEREST_STATEMENT).order_by(
        "statement__period_start"
    )
    assert [n.figures["amount"] for n in letters] == ["USD 821.92", "USD 2,123.29", "USD 2,054.79"]
    july = pdf_text(letters[0])
    assert "Interest due USD 821.92" in july
    assert "Due date August 15, 2006" in july
    assert "2006-07-20 – 2006-07-31" in july
    assert "Days 12" in july
    assert "Rate 10% per annum, ACT/365F" in july
    assert "250,000.00 × 0.1 × 12/365" in july


def test_maturity_reminder_thirty_days_before(note, run_notices):
    # Matures 2008-07-20; outside the 30 days nothing, inside one reminder.
    run_notices(date(2008, 6, 19))
    assert not Notice.objects.filter(kind=NoticeKind.MATURITY_REMINDER).exists()
    run_notices(date(2008, 6, 20))
    notice = Notice.objects.get(kind=NoticeKind.MATURITY_REMINDER)
    assert notice.purpose_key == f"maturity:{note.pk}"
    text = pdf_text(notice)
    assert "Maturity date July 20, 2008" in text
    assert "Outstanding principal USD 250,000.00" in text
    assert notice.figures["accrued_unpaid_interest"] in text


def test_a_letter_goes_to_the_address_in_effect_on_its_date(series, run_notices):
    holder = holder_create(
        name="Margaret A. Keller", kind="person", address={"line1": "9 Old Rd", "city": "Napa",
        "region": "CA", "postal_code": "94558"}, address_effective_from=date(2006, 1, 1),
    )
    holder_address_add(holder=holder, effective_from=date(2008, 6, 1), line1="12 New Ave",
                       city="Sonoma", region="CA", postal_code="95476")
    NoteFactory(series=series, holder=holder, issue_date=date(2006, 7, 20))
    run_notices(date(2008, 6, 20))
    notice = Notice.objects.get(kind=NoticeKind.MATURITY_REMINDER)
    assert notice.address.splitlines()[0] == "12 New Ave"
    assert notice.address_basis == AddressBasis.HOLDER_RECORD
    assert "12 New Ave" in pdf_text(notice) and "9 Old Rd" not in pdf_text(notice)


def test_no_address_on_record_goes_to_the_principal_executive_office(series, run_notices):
    holder = holder_create(name="No Address LLC", kind="entity")
    NoteFactory(series=series, holder=holder, issue_date=date(2006, 7, 20))
    run_notices(date(2008, 6, 20))
    notice = Notice.objects.get(kind=NoticeKind.MATURITY_REMINDER)
    assert notice.address_basis == AddressBasis.ISSUER_OFFICE
    assert "475 Aviation Blvd, Suite 100" in notice.address
    assert "475 Aviation Blvd, Suite 100" in pdf_text(notice)


def test_an_election_is_recorded_as_received_at_the_principal_office(
    committed, series, note, run_notices
):
    offering = committed(
        offerings.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 1, 10), gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
    )
    offerings.election_record(
        note=note, offering=offering, received_on=date(2007, 2, 1),
        certificate_names="Margaret A. Keller", address="1 Main St", tax_id="123-45-6789",
    )
    run_notices(date(2007, 2, 2))
    notice = Notice.objects.get(kind=NoticeKind.ELECTION)
    assert notice.direction == Direction.RECEIVED
    assert notice.deemed_delivered_on == notice.received_on == date(2007, 2, 1)
    assert notice.copy_to.startswith("600 Bicentennial Way")
    text = pdf_text(notice)
    assert "With a copy to: 600 Bicentennial Way" in text
    assert "***-**-6789" in text and "123-45-6789" not in text
    # The voluntary conversion's cash in lieu gets its letter; no §6.2 notice for it.
    assert not Notice.objects.filter(kind=NoticeKind.AUTOMATIC_CONVERSION).exists()


def test_a_payment_default_notice_recorded_as_a_default_event_gets_its_record(
    note, run_notices
):
    # Mailed Friday 10 November 2006 (Veterans Day observed): deemed delivered Wednesday 15th.
    event = DefaultEvent.objects.create(
        note=note, kind="payment_default_notice", date=date(2006, 11, 10),
        delivery_method="mail", deemed_delivered_on=date(2006, 11, 15),
    )
    run_notices(date(2006, 11, 20))
    notice = Notice.objects.get(kind=NoticeKind.PAYMENT_DEFAULT)
    assert notice.default_event == event
    assert (notice.direction, notice.sent_on, notice.deemed_delivered_on) == (
        Direction.RECEIVED, date(2006, 11, 10), date(2006, 11, 15)
    )
    text = pdf_text(notice)
    assert "United States mail, deposited November 10, 2006" in text
    assert "Deemed delivered (§12) November 15, 2006" in text


def test_a_correction_is_a_new_letter_pointing_at_the_first(converted, run_notices, note):
    run_notices(date(2007, 7, 21))
    first = Notice.objects.get(kind=NoticeKind.AUTOMATIC_CONVERSION)
    holder_address_add(holder=note.holder, effective_from=date(2007, 7, 25), line1="5 Elm St",
                       city="Petaluma", region="CA", postal_code="94952")
    correction = notice_correct(notice=first, reason="The holder had moved.")
    assert correction.corrects == first
    assert correction.purpose_key == f"6.2:{converted.pk}/correction-1"
    assert correction.notice_date == timezone.localdate()
    assert correction.address.startswith("5 Elm St")
    text = pdf_text(correction)
    assert "This notice corrects our notice dated July 21, 2007" in text
    assert "Conversion Price 2.412451 per share" in text
    # The first letter is untouched.
    first.refresh_from_db()
    assert first.address.startswith("1 Main St")
    assert notice_correct(notice=first, reason="Again.").purpose_key.endswith("correction-2")


def test_the_job_makes_nothing_dated_ahead(note):
    from django.core.exceptions import ValidationError

    from notices.services.job import notice_run_start

    with pytest.raises(ValidationError, match="future"):
        notice_run_start(as_of=timezone.localdate() + timedelta(days=1))
