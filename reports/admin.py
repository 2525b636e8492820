from django.contrib import admin

from reports.models import ReportExport, TaxIdDisclosure


@admin.register(TaxIdDisclosure)
class TaxIdDisclosureAdmin(admin.ModelAdmin):
    """Who was shown full tax IDs, when, and for which holders: read-only."""

    list_display = ["disclosed_at", "user", "report", "channel", "path"]
    list_filter = ["report", "channel"]
    readonly_fields = ["user", "disclosed_at", "report", "params", "holder_ids", "channel", "path"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportExport)
class ReportExportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "file_format", "status", "rows", "requested_by"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ReportExport._meta.fields]

    def has_add_permission(self, request):
        return False
