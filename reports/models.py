"""What the reports app records: export jobs and each disclosure of a full tax ID.

The figures themselves are never stored: every report is derived from the
register's money facts when it is asked for (see ``selectors``). Two things
are kept:

- **ReportExport** — one CSV or XLSX file asked for on a page, written by a
  background job (a 100,000-note accrual takes a while) under MEDIA_ROOT,
  with its progress, and downloaded through a staff-only view.
- **TaxIdDisclosure** — every time Finance asks for holders' full tax IDs
  (Form 1099-INT needs them); append-only, with who, when and what.

And one cache: **TotalsSnapshot** — the dashboard's totals as of a day,
computed once per state of the ledger (`selectors.ledger_version`), so a
100,000-note register is added up once, by a worker, with its progress shown,
and not again until a money fact is recorded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from notes.models import append_only


class ReportKind(models.TextChoices):
    NOTES_OUTSTANDING = "notes_outstanding", "Notes outstanding"
    ACCRUAL_JOURNAL = "accrual_journal", "Interest accrual and journal entries"
    INTEREST_PAID = "interest_paid", "Interest paid per holder (Form 1099-INT)"
    PAYMENTS_REGISTER = "payments_register", "Payments register"
    CONVERSION_SUMMARY = "conversion_summary", "Conversions per offering"


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ReportExport(models.Model):
    """One export file: its report, parameters, progress and the file once written."""

    kind = models.CharField(max_length=24, choices=ReportKind.choices)
    file_format = models.CharField(max_length=4, choices=FileFormat.choices)
    params = models.JSONField(default=dict, help_text="The report's parameters, as asked.")
    full_tax_ids = models.BooleanField(
        default=False, help_text="Finance asked for full tax IDs (recorded as a disclosure)."
    )
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="reports/%Y/%m/", max_length=200, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ReportKind.values), name="report_export_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(file_format__in=FileFormat.values),
                name="report_export_format",
            ),
            models.CheckConstraint(
                condition=models.Q(progress_done__lte=models.F("progress_total")),
                name="report_export_progress",
            ),
            models.CheckConstraint(
                condition=models.Q(full_tax_ids=False) | models.Q(kind="interest_paid"),
                name="report_export_full_tax_ids_only_1099",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.file_format}) #{self.pk}"

    @property
    def progress_pct(self) -> int:
        if not self.progress_total:
            return 100 if self.status == ExportStatus.DONE else 0
        return int(100 * self.progress_done / self.progress_total)

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

    # Longer than the export task's hard time limit: a run still "running" after it
    # lost its worker, and nothing will finish it.
    ABANDONED_AFTER_SECONDS = 1000

    @property
    def abandoned(self) -> bool:
        from django.utils import timezone

        return (
            self.status == ExportStatus.RUNNING
            and self.started_at is not None
            and (timezone.now() - self.started_at).total_seconds() > self.ABANDONED_AFTER_SECONDS
        )


class TaxIdDisclosure(models.Model):
    """Finance saw (or exported) holders' full tax IDs: who, when, which, and where."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disclosed_at = models.DateTimeField(auto_now_add=True)
    report = models.CharField(max_length=40)
    params = models.JSONField(default=dict)
    holder_ids = models.JSONField(default=list, help_text="The holders whose tax IDs were shown.")
    channel = models.CharField(max_length=8, help_text="page, api or export")
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-disclosed_at", "-id"]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"Tax IDs shown to {self.user} at {self.disclosed_at:%Y-%m-%d %H:%M}"


class TotalsSnapshot(models.Model):
    """The dashboard's totals as of a day, for one state of the ledger.

    ``ledger_version`` names the state of every table the positions are read
    from (`selectors.ledger_version`); the money facts are append-only, so a
    snapshot of the same version holds the same figures. A snapshot whose
    ledger moved while it was computed is marked ``superseded`` and never shown.
    """

    as_of = models.DateField()
    currency = models.CharField(max_length=3)
    ledger_version = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10,
        choices=[*ExportStatus.choices, ("superseded", "Superseded")],
        default=ExportStatus.QUEUED,
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    totals = models.JSONField(default=dict, help_text="Figures as strings (exact decimals).")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "currency", "ledger_version"], name="totals_snapshot_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Totals as of {self.as_of} ({self.currency}) #{self.pk}"

    @property
    def progress_pct(self) -> int:
        if not self.progress_total:
            return 100 if self.status == ExportStatus.DONE else 0
        return min(100, int(100 * self.progress_done / self.progress_total))
