"""Admin views of the money facts: statements, payments, servicing runs, events of default,
transfers (§10) with their documents and stop-transfer instructions.

Statements, payments and allocations are append-only (a database trigger
refuses updates and deletes; corrections are reversing payments made through
`payment_reverse`). Servicing runs are started from the Servicing page and
record what the cycle did. So every admin here is read-only: list, filter,
look — never add, change or delete.
"""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from notes.models import (
    DefaultEvent,
    Document,
    InterestStatement,
    Payment,
    PaymentAllocation,
    ServicingChunk,
    ServicingRun,
    StopTransferInstruction,
    Transfer,
)


@admin.register(InterestStatement)
class InterestStatementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "note", "period_start", "period_end", "days", "amount", "due_date", "servicing_run",
    ]
    list_filter = ["note__series", "day_count"]
    list_select_related = ["note", "servicing_run"]
    search_fields = ["note__number", "note__holder__name"]
    date_hierarchy = "period_start"
    fields = [
        "note", "period_start", "period_end", "days", "amount", "rate", "day_count",
        "due_date", "calculation", "servicing_run", "created_at",
    ]
    readonly_fields = fields


class PaymentAllocationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentAllocation
    fk_name = "payment"
    fields = ["period_start", "amount", "paid_on"]
    readonly_fields = fields
    ordering = ["period_start"]
    extra = 0


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id", "note", "paid_on", "applies_to", "amount", "method", "reference", "reverses",
    ]
    list_filter = ["applies_to", "method", "note__series"]
    list_select_related = ["note"]
    search_fields = ["note__number", "note__holder__name", "reference"]
    date_hierarchy = "paid_on"
    inlines = [PaymentAllocationInline]
    fields = [
        "note", "paid_on", "amount", "applies_to", "method", "reference", "mailed_to",
        "holder_consent_reference", "reverses", "reason", "idempotency_key", "recorded_by",
        "created_at",
    ]
    readonly_fields = fields


class ServicingChunkInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ServicingChunk
    fields = ["index", "id_from", "id_to", "done", "statements_created", "attempts",
              "finished_at"]
    readonly_fields = fields
    ordering = ["index"]
    extra = 0


@admin.register(ServicingRun)
class ServicingRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id", "as_of", "trigger", "status", "progress", "notes_count", "statements_created",
        "past_due_statements", "created_at", "finished_at",
    ]
    list_filter = ["status", "trigger"]
    date_hierarchy = "as_of"
    inlines = [ServicingChunkInline]
    fields = [
        "as_of", "status", "trigger", "chunks_total", "chunks_done", "notes_count",
        "statements_created", "past_due_statements", "error", "requested_by", "created_at",
        "started_at", "finished_at",
    ]
    readonly_fields = fields


@admin.register(DefaultEvent)
class DefaultEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Events of default (§3): append-only, recorded from the note page or the API."""

    list_display = ["id", "note", "kind", "date", "delivery_method", "deemed_delivered_on",
                    "resolves", "recorded_by", "created_at"]
    list_filter = ["kind", "delivery_method", "note__series"]
    list_select_related = ["note", "resolves", "recorded_by"]
    search_fields = ["note__number", "note__holder__name", "description"]
    date_hierarchy = "date"
    fields = ["note", "kind", "date", "delivery_method", "deemed_delivered_on", "resolves",
              "description", "recorded_by", "created_at"]
    readonly_fields = fields


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Transfers (§10): recorded and decided on the Transfers pages or through the API."""

    list_display = [
        "id", "note", "transferor", "transferee", "notice_received_on", "decision",
        "effective_date", "legend_required",
    ]
    list_filter = ["decision", "legend_required", "note__series"]
    list_select_related = ["note", "transferor", "transferee"]
    search_fields = ["note__number", "transferor__name", "transferee__name"]
    readonly_fields = [f.name for f in Transfer._meta.fields]
    fields = readonly_fields


@admin.register(StopTransferInstruction)
class StopTransferInstructionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["note", "recorded_on", "reason", "lifted_on"]
    list_select_related = ["note"]
    search_fields = ["note__number", "reason"]
    readonly_fields = [f.name for f in StopTransferInstruction._meta.fields]
    fields = readonly_fields


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "original_name", "content_type", "size", "sha256", "created_at"]
    search_fields = ["original_name", "sha256"]
    readonly_fields = [f.name for f in Document._meta.fields]
    fields = readonly_fields
