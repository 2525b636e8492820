"""The §9 notice: once an amendment takes effect, each holder of a note then outstanding."""

from datetime import date
from decimal import Decimal as D

import pytest

from amendments.services import amendment_holder_consent_record, amendment_propose
from notices.models import Notice, NoticeKind
from notices.services import job
from tests.factories import HolderFactory, NoteFactory
from tests.notices.conftest import pdf_text

pytestmark = pytest.mark.django_db


def test_the_holders_are_told_once_it_takes_effect(series, note, run_notices):
    other = NoteFactory(series=series, holder=HolderFactory(), principal=D("100000.00"),
                        issue_date=date(2006, 7, 21))
    amendment = amendment_propose(
        series=series, kind="waiver", title="Waiver of the §6.1 ten-day notice",
        summary="The Company's notice of the 2007 offering may be given within 20 days.",
        issuer_consented_on=date(2007, 6, 1),
    )
    run_notices(date(2007, 7, 1))
    assert not Notice.objects.filter(kind=NoticeKind.AMENDMENT).exists()
    amendment_holder_consent_record(amendment=amendment, holder=note.holder,
                                    consented_on=date(2007, 6, 12))
    amendment.refresh_from_db()
    assert amendment.effective_on == date(2007, 6, 12)
    # Not before the day it took effect.
    assert not [d for d in job.notices_due(as_of=date(2007, 6, 11))
                if d[0] == NoticeKind.AMENDMENT]
    run_notices(date(2007, 7, 1))
    letters = Notice.objects.filter(kind=NoticeKind.AMENDMENT).order_by("note_id")
    assert [n.note_id for n in letters] == [note.pk, other.pk]
    assert {n.clause for n in letters} == {"§9"}
    text = pdf_text(letters[0])
    assert "Waiver of the §6.1 ten-day notice" in text
    assert "in effect from June 12, 2007" in text
    assert "may be given within 20 days" in text
    # Once each: a second run makes none.
    run_notices(date(2007, 7, 2))
    assert Notice.objects.filter(kind=NoticeKind.AMENDMENT).count() == 2
