"""When an offering, a corporate event or a Notice of Election may be recorded (§5.1, §5.2).

Recording one converts notes on its date: a qualifying offering or a change of
control converts every affected note on that date (§5.2), and a Notice of
Election converts its note on the day received (§5.1). So none is recorded
before it has happened, and no offering or event is dated before the issuer's
first note was issued: the notes could not have been affected.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone

from notes.models import Note


def _first_note_date(issuer) -> date | None:
    return Note.objects.filter(series__issuer=issuer).aggregate(d=Min("issue_date"))["d"]


def refuse_future(day: date, field: str, what: str) -> None:
    """Refuse `what` dated after today.

    Raises:
        ValidationError: on `field`, when `day` is after today.
    """
    today = timezone.localdate()
    if day > today:
        raise ValidationError(
            {
                field: (
                    f"{day} is after today ({today}); {what} is recorded once it has happened —"
                    " recording it converts notes on that date."
                )
            }
        )


def refuse_before_notes(issuer, day: date, field: str) -> None:
    """Refuse a day before the issuer's first note was issued.

    Raises:
        ValidationError: on `field`, when `day` is before the first issue date.
    """
    first = _first_note_date(issuer)
    if first is not None and day < first:
        raise ValidationError(
            {
                field: (
                    f"{day} is before the issuer's first note was issued ({first}); "
                    "the notes could "
                    "not have been affected."
                )
            }
        )
