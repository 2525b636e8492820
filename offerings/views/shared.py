"""What the offerings pages share: which notes count as active, and the conversion rows.

`conversion_list` is the one query behind every table of conversions (the
conversions page and an offering's page): notes, holders, series, offerings and
events come in the same query, the §6.2 obligations and the cash paid in lieu (§7) in two more,
so the query
count does not grow with the rows.
"""

from __future__ import annotations

from notes.models import NoteStatus
from offerings.models import Conversion

ACTIVE_STATUSES = (NoteStatus.OUTSTANDING, NoteStatus.ACCELERATED)


def conversion_list():
    return Conversion.objects.select_related(
        "note__holder", "note__series__issuer", "offering", "event"
    ).prefetch_related("obligations", "cash_payments")
