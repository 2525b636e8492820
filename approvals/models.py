"""Four-eyes approval of irreversible actions.

Some actions cannot be undone once they take effect: an automatic-conversion
trigger (a $5 Million Qualified Offering, an underwritten public offering over
$5,000,000 or a change of control, §5.2) converts every note of a series; a
price determination completes conversions at a price for good (§5.1); an
acceleration makes the Note Amount due at once (§3). With four-eyes on
(setting ``NOTEDESK_FOUR_EYES``), such an action is recorded as a
``PendingAction`` and takes effect only when a second Finance user approves
it; it may instead be withdrawn, with a reason, and then never takes effect.

This app knows nothing of notes or offerings: the record an action would
change is a generic reference (``subject``), and the apps that own the actions
register what approving and withdrawing do (``approvals.registry``).

The database keeps the rules that matter even if code forgets them:

- one open action per kind and record (a partial unique constraint), so a
  double click cannot queue the same acceleration twice;
- an approval is by someone other than the maker, a withdrawal carries a reason
  (check constraints);
- a decided action never changes again, and no action is deleted (triggers).
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q

from core.audit import audited


class ActionKind(models.TextChoices):
    CONVERSION_TRIGGER = "conversion_trigger", "Automatic-conversion trigger (§5.2)"
    PRICE_DETERMINATION = "price_determination", "Price determination (§5.1)"
    ACCELERATION = "acceleration", "Acceleration (§3)"


class ActionStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


@audited()
class PendingAction(models.Model):
    kind = models.CharField(max_length=24, choices=ActionKind.choices)
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.PENDING
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    summary = models.CharField(
        max_length=400, help_text="What approving it would do, in words."
    )
    location = models.CharField(
        max_length=200, blank=True, help_text="The page of the record it would change."
    )
    payload = models.JSONField(
        default=dict, blank=True, help_text="The request as made (figures as strings)."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    outcome = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                condition=Q(status="pending"),
                name="pending_action_one_open_per_record",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="pending_action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (
                    Q(status__in=["approved", "withdrawn"], decided_at__isnull=False)
                    & Q(decided_by__isnull=False)
                ),
                name="pending_action_decided_iff_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(requested_by__isnull=True)
                | ~Q(decided_by=F("requested_by")),
                name="pending_action_approved_by_another",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdrawal_reason=""),
                name="pending_action_withdrawn_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        triggers = [
            pgtrigger.Protect(
                name="pending_action_decided_is_final",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status__in=["approved", "withdrawn"]),
            ),
            pgtrigger.Protect(name="pending_action_never_deleted", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display().lower()})"

    @property
    def is_pending(self) -> bool:
        return self.status == ActionStatus.PENDING
