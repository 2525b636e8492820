"""Staff pages for notices: the list with its print-run action, and each letter's PDF.

Finance marks a print run deposited in the mail (one action for many letters,
§12) with a one-time key, so a double click or a re-POST records one run;
Auditors see the same pages without the form and get 403 if they POST.
Holders never see these pages (their login goes to the portal).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View

from core.form_writes import already_recorded_redirect, form_record_once, key_spent_on_form
from core.idempotency import IdempotencyConflict
from core.permissions import is_finance
from core.views import (
    StaffPageMixin,
    finance_required,
    render_page_or_fragment,
    service_errors_to_form,
)
from notes.models import Note
from notices import selectors
from notices.forms import DepositForm, NoticeFilterForm, NoticeRunStartForm
from notices.models import Notice, NoticeRun, RunStatus
from notices.services.delivery import notices_deposit
from notices.services.job import notice_run_start
from offerings.models import NoticeObligation

NOTICES_PER_PAGE = 100


def notices_page(request, *, deposit_form: DepositForm | None = None):
    today = timezone.localdate()
    filters = NoticeFilterForm(request.GET or None)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    notices = selectors.notices_filter(
        selectors.notice_list(),
        note=wanted.get("note"),
        kind=wanted.get("kind"),
        series=wanted["series"].pk if wanted.get("series") else None,
        state=wanted.get("state"),
        today=today,
    )
    page = Paginator(notices, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    finance = is_finance(request.user)
    if finance and deposit_form is None:
        deposit_form = DepositForm(choices=[(n.pk, n.pk) for n in page])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "deposit_form": deposit_form if finance else None,
        "run_form": NoticeRunStartForm() if finance else None,
        "can_write": finance,
        "today": today,
        "attention": selectors.obligations_with_state(as_of=today)
        .filter(state__in=["missed", "open"])
        .select_related("note", "holder", "offering")
        .order_by("-state", "due_by", "id")[:200],
    }
    return TemplateResponse(request, "notices/notices.html", context)


class NoticesView(StaffPageMixin, View):
    """Every notice, newest first, with filters; Finance marks print runs deposited."""

    def get(self, request):
        return notices_page(request)


class DepositView(StaffPageMixin, View):
    """POST a print run deposited on a day (Finance) → `notices_deposit`."""

    http_method_names = ["get", "post"]

    def get(self, request):
        return redirect("notices:list")

    def post(self, request):
        finance_required(request)
        ids = request.POST.getlist("notices")
        form = DepositForm(request.POST, choices=[(i, i) for i in ids if i.isdigit()])
        if not form.is_valid():
            return notices_page(request, deposit_form=form)
        data = form.cleaned_data
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: notices_deposit(
                    notices=data["notices"],
                    deposited_on=data["deposited_on"],
                    recorded_by=request.user,
                )[0],
                location=lambda deposit: reverse("notices:list"),
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return notices_page(request, deposit_form=form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="print run")
            return notices_page(request, deposit_form=form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="print run")
        deposit = outcome.value
        count = deposit.notices.count()
        first = deposit.notices.order_by("deemed_delivered_on").first()
        messages.success(
            request,
            f"Print run #{deposit.pk}: {count} letter{'s' if count != 1 else ''} deposited on "
            f"{deposit.deposited_on}, deemed delivered on {first.deemed_delivered_on} (§12).",
        )
        return redirect("notices:list")


def note_notices_context(note) -> dict:
    """A note's notices, and its §6.1/§6.2 obligations with their state today."""
    return {
        "note": note,
        "notices": selectors.notices_of_note(note),
        "obligations": list(
            selectors.obligations_with_state(
                NoticeObligation.objects.filter(note=note), as_of=timezone.localdate()
            ).order_by("due_by", "id")
        ),
    }


class NoteNoticesView(StaffPageMixin, View):
    """The notices section of a note's page (htmx loads it there)."""

    def get(self, request, pk: int):
        note = get_object_or_404(Note, pk=pk)
        return TemplateResponse(request, "notices/_note_notices.html", note_notices_context(note))


class NoticeDocumentView(StaffPageMixin, View):
    """The notice's PDF, as stored."""

    def get(self, request, pk: int):
        notice = get_object_or_404(Notice, pk=pk)
        return FileResponse(
            notice.document.open("rb"),
            content_type="application/pdf",
            filename=f"notice-{notice.pk}-{notice.kind}.pdf",
        )


class NoticeRunStartView(StaffPageMixin, View):
    """Make the notices due now (Finance): the daily job's work, on demand, dated today."""

    http_method_names = ["get", "post"]

    def get(self, request):
        return redirect("notices:list")

    def post(self, request):
        finance_required(request)
        form = NoticeRunStartForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.non_field_errors()))
            return redirect("notices:list")
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: notice_run_start(
                    as_of=timezone.localdate(), trigger="manual", requested_by=request.user
                ),
                location=lambda run: reverse("notices:run", args=[run.pk]),
            )
        except IdempotencyConflict:
            messages.error(request, "This page was already used for another request; "
                           "nothing was started. Try again from this page.")
            return redirect("notices:list")
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="notice run")
        return redirect("notices:run", outcome.value.pk)


class NoticeRunDetailView(StaffPageMixin, View):
    """One notice run; its progress panel polls itself every 2 s until the run is finished."""

    def get(self, request, pk: int):
        run = get_object_or_404(NoticeRun.objects.select_related("requested_by"), pk=pk)
        context = {
            "run": run,
            "polling": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
            "chunks": run.chunks.filter(Q(done=False) | Q(attempts__gt=1)).order_by("index"),
        }
        return render_page_or_fragment(request, "notices/run_detail.html", "progress", context)
