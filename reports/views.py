"""Staff pages: the dashboard (the staff home), the month-end reports, exports.

Every figure comes from ``reports.selectors``; each dashboard total links to
the list of the notes behind it (``reports:notes``, the same selector with
the same filters), whose totals are the figure.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View

from core.permissions import is_finance
from core.views import StaffPageMixin, htmx_fragment_wanted, render_page_or_fragment
from deadlines.selectors import Kind as DeadlineKind
from deadlines.selectors import deadline_list
from notes.models import NoteSeries
from notices.models import Direction, Notice, NoticeRun
from reports import selectors
from reports.domain.journal import journal_totals
from reports.forms import AsOfForm, ExportRequestForm, NotesListForm, ReportsForm
from reports.models import ExportStatus, ReportExport, ReportKind
from reports.services import (
    report_export_request,
    tax_id_disclosure_record,
    totals_snapshot_for,
)

NOTES_PER_PAGE = 100
ROWS_ON_PAGE = 200  # a report's rows shown on the page; the file has them all
DEADLINE_DAYS = 30


def notes_link(**params) -> str:
    """The notes list behind a figure (`reports:notes` with the figure's filters)."""
    query = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"{reverse('reports:notes')}?{urlencode(query)}"


class DashboardView(StaffPageMixin, View):
    """The staff home: the register's money as of a day, clocks, runs and what needs doing."""

    def get(self, request):
        form = AsOfForm(request.GET or None)
        as_of = form.as_of_or_today()
        currency = request.GET.get("currency") or selectors.DEFAULT_CURRENCY
        if currency not in selectors.currencies_in_use():
            currency = selectors.DEFAULT_CURRENCY
        iso = as_of.isoformat()
        snapshot = totals_snapshot_for(
            as_of=as_of, currency=currency, inline_limit=settings.DASHBOARD_INLINE_NOTES
        )
        money = _snapshot_context(snapshot, iso, currency)
        if htmx_fragment_wanted(request):
            return render_page_or_fragment(
                request, "reports/dashboard.html", "money",
                {"as_of": as_of, "currency": currency, "today": timezone.localdate(), **money},
            )
        windows = deadline_list(
            as_of=as_of, kinds=[DeadlineKind.VOLUNTARY_WINDOW], states=["open"],
            due_after=as_of,
        )
        open_windows: dict[int, dict] = {}
        for d in windows:
            w = open_windows.setdefault(
                d.source_id, {"offering_id": d.source_id, "closes": d.due_on, "notes": 0,
                              "description": d.description}
            )
            w["notes"] += 1
        upcoming = deadline_list(
            as_of=as_of, due_after=as_of, due_before=as_of + timedelta(days=DEADLINE_DAYS),
            states=["open"],
        )
        missed = deadline_list(as_of=as_of, states=["missed"])
        unmailed = Notice.objects.filter(direction=Direction.SENT, sent_on__isnull=True).count()
        context = {
            "form": form,
            "as_of": as_of,
            "today": timezone.localdate(),
            "currency": currency,
            "currencies": selectors.currencies_in_use(),
            **money,
            "open_windows": sorted(open_windows.values(), key=lambda w: w["closes"]),
            "upcoming": upcoming[:50],
            "upcoming_count": len(upcoming),
            "missed": missed[-20:][::-1],
            "missed_count": len(missed),
            "deadline_days": DEADLINE_DAYS,
            "servicing_runs": selectors.recent_servicing_runs(),
            "notice_runs": list(NoticeRun.objects.order_by("-created_at", "-id")[:5]),
            "unmailed_notices": unmailed,
            "awaiting_price": list(selectors.conversions_awaiting_price()[:20]),
            "cash_unpaid": selectors.cash_in_lieu_unpaid()[:20],
        }
        return TemplateResponse(request, "reports/dashboard.html", context)


def _snapshot_context(snapshot, iso: str, currency: str) -> dict:
    """The money panel: the stored totals once done; else the progress, polled by the page."""
    context = {"snapshot": snapshot, "links": _figure_links(iso, currency, None)}
    if snapshot.status != ExportStatus.DONE:
        return {**context, "totals": None, "by_series": []}
    totals, series = selectors.totals_from_json(snapshot.totals)
    by_series = [
        {**s, "links": _figure_links(iso, currency, s["id"])}
        for s in sorted(series, key=lambda s: (-s["totals"].notes, s["name"]))
    ]
    return {**context, "totals": totals, "by_series": by_series}


def _figure_links(as_of: str, currency: str, series_id: int | None) -> dict[str, str]:
    common = {"as_of": as_of, "currency": currency, "series": series_id}
    return {
        "all": notes_link(**common),
        "past_due": notes_link(**common, past_due=1),
        "due_this_month": notes_link(**common, due_this_month=1),
    }


class NotesReportView(StaffPageMixin, View):
    """The notes behind a figure, with their positions and the figure as the totals."""

    def get(self, request):
        form = NotesListForm(request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        as_of = data.get("as_of") or timezone.localdate()
        currency = data.get("currency") or selectors.DEFAULT_CURRENCY
        series = data.get("series")
        report = selectors.notes_outstanding_report(
            as_of=as_of,
            currency=currency,
            series_id=series.pk if series else None,
            status=data.get("status") or None,
            past_due_only=bool(data.get("past_due")),
            due_this_month_only=bool(data.get("due_this_month")),
        )
        page = Paginator(report.rows, NOTES_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return TemplateResponse(
            request,
            "reports/notes.html",
            {
                "form": form, "as_of": as_of, "currency": currency, "series": series,
                "report": report, "page": page, "query": query.urlencode(),
                "export_params": {
                    "as_of": as_of.isoformat(), "currency": currency,
                    "series": series.pk if series else "", "status": data.get("status") or "",
                    "past_due": "1" if data.get("past_due") else "",
                },
            },
        )


class ReportsView(StaffPageMixin, View):
    """The month-end package: each report on screen with its totals, and its downloads.

    Tax IDs are masked. Finance may ask to see them in full with a POST (a
    showing is an act, recorded in the audit trail); a GET never shows them.
    """

    def get(self, request):
        return self._render(request, full=False)

    def post(self, request):
        if request.POST.get("tax_id") != "full":
            return redirect(f"{request.path}?{request.GET.urlencode()}")
        if not is_finance(request.user):
            raise PermissionDenied("Only Finance may see full tax IDs; Auditors see them masked.")
        return self._render(request, full=True)

    def _render(self, request, *, full: bool):
        form = ReportsForm(request.GET or None)
        v = form.values()
        year, month = v["month"]
        today = timezone.localdate()
        through = selectors.month_through(year, month, today)
        accrual = list(
            selectors.month_accrual_rows(
                year=year, month=month, currency=v["currency"], through=through
            )
        )
        journal_other = selectors.month_journal_other_lines(
            year=year, month=month, currency=v["currency"], through=through
        )
        accrual_total = sum((r.amount for r in accrual), selectors.ZERO)
        other_totals = journal_totals(journal_other)
        # Each accrual row is one balanced two-leg entry of its amount.
        journal = {
            "debit": accrual_total + other_totals.debit,
            "credit": accrual_total + other_totals.credit,
        }
        by_account: dict[str, list] = {}
        for line in journal_other:
            acc = by_account.setdefault(str(line.account), [selectors.ZERO, selectors.ZERO])
            acc[0] += line.debit
            acc[1] += line.credit
        outstanding = selectors.notes_outstanding_report(
            as_of=v["as_of"], currency=v["currency"], keep_rows=False
        )
        interest_paid = selectors.interest_paid_by_holder(
            year=v["year"], currency=v["currency"], full_tax_ids=full
        )
        if full:
            tax_id_disclosure_record(
                user=request.user, report="interest_paid",
                params={"year": v["year"], "currency": v["currency"]},
                holder_ids=[r.holder_id for r in interest_paid], channel="page",
                path=request.get_full_path(),
            )
        payments = selectors.payments_register(
            date_from=v["date_from"], date_to=v["date_to"], currency=v["currency"]
        )
        params = {
            "month": f"{year:04d}-{month:02d}", "as_of": v["as_of"].isoformat(),
            "year": str(v["year"]), "date_from": v["date_from"].isoformat(),
            "date_to": v["date_to"].isoformat(), "currency": v["currency"],
        }
        return TemplateResponse(
            request,
            "reports/reports.html",
            {
                "form": form, "v": v, "params": params, "through": through,
                "accrual": accrual[:ROWS_ON_PAGE], "accrual_count": len(accrual),
                "accrual_total": accrual_total,
                "accrual_final_total": sum(
                    (r.amount for r in accrual if r.kind == "final"), selectors.ZERO
                ),
                "journal": journal, "journal_other": journal_other[:ROWS_ON_PAGE],
                "journal_other_count": len(journal_other),
                "by_account": sorted(by_account.items()),
                "outstanding": outstanding,
                "outstanding_link": notes_link(as_of=params["as_of"], currency=v["currency"]),
                "interest_paid": interest_paid,
                "interest_paid_total": sum(
                    (r.interest_paid for r in interest_paid), selectors.ZERO
                ),
                "full_tax_ids": full,
                "can_see_full": is_finance(request.user),
                "payments": payments[:ROWS_ON_PAGE], "payments_count": len(payments),
                "payments_totals": selectors.payments_totals(payments),
                "conversions": selectors.conversion_summary(currency=v["currency"]),
                "par_value": selectors.par_value(),
                "series_list": NoteSeries.objects.order_by("name"),
                "recent_exports": ReportExport.objects.filter(
                    requested_by=request.user
                ).order_by("-created_at", "-id")[:10],
                "kinds": ReportKind,
            },
        )


EXPORT_PARAM_KEYS = {
    ReportKind.NOTES_OUTSTANDING: ("as_of", "currency", "series", "status", "past_due"),
    ReportKind.ACCRUAL_JOURNAL: ("month", "currency"),
    ReportKind.INTEREST_PAID: ("year", "currency"),
    ReportKind.PAYMENTS_REGISTER: ("date_from", "date_to", "currency"),
    ReportKind.CONVERSION_SUMMARY: ("currency",),
}


class ExportStartView(StaffPageMixin, View):
    """Start writing a report's file (POST); the export page follows its progress."""

    http_method_names = ["post"]

    def post(self, request):
        form = ExportRequestForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a report and a format to download.")
            return redirect("reports:reports")
        kind = form.cleaned_data["kind"]
        full = form.cleaned_data["full_tax_ids"]
        if full and (kind != ReportKind.INTEREST_PAID or not is_finance(request.user)):
            raise PermissionDenied("Full tax IDs are for Finance, on the 1099-INT report only.")
        # The parameters are checked again by the same forms the pages use.
        raw = {k: request.POST.get(k, "") for k in EXPORT_PARAM_KEYS[kind]}
        check = ReportsForm({k: v for k, v in raw.items() if k in ReportsForm.base_fields})
        notes_check = NotesListForm(
            {k: v for k, v in raw.items() if k in NotesListForm.base_fields}
        )
        if not check.is_valid() or not notes_check.is_valid():
            errors = {**check.errors, **notes_check.errors}
            messages.error(
                request,
                "The export was not started: "
                + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
            )
            return redirect("reports:reports")
        params = {k: v for k, v in raw.items() if v}
        params.setdefault("currency", selectors.DEFAULT_CURRENCY)
        if kind == ReportKind.ACCRUAL_JOURNAL:
            params["today"] = timezone.localdate().isoformat()
            if "month" not in params:
                messages.error(request, "Choose the accrual month.")
                return redirect("reports:reports")
        missing = [
            k for k in EXPORT_PARAM_KEYS[kind]
            if k in ("as_of", "year", "date_from", "date_to") and k not in params
        ]
        if missing:
            messages.error(request, f"The export needs {', '.join(missing)}.")
            return redirect("reports:reports")
        export = report_export_request(
            kind=kind, file_format=form.cleaned_data["file_format"], params=params,
            requested_by=request.user, full_tax_ids=full,
        )
        return redirect("reports:export", pk=export.pk)


def _export_for(request, pk: int) -> ReportExport:
    export = get_object_or_404(ReportExport.objects.select_related("requested_by"), pk=pk)
    # A file with full tax IDs is its requester's alone, and only while they are Finance.
    if export.full_tax_ids and (
        export.requested_by_id != request.user.pk or not is_finance(request.user)
    ):
        raise Http404("No such export.")
    return export


class ExportDetailView(StaffPageMixin, View):
    """An export's progress; the panel polls itself every 2 s until the file is written."""

    def get(self, request, pk: int):
        export = _export_for(request, pk)
        return render_page_or_fragment(
            request, "reports/export_detail.html", "progress",
            {"export": export, "polling": not export.finished and not export.abandoned},
        )


class ExportDownloadView(StaffPageMixin, View):
    def get(self, request, pk: int):
        export = _export_for(request, pk)
        if export.status != ExportStatus.DONE or not export.file:
            raise Http404("The file is not written yet.")
        return FileResponse(
            export.file.open("rb"), as_attachment=True,
            filename=export.file.name.rsplit("/", 1)[-1],
        )
