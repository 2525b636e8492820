"""Delivery of notices (§12): print runs deposited in the mail, and personal delivery.

§12: a notice is "deemed delivered upon receipt if sent by personal
delivery, and three (3) business days after deposit if sent by United States
mail" — business days being Monday to Friday other than US federal holidays,
the number of days a series term (`notes.domain.calendar.deemed_delivery`).
Staff mark a print run deposited on a day: one action fixes each letter's
``sent_on`` and deemed delivery. The database lets each be set once.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notes.domain.calendar import deemed_delivery
from notices.models import DeliveryMethod, Direction, Notice, NoticeDeposit


def _refuse_future(day: date, field: str, what: str) -> None:
    today = timezone.localdate()
    if day > today:
        raise ValidationError(
            {field: f"{day} is after today ({today}); record {what} once it has happened."}
        )


def _refusal(notice: Notice, deposited_on: date) -> str | None:
    if notice.direction != Direction.SENT:
        return f"Notice {notice.pk} was received by the Company, not sent by it."
    if notice.delivery_method == DeliveryMethod.PERSONAL:
        return (
            f"Notice {notice.pk} is for personal delivery; record its receipt instead of a "
            "deposit (§12)."
        )
    if notice.sent_on is not None:
        where = f" in print run #{notice.deposit_id}" if notice.deposit_id else ""
        return f"Notice {notice.pk} was already sent on {notice.sent_on}{where}."
    if deposited_on < notice.notice_date:
        return f"Notice {notice.pk} is dated {notice.notice_date}, after {deposited_on}."
    return None


def notices_deposit(
    *, notices: list[int], deposited_on: date, recorded_by=None
) -> tuple[NoticeDeposit, list[Notice]]:
    """Mark a print run deposited in the United States mail on a day (§12).

    Each letter's ``sent_on`` becomes the deposit day and its deemed delivery
    the series' mail business days later. All or none: one refused letter
    refuses the run.

    Raises:
        ValidationError: on ``notices`` (none given, unknown ids, letters
            received, for personal delivery, already sent, or dated after the
            deposit) or ``deposited_on`` (in the future).
    """
    ids = sorted(set(notices))
    if not ids:
        raise ValidationError({"notices": "Select at least one notice."})
    _refuse_future(deposited_on, "deposited_on", "a deposit")
    with transaction.atomic():
        # Locked in id order: two print runs of overlapping letters cannot deadlock.
        letters = list(
            Notice.objects.select_for_update(of=("self",))
            .select_related("note__series")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        unknown = set(ids) - {n.pk for n in letters}
        if unknown:
            raise ValidationError(
                {"notices": f"No notice with id {', '.join(map(str, sorted(unknown)))}."}
            )
        refusals = [r for r in (_refusal(n, deposited_on) for n in letters) if r]
        if refusals:
            raise ValidationError({"notices": refusals})
        deposit = NoticeDeposit.objects.create(deposited_on=deposited_on, recorded_by=recorded_by)
        by_days: dict[int, list[int]] = {}
        for notice in letters:
            by_days.setdefault(notice.note.series.mail_delivery_business_days, []).append(
                notice.pk
            )
        for days, pks in by_days.items():
            Notice.objects.filter(pk__in=pks).update(
                deposit=deposit,
                sent_on=deposited_on,
                deemed_delivered_on=deemed_delivery(
                    method=DeliveryMethod.MAIL, sent_on=deposited_on, mail_business_days=days
                ),
            )
    return deposit, list(Notice.objects.filter(pk__in=ids).order_by("pk"))


def notice_personal_delivery_record(*, notice: Notice, delivered_on: date) -> Notice:
    """Record a letter handed to its addressee: sent and deemed delivered on receipt (§12).

    Raises:
        ValidationError: the notice was received, not sent; it was already sent
            (deposited or delivered); the day is in the future or before its date.
    """
    _refuse_future(delivered_on, "delivered_on", "a personal delivery")
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.direction != Direction.SENT:
            raise ValidationError(
                {"notice": "This notice was received by the Company; it is not delivered by it."}
            )
        if notice.sent_on is not None:
            raise ValidationError(
                {"notice": f"This notice was already sent on {notice.sent_on}; its delivery "
                 "is recorded once."}
            )
        if delivered_on < notice.notice_date:
            raise ValidationError(
                {"delivered_on": f"The notice is dated {notice.notice_date}, after {delivered_on}."}
            )
        Notice.objects.filter(pk=notice.pk).update(
            delivery_method=DeliveryMethod.PERSONAL,
            sent_on=delivered_on,
            received_on=delivered_on,
            deemed_delivered_on=deemed_delivery(
                method=DeliveryMethod.PERSONAL, sent_on=delivered_on, received_on=delivered_on
            ),
        )
    notice.refresh_from_db()
    return notice
