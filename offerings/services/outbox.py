"""The conversion trigger outbox: written with its offering or event, carried out once (§5.2).

Recording a $5M Qualified Offering, an underwritten public offering over
$5,000,000, or a change of control converts every note of each affected series
that is outstanding or accelerated on that date, on that date (§5.2); a $3M
Qualified Offering opens the voluntary window and its §6.1 notices.

The offering or event and its conversion trigger are written in one
transaction (the outbox); Celery carries the trigger out after commit, a
one-minute relay re-sends what is still pending, and the daily cycle runs
anything a broker outage left behind. Processing holds the trigger's row lock
and the notes' row locks, and the database allows one conversion per note, so
retries, duplicate messages and concurrent workers convert each note once. A
note with a later payment still standing waits, and so does its trigger.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from core.logcontext import log_context_bind
from core.queue import enqueue
from notes.models import ACTIVE_STATUSES, Note, NoteSeries
from offerings.models import ConversionKind, ConversionTrigger, TriggerStatus
from offerings.services.conversions import NoteToConvert, notes_convert
from offerings.services.elections import voluntary_notices_oblige
from offerings.services.prices import offering_price_for
from offerings.services.triggers import event_effect, offering_effect

logger = logging.getLogger(__name__)

ACTIVE = ACTIVE_STATUSES


def conversion_trigger_enqueue(*, trigger_id: int) -> bool:
    """Hand a trigger to Celery; if the broker is unreachable the relay sends it later."""
    try:
        # By name: tasks call services, never the other way round (core.queue).
        enqueue("offerings.tasks.conversion_trigger_task", trigger_id)
    except Exception as exc:  # broker down, or (in-process mode) processing failed
        logger.warning("conversion trigger %s left pending: %s", trigger_id, exc)
        ConversionTrigger.objects.filter(pk=trigger_id, status=TriggerStatus.PENDING).update(
            last_error=str(exc)[:2000]
        )
        return False
    return True


def conversion_triggers_relay(*, older_than: timedelta = timedelta(seconds=30)) -> int:
    """Re-send every trigger still pending (the beat runs this every minute)."""
    pending = ConversionTrigger.objects.filter(
        status=TriggerStatus.PENDING, created_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    return sum(conversion_trigger_enqueue(trigger_id=pk) for pk in pending)


def conversion_triggers_process_pending() -> int:
    """Carry out every pending trigger here and now (the daily cycle's safety net)."""
    done = 0
    for pk in ConversionTrigger.objects.filter(status=TriggerStatus.PENDING).values_list(
        "pk", flat=True
    ):
        try:
            conversion_trigger_process(trigger_id=pk)
        except Exception:
            # Recorded on the trigger (last_error); the others, and the rest of the
            # daily cycle, go on.
            logger.exception("conversion trigger %s failed", pk)
            continue
        done += 1
    return done


def conversion_trigger_process(*, trigger_id: int) -> str:
    """Carry out one trigger, once. Returns what it did."""
    log_context_bind(conversion_trigger_id=trigger_id)
    try:
        with transaction.atomic():
            trigger = ConversionTrigger.objects.select_for_update().get(pk=trigger_id)
            if trigger.status == TriggerStatus.DONE:
                return trigger.outcome
            if trigger.status in (TriggerStatus.AWAITING_APPROVAL, TriggerStatus.WITHDRAWN):
                # Four eyes: nothing converts before a second Finance user approves,
                # and nothing ever does once the trigger is withdrawn.
                return trigger.get_status_display()
            # Check foreign keys as rows are written rather than at commit: every
            # statement a per-row trigger runs would otherwise rescan every pending
            # deferred check, which made converting a large series quadratic while
            # the notes' audit trigger ran per row (it runs per statement now).
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            outcome, waiting = _trigger_carry_out(trigger)
            # A trigger with notes still waiting stays pending: the relay and the
            # daily cycle carry it on, converting only what is still active.
            trigger.status = TriggerStatus.PENDING if waiting else TriggerStatus.DONE
            trigger.outcome, trigger.attempts = outcome, trigger.attempts + 1
            trigger.processed_at = timezone.now()
            trigger.last_error = outcome if waiting else ""
            trigger.save()
            return outcome
    except Exception as exc:
        ConversionTrigger.objects.filter(pk=trigger_id).update(last_error=str(exc)[:2000])
        raise


def _waiting_phrase(count: int, day: date) -> str:
    if not count:
        return ""
    return (
        f"; {_notes_phrase(count)} waiting: a payment dated after {day} is recorded on"
        " it; reverse that payment and the conversion completes on the next relay"
    )


def _trigger_carry_out(trigger: ConversionTrigger) -> tuple[str, int]:
    """Carry out a trigger for every series of its issuer.

    Returns:
        What was done, and how many notes could not be converted yet.
    """
    offering, event = trigger.offering, trigger.event
    issuer = (offering or event).issuer
    results = []
    waiting = 0
    for series in NoteSeries.objects.filter(issuer=issuer).order_by("pk"):
        if offering is not None:
            day = offering.closing_date
            effect = offering_effect(
                series,
                kind=offering.kind,
                gross_proceeds=offering.gross_proceeds.amount,
                closing_date=day,
                own_price=lambda tranche: offering_price_for(offering, tranche),
                offering=offering,
            )
        else:
            day = event.effective_date
            effect = event_effect(
                series,
                kind=event.kind,
                voting_power_pct=event.voting_power_pct,
                related_pcts=[e.voting_power_pct for e in event.related_events.all()],
                effective_date=day,
            )
        if effect.automatic:
            active = _active_notes(series, day)
            converted = notes_convert(
                notes=active,
                conversion_date=day,
                kind=effect.kind,
                price=effect.price,
                offering=offering,
                event=event,
            )
            waiting += len(active) - len(converted)
            label = (
                f"({ConversionKind(effect.kind).label})" if offering is not None
                else "(change of control)"
            )
            results.append(
                f"{series.name}: {_notes_phrase(len(converted))} converted {label}"
                + _waiting_phrase(len(active) - len(converted), day)
            )
        elif effect.voluntary:
            count = voluntary_notices_oblige(series, offering)
            results.append(f"{series.name}: voluntary window opened; {count} §6.1 notices due")
        elif offering is not None:
            results.append(f"{series.name}: not a qualified offering")
        else:
            results.append(f"{series.name}: no change of control")
    return "; ".join(results) or "The issuer has no note series.", waiting


def _notes_phrase(count: int) -> str:
    return f"{count} note" if count == 1 else f"{count} notes"


def _active_notes(series: NoteSeries, day: date) -> list[NoteToConvert]:
    """The series' notes a trigger converts, locked: what converting needs of each."""
    return [
        NoteToConvert(pk, series, issue_date, principal, currency, holder_id)
        for pk, issue_date, principal, currency, holder_id in Note.objects.select_for_update()
        .filter(series=series, status__in=ACTIVE, issue_date__lte=day)
        .order_by("pk")
        .values_list("pk", "issue_date", "principal", "principal_currency", "holder_id")
    ]
