"""Making notices once: render, store the PDF, insert under the unique purpose key.

`notices_make` is what a chunk of the notice job runs inside its transaction:
it loads the records a list of ``(kind, source id)`` pairs names, drafts and
renders their letters, writes the PDFs under MEDIA_ROOT and inserts the rows
with ``INSERT … ON CONFLICT (purpose_key) DO NOTHING``. A purpose another
worker got to first keeps that worker's letter: ours is deleted from storage,
and so is every file of a chunk that fails, so the stored PDFs are exactly
those the rows point at (a worker killed outright can leave an unreferenced
file behind, never a row without its file).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from amendments.models import AmendmentAddressee
from core.queue import enqueue
from notes.models import DefaultEvent, InterestStatement, Note, Transfer
from notes.selectors import note_holders_on
from notices.models import Notice, NoticeKind
from notices.services.letters import (
    Draft,
    addresses_on,
    draft_amendment,
    draft_automatic_conversion,
    draft_cash_in_lieu,
    draft_default_event,
    draft_election,
    draft_maturity_reminder,
    draft_qualified_offering,
    draft_statement,
    draft_transfer_refusal,
    letter_pdf,
)
from offerings.models import Conversion, Election, NoticeObligation

NOTE_RELATED = ("note__series__issuer", "note__holder")
# Letters addressed to whoever is the registered holder on the letter's date.
HOLDER_ON_DATE_KINDS = (
    NoticeKind.INTEREST_STATEMENT,
    NoticeKind.AUTOMATIC_CONVERSION,
    NoticeKind.CASH_IN_LIEU,
)


def drafts_for(items: Iterable[tuple[str, int]], notice_date: date) -> list[Draft]:
    """The drafts of ``(kind, source id)`` pairs, a few queries per kind, in the given order."""
    ids = defaultdict(list)
    order = []
    for kind, source_id in items:
        ids[kind].append(source_id)
        order.append((kind, source_id))

    sources: dict[tuple[str, int], object] = {}
    holder_ids = set()

    def keep(kind, objects, holder_of):
        for obj in objects:
            sources[kind, obj.pk] = obj
            holder_ids.add(holder_of(obj))

    if ids[NoticeKind.INTEREST_STATEMENT]:
        keep(
            NoticeKind.INTEREST_STATEMENT,
            InterestStatement.objects.select_related(*NOTE_RELATED, "note__series").filter(
                pk__in=ids[NoticeKind.INTEREST_STATEMENT]
            ),
            lambda s: s.note.holder_id,
        )
    if ids[NoticeKind.QUALIFIED_OFFERING]:
        keep(
            NoticeKind.QUALIFIED_OFFERING,
            NoticeObligation.objects.select_related(*NOTE_RELATED, "holder", "offering").filter(
                pk__in=ids[NoticeKind.QUALIFIED_OFFERING]
            ),
            lambda o: o.holder_id,
        )
    conversion_ids = ids[NoticeKind.AUTOMATIC_CONVERSION] + ids[NoticeKind.CASH_IN_LIEU]
    obligations = {}
    if conversion_ids:
        conversions = list(
            Conversion.objects.select_related(*NOTE_RELATED).filter(pk__in=conversion_ids)
        )
        for kind in (NoticeKind.AUTOMATIC_CONVERSION, NoticeKind.CASH_IN_LIEU):
            wanted = set(ids[kind])
            keep(kind, [c for c in conversions if c.pk in wanted], lambda c: c.note.holder_id)
        obligations = {
            o.conversion_id: o
            for o in NoticeObligation.objects.filter(
                conversion_id__in=ids[NoticeKind.AUTOMATIC_CONVERSION],
                kind=NoticeObligation.Kind.AUTOMATIC_CONVERSION,
            )
        }
    if ids[NoticeKind.MATURITY_REMINDER]:
        keep(
            NoticeKind.MATURITY_REMINDER,
            Note.objects.select_related("series__issuer", "holder").filter(
                pk__in=ids[NoticeKind.MATURITY_REMINDER]
            ),
            lambda n: n.holder_id,
        )
    event_ids = ids[NoticeKind.PAYMENT_DEFAULT] + ids[NoticeKind.ACCELERATION]
    if event_ids:
        events = list(DefaultEvent.objects.select_related(*NOTE_RELATED).filter(pk__in=event_ids))
        for kind in (NoticeKind.PAYMENT_DEFAULT, NoticeKind.ACCELERATION):
            wanted = set(ids[kind])
            keep(kind, [e for e in events if e.pk in wanted], lambda e: e.note.holder_id)
    if ids[NoticeKind.ELECTION]:
        keep(
            NoticeKind.ELECTION,
            Election.objects.select_related(*NOTE_RELATED).filter(pk__in=ids[NoticeKind.ELECTION]),
            lambda e: e.note.holder_id,
        )

    if ids[NoticeKind.AMENDMENT]:
        keep(
            NoticeKind.AMENDMENT,
            AmendmentAddressee.objects.select_related(
                "amendment__series", "note__series__issuer", "note__holder"
            ).filter(pk__in=ids[NoticeKind.AMENDMENT]),
            lambda a: a.note.holder_id,
        )

    if ids[NoticeKind.TRANSFER_REFUSAL]:
        keep(
            NoticeKind.TRANSFER_REFUSAL,
            Transfer.objects.select_related(
                "note__series__issuer", "transferor", "transferee"
            ).filter(pk__in=ids[NoticeKind.TRANSFER_REFUSAL]),
            lambda t: t.transferor_id,
        )

    # A letter goes to the holder registered on its date (§10: a transfer changes the
    # registered holder from its effective date; the letters before stay with the old).
    notes = {
        source.note.pk: source.note
        for (kind, _), source in sources.items()
        if kind in HOLDER_ON_DATE_KINDS
    } | {
        source.pk: source
        for (kind, _), source in sources.items()
        if kind == NoticeKind.MATURITY_REMINDER
    }
    registered = note_holders_on(notes.values(), notice_date) if notes else {}
    holder_ids.update(h.pk for h in registered.values())
    addresses = addresses_on(holder_ids, notice_date)
    drafts = []
    for kind, source_id in order:
        source = sources.get((kind, source_id))
        if source is None:
            continue  # gone from the plan's view (cannot happen for append-only sources)
        holder = registered.get(
            source.pk if kind == NoticeKind.MATURITY_REMINDER else getattr(source, "note_id", None)
        )
        if kind == NoticeKind.INTEREST_STATEMENT:
            drafts.append(draft_statement(source, notice_date, addresses, holder))
        elif kind == NoticeKind.QUALIFIED_OFFERING:
            drafts.append(draft_qualified_offering(source, notice_date, addresses))
        elif kind == NoticeKind.AUTOMATIC_CONVERSION:
            drafts.append(
                draft_automatic_conversion(
                    source, obligations.get(source.pk), notice_date, addresses, holder
                )
            )
        elif kind == NoticeKind.CASH_IN_LIEU:
            drafts.append(draft_cash_in_lieu(source, notice_date, addresses, holder))
        elif kind == NoticeKind.MATURITY_REMINDER:
            drafts.append(draft_maturity_reminder(source, notice_date, addresses, holder))
        elif kind == NoticeKind.TRANSFER_REFUSAL:
            drafts.append(draft_transfer_refusal(source, notice_date, addresses))
        elif kind == NoticeKind.ELECTION:
            drafts.append(draft_election(source))
        elif kind in (NoticeKind.PAYMENT_DEFAULT, NoticeKind.ACCELERATION):
            drafts.append(draft_default_event(source))
        elif kind == NoticeKind.AMENDMENT:
            drafts.append(draft_amendment(source, notice_date, addresses))
    return drafts


def _file_name(draft: Draft, digest: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", draft.purpose_key.lower()).strip("-")
    return f"notices/{draft.notice_date:%Y/%m}/{slug}-{digest[:16]}.pdf"


def _row(draft: Draft, name: str, digest: str, *, run=None, recorded_by=None, corrects_id=None):
    sources = draft.sources
    return Notice(
        kind=draft.kind,
        direction=draft.direction,
        purpose_key=draft.purpose_key,
        clause=draft.clause,
        note=draft.note,
        holder=draft.holder,
        issuer=draft.issuer,
        recipient=draft.recipient,
        address=draft.address,
        address_basis=draft.address_basis,
        copy_to=draft.copy_to,
        notice_date=draft.notice_date,
        figures=draft.figures,
        document=name,
        document_sha256=digest,
        corrects_id=corrects_id,
        statement=sources.get("statement"),
        conversion=sources.get("conversion"),
        obligation=sources.get("obligation"),
        election=sources.get("election"),
        default_event=sources.get("default_event"),
        transfer=sources.get("transfer"),
        run=run,
        delivery_method=draft.delivery_method,
        sent_on=draft.sent_on,
        received_on=draft.received_on,
        deemed_delivered_on=draft.deemed_delivered_on,
        recorded_by=recorded_by,
    )


def notices_store(
    drafts: list[Draft],
    *,
    run=None,
    recorded_by=None,
    corrects: dict | None = None,
    written: list[str] | None = None,
    email: bool = True,
) -> list[Notice]:
    """Render and insert drafts, each purpose once; returns the notices this call created.

    Call inside a transaction: the rows commit all together or not at all. A
    draft whose ``corrects_key`` names another notice (an adjustment statement's
    letter, the original statement's) is inserted after the others, so it can
    point at a letter made in the same call.

    Args:
        corrects: purpose key → id of the notice a correction points at.
        email: send the courtesy e-mails once committed (not for letters of
            the past, such as the demo register's history).
        written: collects the names of the files stored, for the caller to
            delete should its transaction fail after this returns.
    """
    if not drafts:
        return []
    written = [] if written is None else written
    try:
        rows: dict[str, Notice] = {}
        existing = set(
            Notice.objects.filter(purpose_key__in=[d.purpose_key for d in drafts]).values_list(
                "purpose_key", flat=True
            )
        )
        drafts = [d for d in drafts if d.purpose_key not in existing]
        first = [d for d in drafts if not d.corrects_key]
        second = [d for d in drafts if d.corrects_key]
        for batch in (first, second):
            if not batch:
                continue
            links = dict(
                Notice.objects.filter(
                    purpose_key__in=[d.corrects_key for d in batch if d.corrects_key]
                ).values_list("purpose_key", "pk")
            )
            links.update(corrects or {})
            for draft in batch:
                pdf = letter_pdf(draft)
                digest = hashlib.sha256(pdf).hexdigest()
                name = default_storage.save(_file_name(draft, digest), ContentFile(pdf))
                written.append(name)
                rows[draft.purpose_key] = _row(
                    draft,
                    name,
                    digest,
                    run=run,
                    recorded_by=recorded_by,
                    corrects_id=links.get(draft.corrects_key or draft.purpose_key),
                )
            # ON CONFLICT (purpose_key) DO NOTHING: a concurrent worker's insert of the
            # same purpose waits for it to commit, then leaves its letter standing.
            Notice.objects.bulk_create(
                [rows[d.purpose_key] for d in batch], ignore_conflicts=True
            )
        stored = Notice.objects.filter(purpose_key__in=list(rows)).in_bulk(field_name="purpose_key")
        created = []
        for key, row in rows.items():
            notice = stored.get(key)
            if notice is not None and notice.document.name == row.document.name:
                created.append(notice)
            else:
                default_storage.delete(row.document.name)
        if email:
            _emails_after_commit([n.pk for n in created])
        return created
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def _emails_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(
            lambda: enqueue("notices.tasks.notice_emails_task", ids), robust=True
        )
