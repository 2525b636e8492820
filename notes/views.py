"""Staff pages: the register, a series, a note with its money and defaults, the servicing cycle.

Every figure on these pages comes from the selectors and the domain core; a
view only parses input, calls one service for a write, and chooses what to
render. Finance may write; Auditors see the same pages without the forms and
get 403 if they POST anyway. htmx requests get the page's fragment
(`page.html#fragment`); without JavaScript the same URLs serve whole pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from approvals.models import PendingAction
from approvals.services import ApprovalConflict
from core.charts import LineChart, line_chart
from core.form_writes import (
    already_recorded_redirect,
    duplicate_confirm_response,
    duplicate_confirmed,
    form_record_once,
    key_spent_on_form,
)
from core.history import record_history
from core.idempotency import IdempotencyConflict
from core.keyset import keyset_page
from core.permissions import is_finance, is_staff_reader
from core.related_rows import related_rows_load
from core.views import (
    StaffPageMixin,
    finance_required,
    htmx_fragment_wanted,
    render_page_or_fragment,
    service_errors_to_form,
)
from holders.models import Holder
from notes import selectors
from notes.forms import (
    SORTS,
    AsOfForm,
    DefaultEventForm,
    NoteCreateForm,
    NoteImportConfirmForm,
    NoteImportUploadForm,
    NoteListForm,
    PaymentForm,
    PaymentReverseForm,
    ServicingRunStartForm,
    StopTransferForm,
    StopTransferLiftForm,
)
from notes.models import (
    Note,
    NoteStatus,
    Payment,
    RunStatus,
    ServicingRun,
)
from notes.services.cycle import servicing_cycle_start
from notes.services.four_eyes import default_event_request
from notes.services.imports import (
    IMPORT_COLUMNS,
    NoteImportRefused,
    note_import_check,
    notes_import,
)
from notes.services.payments import (
    LikelyDuplicate,
    NoteStateConflict,
    payment_likely_duplicate,
    payment_plan,
    payment_record,
    payment_reverse,
)
from notes.services.register import note_create

ACTIVE_STATUSES = (NoteStatus.OUTSTANDING, NoteStatus.ACCELERATED)
ZERO = Decimal("0.00")
UNFINISHED_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


# --- Register ------------------------------------------------------------------------


NOTES_PER_PAGE = 100


def _page(request, queryset):
    """One page of a note list (`?page=`); a series may hold thousands of notes."""
    return Paginator(queryset, NOTES_PER_PAGE).get_page(request.GET.get("page"))


class HomeView(StaffPageMixin, TemplateView):
    template_name = "notes/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["series_list"] = selectors.series_list().annotate(
            note_count=Count("notes"), principal_total=Sum("notes__principal")
        )
        notes = selectors.note_list_annotated().order_by("series__agreement_date", "number")
        ctx["notes"] = _page(self.request, notes)
        return ctx


class SeriesDetailView(StaffPageMixin, TemplateView):
    template_name = "notes/series_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        series = get_object_or_404(selectors.series_list(), pk=kwargs["pk"])
        ctx["series"] = series
        notes = selectors.note_list_annotated().filter(series=series).order_by("number")
        ctx["notes"] = _page(self.request, notes)
        return ctx


# --- A note: position, statements, payments ------------------------------------------


def note_detail_response(
    request,
    note: Note,
    *,
    payment_form: PaymentForm | None = None,
    default_form: DefaultEventForm | None = None,
):
    as_of_form = AsOfForm(request.GET or None)
    as_of = as_of_form.as_of_or_today()
    finance = is_finance(request.user)
    if finance and payment_form is None and note.status in ACTIVE_STATUSES:
        payment_form = PaymentForm()
    payments = selectors.note_payments(note)
    facts = selectors.note_facts_read(note=note, payments=payments)
    defaults = selectors.note_default_read(note=note, as_of=as_of, facts=facts)
    if finance and default_form is None and note.status in ACTIVE_STATUSES:
        default_form = DefaultEventForm(resolvable=defaults.resolvable)
    money = selectors.note_money_read(note=note, as_of=as_of, facts=facts)
    # The latest statements; the rest on the statements page, as of the same day.
    statements_url = reverse("note-statements", args=[note.pk])
    if as_of != timezone.localdate():
        statements_url += f"?as_of={as_of:%Y-%m-%d}"
    shown = money.statements[-selectors.STATEMENTS_ON_NOTE_PAGE:]
    links = selectors.statement_links(money.statements, shown=shown, statements_url=statements_url)
    context = {
        "note": note,
        "as_of_form": as_of_form,
        "money": money,
        "statements": shown,
        "statements_url": statements_url,
        "history": note_history_chart(facts, as_of),
        "payments": payments,
        "payment_form": payment_form if finance else None,
        "defaults": defaults,
        "default_form": default_form if finance else None,
        "can_write": finance,
    }
    if not htmx_fragment_wanted(request):
        # Outside the as-of panel: an htmx swap of the panel does not need it.
        # The register's chain of holders and stop-transfer instructions (§10), and the
        # note's own history of changes.
        context["chain"] = selectors.note_register_chain(note)
        timeline = selectors.timeline_linked(
            selectors.note_timeline(
                note=note, payments=payments, default_events=defaults.events,
                chain=context["chain"], statements=facts.statements,
            ),
            links=links,
        )
        context["timeline"] = timeline[-selectors.TIMELINE_ON_NOTE_PAGE:]
        context["timeline_count"] = len(timeline)
        context["timeline_url"] = reverse("note-timeline", args=[note.pk])
        stop = selectors.stop_transfer_in_force(note)
        context["stop"] = stop
        if finance and note.status in ACTIVE_STATUSES:
            today = {"recorded_on": timezone.localdate(), "lifted_on": timezone.localdate()}
            context["stop_form"] = None if stop else StopTransferForm(initial=today)
            context["lift_form"] = StopTransferLiftForm(initial=today) if stop else None
        context["entries"] = record_history(note)
    return render_page_or_fragment(request, "notes/note_detail.html", "as-of-panel", context)


@dataclass(frozen=True)
class HistoryChart:
    """The note's principal and accrued unpaid interest over time: two charts and a table."""

    points: list
    principal: LineChart | None
    interest: LineChart | None


def note_history_chart(facts, as_of) -> HistoryChart | None:
    points = selectors.note_position_history(facts=facts, through=as_of)
    if len(points) < 2:
        return None
    return HistoryChart(
        points=points,
        principal=line_chart([(p.day, p.outstanding_principal) for p in points]),
        interest=line_chart([(p.day, p.accrued_unpaid_interest) for p in points]),
    )


def note_get(pk: int) -> Note:
    return get_object_or_404(selectors.note_list_annotated(), pk=pk)


class NoteDetailView(StaffPageMixin, View):
    """The note as of a day (`?as_of=`, default today); htmx swaps the as-of panel only."""

    def get(self, request, pk: int):
        note = note_get(pk)
        # A read-only page: the tables that hold nothing for the note are not read.
        related_rows_load(note)
        return note_detail_response(request, note)


class NoteStatementsView(StaffPageMixin, View):
    """Every statement of the note as of a day (`?as_of=`, default today), a page at a time
    (`?page=`), oldest first, with the same figures as the note's page."""

    def get(self, request, pk: int):
        note = note_get(pk)
        as_of_form = AsOfForm(request.GET or None)
        as_of = as_of_form.as_of_or_today()
        money = selectors.note_money_read(
            note=note, as_of=as_of, facts=selectors.note_facts_read(note=note)
        )
        page = Paginator(money.statements, selectors.STATEMENTS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        query = f"?as_of={as_of:%Y-%m-%d}" if as_of != timezone.localdate() else ""
        selectors.statement_links(
            money.statements, shown=list(page.object_list),
            statements_url=reverse("note-statements", args=[note.pk]) + query,
        )
        return TemplateResponse(request, "notes/note_statements.html", {
            "note": note,
            "as_of_form": as_of_form,
            "money": money,
            "statements": page.object_list,
            "page": page,
            "query": query,
        })


class NoteTimelineView(StaffPageMixin, View):
    """The note's whole timeline, oldest first (its page shows the latest entries)."""

    def get(self, request, pk: int):
        note = note_get(pk)
        related_rows_load(note)  # a read-only page
        facts = selectors.note_facts_read(note=note)
        money = selectors.note_money_read(note=note, as_of=timezone.localdate(), facts=facts)
        note_url = reverse("note-detail", args=[note.pk])
        timeline = selectors.timeline_linked(
            selectors.note_timeline(note=note, statements=facts.statements),
            links=selectors.statement_links(
                money.statements, shown=[],
                statements_url=reverse("note-statements", args=[note.pk]),
            ),
            note_url=note_url,
        )
        return TemplateResponse(request, "notes/note_timeline.html", {
            "note": note, "timeline": timeline, "timeline_count": len(timeline),
        })


def _payment_duplicate_details(payment: Payment) -> list[tuple[str, str]]:
    return [
        ("Note", str(payment.note)),
        ("Paid on", f"{payment.paid_on:%Y-%m-%d}"),
        ("Amount", f"{payment.amount.currency} {payment.amount.amount:,.2f}"),
        ("Applies to", payment.get_applies_to_display()),
        ("Method", payment.get_method_display()),
        ("Reference", payment.reference),
    ]


class PaymentRecordView(StaffPageMixin, View):
    """POST a payment (Finance). Refusals come back on the form; success redirects (PRG).

    Once per rendered form (its one-time key, in the API's key store); a likely
    duplicate under a new key waits for the user's confirmation.
    """

    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        # The form's address, opened again after a refusal: the form is on the note's page.
        return redirect("note-detail", pk)

    def post(self, request, pk: int):
        finance_required(request)
        note = note_get(pk)
        form = PaymentForm(request.POST)
        if not form.is_valid():
            return note_detail_response(request, note, payment_form=form)
        data = form.cleaned_data
        key = form.idempotency_key
        # A payment keyed before forms used the key store is a repeat as well.
        replay = key is not None and Payment.objects.filter(idempotency_key=key).exists()
        note_url = reverse("note-detail", args=[note.pk])
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: payment_record(
                    note=note,
                    paid_on=data["paid_on"],
                    amount=data["amount"],
                    applies_to=data["applies_to"],
                    method=data["method"],
                    reference=data["reference"],
                    holder_consent_reference=data["holder_consent_reference"],
                    idempotency_key=key,
                    confirm_duplicate=duplicate_confirmed(request),
                    recorded_by=request.user,
                ),
                location=lambda payment: note_url,
            )
        except LikelyDuplicate as exc:
            return duplicate_confirm_response(
                request,
                exc=exc,
                what="payment",
                earlier_url=f"{note_url}#payment-{exc.earlier.pk}",
                cancel_url=f"{note_url}#payments",
                details=_payment_duplicate_details(exc.earlier),
            )
        except ValidationError as exc:  # PaymentRefused
            service_errors_to_form(form, exc)
            # Also said at the top of the page, where the reader is after the reload.
            messages.error(request, "Payment not recorded: " + " ".join(exc.messages))
            return note_detail_response(request, note, payment_form=form)
        except NoteStateConflict as exc:
            form.add_error(None, str(exc))
            messages.error(request, f"Payment not recorded: {exc}")
            return note_detail_response(request, note, payment_form=form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="payment")
            return note_detail_response(request, note, payment_form=form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="payment")
        payment = outcome.value
        amount = f"{payment.amount.currency} {payment.amount.amount:,.2f}"
        if replay:
            messages.info(
                request,
                f"This payment was already recorded ({amount} on {payment.paid_on}); "
                "it was not recorded twice.",
            )
        else:
            messages.success(
                request,
                f"Recorded {payment.get_applies_to_display().lower()} payment of {amount} "
                f"on {payment.paid_on}.",
            )
        return redirect("note-detail", pk=note.pk)


class PaymentPreviewView(StaffPageMixin, View):
    """POST a payment's entries (Finance): what it would do, before it is recorded.

    The allocation to each month and the §4 consent rule come from
    `payment_plan`, the checks and allocation `payment_record` itself runs, so
    the months shown are the months then recorded. Nothing is written; the
    confirm re-posts the entries, one-time key included, to `PaymentRecordView`.
    A refusal comes back on the note's form, beside its field and at the top.
    """

    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        return redirect("note-detail", pk)

    def post(self, request, pk: int):
        finance_required(request)
        note = note_get(pk)
        form = PaymentForm(request.POST)
        if "edit" in request.POST or not form.is_valid():
            return note_detail_response(request, note, payment_form=form)
        data = form.cleaned_data
        try:
            plan = payment_plan(
                note=note,
                paid_on=data["paid_on"],
                amount=data["amount"],
                applies_to=data["applies_to"],
                method=data["method"],
                holder_consent_reference=data["holder_consent_reference"],
            )
        except ValidationError as exc:  # PaymentRefused
            service_errors_to_form(form, exc)
            messages.error(request, "Payment not recorded: " + " ".join(exc.messages))
            return note_detail_response(request, note, payment_form=form)
        except NoteStateConflict as exc:
            form.add_error(None, str(exc))
            messages.error(request, f"Payment not recorded: {exc}")
            return note_detail_response(request, note, payment_form=form)
        open_before = dict(plan.open_months)
        applied = dict(plan.allocations)
        months = [
            (start, open_before[start], applied.get(start, ZERO),
             open_before[start] - applied.get(start, ZERO))
            for start, amount in plan.open_months
            if amount or start in applied
        ]
        context = {
            "note": note,
            "plan": plan,
            "form": form,
            "months": months,
            "method_label": dict(form.fields["method"].choices).get(data["method"]),
            "duplicate": payment_likely_duplicate(
                note=note, paid_on=data["paid_on"], amount=data["amount"],
                reference=data["reference"], applies_to=data["applies_to"],
            ),
            "hidden": [
                (name, value)
                for name, values in request.POST.lists()
                if name not in ("csrfmiddlewaretoken", "edit")
                for value in values
            ],
        }
        return TemplateResponse(request, "notes/payment_preview.html", context)


class DefaultEventRecordView(StaffPageMixin, View):
    """POST an event of §3 (Finance), once per rendered form; refusals come back on the form."""

    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        return redirect("note-detail", pk)

    def post(self, request, pk: int):
        finance_required(request)
        note = note_get(pk)
        resolvable = selectors.note_default_read(note=note, as_of=note.issue_date).resolvable
        form = DefaultEventForm(request.POST, resolvable=resolvable)
        if not form.is_valid():
            return note_detail_response(request, note, default_form=form)
        data = form.cleaned_data
        note_url = reverse("note-detail", args=[note.pk])
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: default_event_request(
                    note=note,
                    kind=data["kind"],
                    date=data["date"],
                    delivery_method=data["delivery_method"],
                    resolves=data["resolves"],
                    description=data["description"],
                    recorded_by=request.user,
                ),
                location=lambda event: f"{note_url}#default-event-{event.pk}",
            )
        except ValidationError as exc:  # DefaultEventRefused
            service_errors_to_form(form, exc)
            messages.error(request, "Event not recorded: " + " ".join(exc.messages))
            return note_detail_response(request, note, default_form=form)
        except (NoteStateConflict, ApprovalConflict) as exc:
            form.add_error(None, str(exc))
            messages.error(request, f"Event not recorded: {exc}")
            return note_detail_response(request, note, default_form=form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="event")
            return note_detail_response(request, note, default_form=form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="event")
        event = outcome.value
        if isinstance(event, PendingAction):
            messages.success(
                request,
                "Acceleration held for approval: the note is accelerated only when a second "
                "Finance user approves it (four eyes).",
            )
            return redirect(f"{note_url}#pending-actions")
        delivered = (
            f", deemed delivered {event.deemed_delivered_on} (§12)"
            if event.deemed_delivered_on
            else ""
        )
        messages.success(
            request,
            f"Recorded: {event.get_kind_display()} on {event.date}{delivered}.",
        )
        return redirect(f"{note_url}#default")


class PaymentReverseView(StaffPageMixin, View):
    """Reverse a payment with a reason (Finance): a reversing entry, never an edit."""

    template_name = "notes/payment_reverse.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and is_staff_reader(request.user):
            finance_required(request)
        return super().dispatch(request, *args, **kwargs)

    def payment_get(self, pk: int) -> Payment:
        return get_object_or_404(
            selectors.payment_list().select_related("reversed_by").prefetch_related(
                "allocations"
            ),
            pk=pk,
        )

    def render(self, request, payment: Payment, form: PaymentReverseForm):
        return TemplateResponse(
            request, self.template_name, {"payment": payment, "note": payment.note, "form": form}
        )

    def get(self, request, pk: int):
        return self.render(request, self.payment_get(pk), PaymentReverseForm())

    def post(self, request, pk: int):
        payment = self.payment_get(pk)
        form = PaymentReverseForm(request.POST)
        if not form.is_valid():
            return self.render(request, payment, form)
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: payment_reverse(
                    payment=payment, reason=form.cleaned_data["reason"], recorded_by=request.user
                ),
                # The page's top, where the message says what happened.
                location=lambda reversal: reverse("note-detail", args=[payment.note_id]),
            )
        except ValidationError as exc:  # PaymentRefused
            service_errors_to_form(form, exc)
            return self.render(request, payment, form)
        except NoteStateConflict as exc:
            form.add_error(None, str(exc))
            return self.render(request, payment, form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="reversal")
            return self.render(request, payment, form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="reversal")
        reversal = outcome.value
        messages.success(
            request,
            f"Reversed the {payment.get_applies_to_display().lower()} payment of "
            f"{payment.amount.currency} {payment.amount.amount:,.2f} on {payment.paid_on} "
            f"(reversal #{reversal.pk})." + _corrections_sentence(reversal),
        )
        return redirect("note-detail", payment.note_id)


def _corrections_sentence(reversal: Payment) -> str:
    corrections = getattr(reversal, "corrections", [])
    adjusted = sum(1 for s in corrections if s.corrects_id)
    issued = len(corrections) - adjusted
    parts = []
    if adjusted:
        parts.append(
            f"{adjusted} stated month{'s' if adjusted != 1 else ''} corrected by adjustment,"
            f" due on the next due date"
        )
    if issued:
        parts.append(f"{issued} month{'s' if issued != 1 else ''} now stated")
    if not parts:
        return ""
    return " " + "; ".join(parts).capitalize() + " — see the interest statements (§2)."


# --- Servicing -----------------------------------------------------------------------


class ServicingView(StaffPageMixin, ListView):
    """The servicing runs, newest first; Finance can start one as of a day."""

    template_name = "notes/servicing.html"
    context_object_name = "runs"
    paginate_by = 50

    def get_queryset(self):
        return ServicingRun.objects.select_related("requested_by").order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_write"] = is_finance(self.request.user)
        if ctx["can_write"]:
            ctx["start_form"] = kwargs.get("start_form") or ServicingRunStartForm()
        return ctx

    def post(self, request):
        finance_required(request)
        form = ServicingRunStartForm(request.POST)
        if not form.is_valid():
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(start_form=form))
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: servicing_cycle_start(
                    as_of=form.cleaned_data["as_of"], trigger="manual", requested_by=request.user
                ),
                location=lambda run: reverse("servicing-run-detail", args=[run.pk]),
            )
        except IdempotencyConflict:
            key_spent_on_form(form, what="servicing run")
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(start_form=form))
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="servicing run")
        run = outcome.value
        messages.success(request, f"Servicing run #{run.pk} as of {run.as_of} started.")
        return redirect("servicing-run-detail", pk=run.pk)


class ServicingRunDetailView(StaffPageMixin, DetailView):
    """One run; its progress panel polls itself every 2 s until the run is finished."""

    template_name = "notes/servicing_run_detail.html"
    context_object_name = "run"

    def get_queryset(self):
        return ServicingRun.objects.select_related("requested_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        run = self.object
        ctx["polling"] = run.status in UNFINISHED_RUN_STATUSES
        # The chunks worth a look: not done yet, or done only after a retry.
        ctx["chunks"] = run.chunks.filter(Q(done=False) | Q(attempts__gt=1)).order_by("index")
        return ctx

    def render_to_response(self, context, **kwargs):
        return render_page_or_fragment(
            self.request, self.template_name, "progress", context, **kwargs
        )


# --- The notes list, a new note, a batch of notes from a CSV file ---------------------

NOTES_LIST_PAGE_SIZE = 50
NOTE_LIST_COLUMNS = (
    "number", "holder_id", "holder__name", "series_id", "series__name", "principal",
    "principal_currency", "issue_date", "maturity_date", "status",
)

# Sort key → (lookup, the value of a row, for the keyset cursor).
NOTE_SORTS = {
    "number": ("number", lambda n: n.number),
    "holder": ("holder__name", lambda n: n.holder.name),
    "principal": ("principal", lambda n: n.principal.amount),
    "issue_date": ("issue_date", lambda n: n.issue_date),
    "maturity_date": ("maturity_date", lambda n: n.maturity_date),
    "status": ("status", lambda n: n.status),
}


class NoteListView(StaffPageMixin, View):
    """Every note, searched, filtered and sorted, with the outstanding principal of the lot.

    GET `q` (number, holder or series), `series`, `holder`, `status`,
    `past_due=1`, `in_default=1` (as of today; see `notes.selectors`), `sort`
    (a column, `-` for descending). Pages are keyset pages (`after`, `before`,
    `page=last`): as fast at the 100,000th note as at the first. The footer
    total is `selectors.outstanding_principal_totals` of the same filter, the
    figure the dashboard shows for it, kept while the database is unchanged
    (`selectors.note_list_totals`).
    """

    def get(self, request):
        series_choices = [(s.pk, str(s)) for s in selectors.series_list()]
        form = NoteListForm(request.GET or None, series_choices=series_choices)
        note_filter = selectors.NoteFilter(
            search=form.value("q") or "",
            series=form.value("series"),
            holder=form.value("holder"),
            status=form.value("status") or "",
            past_due=bool(form.value("past_due")),
            in_default=bool(form.value("in_default")),
        )
        today = timezone.localdate()
        # The columns shown and the sort keys, nothing else: a page builds fewer objects.
        notes = (
            selectors.note_list_filtered(note_filter, as_of=today)
            .select_related(None)
            .select_related("series", "holder")
            .only(*NOTE_LIST_COLUMNS)
        )
        sort = form.value("sort") or "number"
        field, value_of = NOTE_SORTS[sort.lstrip("-")]
        page = keyset_page(
            notes,
            field=field,
            value_of=value_of,
            descending=sort.startswith("-"),
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            last=request.GET.get("page") == "last",
            size=NOTES_LIST_PAGE_SIZE,
        )
        holder = (
            Holder.objects.filter(pk=note_filter.holder).only("pk", "name").first()
            if note_filter.holder
            else None
        )
        columns = [
            {
                "key": key,
                "label": label,
                "sorted": sort.lstrip("-") == key,
                "descending": sort == f"-{key}",
                # A click on the sorted column turns its order round.
                "next_sort": f"-{key}" if sort == key else key,
                "numeric": key == "principal",
            }
            for key, label in SORTS.items()
        ]
        context = {
            "form": form,
            "notes": page,
            "totals": selectors.note_list_totals(note_filter, as_of=today),
            "holder": holder,
            "columns": columns,
            "filtered": any(
                [note_filter.search, note_filter.series, note_filter.holder,
                 note_filter.status, note_filter.past_due, note_filter.in_default]
            ),
            "can_write": is_finance(request.user),
        }
        return TemplateResponse(request, "notes/notes_list.html", context)


def _note_create_form(data=None, initial=None) -> NoteCreateForm:
    return NoteCreateForm(
        data,
        initial=initial,
        series_queryset=selectors.series_list(),
        holder_queryset=Holder.objects.order_by("name", "id"),
    )


class NoteCreateView(StaffPageMixin, View):
    """Finance records a note (once per rendered form); the register assigns its number."""

    template_name = "notes/note_create.html"

    def render(self, request, form):
        return TemplateResponse(request, self.template_name, {"form": form})

    def get(self, request):
        finance_required(request)
        initial = {k: request.GET[k] for k in ("series", "holder") if request.GET.get(k)}
        return self.render(request, _note_create_form(initial=initial))

    def post(self, request):
        finance_required(request)
        form = _note_create_form(request.POST)
        if not form.is_valid():
            return self.render(request, form)
        data = form.cleaned_data
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: note_create(
                    series=data["series"],
                    holder=data["holder"],
                    principal=data["principal"],
                    issue_date=data["issue_date"],
                ),
                location=lambda note: reverse("note-detail", args=[note.pk]),
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return self.render(request, form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="note")
            return self.render(request, form)
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="note")
        note = outcome.value
        messages.success(
            request,
            f"Recorded note {note.number}: {note.currency} {note.principal.amount:,.2f} to "
            f"{note.holder.name}, issued {note.issue_date:%Y-%m-%d}, maturing "
            f"{note.maturity_date:%Y-%m-%d} (§1).",
        )
        return redirect("note-detail", note.pk)


# The rows a summary names one by one; the preview table shows every row.
IMPORT_ERRORS_LISTED = 20


def _row_errors_to_form(form, rows) -> None:
    bad = [r for r in rows if r.errors]
    for row in bad[:IMPORT_ERRORS_LISTED]:
        form.add_error(None, f"Line {row.line}: " + " ".join(row.errors))
    if len(bad) > IMPORT_ERRORS_LISTED:
        form.add_error(
            None, f"… and {len(bad) - IMPORT_ERRORS_LISTED} more rows: see the table below."
        )


class NoteImportView(StaffPageMixin, View):
    """Upload a CSV of notes (Finance) → a preview with each row's errors → confirm.

    Nothing is recorded by the upload. The preview carries the rows, signed,
    in the confirm form (`NoteImportConfirmForm`), which `NoteImportConfirmView`
    checks again against the register and records all at once, or none.
    """

    template_name = "notes/note_import.html"

    def render(self, request, *, upload_form, rows=None, confirm_form=None):
        context = {
            "upload_form": upload_form,
            "rows": rows,
            "valid": bool(rows) and all(r.valid for r in rows),
            "invalid_count": sum(1 for r in rows or () if not r.valid),
            "confirm_form": confirm_form,
            "columns": IMPORT_COLUMNS,
        }
        return TemplateResponse(request, self.template_name, context)

    def get(self, request):
        finance_required(request)
        return self.render(request, upload_form=NoteImportUploadForm())

    def post(self, request):
        finance_required(request)
        upload_form = NoteImportUploadForm(request.POST, request.FILES)
        if not upload_form.is_valid():
            return self.render(request, upload_form=upload_form)
        rows = note_import_check(upload_form.rows)
        confirm_form = None
        if all(r.valid for r in rows):
            confirm_form = NoteImportConfirmForm.for_rows(upload_form.rows)
        else:
            _row_errors_to_form(upload_form, rows)
        return self.render(request, upload_form=upload_form, rows=rows, confirm_form=confirm_form)


class NoteImportConfirmView(StaffPageMixin, View):
    """Record the previewed batch (Finance): one transaction, once per preview."""

    http_method_names = ["get", "post"]

    def get(self, request):
        return redirect("note-import")

    def post(self, request):
        finance_required(request)
        page = NoteImportView()
        form = NoteImportConfirmForm(request.POST)
        if not form.is_valid():
            upload_form = NoteImportUploadForm()
            rows = None
            if "rows" in form.cleaned_data:
                rows = note_import_check(form.cleaned_data["rows"])
            return page.render(request, upload_form=upload_form, rows=rows, confirm_form=form)
        try:
            outcome = form_record_once(
                request,
                form=form,
                write=lambda: notes_import(rows=form.cleaned_data["rows"]),
                location=lambda batch: reverse("notes-list"),
            )
        except NoteImportRefused as exc:
            _row_errors_to_form(form, exc.rows)
            messages.error(request, "Notes not recorded: " + " ".join(exc.messages))
            return page.render(
                request, upload_form=NoteImportUploadForm(), rows=exc.rows, confirm_form=form
            )
        except ValidationError as exc:
            service_errors_to_form(form, exc)
            return page.render(request, upload_form=NoteImportUploadForm(), confirm_form=form)
        except IdempotencyConflict:
            key_spent_on_form(form, what="batch of notes")
            rows = note_import_check(form.cleaned_data["rows"])
            return page.render(
                request, upload_form=NoteImportUploadForm(), rows=rows, confirm_form=form
            )
        if outcome.replayed:
            return already_recorded_redirect(request, outcome, what="batch of notes")
        notes = outcome.value.notes
        numbers = ", ".join(n.number for n in notes[:10]) + (" …" if len(notes) > 10 else "")
        messages.success(
            request,
            f"Recorded {len(notes)} note{'s' if len(notes) != 1 else ''} in one batch: {numbers}.",
        )
        return redirect("notes-list")
