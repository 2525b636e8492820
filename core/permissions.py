"""Roles.

- **Finance** (group): operates the register — records notes, payments,
  offerings and events.
- **Auditor** (group): staff who read everything and change nothing.
- **Holder** accounts: a login linked to a `Holder`; the read-only portal only,
  no staff pages and no API.

Superusers (admins) act as Finance.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from rest_framework.permissions import SAFE_METHODS, BasePermission

FINANCE_GROUP = "Finance"
AUDITOR_GROUP = "Auditor"
# The apps whose models the roles cover (labels, not imports: core uses no app).
APP_LABELS = [
    "core", "approvals", "notes", "holders", "offerings", "amendments", "notices", "deadlines",
]


def _in_group(user, name: str) -> bool:
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_notedesk_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._notedesk_groups = cache
    return name in cache


def is_finance(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or _in_group(user, FINANCE_GROUP)))


def is_auditor(user) -> bool:
    return _in_group(user, AUDITOR_GROUP)


def is_staff_reader(user) -> bool:
    """Finance or Auditor: may see every record."""
    return is_finance(user) or is_auditor(user)


class StaffRolePermission(BasePermission):
    """API access: Finance reads and writes, Auditors read, nobody else."""

    message = "The API is for Finance and Auditor staff; holders use the portal."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not is_staff_reader(user):
            return False
        if request.method in SAFE_METHODS:
            return True
        self.message = "Auditors read records; only Finance staff may change them."
        return is_finance(user)


def roles_ensure() -> None:
    """The Finance and Auditor groups with their model permissions."""
    finance, _ = Group.objects.get_or_create(name=FINANCE_GROUP)
    auditor, _ = Group.objects.get_or_create(name=AUDITOR_GROUP)
    ours = Permission.objects.filter(content_type__app_label__in=APP_LABELS)
    finance.permissions.set(ours.exclude(codename__startswith="delete_"))
    auditor.permissions.set(ours.filter(codename__startswith="view_"))
