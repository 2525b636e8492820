"""Admin for offerings, corporate events and conversions: a window onto the records.

Offerings and events are recorded on the Offerings page (or the API) because
`offering_record` / `event_record` write the conversion trigger in the same
transaction and compute the Conversion Price; an admin "add" would skip both,
and an admin edit of a closing date, a gross amount or a sale would leave the
stored price and the conversions it made disagreeing with their facts. So
here only the free-text description of an offering or event can change.
Conversions, triggers, elections and notice obligations are money facts or
the outbox: read-only. An election's tax ID is never shown raw.
"""

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.urls import reverse
from django.utils.html import format_html

from core.admin import AuditLinkMixin, ReadOnlyAdminMixin
from offerings.models import (
    Conversion,
    ConversionTrigger,
    CorporateEvent,
    Election,
    NoticeObligation,
    Offering,
    OfferingSale,
)


class RecordedElsewhereMixin:
    """Recorded through its service (Offerings page / API); only the description may change."""

    editable_fields = ("description",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        shown = flatten_fieldsets(self.get_fieldsets(request, obj))
        return [f for f in shown if f not in self.editable_fields]


class OfferingSaleInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OfferingSale
    fields = ["sequence", "shares", "price_per_share", "units", "unit_price"]
    readonly_fields = fields
    ordering = ["sequence"]
    extra = 0


@admin.register(Offering)
class OfferingAdmin(RecordedElsewhereMixin, AuditLinkMixin, admin.ModelAdmin):
    list_display = [
        "id", "issuer", "kind", "closing_date", "gross_proceeds", "conversion_price",
        "trigger_status",
    ]
    list_filter = ["kind", "issuer"]
    list_select_related = ["issuer", "trigger"]
    search_fields = ["description", "issuer__name"]
    date_hierarchy = "closing_date"
    inlines = [OfferingSaleInline]
    fieldsets = [
        (None, {"fields": [
            "issuer", "kind", "closing_date", "gross_proceeds", "description", "recorded_by",
            "created_at", "page_link",
        ]}),
        ("Units (§5.1)", {"fields": [
            "unit_composition", "shares_per_unit", "warrants_per_unit", "share_allocation",
            "allocation_source",
            "allocation_reference",
        ]}),
        ("Conversion Price (computed, §5.1)", {"fields": [
            "conversion_price", "price_computation", "price_unavailable_reason",
        ]}),
        ("Audit", {"fields": ["audit_trail"]}),
    ]

    @admin.display(description="Trigger")
    def trigger_status(self, obj):
        trigger = getattr(obj, "trigger", None)
        return trigger.get_status_display() if trigger else "—"

    @admin.display(description="Unit")
    def unit_composition(self, obj):
        # Shares and warrants per unit may be fractional ("one-half of one warrant").
        return obj.unit_composition or "—"

    @admin.display(description="Staff page")
    def page_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Sales, price working, series and conversions</a>',
            reverse("offerings:detail", args=[obj.pk]),
        )


@admin.register(CorporateEvent)
class CorporateEventAdmin(RecordedElsewhereMixin, AuditLinkMixin, admin.ModelAdmin):
    list_display = ["id", "issuer", "kind", "effective_date", "voting_power_pct", "trigger_status"]
    list_filter = ["kind", "issuer"]
    list_select_related = ["issuer", "trigger"]
    search_fields = ["description", "issuer__name"]
    date_hierarchy = "effective_date"
    fields = [
        "issuer", "kind", "effective_date", "voting_power_pct", "related_events_list",
        "description", "recorded_by", "created_at", "audit_trail",
    ]

    @admin.display(description="Trigger")
    def trigger_status(self, obj):
        trigger = getattr(obj, "trigger", None)
        return trigger.get_status_display() if trigger else "—"

    @admin.display(description="Related earlier events")
    def related_events_list(self, obj):
        related = list(obj.related_events.all()) if obj and obj.pk else []
        return ", ".join(str(e) for e in related) or "—"


@admin.register(ConversionTrigger)
class ConversionTriggerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "offering", "event", "status", "attempts", "created_at", "processed_at"]
    list_filter = ["status"]
    list_select_related = ["offering", "event"]
    fields = [
        "offering", "event", "status", "attempts", "outcome", "last_error", "created_at",
        "processed_at",
    ]
    readonly_fields = fields


@admin.register(Conversion)
class ConversionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "note", "trigger", "conversion_date", "status", "conversion_price", "note_amount",
        "shares", "cash_in_lieu", "cash_due_date",
    ]
    list_filter = ["status", "trigger", "note__series"]
    list_select_related = ["note"]
    search_fields = ["note__number", "note__holder__name"]
    date_hierarchy = "conversion_date"
    fields = [
        "note", "trigger", "offering", "event", "election", "price_offering", "conversion_date",
        "currency", "principal_converted", "interest_converted", "note_amount", "status",
        "conversion_price", "price_source", "shares", "cash_in_lieu", "cash_due_date",
        "price_determined_by", "price_determined_at", "created_at",
    ]
    readonly_fields = fields


@admin.register(Election)
class ElectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["note", "offering", "received_on", "tax_id_masked", "recorded_by"]
    list_select_related = ["note", "offering", "recorded_by"]
    search_fields = ["note__number", "certificate_names"]
    date_hierarchy = "received_on"
    # `tax_id` is deliberately absent: only the masked form is ever rendered.
    fields = [
        "note", "offering", "received_on", "certificate_names", "address", "tax_id_masked",
        "recorded_by", "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="Tax ID")
    def tax_id_masked(self, obj):
        return obj.tax_id_masked


@admin.register(NoticeObligation)
class NoticeObligationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "note", "holder", "offering", "conversion", "due_by"]
    list_filter = ["kind"]
    list_select_related = ["note", "holder", "offering", "conversion__note"]
    search_fields = ["note__number", "holder__name"]
    date_hierarchy = "due_by"
    fields = ["kind", "note", "holder", "offering", "conversion", "due_by", "created_at"]
    readonly_fields = fields
