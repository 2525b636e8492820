"""The Notice of Election page (Exhibit A): a note's voluntary conversion (§5.1, §6.1).

Lists the issuer's $3 Million Qualified Offerings under the note's series terms
with their voluntary windows; Finance records a notice received from the holder
(`election_record`), which converts the note on that day. Its shares wait for
the Conversion Price if the offering has none yet.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from core.form_writes import already_recorded_redirect, form_record_once, key_spent_on_form
from core.idempotency import IdempotencyConflict
from core.permissions import is_finance
from core.views import StaffPageMixin, finance_required, service_errors_to_form
from notes.models import Note
from notes.services.payments import NoteStateConflict
from offerings import services
from offerings.domain.qualification import qualifies_voluntary
from offerings.forms import ElectionForm
from offerings.models import ConversionStatus, Offering
from offerings.views.shared import ACTIVE_STATUSES


class ElectionRecordView(StaffPageMixin, View):
    """A Notice of Election (Exhibit A) for a note → its voluntary conversion (§5.1, §6.1)."""

    template_name = "offerings/election.html"

    def note_get(self, note_pk: int) -> Note:
        return get_object_or_404(
            Note.objects.select_related("series__issuer", "holder"), pk=note_pk
        )

    def qualified_offerings(self, note: Note) -> list[Offering]:
        """The issuer's $3 Million Qualified Offerings under the note's series terms."""
        thresholds = services.series_thresholds(note.series)
        return [
            o
            for o in Offering.objects.filter(issuer_id=note.series.issuer_id).order_by(
                "-closing_date", "-id"
            )
            if qualifies_voluntary(o.kind, o.gross_proceeds.amount, thresholds)
        ]

    def window_label(self, note: Note):
        def label(offering: Offering) -> str:
            opens, closes = services.voluntary_window(offering, note.series)
            return (
                f"PIPE closing {offering.closing_date}, {offering.gross_proceeds.currency} "
                f"{offering.gross_proceeds.amount:,.2f} — window {opens} through {closes}, "
                f"Conversion Price {offering.conversion_price or 'not yet set'}"
            )

        return label

    def form_for(self, note: Note, offerings: list[Offering], data=None) -> ElectionForm:
        return ElectionForm(
            data,
            offerings=Offering.objects.filter(pk__in=[o.pk for o in offerings]).order_by(
                "-closing_date", "-id"
            ),
            window_of=self.window_label(note),
        )

    def render(self, request, note: Note, offerings: list[Offering], form=None):
        finance = is_finance(request.user)
        active = note.status in ACTIVE_STATUSES
        if finance and form is None and active and offerings:
            form = self.form_for(note, offerings)
        label = self.window_label(note)
        context = {
            "note": note,
            "offerings": [(o, label(o)) for o in offerings],
            "form": form if finance else None,
            "can_write": finance,
            "active": active,
        }
        return TemplateResponse(request, self.template_name, context)

    def get(self, request, note_pk: int):
        note = self.note_get(note_pk)
        return self.render(request, note, self.qualified_offerings(note))

    def post(self, request, note_pk: int):
        finance_required(request)
        note = self.note_get(note_pk)
        offerings = self.qualified_offerings(note)
        form = self.form_for(note, offerings, request.POST)
        if not form.is_valid():
            return self.render(request, note, offerings, form)
        data = form.cleaned_data
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: services.election_record(
                    note=note,
                    offering=data["offering"],
                    received_on=data["received_on"],
                    certificate_names=data["certificate_names"],
                    address=data["address"],
                    tax_id=data["tax_id"],
                    recorded_by=request.user,
                ),
                location=lambda conversion: reverse("note-detail", args=[note.pk]),
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return self.render(request, note, offerings, form)
        except NoteStateConflict as exc:
            form.add_error(None, str(exc))
            return self.render(request, note, offerings, form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="Notice of Election")
            return self.render(request, note, offerings, form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="Notice of Election")
        conversion = outcome.value
        if conversion.status == ConversionStatus.DONE:
            messages.success(
                request,
                f"Recorded the Notice of Election received {conversion.conversion_date}: "
                f"{note} converted at {conversion.conversion_price} into "
                f"{conversion.shares:,} shares of Common Stock; cash in lieu "
                f"{conversion.currency} {conversion.cash_in_lieu:,.2f} due "
                f"{conversion.cash_due_date}.",
            )
        else:
            messages.warning(
                request,
                f"Recorded the Notice of Election received {conversion.conversion_date}: "
                f"{note} converted on that day; its shares wait for the Conversion Price "
                f"({conversion.price_source}).",
            )
        return redirect("note-detail", pk=note.pk)
