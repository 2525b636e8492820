"""Courtesy copies by e-mail: the letter's PDF to a holder with an e-mail on file.

§12 knows two ways of delivering a notice, personally and by United States
mail; an e-mail is neither. It never sets ``sent_on`` or deemed delivery and
says so in its text. Each notice is e-mailed at most once: the
``NoticeEmail`` row is unique per notice and written in the same
transaction as the send, so a retry or a second worker finds it there.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from notices.models import Direction, Notice, NoticeEmail

logger = logging.getLogger(__name__)


def notice_email_text(notice: Notice) -> tuple[str, str]:
    """The subject and body of a courtesy copy."""
    subject = (
        f"{notice.issuer.name}: {notice.get_kind_display()} — Note {notice.note.number}"
        " (courtesy copy)"
    )
    body = (
        f"Dear {notice.recipient},\n\n"
        f"Attached is a copy of the notice dated {notice.notice_date:%B} {notice.notice_date.day},"
        f" {notice.notice_date.year} concerning Note {notice.note.number} ({notice.clause}).\n\n"
        "This e-mail is a courtesy copy only. Under Section 12 of the Note, notices are "
        "delivered personally or by United States mail to the address on our records; this "
        "e-mail is not delivery and does not start or change any period under the Note.\n\n"
        f"{notice.issuer.name}\n"
    )
    return subject, body


def notice_email_send(*, notice_id: int) -> bool:
    """E-mail a courtesy copy of a sent notice to its holder, once. Returns whether it was sent.

    Nothing is sent for a notice received by the Company, or a holder with no
    e-mail on file. A failed send rolls its record back, so a retry sends it.
    """
    notice = Notice.objects.select_related("holder", "issuer", "note").get(pk=notice_id)
    address = notice.holder.email
    if notice.direction != Direction.SENT or not address:
        return False
    with transaction.atomic():
        try:
            with transaction.atomic():
                NoticeEmail.objects.create(notice=notice, sent_to=address)
        except IntegrityError:
            return False  # already e-mailed (another worker's insert committed first)
        subject, body = notice_email_text(notice)
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
        )
        with notice.document.open("rb") as document:
            message.attach(
                f"notice-{notice.pk}-{notice.kind}.pdf", document.read(), "application/pdf"
            )
        message.send(fail_silently=False)
    return True


def notice_emails_send(*, notice_ids: list[int]) -> int:
    """E-mail the courtesy copies of these notices; a failed one is logged, the others go."""
    sent = 0
    for notice_id in notice_ids:
        try:
            sent += notice_email_send(notice_id=notice_id)
        except Exception:
            logger.exception("courtesy copy of notice %s not sent", notice_id)
    return sent


CATCH_UP_DAYS = 3


def notice_emails_catch_up(*, limit: int = 1000) -> int:
    """E-mail the courtesy copies a failed send or a lost worker left unsent.

    Only letters dated in the last few days: a copy is a courtesy when a letter
    goes out, not a mailing of the register's history (letters recorded for the
    past, such as the demo's, are never e-mailed).
    """
    since = timezone.localdate() - timedelta(days=CATCH_UP_DAYS)
    ids = list(
        Notice.objects.filter(
            direction=Direction.SENT, email_copy__isnull=True, notice_date__gte=since
        )
        .exclude(holder__email="")
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return notice_emails_send(notice_ids=ids)
