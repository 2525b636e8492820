"""`servicing/runs/` covers statements … and notices: the letters follow the run (§2, §12)."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from notices.models import Notice, NoticeRun
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db


@override_settings(NOTICES_AFTER_SERVICING=True)
def test_a_servicing_run_makes_its_statement_letters(finance_api,
                                                     django_capture_on_commit_callbacks):
    note = NoteFactory(principal=Decimal("250000.00"), issue_date=date(2006, 7, 20))
    with django_capture_on_commit_callbacks(execute=True):
        response = finance_api.post("/api/v1/servicing/runs/", {"as_of": "2006-10-01"},
                                    format="json")
    assert response.status_code == 202
    run = NoticeRun.objects.get(trigger="servicing")
    assert run.as_of == timezone.localdate()  # letters bear the day they are made
    letters = Notice.objects.filter(note=note, kind="interest_statement")
    # July, August and September 2006, each once.
    assert sorted(n.statement.period_start for n in letters) == [
        date(2006, 7, 20), date(2006, 8, 1), date(2006, 9, 1)
    ]


def test_without_the_setting_the_daily_job_makes_them(finance_api,
                                                      django_capture_on_commit_callbacks):
    NoteFactory(principal=Decimal("250000.00"), issue_date=date(2006, 7, 20))
    with django_capture_on_commit_callbacks(execute=True):
        finance_api.post("/api/v1/servicing/runs/", {"as_of": "2006-10-01"}, format="json")
    assert not NoticeRun.objects.exists()
