"""Holders: the people and entities in the note register.

A holder's address is a history, not a field: notices go to "the address last
shown on the records of the Company" on the day they are sent (§6.2, §12), so
each address row has the date from which it is in effect and the register can
answer "where did this holder live on day D". Tax IDs (Exhibit A) are
sensitive: stored encrypted with a key from the environment and shown masked.

The people who sign in to the portal for a holder are `HolderLogin` rows: one
for a person holder, as many as it needs for an entity (its treasurer, its
counsel), each with their own login, so one can be removed without the others.
How a person is invited and removed is the accounts app's.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from encrypted_fields.fields import EncryptedCharField

from core.audit import audited


class HolderKind(models.TextChoices):
    PERSON = "person", "Person"
    ENTITY = "entity", "Entity"


def mask_tax_id(tax_id: str | None) -> str:
    """Show only the last four characters of a tax ID: `***-**-6789`."""
    if not tax_id:
        return ""
    visible = tax_id[-4:]
    hidden = "".join("*" if ch.isalnum() else ch for ch in tax_id[:-4])
    return f"{hidden}{visible}"


@audited(exclude=["tax_id"])
class Holder(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=HolderKind.choices, default=HolderKind.PERSON)
    email = models.EmailField(blank=True)
    # Stored encrypted; an empty tax ID is stored as NULL by the encrypted field.
    tax_id = EncryptedCharField(max_length=40, blank=True, null=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        # The holders list and the notes list sorted by holder read holders in this order.
        indexes = [models.Index(fields=["name", "id"], name="holder_name_id")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=HolderKind.values), name="holder_kind_valid"
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="holder_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tax_id_masked(self) -> str:
        return mask_tax_id(self.tax_id)

    def address_on(self, day: date) -> HolderAddress | None:
        """The address last shown on the records on `day` (§6.2), or None."""
        return (
            self.addresses.filter(effective_from__lte=day).order_by("-effective_from").first()
        )

    @property
    def current_address(self) -> HolderAddress | None:
        """The address in effect today (uses prefetched addresses when present)."""
        today = date.today()
        in_effect = [a for a in self.addresses.all() if a.effective_from <= today]
        return max(in_effect, key=lambda a: a.effective_from, default=None)


@audited()
class HolderAddress(models.Model):
    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="addresses")
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True, help_text="State or province")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166 alpha-2")
    effective_from = models.DateField(help_text="In effect from this day until a later one.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["holder", "-effective_from"]
        verbose_name_plural = "holder addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "effective_from"], name="holder_address_one_per_day"
            ),
            models.CheckConstraint(condition=~models.Q(line1=""), name="holder_address_line1"),
        ]

    def __str__(self) -> str:
        return ", ".join(self.lines())

    def lines(self) -> list[str]:
        city_line = " ".join(p for p in [f"{self.city},", self.region, self.postal_code] if p)
        return [p for p in [self.line1, self.line2, city_line.strip(","), self.country] if p]


@audited()
class HolderLogin(models.Model):
    """A login that sees one holder's notes in the portal (read-only).

    A login belongs to at most one holder (the one-to-one), so what it sees is never
    in doubt; a holder has as many as the people who sign in for it.
    """

    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="logins")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="holder_login",
        help_text="The portal login that sees this holder's notes (read-only).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["holder", "id"]
        verbose_name = "portal login"

    def __str__(self) -> str:
        return f"{self.user} for {self.holder}"
