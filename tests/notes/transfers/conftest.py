from datetime import date
from decimal import Decimal

import pytest

from tests.factories import HolderFactory, NoteFactory

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def note(db):
    # $250,000 issued 2006-07-20 at 10% ACT/365F.
    return NoteFactory(principal=Decimal("250000.00"), issue_date=date(2006, 7, 20))


@pytest.fixture
def buyer(db):
    return HolderFactory(name="Buyer Partners LLC", kind="entity")
