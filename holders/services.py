"""Writes to the holder register."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from holders.models import Holder, HolderAddress

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
    """Record a new address in effect from `effective_from` (§12: "such other address")."""
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
