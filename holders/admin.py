"""Admin for holders. Tax IDs are write-only here: entered, never shown raw."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.admin import AuditLinkMixin
from holders.models import Holder, HolderAddress, HolderLogin


class HolderAddressInline(admin.TabularInline):
    """Address history is add-only: a move is a new address from its date (§12)."""

    model = HolderAddress
    extra = 0
    fields = ["effective_from", "line1", "line2", "city", "region", "postal_code", "country"]
    ordering = ["-effective_from"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


class HolderLoginInline(admin.TabularInline):
    """Who signs in for the holder. Read-only here: people are invited and removed on
    the holder's page, which sends the invitation and ends a removed person's sessions."""

    model = HolderLogin
    extra = 0
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
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
        fields = ["name", "kind", "email"]

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
    readonly_fields = ["tax_id_masked", "registered_notes", "audit_trail"]
    fields = [
        "name", "kind", "email", "new_tax_id", "tax_id_masked", "registered_notes",
        "audit_trail",
    ]
    inlines = [HolderLoginInline, HolderAddressInline]

    @admin.display(description="Notes registered to this holder")
    def registered_notes(self, obj):
        # A link to the note register filtered to this holder: the holders app
        # does not import the register built on top of it.
        if obj is None or obj.pk is None:
            return "—"
        count = obj.notes.count()
        url = reverse("admin:notes_note_changelist") + f"?holder__id__exact={obj.pk}"
        return format_html('<a href="{}">{} note{}</a>', url, count, "" if count == 1 else "s")

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
