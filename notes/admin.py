"""Admin for the register. Money facts are read-only here; notes go through services."""

from django.contrib import admin

from core.admin import AuditLinkMixin
from notes.models import Issuer, Note, NoteSeries


class SeriesInline(admin.TabularInline):
    model = NoteSeries
    extra = 0
    fields = ["name", "agreement_date", "currency", "stated_rate", "day_count"]
    show_change_link = True


@admin.register(Issuer)
class IssuerAdmin(AuditLinkMixin, admin.ModelAdmin):
    list_display = ["name", "state_of_incorporation", "principal_office_address"]
    search_fields = ["name"]
    inlines = [SeriesInline]
    readonly_fields = ["audit_trail"]


class NoteInline(admin.TabularInline):
    model = Note
    extra = 0
    fields = ["number", "holder", "principal", "issue_date", "maturity_date", "status"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(NoteSeries)
class NoteSeriesAdmin(AuditLinkMixin, admin.ModelAdmin):
    list_display = [
        "name", "issuer", "agreement_date", "currency", "stated_rate", "max_lawful_rate",
        "day_count", "term_months",
    ]
    list_filter = ["issuer", "day_count", "currency"]
    search_fields = ["name", "issuer__name"]
    readonly_fields = ["effective_rate", "rate_basis", "audit_trail"]
    inlines = [NoteInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.notes.exists():
            # Terms of issued notes are the contract: changing them here would
            # recompute positions at new terms while statements and conversions
            # keep the old ones. Amendments (§9) are the way to change them.
            fields += [f.name for f in NoteSeries._meta.concrete_fields if f.editable]
        return fields

    fieldsets = [
        (None, {"fields": ["issuer", "name", "currency", "agreement_date"]}),
        ("Interest (§2)", {"fields": [
            "stated_rate", "max_lawful_rate", "effective_rate", "rate_basis", "day_count",
            "interest_due_day",
        ]}),
        ("Term and periods (§1, §3, §6, §7, §12)", {"fields": [
            "term_months", "notice_days", "cure_days", "dismissal_days", "cash_in_lieu_days",
            "mail_delivery_business_days",
        ]}),
        ("Conversion (§5)", {"fields": [
            "voluntary_threshold", "automatic_threshold", "voting_power_threshold_pct",
            "price_tranche", "voluntary_window_months",
        ]}),
        ("Audit", {"fields": ["audit_trail"]}),
    ]


@admin.register(Note)
class NoteAdmin(AuditLinkMixin, admin.ModelAdmin):
    list_display = [
        "number", "series", "holder", "principal", "issue_date", "maturity_date", "status",
    ]
    list_filter = ["status", "series__issuer", "series"]
    search_fields = ["number", "holder__name", "series__name"]
    list_select_related = ["series", "series__issuer", "holder"]
    date_hierarchy = "issue_date"
    autocomplete_fields = ["holder"]
    readonly_fields = ["maturity_date", "outstanding_principal", "audit_trail"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Terms of an issued note are facts; status moves through services, and
            # the registered holder changes only by a transfer (§10).
            fields += ["series", "holder", "principal", "issue_date", "status"]
        return fields

    def has_add_permission(self, request):
        # Notes are recorded through the register (note_create checks currency and
        # numbering); the admin reads and annotates them.
        return False
from notes import admin_money  # noqa: E402,F401
