import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from notices.services import job
from offerings import services as offerings
from tests.factories import NoteFactory, SeriesFactory

D = Decimal

# 150,000 @ 2.00 + 200,000 @ 2.50 + 100,000 @ 3.10 + 1,000,000 @ 4.00 = 5,110,000:
# a $5M Qualified Offering whose first $1,000,000 sets the price 2.412451 (§5.1).
PIPE_SALES = [
    {"shares": 150_000, "price_per_share": D("2.00")},
    {"shares": 200_000, "price_per_share": D("2.50")},
    {"shares": 100_000, "price_per_share": D("3.10")},
    {"shares": 1_000_000, "price_per_share": D("4.00")},
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Letters go to a fresh MEDIA_ROOT per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and then what its commit hands to Celery, as in production."""

    def _run(func, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(**kwargs)

    return _run


@pytest.fixture
def run_notices(committed):
    def _run(as_of):
        run = committed(job.notice_run_start, as_of=as_of)
        run.refresh_from_db()
        return run

    return _run


@pytest.fixture
def series():
    return SeriesFactory()


@pytest.fixture
def note(series):
    return NoteFactory(
        series=series, number="ATS06-001", principal=D("250000.00"), issue_date=date(2006, 7, 20)
    )


@pytest.fixture
def converted(committed, series, note):
    """The note converted automatically by a $5M Qualified Offering closing 2007-07-20."""
    committed(
        offerings.offering_record, issuer=series.issuer, kind="pipe",
        closing_date=date(2007, 7, 20), gross_proceeds=D("5110000.00"), sales=PIPE_SALES,
    )
    note.refresh_from_db()
    return note.conversion


def pdf_text(notice) -> str:
    """The text of a notice's stored PDF, read back, whitespace collapsed."""
    with notice.document.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)
