"""Writes of the reports app: export jobs and the record of each full tax ID disclosure."""

from __future__ import annotations

import io
import logging
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.logcontext import log_context_bind
from core.queue import enqueue
from notes.models import Note
from reports import exports, selectors
from reports.models import ExportStatus, ReportExport, ReportKind, TaxIdDisclosure

logger = logging.getLogger(__name__)


def tax_id_disclosure_record(
    *, user, report: str, params: dict, holder_ids: list[int], channel: str, path: str = ""
) -> TaxIdDisclosure:
    """Record that ``user`` was shown these holders' full tax IDs (never the IDs themselves)."""
    return TaxIdDisclosure.objects.create(
        user=user, report=report, params=params, holder_ids=sorted(holder_ids),
        channel=channel, path=path[:300],
    )


@transaction.atomic
def report_export_request(
    *, kind: str, file_format: str, params: dict, requested_by, full_tax_ids: bool = False
) -> ReportExport:
    """Queue an export file; a worker writes it (``report_export_process``) after commit.

    ``params`` are the report's parameters as strings (ISO dates, ``YYYY-MM``),
    already validated by the caller's form.
    """
    export = ReportExport(
        kind=kind, file_format=file_format, params=params, requested_by=requested_by,
        full_tax_ids=full_tax_ids,
    )
    export.full_clean()
    export.save()
    transaction.on_commit(lambda: enqueue("reports.tasks.report_export_task", export.pk))
    return export


def _table_for(export: ReportExport, progress) -> exports.Table:
    p = export.params
    currency = p.get("currency", selectors.DEFAULT_CURRENCY)
    if export.kind == ReportKind.NOTES_OUTSTANDING:
        as_of = date.fromisoformat(p["as_of"])
        series_id = int(p["series"]) if p.get("series") else None
        export.progress_total = selectors.notes_outstanding_queryset(
            as_of=as_of, currency=currency, series_id=series_id, status=p.get("status") or None
        ).count()
        return exports.notes_outstanding_table(
            as_of=as_of, currency=currency, series_id=series_id,
            status=p.get("status") or None, past_due_only=bool(p.get("past_due")),
            progress=progress,
        )
    if export.kind == ReportKind.ACCRUAL_JOURNAL:
        year, month = (int(x) for x in p["month"].split("-"))
        through = selectors.month_through(year, month, date.fromisoformat(p["today"]))
        first, _ = selectors.month_bounds(year, month)
        export.progress_total = Note.objects.filter(
            issue_date__lte=through, principal_currency=currency
        ).exclude(ended_on__lt=first).count()
        return exports.accrual_journal_table(
            year=year, month=month, currency=currency, through=through, progress=progress
        )
    if export.kind == ReportKind.INTEREST_PAID:
        return exports.interest_paid_table(
            year=int(p["year"]), currency=currency, full_tax_ids=export.full_tax_ids
        )
    if export.kind == ReportKind.PAYMENTS_REGISTER:
        return exports.payments_register_table(
            date_from=date.fromisoformat(p["date_from"]),
            date_to=date.fromisoformat(p["date_to"]),
            currency=currency,
        )
    return exports.conversion_summary_table(currency=currency)


def report_export_process(*, export_id: int) -> ReportExport:
    """Write an export's file under MEDIA_ROOT, updating its progress as notes are read.

    Runs once: an export already done (a redelivered task) is left as it is. A
    failure is recorded on the export, not retried: the user asks again.
    """
    log_context_bind(report_export_id=export_id)
    with transaction.atomic():
        export = ReportExport.objects.select_for_update().get(pk=export_id)
        if export.status != ExportStatus.QUEUED:
            return export
        export.status = ExportStatus.RUNNING
        export.started_at = timezone.now()
        export.save(update_fields=["status", "started_at"])

    def progress(done: int) -> None:
        # Outside any transaction, so the page polling the export sees it move.
        ReportExport.objects.filter(pk=export_id).update(
            progress_done=F("progress_done") + done
        )

    try:
        table = _table_for(export, progress)
        ReportExport.objects.filter(pk=export_id).update(progress_total=export.progress_total)
        out = io.BytesIO()
        rows = exports.WRITERS[export.file_format](table, out)
        export.refresh_from_db()
        export.file.save(
            exports.filename_for(table, export.file_format), ContentFile(out.getvalue()),
            save=False,
        )
        export.rows = rows
        export.status = ExportStatus.DONE
        export.progress_done = export.progress_total
        export.finished_at = timezone.now()
        with transaction.atomic():
            export.save()
            if export.full_tax_ids:
                tax_id_disclosure_record(
                    user=export.requested_by, report=export.kind, params=export.params,
                    holder_ids=exports.interest_paid_holder_ids(
                        year=int(export.params["year"]),
                        currency=export.params.get("currency", selectors.DEFAULT_CURRENCY),
                    ),
                    channel="export",
                )
    except Exception as exc:  # recorded for the user; the worker moves on
        logger.exception("report export %s failed", export_id)
        ReportExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        export.refresh_from_db()
    return export
