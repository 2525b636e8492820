"""Business days and the deemed delivery of notices (§12).

§12: a notice "shall be deemed delivered upon receipt if sent by personal
delivery, and three (3) business days after deposit if sent by United States
mail". The product reads a business day as Monday to Friday other than a US
federal holiday; a holiday falling on a weekend is kept on its observed
weekday (Friday or Monday), which is then not a business day either. The
number of mail days is a series term.

Federal holidays come from the ``holidays`` package (``holidays.US``, public
holidays, no state), which knows each year's list as it stood, e.g.
Juneteenth only from 2021.
"""

from datetime import date, timedelta
from enum import StrEnum
from functools import cache

import holidays


class DeliveryMethod(StrEnum):
    PERSONAL = "personal"
    MAIL = "mail"


@cache
def _federal_holidays(year: int) -> frozenset[date]:
    # Includes observed days, even one that falls in the previous year
    # (New Year's Day on a Saturday is observed on 31 December).
    return frozenset(holidays.US(years=year))


def is_business_day(d: date) -> bool:
    """Whether ``d`` is Monday to Friday and not a US federal holiday (observed)."""
    return d.weekday() < 5 and d not in _federal_holidays(d.year)


def add_business_days(d: date, n: int) -> date:
    """Return the ``n``-th business day after ``d`` (``d`` itself for 0).

    Raises:
        ValueError: for a negative ``n``.
    """
    if n < 0:
        raise ValueError(f"the number of business days cannot be negative, got {n}")
    while n:
        d += timedelta(days=1)
        if is_business_day(d):
            n -= 1
    return d


def deemed_delivery(
    *,
    method: DeliveryMethod | str,
    sent_on: date,
    received_on: date | None = None,
    mail_business_days: int = 3,
) -> date:
    """The day a notice is deemed delivered (§12).

    Args:
        method: ``personal`` or ``mail``.
        sent_on: the day it was handed over or deposited in the mail.
        received_on: for personal delivery, the recorded receipt date. For
            mail it is not used: mail is deemed delivered on the fixed day
            whatever the actual receipt.
        mail_business_days: business days after deposit (series term).

    Raises:
        ValueError: an unknown method, or personal delivery without a receipt
            date or received before it was sent.
    """
    try:
        method = DeliveryMethod(method)
    except ValueError:
        known = ", ".join(m.value for m in DeliveryMethod)
        raise ValueError(f"unknown delivery method {method!r}; expected one of: {known}") from None
    if method is DeliveryMethod.MAIL:
        return add_business_days(sent_on, mail_business_days)
    if received_on is None:
        raise ValueError("personal delivery needs the recorded receipt date")
    if received_on < sent_on:
        raise ValueError(
            f"a notice cannot be received ({received_on}) before it was sent ({sent_on})"
        )
    return received_on
