"""Delivery (§12), the append-only letter, and whether §6.1/§6.2 notices were given in time."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.utils import timezone

from notes.services import servicing
from notices.models import DeliveryMethod, Notice, NoticeDeposit, NoticeKind
from notices.selectors import obligation_state, obligations_with_state
from notices.services.delivery import notice_personal_delivery_record, notices_deposit
from offerings import services as offerings

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def letters(converted, run_notices):
    """The §6.2 and cash-in-lieu letters of the note converted on 2007-07-20, dated 2007-07-21."""
    run_notices(date(2007, 7, 21))
    return (
        Notice.objects.get(kind=NoticeKind.AUTOMATIC_CONVERSION),
        Notice.objects.get(kind=NoticeKind.CASH_IN_LIEU),
    )


@pytest.fixture
def six_one(committed, series, note):
    """A $3M Qualified Offering closing Wednesday 2007-01-10: §6.1 notice due by 2007-01-20."""
    offering = committed(
        offerings.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 1, 10), gross_proceeds=D("3000000.00"),
        sales=[{"shares": 1_000_000, "price_per_share": D("3.00")}],
    )
    return offering.obligations.get()


def test_a_print_run_deposited_on_veterans_day_observed_is_delivered_the_next_wednesday(
    django_capture_on_commit_callbacks, note, run_notices, finance_user
):
    with django_capture_on_commit_callbacks(execute=True):
        servicing.servicing_run_start(as_of=date(2006, 11, 1))
    run_notices(date(2006, 11, 10))
    # The statements of July to October, dated Friday 10 November 2006.
    ids = list(Notice.objects.filter(notice_date=date(2006, 11, 10)).values_list("pk", flat=True))
    assert len(ids) == 4
    deposit, notices = notices_deposit(
        notices=ids, deposited_on=date(2006, 11, 10), recorded_by=finance_user
    )
    # Friday 10 November 2006 is Veterans Day observed (the 11th is a Saturday), not a
    # business day: Mon 13, Tue 14, Wed 15 → deemed delivered Wednesday 15 November.
    assert {n.deemed_delivered_on for n in notices} == {date(2006, 11, 15)}
    assert {(n.sent_on, n.deposit_id) for n in notices} == {(date(2006, 11, 10), deposit.pk)}
    assert all(n.delivery_method == DeliveryMethod.MAIL for n in notices)
    assert deposit.recorded_by == finance_user


def test_the_mail_days_are_the_series_term(letters, series):
    series.mail_delivery_business_days = 5
    series.save()
    _, notices = notices_deposit(notices=[letters[0].pk], deposited_on=date(2007, 7, 23))
    assert notices[0].deemed_delivered_on == date(2007, 7, 30)  # Mon + 5 business days


def test_deposit_refusals_change_nothing(letters):
    six_two, cash = letters
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as future:
        notices_deposit(notices=[six_two.pk], deposited_on=tomorrow)
    assert "deposited_on" in future.value.message_dict
    with pytest.raises(ValidationError, match="No notice with id 999999"):
        notices_deposit(notices=[six_two.pk, 999999], deposited_on=date(2007, 7, 23))
    with pytest.raises(ValidationError, match="dated 2007-07-21, after 2007-07-20"):
        notices_deposit(notices=[six_two.pk], deposited_on=date(2007, 7, 20))
    with pytest.raises(ValidationError, match="Select at least one"):
        notices_deposit(notices=[], deposited_on=date(2007, 7, 23))
    assert not NoticeDeposit.objects.exists()
    assert not Notice.objects.filter(sent_on__isnull=False).exists()

    notices_deposit(notices=[six_two.pk], deposited_on=date(2007, 7, 23))
    # One letter already sent refuses the whole run: the other is not marked either.
    with pytest.raises(ValidationError, match="already sent on 2007-07-23 in print run"):
        notices_deposit(notices=[six_two.pk, cash.pk], deposited_on=date(2007, 7, 24))
    cash.refresh_from_db()
    assert cash.sent_on is None
    assert NoticeDeposit.objects.count() == 1


def test_personal_delivery_is_deemed_delivered_on_receipt(letters):
    six_two, cash = letters
    notice = notice_personal_delivery_record(notice=six_two, delivered_on=date(2007, 7, 24))
    assert (notice.delivery_method, notice.sent_on, notice.received_on) == (
        "personal", date(2007, 7, 24), date(2007, 7, 24)
    )
    assert notice.deemed_delivered_on == date(2007, 7, 24)
    with pytest.raises(ValidationError, match="already sent"):
        notice_personal_delivery_record(notice=six_two, delivered_on=date(2007, 7, 25))
    with pytest.raises(ValidationError, match="personal delivery"):
        notices_deposit(notices=[six_two.pk], deposited_on=date(2007, 7, 25))
    with pytest.raises(ValidationError) as before:
        notice_personal_delivery_record(notice=cash, delivered_on=date(2007, 7, 20))
    assert "delivered_on" in before.value.message_dict


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_changing_or_deleting_a_letter(letters):
    six_two, _ = letters
    for sql in [
        "UPDATE notices_notice SET document_sha256 = repeat('0', 64) WHERE id = %s",
        "UPDATE notices_notice SET document = 'notices/other.pdf' WHERE id = %s",
        "UPDATE notices_notice SET figures = '{}' WHERE id = %s",
        "UPDATE notices_notice SET address = 'Elsewhere' WHERE id = %s",
        "DELETE FROM notices_notice WHERE id = %s",
    ]:
        with pytest.raises(ProgrammingError, match="pgtrigger"):
            _raw(sql, [six_two.pk])
    # Delivery may be set once, NULL → value...
    notices_deposit(notices=[six_two.pk], deposited_on=date(2007, 7, 23))
    # ...and never changed after.
    for sql in [
        "UPDATE notices_notice SET sent_on = '2007-07-24' WHERE id = %s",
        "UPDATE notices_notice SET deemed_delivered_on = '2007-07-30' WHERE id = %s",
        "UPDATE notices_notice SET deposit_id = NULL WHERE id = %s",
        "UPDATE notices_notice SET delivery_method = 'personal' WHERE id = %s",
    ]:
        with pytest.raises(ProgrammingError, match="pgtrigger"):
            _raw(sql, [six_two.pk])
    six_two.refresh_from_db()
    assert (six_two.sent_on, six_two.deemed_delivered_on) == (date(2007, 7, 23), date(2007, 7, 26))
    with pytest.raises(ProgrammingError, match="pgtrigger"):
        _raw("DELETE FROM notices_noticedeposit", [])


def test_a_six_one_obligation_is_open_then_met_by_a_letter_deposited_in_time(six_one, run_notices):
    assert obligation_state(six_one, date(2007, 1, 15)) == "open"
    run_notices(date(2007, 1, 12))
    letter = Notice.objects.get(obligation=six_one)
    assert obligation_state(six_one, date(2007, 1, 15)) == "open"  # made, not yet sent
    notices_deposit(notices=[letter.pk], deposited_on=date(2007, 1, 19))
    assert obligation_state(six_one, date(2007, 1, 18)) == "open"  # as of before the deposit
    assert obligation_state(six_one, date(2007, 1, 19)) == "met"
    assert obligation_state(six_one, date(2008, 1, 1)) == "met"
    # Met although delivery is deemed only on Wednesday 24 (§6.1 asks that it be provided).
    letter.refresh_from_db()
    assert letter.deemed_delivered_on == date(2007, 1, 24)
    assert obligations_with_state(as_of=date(2007, 1, 19)).get(pk=six_one.pk).state == "met"


def test_a_six_one_obligation_missed_stays_missed_after_a_late_letter(six_one, run_notices):
    run_notices(date(2007, 1, 12))
    assert obligation_state(six_one, date(2007, 1, 20)) == "open"  # the due day itself
    assert obligation_state(six_one, date(2007, 1, 21)) == "missed"
    letter = Notice.objects.get(obligation=six_one)
    notices_deposit(notices=[letter.pk], deposited_on=date(2007, 1, 22))
    assert obligation_state(six_one, date(2007, 1, 22)) == "missed"
    assert obligations_with_state(as_of=date(2007, 2, 1)).get(pk=six_one.pk).state == "missed"
