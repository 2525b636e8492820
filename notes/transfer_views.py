"""Staff pages for transfers (§10): the list, a transfer with its decision, the forms.

Finance records a holder's notice with counsel's opinion (copies uploaded),
approves or refuses it, and records or lifts stop-transfer instructions; each
form carries a one-time key, so a double click or a Back-and-resubmit records
once. Auditors see the same pages without the forms and get 403 if they POST.
The documents are served only to staff, from Django's storage.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View

from core.form_writes import (
    already_recorded_redirect,
    form_record_once,
    key_spent_on_form,
)
from core.history import record_history
from core.idempotency import IdempotencyConflict
from core.permissions import is_finance
from core.views import StaffPageMixin, finance_required, service_errors_to_form
from holders.models import Holder
from holders.services import holder_create
from notes import selectors
from notes.forms import (
    StopTransferForm,
    StopTransferLiftForm,
    TransferDecisionForm,
    TransferRequestForm,
)
from notes.models import Document, Note, StopTransferInstruction, TransferDecision
from notes.services.payments import NoteStateConflict
from notes.services.transfers import (
    document_store,
    stop_transfer_lift,
    stop_transfer_record,
    transfer_approve,
    transfer_refuse,
    transfer_request,
)


class TransferListView(StaffPageMixin, View):
    """Every transfer, those awaiting a decision first."""

    def get(self, request):
        transfers = list(selectors.transfer_list()[:500])
        transfers.sort(key=lambda t: t.decision != TransferDecision.PENDING)
        return TemplateResponse(
            request, "notes/transfers.html",
            {"transfers": transfers, "can_write": is_finance(request.user)},
        )


def transfer_page(request, transfer, *, decision_form=None, status=200):
    finance = is_finance(request.user)
    if finance and decision_form is None and transfer.decision == TransferDecision.PENDING:
        decision_form = TransferDecisionForm(
            initial={"effective_date": timezone.localdate(), "legend_required": True}
        )
    stop = selectors.stop_transfer_in_force(transfer.note)
    context = {
        "transfer": transfer,
        "note": transfer.note,
        "chain": selectors.note_register_chain(transfer.note),
        "stop": stop,
        "letters": list(transfer.notices.all()),
        "decision_form": decision_form if finance else None,
        "can_write": finance,
        "entries": record_history(transfer),
    }
    return TemplateResponse(request, "notes/transfer_detail.html", context, status=status)


def _transfer_get(pk: int):
    return get_object_or_404(selectors.transfer_list(), pk=pk)


class TransferDetailView(StaffPageMixin, View):
    def get(self, request, pk: int):
        return transfer_page(request, _transfer_get(pk))


class TransferDecisionView(StaffPageMixin, View):
    """POST the decision (Finance), once per rendered form."""

    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        return redirect("transfer-detail", pk)

    def post(self, request, pk: int):
        finance_required(request)
        transfer = _transfer_get(pk)
        form = TransferDecisionForm(request.POST)
        if not form.is_valid():
            return transfer_page(request, transfer, decision_form=form, status=400)
        data = form.cleaned_data
        url = reverse("transfer-detail", args=[transfer.pk])

        def write():
            if data["decision"] == TransferDecision.APPROVED:
                return transfer_approve(
                    transfer=transfer,
                    effective_date=data["effective_date"],
                    legend_required=data["legend_required"],
                    legend_counsel_reference=data["legend_counsel_reference"],
                    decided_by=request.user,
                )
            return transfer_refuse(
                transfer=transfer, reason=data["reason"], decided_by=request.user
            )

        try:
            outcome = form_record_once(request, form=form, write=write, location=lambda t: url)
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            messages.error(request, "Decision not recorded: " + " ".join(exc.messages))
            return transfer_page(request, transfer, decision_form=form, status=400)
        except NoteStateConflict as exc:
            form.add_error(None, str(exc))
            messages.error(request, f"Decision not recorded: {exc}")
            return transfer_page(request, transfer, decision_form=form, status=409)
        except IdempotencyConflict:
            key_spent_on_form(form, what="decision")
            return transfer_page(request, transfer, decision_form=form, status=409)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="decision")
        decided = outcome.value
        if decided.decision == TransferDecision.APPROVED:
            messages.success(
                request,
                f"Approved: {decided.transferee} is the registered holder of {decided.note} "
                f"from {decided.effective_date} (§10)"
                + (", with the restrictive legend." if decided.legend_required else
                   "; the legend is not required on the issuer's counsel's opinion."),
            )
        else:
            messages.success(
                request,
                f"Refused. The letter to {decided.transferor} giving the reason is made now "
                "and listed below (§10).",
            )
        return redirect(url)


def _holders():
    return Holder.objects.order_by("name", "pk")


def _request_page(request, note, form, status=200):
    return TemplateResponse(
        request, "notes/transfer_request.html",
        {"note": note, "form": form, "stop": selectors.stop_transfer_in_force(note)},
        status=status,
    )


class TransferRequestView(StaffPageMixin, View):
    """Record a holder's notice of a transfer with counsel's opinion (Finance)."""

    def get(self, request, pk: int):
        finance_required(request)
        note = get_object_or_404(Note.objects.select_related("holder", "series"), pk=pk)
        return _request_page(request, note, TransferRequestForm(holders=_holders()))

    def post(self, request, pk: int):
        finance_required(request)
        note = get_object_or_404(Note.objects.select_related("holder", "series"), pk=pk)
        form = TransferRequestForm(request.POST, request.FILES, holders=_holders())
        if not form.is_valid():
            return _request_page(request, note, form, status=400)
        data = form.cleaned_data

        def write():
            with transaction.atomic():
                transferee = data["transferee"] or holder_create(
                    name=data["new_name"].strip(),
                    kind=data["new_kind"] or "person",
                    address={
                        "line1": data["new_line1"], "city": data["new_city"],
                        "region": data["new_region"], "postal_code": data["new_postal_code"],
                        "country": "US",
                    },
                    address_effective_from=data["notice_received_on"],
                )
                return transfer_request(
                    note=note,
                    transferee=transferee,
                    manner=data["manner"],
                    notice_received_on=data["notice_received_on"],
                    opinion_received_on=data["opinion_received_on"],
                    notice_document=document_store(
                        upload=data["notice_document"], field="notice_document",
                        uploaded_by=request.user,
                    ),
                    opinion_document=document_store(
                        upload=data["opinion_document"], field="opinion_document",
                        uploaded_by=request.user,
                    ),
                    recorded_by=request.user,
                )

        try:
            outcome = form_record_once(
                request, form=form, write=write,
                location=lambda t: reverse("transfer-detail", args=[t.pk]),
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            messages.error(request, "Transfer not recorded: " + " ".join(exc.messages))
            return _request_page(request, note, form, status=400)
        except NoteStateConflict as exc:
            form.add_error(None, str(exc))
            messages.error(request, f"Transfer not recorded: {exc}")
            return _request_page(request, note, form, status=409)
        except IdempotencyConflict:
            key_spent_on_form(form, what="transfer")
            return _request_page(request, note, form, status=409)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="transfer")
        transfer = outcome.value
        messages.success(
            request,
            f"Recorded: notice of the transfer of {note} to {transfer.transferee}; it awaits "
            "a decision.",
        )
        return redirect("transfer-detail", transfer.pk)


class StopTransferRecordView(StaffPageMixin, View):
    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        return redirect(reverse("note-detail", args=[pk]) + "#chain")

    def post(self, request, pk: int):
        finance_required(request)
        note = get_object_or_404(Note, pk=pk)
        form = StopTransferForm(request.POST)
        url = reverse("note-detail", args=[note.pk]) + "#chain"
        if form.is_valid():
            try:
                outcome = form_record_once(
                    request, form=form,
                    write=lambda: stop_transfer_record(
                        note=note, reason=form.cleaned_data["reason"],
                        recorded_on=form.cleaned_data["recorded_on"], recorded_by=request.user,
                    ),
                    location=lambda s: url,
                )
            except (ValidationError, NoteStateConflict, IdempotencyConflict) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                messages.error(request, f"Stop-transfer instruction not recorded: {text}")
                return redirect(url)
            if outcome.replayed:
                return already_recorded_redirect(request, outcome, what="instruction")
            messages.success(request, "Stop-transfer instruction recorded (§10).")
        else:
            errors = "; ".join(f"{form.fields[f].label if f in form.fields else ''} {' '.join(e)}"
                               for f, e in form.errors.items())
            messages.error(request, f"Stop-transfer instruction not recorded: {errors}")
        return redirect(url)


class StopTransferLiftView(StaffPageMixin, View):
    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        instruction = get_object_or_404(StopTransferInstruction, pk=pk)
        return redirect(reverse("note-detail", args=[instruction.note_id]) + "#chain")

    def post(self, request, pk: int):
        finance_required(request)
        instruction = get_object_or_404(StopTransferInstruction, pk=pk)
        url = reverse("note-detail", args=[instruction.note_id]) + "#chain"
        form = StopTransferLiftForm(request.POST)
        if form.is_valid():
            try:
                outcome = form_record_once(
                    request, form=form,
                    write=lambda: stop_transfer_lift(
                        instruction=instruction, reason=form.cleaned_data["lift_reason"],
                        lifted_on=form.cleaned_data["lifted_on"], lifted_by=request.user,
                    ),
                    location=lambda s: url,
                )
            except (ValidationError, NoteStateConflict, IdempotencyConflict) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                messages.error(request, f"Instruction not lifted: {text}")
                return redirect(url)
            if outcome.replayed:
                return already_recorded_redirect(request, outcome, what="lift")
            messages.success(request, "Stop-transfer instruction lifted.")
        else:
            messages.error(request, "Instruction not lifted: give the date and the reason.")
        return redirect(url)


class DocumentDownloadView(StaffPageMixin, View):
    """A received document, to staff only (holders and anonymous callers never get it)."""

    def get(self, request, pk: int):
        document = get_object_or_404(Document, pk=pk)
        return FileResponse(
            document.file.open("rb"),
            content_type=document.content_type,
            as_attachment=False,
            filename=document.original_name,
        )
