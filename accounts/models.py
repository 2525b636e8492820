"""Invitations: how a holder's people get a portal login without staff handing out passwords.

Finance invites a person (by e-mail) to sign in for a holder. The e-mail carries a
one-time link; the link's token is never stored, only its SHA-256 digest, so a
copy of the database cannot be used to sign in. A link works once, until it
expires (`HOLDER_INVITATION_VALID_DAYS`), and only while it is the person's
latest: inviting them again withdraws the earlier link, and so does removing
their access. Every change is in the audit trail (django-pghistory), with who
made it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.audit import audited
from holders.models import Holder


class WithdrawnReason(models.TextChoices):
    REINVITED = "reinvited", "A newer invitation was sent"
    REMOVED = "removed", "Access removed"


@audited(exclude=["token_digest"])
class Invitation(models.Model):
    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(help_text="Where the link was sent.")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(
        max_length=20, choices=WithdrawnReason.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_made",
            ),
            # Used or withdrawn, never both: a used link is spent, not withdrawn.
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(withdrawn_at__isnull=True),
                name="invitation_accepted_or_withdrawn",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(withdrawn_at__isnull=True, withdrawn_reason="")
                    | (models.Q(withdrawn_at__isnull=False) & ~models.Q(withdrawn_reason=""))
                ),
                name="invitation_withdrawn_with_reason",
            ),
            # At most one open link per person: inviting again withdraws the last.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="invitation_one_open_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.holder} ({self.created_at:%Y-%m-%d})"

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at
