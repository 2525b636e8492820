"""Every figure of the register as JSON: each note's position and each servicing run's statements.

Run it against a database and against its restored copy (or before and after an
upgrade): the two outputs must be identical. `docs/operations.md` ("Backups")
uses it to check a restore; the backup test does the same.
"""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from notes.models import InterestStatement, Note, ServicingRun
from notes.selectors import note_position_get


def register_figures(*, as_of: date) -> dict:
    """Each note's position as of a day, and every servicing run with its statements."""
    notes = {}
    for note in Note.objects.select_related("series", "series__issuer", "holder").order_by(
        "series__issuer__name", "series__name", "number"
    ):
        position = note_position_get(note=note, as_of=as_of)
        notes[f"{note.series.issuer.name} / {note.series.name} / {note.number}"] = {
            "holder": note.holder.name,
            "status": note.status,
            "principal": str(note.principal.amount) + " " + str(note.principal.currency),
            "outstanding_principal": str(position.outstanding_principal),
            "accrued_unpaid_interest": str(position.accrued_unpaid_interest),
            "note_amount": str(position.note_amount),
            "past_due_interest": str(position.past_due_interest),
        }
    runs = {}
    for run in ServicingRun.objects.order_by("pk"):
        statements = InterestStatement.objects.filter(servicing_run=run).select_related(
            "note"
        ).order_by("note__number", "period_start", "pk")
        runs[str(run.pk)] = {
            "as_of": run.as_of.isoformat(),
            "status": run.status,
            "statements_created": run.statements_created,
            "statements": [
                {
                    "note": s.note.number,
                    "period": f"{s.period_start}..{s.period_end}",
                    "due": s.due_date.isoformat(),
                    "days": s.days,
                    "amount": f"{s.amount.amount} {s.amount.currency}",
                    "rate": str(s.rate),
                    "day_count": s.day_count,
                    "calculation": s.calculation,
                    "corrects": s.corrects_id,
                    "reason": s.reason,
                }
                for s in statements
            ],
        }
    return {"as_of": as_of.isoformat(), "notes": notes, "servicing_runs": runs}


class Command(BaseCommand):
    help = "Print every note's position and every servicing run's statements as JSON."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None,
            help="The day of the positions (YYYY-MM-DD; default today in TIME_ZONE).",
        )

    def handle(self, *args, as_of: date | None = None, **options):
        figures = register_figures(as_of=as_of or timezone.localdate())
        self.stdout.write(json.dumps(figures, indent=1, sort_keys=True))
