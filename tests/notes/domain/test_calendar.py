from datetime import date

import pytest

from notes.domain.calendar import (
    DeliveryMethod,
    add_business_days,
    deemed_delivery,
    is_business_day,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 25), True),  # Wednesday
        (date(2026, 11, 26), False),  # Thanksgiving
        (date(2026, 11, 27), True),  # Friday after Thanksgiving: not a federal holiday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 7, 3), False),  # Independence Day (Sat 4 July) observed on Friday
        (date(2021, 12, 31), False),  # New Year's Day 2022 (Saturday) observed
        (date(2022, 12, 26), False),  # Christmas (Sunday) observed on Monday
        (date(2024, 6, 19), False),  # Juneteenth
        (date(2006, 6, 19), True),  # before Juneteenth became a federal holiday
    ],
)
def test_is_business_day(day, expected):
    assert is_business_day(day) is expected


def test_add_business_days_skips_weekends_and_holidays():
    assert add_business_days(date(2026, 11, 24), 1) == date(2026, 11, 25)
    assert add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)
    assert add_business_days(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_add_zero_business_days_is_the_same_day():
    assert add_business_days(date(2026, 11, 28), 0) == date(2026, 11, 28)


def test_add_business_days_refuses_negative():
    with pytest.raises(ValueError, match="negative"):
        add_business_days(date(2026, 11, 24), -1)


def test_mail_deposited_on_friday_is_delivered_wednesday():
    assert deemed_delivery(method="mail", sent_on=date(2026, 3, 6)) == date(2026, 3, 11)


def test_mail_deposited_on_saturday_counts_from_monday():
    # Mon 9, Tue 10, Wed 11
    assert deemed_delivery(method="mail", sent_on=date(2026, 3, 7)) == date(2026, 3, 11)


def test_mail_across_thanksgiving_2026():
    # Deposited Tue 24 Nov: Wed 25, (Thu 26 Thanksgiving), Fri 27, Mon 30.
    assert deemed_delivery(method=DeliveryMethod.MAIL, sent_on=date(2026, 11, 24)) == date(
        2026, 11, 30
    )


def test_mail_across_independence_day_observed_2026():
    # Deposited Wed 1 Jul: Thu 2, (Fri 3 observed, weekend), Mon 6, Tue 7.
    assert deemed_delivery(method="mail", sent_on=date(2026, 7, 1)) == date(2026, 7, 7)


def test_mail_across_the_year_end():
    # Deposited Wed 29 Dec 2021: Thu 30, (Fri 31 observed New Year), Mon 3, Tue 4.
    assert deemed_delivery(method="mail", sent_on=date(2021, 12, 29)) == date(2022, 1, 4)


def test_mail_days_are_a_series_term():
    assert deemed_delivery(method="mail", sent_on=date(2026, 3, 6), mail_business_days=5) == date(
        2026, 3, 13
    )


def test_mail_ignores_the_actual_receipt():
    assert deemed_delivery(
        method="mail", sent_on=date(2026, 3, 6), received_on=date(2026, 3, 7)
    ) == date(2026, 3, 11)


def test_personal_delivery_is_deemed_on_receipt():
    assert deemed_delivery(
        method="personal", sent_on=date(2026, 11, 25), received_on=date(2026, 11, 26)
    ) == date(2026, 11, 26)


def test_personal_delivery_the_same_day():
    assert deemed_delivery(
        method=DeliveryMethod.PERSONAL, sent_on=date(2026, 3, 6), received_on=date(2026, 3, 6)
    ) == date(2026, 3, 6)


def test_personal_delivery_needs_the_receipt_date():
    with pytest.raises(ValueError, match="receipt date"):
        deemed_delivery(method="personal", sent_on=date(2026, 3, 6))


def test_personal_delivery_cannot_be_received_before_sent():
    with pytest.raises(ValueError, match="before it was sent"):
        deemed_delivery(method="personal", sent_on=date(2026, 3, 6), received_on=date(2026, 3, 5))


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown delivery method 'email'"):
        deemed_delivery(method="email", sent_on=date(2026, 3, 6))
