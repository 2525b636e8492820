from datetime import date
from decimal import Decimal as D

import pytest

from tests.factories import HolderFactory, NoteFactory, SeriesFactory


@pytest.fixture
def register(db):
    """A series of four holders: 400,000 + 300,000 + 200,000 + 100,000 = 1,000,000."""
    series = SeriesFactory()
    holders = [HolderFactory() for _ in range(4)]
    notes = [
        NoteFactory(series=series, holder=holder, principal=D(principal),
                    issue_date=date(2006, 7, 20))
        for holder, principal in zip(
            holders, ("400000.00", "300000.00", "200000.00", "100000.00"), strict=True
        )
    ]
    return series, holders, notes
