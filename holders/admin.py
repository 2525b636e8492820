"""Admin for holders. Tax IDs are write-only here: entered, never shown raw."""

from django import forms
from django.contrib import admin

from holders.models import Holder, HolderAddress
from notes.admin import AuditLinkMixin
from notes.models import Note


class HolderAddressInline(admin.TabularInline):
    """Address history is add-only: a move is a new address from its date (§12)."""

    model = HolderAddress
    extra = 0
    fields = ["effective_from", "line1", "line2", "city", "region", "postal_code", "country"]
    ordering = ["-effective_from"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


class HolderNoteInline(admin.TabularInline):
    model = Note
    extra = 0
    fields = ["number", "series", "principal", "issue_date", "maturity_date", "status"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class HolderAdminForm(forms.ModelForm):
    new_tax_id = forms.CharField(
        label="Tax ID",
        required=False,
        max_length=40,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to keep the one on record. Stored encrypted; shown masked.",
    )

    class Meta:
        model = Holder
        fields = ["name", "kind", "email", "user"]

    def save(self, commit=True):
        holder = super().save(commit=False)
        if self.cleaned_data.get("new_tax_id"):
            holder.tax_id = self.cleaned_data["new_tax_id"]
        if commit:
            holder.save()
        return holder


@admin.register(Holder)
class HolderAdmin(AuditLinkMixin, admin.ModelAdmin):
    form = HolderAdminForm
    list_display = ["name", "kind", "email", "tax_id_masked", "current_address"]
    list_filter = ["kind"]
    search_fields = ["name", "email"]
    readonly_fields = ["tax_id_masked", "audit_trail"]
    fields = ["name", "kind", "email", "user", "new_tax_id", "tax_id_masked", "audit_trail"]
    inlines = [HolderAddressInline, HolderNoteInline]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("addresses")


@admin.register(HolderAddress)
class HolderAddressAdmin(AuditLinkMixin, admin.ModelAdmin):
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    list_display = ["holder", "effective_from", "line1", "city", "region", "country"]
    list_filter = ["country", "region"]
    search_fields = ["holder__name", "line1", "city"]
    list_select_related = ["holder"]
    readonly_fields = ["audit_trail"]
