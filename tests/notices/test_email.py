"""Courtesy copies by e-mail: the PDF attached, once per notice, never delivery (§12)."""

import email
import email.policy
import hashlib
import socket
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from notices.models import Notice, NoticeEmail, NoticeKind
from notices.services.email import notice_email_send, notice_emails_catch_up

pytestmark = pytest.mark.django_db


def test_each_letter_is_e_mailed_once_with_its_pdf_and_is_not_delivery(converted, run_notices):
    run_notices(date(2007, 7, 21))
    assert len(mail.outbox) == 2
    six_two = Notice.objects.get(kind=NoticeKind.AUTOMATIC_CONVERSION)
    message = next(m for m in mail.outbox if "Notice of automatic conversion" in m.subject)
    assert message.to == [six_two.holder.email]
    assert message.subject.endswith("(courtesy copy)")
    assert "this e-mail is not delivery" in message.body
    (name, content, mimetype) = message.attachments[0]
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    assert hashlib.sha256(content).hexdigest() == six_two.document_sha256
    # Never delivery: nothing sent or deemed delivered.
    six_two.refresh_from_db()
    assert (six_two.sent_on, six_two.deemed_delivered_on) == (None, None)
    # Once: a retry, the catch-up, or a second run sends nothing more.
    assert notice_email_send(notice_id=six_two.pk) is False
    assert notice_emails_catch_up() == 0
    run_notices(date(2007, 7, 22))
    assert len(mail.outbox) == 2
    assert NoticeEmail.objects.count() == 2


def test_no_e_mail_on_file_no_copy(converted, run_notices, note):
    type(note.holder).objects.filter(pk=note.holder_id).update(email="")
    run_notices(date(2007, 7, 21))
    assert mail.outbox == []
    assert not NoticeEmail.objects.exists()


def test_a_failed_send_is_retried_by_the_catch_up(converted, run_notices, settings):
    settings.EMAIL_BACKEND = "tests.notices.test_email.FailingBackend"
    run_notices(date(2007, 7, 21))  # the send fails; the letters stand
    assert Notice.objects.count() == 2 and not NoticeEmail.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Years later the catch-up does not mail the register's history...
    assert notice_emails_catch_up() == 0
    # ... but the next day it sends what failed.
    from unittest import mock

    with mock.patch("notices.services.email.timezone.localdate", return_value=date(2007, 7, 22)):
        assert notice_emails_catch_up() == 2
    assert len(mail.outbox) == 2


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield collector
    controller.stop()


def test_through_a_real_smtp_server(converted, run_notices, smtp_server):
    run_notices(date(2007, 7, 21))
    assert len(smtp_server.messages) == 2
    six_two = Notice.objects.get(kind=NoticeKind.AUTOMATIC_CONVERSION)
    received = [
        (e, email.message_from_bytes(e.content, policy=email.policy.default))
        for e in smtp_server.messages
    ]
    envelope, parsed = next(
        (e, m) for e, m in received if "Notice of automatic conversion" in m["Subject"]
    )
    assert envelope.rcpt_tos == [six_two.holder.email]
    assert "courtesy copy" in parsed["Subject"]
    pdfs = [p for p in parsed.walk() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    assert hashlib.sha256(pdfs[0].get_payload(decode=True)).hexdigest() == six_two.document_sha256
    assert NoticeEmail.objects.get(notice=six_two).sent_to == six_two.holder.email
