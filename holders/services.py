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
from holders.models import Holder, HolderAddress, HolderLogin

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
    """Add a holder to the register, with its first address if given.

    Args:
        user: an existing login to link as the holder's portal login (people are
            otherwise invited: `accounts.services.holder_person_invite`).
    """
    holder = Holder(name=name, kind=kind, email=email, tax_id=tax_id)
    holder.full_clean()
    holder.save()
    if user is not None:
        holder_login_link(holder=holder, user=user)
    if address:
        holder_address_add(
            holder=holder,
            effective_from=address_effective_from or date.today(),
            **{k: v for k, v in address.items() if k in ADDRESS_FIELDS},
        )
    return holder


@transaction.atomic
def holder_login_link(*, holder: Holder, user) -> HolderLogin:
    """Let a login see `holder`'s notes in the portal (read-only).

    Raises:
        ValidationError: a Finance or Auditor login (or an admin), or a login that
            already signs in for another holder.
    """
    if is_staff_reader(user) or user.is_staff:
        raise ValidationError(
            {"user": f"{user.get_username()} is a staff login; a portal login must be one "
                     "that sees only its holder's notes."}
        )
    existing = HolderLogin.objects.select_for_update().filter(user=user).first()
    if existing is not None:
        if existing.holder_id == holder.pk:
            return existing
        raise ValidationError(
            {"user": f"{user.get_username()} already signs in for another holder; a login "
                     "sees one holder's notes."}
        )
    login = HolderLogin(holder=holder, user=user)
    login.full_clean()
    login.save()
    return login


@transaction.atomic
def holder_update(
    *,
    holder: Holder,
    name: str,
    kind: str,
    email: str = "",
    tax_id=KEEP,
) -> Holder:
    """Change a holder's name, kind, e-mail or tax ID.

    The address is not changed here: a move is a new address from its
    effective date (`holder_address_add`), so the history stays (§6.2, §12).

    Args:
        tax_id: the new tax ID; `KEEP` (the default) leaves the stored one as it is.

    Raises:
        ValidationError: a blank name, an unknown kind or a bad e-mail.
    """
    holder = Holder.objects.select_for_update().get(pk=holder.pk)
    holder.name, holder.kind, holder.email = name, kind, email
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
