"""Reads of the holder register."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from core.permissions import AUDITOR_GROUP, FINANCE_GROUP
from holders.models import Holder, HolderAddress, HolderLogin


def holder_for_user(user) -> Holder:
    """The holder a portal login belongs to; 404 for anyone else."""
    holder = (
        Holder.objects.filter(logins__user_id=user.pk).first() if user.is_authenticated else None
    )
    if holder is None:
        raise Http404("No holder is linked to this login.")
    return holder


def is_holder_login(user) -> bool:
    """Whether the login signs in to the portal for a holder."""
    return bool(user.is_authenticated and HolderLogin.objects.filter(user_id=user.pk).exists())


def holder_list(*, search: str = "", kind: str = "") -> QuerySet[Holder]:
    """Holders by name (then id), narrowed by a search of name or e-mail and by kind.

    Each carries `portal_people`: how many people sign in for it.
    """
    holders = Holder.objects.annotate(portal_people=Count("logins")).order_by("name", "id")
    search = search.strip()
    if search:
        holders = holders.filter(Q(name__icontains=search) | Q(email__icontains=search))
    if kind:
        holders = holders.filter(kind=kind)
    return holders


def holder_addresses(holder: Holder) -> list[HolderAddress]:
    """The holder's address history, latest first (each row in effect until the next)."""
    return list(holder.addresses.order_by("-effective_from", "-id"))


def portal_login_choices(holder: Holder | None = None) -> QuerySet:
    """Logins that may be a holder's portal login: no staff role, not another holder's."""
    User = get_user_model()
    free = Q(holder_login__isnull=True)
    if holder is not None and holder.pk:
        free |= Q(holder_login__holder=holder)
    return (
        User.objects.filter(free, is_active=True, is_superuser=False)
        .exclude(groups__name__in=[FINANCE_GROUP, AUDITOR_GROUP])
        .order_by("username")
    )
