"""The daily servicing cycle as one service, for the schedule, the API and the staff page.

The API contract (docs/api.md): a run as of D covers statements for ended months, past-due marks,
deadlines, and pending conversions and notices. Conversion triggers still
pending (a broker outage, a note waiting for a later payment's reversal) are
carried out first, so statements stop at any conversion date; a trigger that
fails is recorded on it and does not stop the run.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from notes.models import ServicingRun
from notes.services import servicing
from notes.signals import servicing_cycle_starting


def servicing_cycle_start(*, as_of: date, trigger: str, requested_by=None) -> ServicingRun:
    """Let pending conversion triggers be carried out, then start the statement run as of a day.

    Raises:
        ValidationError: `as_of` is after today — statements are facts that
            cannot be withdrawn, so months that have not ended get none.
    """
    if as_of > timezone.localdate():
        raise ValidationError(
            {"as_of": f"{as_of} is in the future; a run can be as of today at the latest."}
        )
    # Pending conversions first (the offerings app listens), so statements stop at them.
    servicing_cycle_starting.send(sender=servicing_cycle_start, as_of=as_of)
    return servicing.servicing_run_start(as_of=as_of, trigger=trigger, requested_by=requested_by)
