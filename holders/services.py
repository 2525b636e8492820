"""Writes to the holder register.

Every write calls `full_clean()` and saves in one transaction; the audit trail
(django-pghistory triggers, `core.audit`) records who changed what. A tax ID
is write-only: it is stored encrypted and never read back onto a page.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from core.permissions import is_staff_reader
from holders.models import Holder, HolderAddress

# The tax ID argument of `holder_update` when the tax ID is to stay as it is.
KEEP = object()

ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")


@transaction.atomic
def holder_create(
    *,
    name: str,
    kind: str,
    email: str = "",
    tax_id: str = "",
    address: dict | None = None,
    address_effective_from: date | None = None,
    user=None,
) -> Holder:
    """Add a holder to the register, with its first address if given."""
    _portal_login_check(user)
    holder = Holder(name=name, kind=kind, email=email, tax_id=tax_id, user=user)
    holder.full_clean()
    holder.save()
    if address:
        holder_address_add(
            holder=holder,
            effective_from=address_effective_from or date.today(),
            **{k: v for k, v in address.items() if k in ADDRESS_FIELDS},
        )
    return holder


def _portal_login_check(user) -> None:
    """A portal login sees one holder's notes, read-only; staff logins are not holders."""
    if user is not None and is_staff_reader(user):
        raise ValidationError(
            {"user": f"{user.get_username()} is a Finance or Auditor login; a portal login "
                     "must be one that sees only its holder's notes."}
        )


@transaction.atomic
def holder_update(
    *,
    holder: Holder,
    name: str,
    kind: str,
    email: str = "",
    tax_id=KEEP,
    user=None,
) -> Holder:
    """Change a holder's name, kind, e-mail, tax ID or portal login.

    The address is not changed here: a move is a new address from its
    effective date (`holder_address_add`), so the history stays (§6.2, §12).

    Args:
        tax_id: the new tax ID; `KEEP` (the default) leaves the stored one as it is.

    Raises:
        ValidationError: a blank name, an unknown kind, a bad e-mail, a staff
            login as the portal login, or a login already linked to another holder.
    """
    holder = Holder.objects.select_for_update().get(pk=holder.pk)
    _portal_login_check(user)
    holder.name, holder.kind, holder.email, holder.user = name, kind, email, user
    if tax_id is not KEEP:
        holder.tax_id = tax_id
    holder.full_clean()
    holder.save()
    return holder


@transaction.atomic
def holder_address_add(
    *,
    holder: Holder,
    effective_from: date,
    line1: str,
    city: str,
    line2: str = "",
    region: str = "",
    postal_code: str = "",
    country: str = "US",
) -> HolderAddress:
    """Record a new address in effect from `effective_from` (§12: "such other address").

    The history is add-only: a new address takes effect after the latest one
    on record, never before it, so what the records showed on a past day —
    the day a notice went out (§6.2) — stays what it was.

    Raises:
        ValidationError: a missing first line or city, a second address on
            the same day, or a date before the latest address's.
    """
    latest = (
        HolderAddress.objects.filter(holder=holder)
        .order_by("-effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )
    if latest is not None and effective_from == latest:
        raise ValidationError(
            {
                "effective_from": (
                    f"An address already takes effect on {latest:%Y-%m-%d}; the history keeps "
                    "one address a day. Give the new address the day it takes effect."
                )
            }
        )
    if latest is not None and effective_from < latest:
        raise ValidationError(
            {
                "effective_from": (
                    f"The address history is add-only: the latest address is in effect from "
                    f"{latest:%Y-%m-%d}, so a new one must take effect after that day "
                    "(§12). Earlier records stay as they were."
                )
            }
        )
    address = HolderAddress(
        holder=holder,
        effective_from=effective_from,
        line1=line1,
        line2=line2 or "",
        city=city,
        region=region or "",
        postal_code=postal_code or "",
        country=(country or "US").upper(),
    )
    address.full_clean()
    address.save()
    return address
