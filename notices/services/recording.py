"""Corrections of letters sent.

A letter sent in error is never edited: its correction is a new letter, made
from the same record as of today, that points at it (``corrects``) and says
why.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notices.models import Direction, Notice, NoticeKind
from notices.services.making import drafts_for, notices_store

# The record each kind of letter is made from, for a correction to be made again.
SOURCE_OF = {
    NoticeKind.INTEREST_STATEMENT: "statement_id",
    NoticeKind.QUALIFIED_OFFERING: "obligation_id",
    NoticeKind.AUTOMATIC_CONVERSION: "conversion_id",
    NoticeKind.CASH_IN_LIEU: "conversion_id",
    NoticeKind.MATURITY_REMINDER: "note_id",
}


def notice_correct(*, notice: Notice, reason: str, recorded_by=None) -> Notice:
    """Send a corrected letter, made as of today from the same record, pointing at `notice`.

    Raises:
        ValidationError: no reason, or a notice the Company received.
    """
    if not reason.strip():
        raise ValidationError({"reason": "Say what was wrong with the letter."})
    if notice.direction != Direction.SENT:
        raise ValidationError({"notice": "Only a letter the Company sent can be corrected."})
    with transaction.atomic():
        # Serialises corrections of one letter, so each gets its own number.
        original = Notice.objects.select_for_update().get(pk=notice.pk)
        number = original.corrections.count() + 1
        source_id = getattr(original, SOURCE_OF[NoticeKind(original.kind)])
        (draft,) = drafts_for([(original.kind, source_id)], timezone.localdate())
        draft.purpose_key = f"{original.purpose_key}/correction-{number}"
        draft.corrects_key = None
        draft.figures = {**draft.figures, "corrects": original.pk, "reason": reason}
        draft.context = {**draft.context, "corrects": original, "reason": reason}
        (created,) = notices_store(
            [draft], recorded_by=recorded_by, corrects={draft.purpose_key: original.pk}
        )
    return created
