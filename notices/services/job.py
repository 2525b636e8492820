"""The notice job: every notice that is due and not yet made, exactly once, in chunks.

A run as of day D lists what is due (`notices_due`):

- the letter of every interest statement whose month ended before D (§2),
  an adjustment's letter pointing at the original's;
- the §6.1 notice of every obligation of a $3 Million Qualified Offering
  closed on or before D;
- the §6.2 notice of every automatic conversion done on or before D, and the
  §7 cash-in-lieu notice of every conversion with cash to pay;
- a maturity reminder for every outstanding note maturing within
  ``NOTICE_MATURITY_REMINDER_DAYS`` (30) days of D (§1);
- the notice of an amendment or waiver in effect on or before D, to the
  holder of every note outstanding on the day it took effect (§9);
- the record of every notice the Company received: each Notice of Election
  (§5.1), and each notice of payment default (§3(i)) and declaration of
  acceleration (§3) recorded as a default event;
- the letter of every refused transfer, to the holder who gave the notice (§10).

It is safe to repeat, to run twice at once and to kill mid-way: each
notice's ``purpose_key`` is unique and rows go in with ``ON CONFLICT DO
NOTHING``; the list is split into chunks, each one task and one transaction
(its letters all stored or none) marked done in that same transaction under
a row lock, so a duplicate delivery finds it done and a chunk lost with its
worker is simply run again. The daily job re-dispatches chunks a lost worker
left behind.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from amendments.models import AmendmentAddressee
from core.logcontext import log_context_bind
from core.queue import chunks_enqueue, failure_record
from notes.models import (
    DefaultEvent,
    DefaultEventKind,
    InterestStatement,
    Note,
    NoteStatus,
    Transfer,
    TransferDecision,
)
from notices.models import Notice, NoticeChunk, NoticeKind, NoticeRun, RunStatus
from notices.services.making import drafts_for, notices_store
from offerings.models import (
    Conversion,
    ConversionKind,
    ConversionStatus,
    Election,
    NoticeObligation,
)


def chunk_size() -> int:
    return getattr(settings, "NOTICE_CHUNK_SIZE", 200)


def reminder_days() -> int:
    return getattr(settings, "NOTICE_MATURITY_REMINDER_DAYS", 30)


def _without(queryset, kind: str, source_field: str):
    """The sources of `queryset` that have no notice of `kind` yet."""
    made = Notice.objects.filter(kind=kind, **{source_field: OuterRef("pk")})
    return queryset.filter(~Exists(made))


def notices_due(*, as_of: date) -> list[tuple[str, int, int]]:
    """``(kind, source id, note id)`` of every notice due as of a day and not yet made.

    Statements come per note, oldest first, so an adjustment follows its original.
    """
    due: list[tuple[str, int, int]] = []

    def add(kind, queryset, note_field="note_id"):
        due.extend((kind, pk, note_id) for pk, note_id in queryset.values_list("pk", note_field))

    add(
        NoticeKind.INTEREST_STATEMENT,
        _without(
            InterestStatement.objects.filter(period_end__lt=as_of), NoticeKind.INTEREST_STATEMENT,
            "statement",
        ).order_by("note_id", "id"),
    )
    add(
        NoticeKind.QUALIFIED_OFFERING,
        _without(
            NoticeObligation.objects.filter(
                kind=NoticeObligation.Kind.VOLUNTARY_OFFERING, offering__closing_date__lte=as_of
            ),
            NoticeKind.QUALIFIED_OFFERING,
            "obligation",
        ).order_by("id"),
    )
    done = Conversion.objects.filter(status=ConversionStatus.DONE, conversion_date__lte=as_of)
    add(
        NoticeKind.AUTOMATIC_CONVERSION,
        _without(
            done.exclude(trigger=ConversionKind.VOLUNTARY), NoticeKind.AUTOMATIC_CONVERSION,
            "conversion",
        ).order_by("id"),
    )
    add(
        NoticeKind.CASH_IN_LIEU,
        _without(done.filter(cash_in_lieu__gt=0), NoticeKind.CASH_IN_LIEU, "conversion").order_by(
            "id"
        ),
    )
    maturing = Note.objects.filter(
        status=NoteStatus.OUTSTANDING,
        issue_date__lte=as_of,
        maturity_date__gte=as_of,
        maturity_date__lte=as_of + timedelta(days=reminder_days()),
    )
    made = Notice.objects.filter(kind=NoticeKind.MATURITY_REMINDER, note=OuterRef("pk"))
    add(NoticeKind.MATURITY_REMINDER, maturing.filter(~Exists(made)).order_by("id"), "id")
    add(
        NoticeKind.ELECTION,
        _without(
            Election.objects.filter(received_on__lte=as_of), NoticeKind.ELECTION, "election"
        ).order_by("id"),
    )
    amendment_made = Notice.objects.filter(
        kind=NoticeKind.AMENDMENT,
        purpose_key=Concat(Value("amendment:"), Cast(OuterRef("pk"), CharField())),
    )
    add(
        NoticeKind.AMENDMENT,
        AmendmentAddressee.objects.filter(amendment__effective_on__lte=as_of)
        .filter(~Exists(amendment_made))
        .order_by("id"),
    )
    for event_kind, kind in (
        (DefaultEventKind.PAYMENT_DEFAULT_NOTICE, NoticeKind.PAYMENT_DEFAULT),
        (DefaultEventKind.ACCELERATION, NoticeKind.ACCELERATION),
    ):
        add(
            kind,
            _without(
                DefaultEvent.objects.filter(kind=event_kind, date__lte=as_of), kind,
                "default_event",
            ).order_by("id"),
        )
    add(
        NoticeKind.TRANSFER_REFUSAL,
        _without(
            Transfer.objects.filter(decision=TransferDecision.REFUSED, decided_on__lte=as_of),
            NoticeKind.TRANSFER_REFUSAL,
            "transfer",
        ).order_by("id"),
    )
    return due


def transfer_refusal_notice_make(*, transfer_id: int) -> list[Notice]:
    """The §10 letter refusing a transfer, dated the day of the decision, once.

    Made as soon as the refusal is committed; the daily job makes any a lost
    worker did not.
    """
    written: list[str] = []
    transfer = Transfer.objects.get(pk=transfer_id)
    if transfer.decision != TransferDecision.REFUSED:
        return []
    try:
        with transaction.atomic():
            drafts = drafts_for([(NoticeKind.TRANSFER_REFUSAL, transfer_id)], transfer.decided_on)
            return notices_store(drafts, recorded_by=transfer.decided_by, written=written)
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def _chunks(due: list[tuple[str, int, int]], size: int) -> list[list[list]]:
    """Split into chunks of about `size`, never splitting one note's statements."""
    chunks, current, last = [], [], None
    for kind, pk, note_id in due:
        group = (kind, note_id) if kind == NoticeKind.INTEREST_STATEMENT else None
        if len(current) >= size and (group is None or group != last):
            chunks.append(current)
            current = []
        current.append([kind, pk])
        last = group
    if current:
        chunks.append(current)
    return chunks


def notice_run_start(*, as_of: date, trigger: str = "manual", requested_by=None) -> NoticeRun:
    """Record a run with the notices due as of a day, and dispatch its chunks once committed.

    Raises:
        ValidationError: `as_of` is after today — a letter is dated when it is made.
    """
    if as_of > timezone.localdate():
        raise ValidationError(
            {"as_of": f"{as_of} is in the future; notices are made as of today at the latest."}
        )
    with transaction.atomic():
        run = NoticeRun.objects.create(as_of=as_of, trigger=trigger, requested_by=requested_by)
        due = notices_due(as_of=as_of)
        chunks = _chunks(due, chunk_size())
        NoticeChunk.objects.bulk_create(
            NoticeChunk(run=run, index=i, items=items) for i, items in enumerate(chunks)
        )
        run.chunks_total, run.notices_planned = len(chunks), len(due)
        if not chunks:
            run.status, run.started_at, run.finished_at = (
                RunStatus.DONE,
                timezone.now(),
                timezone.now(),
            )
        run.save()
        transaction.on_commit(lambda: notice_run_dispatch(run_id=run.pk))
    run.refresh_from_db()
    return run


def notice_run_dispatch(*, run_id: int) -> int:
    """Send every chunk of a run that is not done to the workers (in order when eager)."""
    return chunks_enqueue(
        NoticeChunk.objects.filter(run_id=run_id),
        "notices.tasks.notice_chunk_task",
        what=f"notice run {run_id}: chunk",
    )


def notice_runs_resume(*, older_than: timedelta = timedelta(minutes=15)) -> int:
    """Re-dispatch the chunks of today's runs left unfinished (a worker died, the broker was down).

    A run of an earlier day is not resumed: its letters would bear that day's
    date although made today. It is closed as failed with the reason, and the
    purposes it did not reach are made by today's run, dated today.
    """
    today = timezone.localdate()
    unfinished = NoticeRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.FAILED],
        created_at__lt=timezone.now() - older_than,
    )
    unfinished.filter(as_of__lt=today).exclude(status=RunStatus.FAILED).update(
        status=RunStatus.FAILED,
        error="Left unfinished on an earlier day; today's run makes what it did not, dated today.",
    )
    stale = unfinished.filter(as_of=today).values_list("pk", flat=True)
    return sum(notice_run_dispatch(run_id=run_id) for run_id in stale)


def notice_chunk_process(*, chunk_id: int) -> int:
    """Make the notices of one chunk, once. Returns how many this call created."""
    written: list[str] = []
    try:
        with transaction.atomic():
            chunk = NoticeChunk.objects.select_for_update().get(pk=chunk_id)
            log_context_bind(notice_run_id=chunk.run_id)
            if chunk.done:
                return 0  # a duplicate delivery, or a re-dispatch after it finished
            run = NoticeRun.objects.get(pk=chunk.run_id)
            NoticeRun.objects.filter(pk=run.pk, started_at__isnull=True).update(
                started_at=timezone.now()
            )
            NoticeRun.objects.filter(
                pk=run.pk, status__in=[RunStatus.QUEUED, RunStatus.FAILED]
            ).update(status=RunStatus.RUNNING)
            drafts = drafts_for([(kind, pk) for kind, pk in chunk.items], run.as_of)
            created = len(notices_store(drafts, run=run, written=written))
            chunk.done, chunk.notices_created = True, created
            chunk.attempts = F("attempts") + 1
            chunk.finished_at = timezone.now()
            chunk.save(update_fields=["done", "notices_created", "attempts", "finished_at"])
            NoticeRun.objects.filter(pk=run.pk).update(
                chunks_done=F("chunks_done") + 1, notices_created=F("notices_created") + created
            )
            NoticeRun.objects.filter(
                pk=run.pk, chunks_done=F("chunks_total"), status=RunStatus.RUNNING
            ).update(status=RunStatus.DONE, finished_at=timezone.now(), error="")
            return created
    except BaseException as exc:
        # Nothing of the chunk was committed: its letters go with its rows.
        for name in written:
            default_storage.delete(name)
        if isinstance(exc, Exception):

            def record(error=f"chunk {chunk_id}: {exc}"):
                NoticeChunk.objects.filter(pk=chunk_id).update(attempts=F("attempts") + 1)
                NoticeRun.objects.filter(chunks__pk=chunk_id).update(
                    status=RunStatus.FAILED, error=error
                )

            failure_record(record, what=f"notice chunk {chunk_id}")
        raise
