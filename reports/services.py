"""Writes of the reports app: export jobs and the record of each full tax ID disclosure."""

from __future__ import annotations

import io
import logging
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.logcontext import log_context_bind
from core.queue import enqueue
from notes.models import Note
from reports import exports, selectors
from reports.models import (
    ExportStatus,
    ReportExport,
    ReportKind,
    TaxIdDisclosure,
    TotalsSnapshot,
)

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
                    holder_ids=table.holder_ids,
                    channel="export",
                )
    except Exception as exc:  # recorded for the user; the worker moves on
        logger.exception("report export %s failed", export_id)
        ReportExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        export.refresh_from_db()
    return export


# --- The dashboard's stored totals ---------------------------------------------------------

SUPERSEDED = "superseded"
SNAPSHOT_STALE_AFTER = timedelta(minutes=15)


def totals_snapshot_for(*, as_of: date, currency: str, inline_limit: int) -> TotalsSnapshot:
    """The totals as of a day for the ledger as it stands: stored, computing, or computed now.

    A register of at most ``inline_limit`` notes is added up in the request;
    a larger one by a worker (``reports.tasks.totals_snapshot_task``), while
    the page shows its progress. Asking again for the same day and ledger
    gets the same snapshot: the work is done once, however many ask.
    """
    version = selectors.ledger_version()
    snapshot, created = TotalsSnapshot.objects.get_or_create(
        as_of=as_of, currency=currency, ledger_version=version,
    )
    if created:
        total = selectors.notes_outstanding_queryset(as_of=as_of, currency=currency).count()
        TotalsSnapshot.objects.filter(pk=snapshot.pk).update(progress_total=total)
        snapshot.progress_total = total
        if total <= inline_limit:
            return totals_snapshot_process(snapshot_id=snapshot.pk)
        transaction.on_commit(
            lambda: enqueue("reports.tasks.totals_snapshot_task", snapshot.pk)
        )
    elif snapshot.status == ExportStatus.FAILED or (
        snapshot.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
        and snapshot.created_at < timezone.now() - SNAPSHOT_STALE_AFTER
    ):
        # Asked again after a failure, or after its worker was lost: try again.
        TotalsSnapshot.objects.filter(pk=snapshot.pk, status=snapshot.status).update(
            status=ExportStatus.QUEUED, progress_done=0, error="", created_at=timezone.now()
        )
        transaction.on_commit(
            lambda: enqueue("reports.tasks.totals_snapshot_task", snapshot.pk)
        )
        snapshot.refresh_from_db()
    return snapshot


def totals_snapshot_process(*, snapshot_id: int) -> TotalsSnapshot:
    """Add up the notes outstanding for a snapshot, once; superseded if the ledger moved."""
    with transaction.atomic():
        snapshot = TotalsSnapshot.objects.select_for_update().get(pk=snapshot_id)
        if snapshot.status != ExportStatus.QUEUED:
            return snapshot
        snapshot.status = ExportStatus.RUNNING
        snapshot.save(update_fields=["status"])

    def progress(done: int) -> None:
        TotalsSnapshot.objects.filter(pk=snapshot_id).update(
            progress_done=F("progress_done") + done
        )

    try:
        report = selectors.notes_outstanding_report(
            as_of=snapshot.as_of, currency=snapshot.currency, keep_rows=False,
            progress=progress,
        )
        moved = selectors.ledger_version() != snapshot.ledger_version
        TotalsSnapshot.objects.filter(pk=snapshot_id).update(
            status=SUPERSEDED if moved else ExportStatus.DONE,
            totals=selectors.totals_to_json(report),
            progress_done=report.totals.notes,
            progress_total=report.totals.notes,
            finished_at=timezone.now(),
        )
    except Exception as exc:  # recorded on the snapshot; asking again retries
        logger.exception("totals snapshot %s failed", snapshot_id)
        TotalsSnapshot.objects.filter(pk=snapshot_id).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
    return TotalsSnapshot.objects.get(pk=snapshot_id)
