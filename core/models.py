"""Records the shared machinery keeps: the first answer to a repeated write."""

from __future__ import annotations

import pgtrigger
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyRecord(models.Model):
    """The first answer to an API write sent with an `Idempotency-Key` (docs/api.md).

    The key is reserved in the same transaction as the write it answers, so a
    repeated request (a retry, a double submit, two at once) gets the first
    answer and records nothing new.
    """

    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=200, help_text="Method and path the key was used on.")
    # Keyed (HMAC), never a plain digest of the body: see core.fingerprints.
    fingerprint = models.CharField(max_length=100)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    user = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table the register app created; the model moved here with the machinery.
        db_table = "notes_idempotencyrecord"
        constraints = [
            models.UniqueConstraint(fields=["key", "scope"], name="idempotency_key_per_scope")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ChunkedRun(models.Model):
    """A background run as of a day, split into chunks: one task and one transaction each.

    The servicing cycle and the notice job are both such runs: more workers
    finish sooner, a chunk lost with its worker is simply run again, and the
    page polls the progress until the run is done.
    """

    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=20, default="manual")
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def progress(self) -> str:
        return f"{self.chunks_done}/{self.chunks_total}"

    @property
    def progress_pct(self) -> int:
        if not self.chunks_total:
            return 100 if self.status == RunStatus.DONE else 0
        return int(100 * self.chunks_done / self.chunks_total)


class DeadLetter(models.Model):
    """A background task that failed its last try: what it was, what it was given, why.

    Written once per task id, by the `task_failure` signal (`core.tasks_signals`),
    after the task's retries (if it has any) are spent. Never changed: staff
    append a `DeadLetterResolution` saying what they did about it.
    """

    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(max_length=255)
    args = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    exception = models.TextField(help_text="The exception's type and message.")
    traceback = models.TextField(blank=True)
    retries = models.PositiveSmallIntegerField(default=0, help_text="Retries before it gave up.")
    request_id = models.CharField(max_length=128, blank=True)
    failed_at = models.DateTimeField()

    class Meta:
        ordering = ["-failed_at", "-id"]
        triggers = [
            pgtrigger.Protect(name="dead_letter_unchanged", operation=pgtrigger.Update),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"


class DeadLetterResolution(models.Model):
    """What Finance did about a failed task. Appended, never edited; the latest one counts."""

    dead_letter = models.ForeignKey(
        DeadLetter, on_delete=models.PROTECT, related_name="resolutions"
    )
    note = models.TextField()
    resolved_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["resolved_at", "id"]
        triggers = [
            pgtrigger.Protect(
                name="resolution_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"Resolution of {self.dead_letter_id} by {self.resolved_by_id}"
