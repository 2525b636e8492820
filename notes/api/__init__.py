"""REST API for the note register (docs/api.md: `issuers/`, `series/`, `notes/`).

One module per resource, the shapes they share in `serializers`:

- `register`: issuers, series and notes, with a note's position and statements (§2, §5)
- `defaults`: a note's events of default and its default state (§3)
- `payments`: payments and their reversals (§2, §4)
- `servicing`: servicing runs (§2)
- `transfers`: transfers of notes and their decisions (§10)

The viewsets are re-exported here for `config/urls.py`, which registers them.
"""

from notes.api.payments import PaymentViewSet
from notes.api.register import IssuerViewSet, NoteViewSet, SeriesViewSet
from notes.api.servicing import ServicingRunViewSet
from notes.api.transfers import TransferViewSet

__all__ = [
    "IssuerViewSet",
    "NoteViewSet",
    "PaymentViewSet",
    "SeriesViewSet",
    "ServicingRunViewSet",
    "TransferViewSet",
]
