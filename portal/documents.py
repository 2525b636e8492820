"""Documents the portal makes for the holder to print: the Notice of Election (Exhibit A).

The form is the contract's Exhibit A in its own words, pre-filled from the
register (note number, principal, the holder's name and address on record, the
window's last day) and rendered by WeasyPrint like the notices' letters. It
records nothing: the holder signs it and delivers it with the note to the
Company's principal executive office, where its receipt makes the conversion
(§6.1). The tax ID is left for the holder to write in: the portal never
prints one.
"""

from __future__ import annotations

from datetime import date

from django.template.loader import render_to_string

from holders.models import Holder
from notes.models import Note
from portal.selectors import VoluntaryWindow, holder_address


def exhibit_a_html(*, holder: Holder, note: Note, window: VoluntaryWindow, today: date) -> str:
    address = holder_address(holder, as_of=today)
    return render_to_string(
        "portal/exhibit_a.html",
        {
            "holder": holder,
            "address_lines": address.lines() if address else [],
            "note": note,
            "issuer": note.series.issuer,
            "window": window,
            "today": today,
        },
    )


def exhibit_a_pdf(*, holder: Holder, note: Note, window: VoluntaryWindow, today: date) -> bytes:
    from weasyprint import HTML  # loads Pango on first use, not at import of the app

    return HTML(
        string=exhibit_a_html(holder=holder, note=note, window=window, today=today)
    ).write_pdf()
