"""Amendments and waivers of a series, and the written consents to them (§9).

An ``Amendment`` is proposed for a series (an amendment or a waiver, with its
title and text). It takes effect once the Company and the holders of more
than 50% of the principal outstanding of the series have consented in writing
(``amendments.domain``). The Company's consent date and the effective date are
set once and never change; each holder's written consent (``HolderConsent``,
one per holder, for all their notes of the series) is an append-only fact.
When an amendment takes effect, the notes then outstanding are listed
(``AmendmentAddressee``) and their holders are sent a notice of it by the
notice job (§12).
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models

from core.audit import audited
from notes.models import append_only


class AmendmentKind(models.TextChoices):
    AMENDMENT = "amendment", "Amendment"
    WAIVER = "waiver", "Waiver"


def _set_once(*fields: str) -> pgtrigger.Protect:
    """Refuse an UPDATE that changes a field once it has a value (NULL → value only)."""
    condition = None
    for field in fields:
        changed = pgtrigger.Q(**{f"old__{field}__isnull": False}) & pgtrigger.Q(
            **{f"new__{field}__df": pgtrigger.F(f"old__{field}")}
        )
        condition = changed if condition is None else condition | changed
    return pgtrigger.Protect(
        name="amendment_dates_set_once", operation=pgtrigger.Update, condition=condition
    )


@audited()
class Amendment(models.Model):
    series = models.ForeignKey(
        "notes.NoteSeries", on_delete=models.PROTECT, related_name="amendments"
    )
    kind = models.CharField(
        max_length=10, choices=AmendmentKind.choices, default=AmendmentKind.AMENDMENT
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="The text, or a summary of it.")
    issuer_consented_on = models.DateField(
        null=True, blank=True, help_text="The Company's written consent (§9); set once."
    )
    effective_on = models.DateField(
        null=True, blank=True, editable=False,
        help_text="The day the Company and holders of more than 50% had consented; set once.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_on__isnull=True)
                | models.Q(
                    issuer_consented_on__isnull=False,
                    effective_on__gte=models.F("issuer_consented_on"),
                ),
                name="amendment_effective_after_issuer_consent",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=AmendmentKind.values), name="amendment_kind_valid"
            ),
        ]
        triggers = [
            _set_once("issuer_consented_on", "effective_on"),
            pgtrigger.Protect(name="amendment_never_deleted", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}: {self.title}"


class HolderConsent(models.Model):
    """A holder's written consent, for all their notes of the series (§9). Append-only."""

    amendment = models.ForeignKey(Amendment, on_delete=models.PROTECT, related_name="consents")
    holder = models.ForeignKey(
        "holders.Holder", on_delete=models.PROTECT, related_name="amendment_consents"
    )
    consented_on = models.DateField(help_text="The date of the written consent.")
    reference = models.CharField(
        max_length=200, blank=True, help_text="The letter or form it was given in."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["consented_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["amendment", "holder"], name="consent_one_per_holder_and_amendment"
            ),
        ]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"Consent of {self.holder} on {self.consented_on}"


class AmendmentAddressee(models.Model):
    """A note outstanding on the day its amendment took effect: its holder is told (§12)."""

    amendment = models.ForeignKey(
        Amendment, on_delete=models.PROTECT, related_name="addressees"
    )
    note = models.ForeignKey("notes.Note", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["amendment", "note"]
        constraints = [
            models.UniqueConstraint(
                fields=["amendment", "note"], name="amendment_addressee_once"
            ),
        ]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.note} — {self.amendment}"
