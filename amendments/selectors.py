"""Reads of amendments: the consent table with its running share, and the day it passed 50%."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.db.models import Count, QuerySet
from django.utils import timezone

from amendments.domain import (
    ConsentFact,
    ConsentRow,
    NoteFact,
    Tally,
    consent_tally,
    share_on,
)
from amendments.models import Amendment, HolderConsent
from notes.domain.interest import principal_timeline
from notes.models import Note
from notes.selectors import money_facts_by_note


def amendment_list() -> QuerySet[Amendment]:
    return (
        Amendment.objects.select_related("series", "series__issuer", "recorded_by")
        .annotate(consent_count=Count("consents"))
        .order_by("-created_at", "-id")
    )


def series_note_facts(series_id: int) -> list[NoteFact]:
    """Every note of the series with its principal over time (two queries)."""
    notes = list(
        Note.objects.filter(series_id=series_id)
        .order_by("pk")
        .values_list("pk", "holder_id", "issue_date", "ended_on", "principal")
    )
    principal_paid, _ = money_facts_by_note([row[0] for row in notes])
    return [
        NoteFact(
            note_id=pk,
            holder_id=holder_id,
            issue_date=issued,
            ended_on=ended_on,
            timeline=principal_timeline(issued, principal, principal_paid.get(pk, ())),
        )
        for pk, holder_id, issued, ended_on, principal in notes
    ]


@dataclass(frozen=True)
class ConsentLine:
    """A row of the consent table: the consent, its holder, and the running share."""

    consent: HolderConsent
    row: ConsentRow


@dataclass(frozen=True)
class AmendmentTally:
    amendment: Amendment
    lines: list[ConsentLine]
    tally: Tally
    as_of: date
    consenting_principal: object
    outstanding_principal: object
    share: Fraction

    @property
    def passed_on(self) -> date | None:
        return self.tally.passed_on

    @property
    def computed_effective_on(self) -> date | None:
        return self.tally.effective_on


def amendment_tally_get(
    *, amendment: Amendment, as_of: date | None = None, notes: list[NoteFact] | None = None
) -> AmendmentTally:
    """The consents with the running share on each one's day, and the share as of a day."""
    as_of = as_of or timezone.localdate()
    notes = series_note_facts(amendment.series_id) if notes is None else notes
    consents = list(
        HolderConsent.objects.filter(amendment=amendment).select_related("holder", "recorded_by")
    )
    tally = consent_tally(
        notes=notes,
        consents=[ConsentFact(c.pk, c.holder_id, c.consented_on) for c in consents],
        issuer_consented_on=amendment.issuer_consented_on,
    )
    by_id = {c.pk: c for c in consents}
    lines = [ConsentLine(by_id[row.consent.consent_id], row) for row in tally.rows]
    holders = {c.holder_id for c in consents if c.consented_on <= as_of}
    consenting, outstanding = share_on(as_of, notes, holders)
    share = Fraction(consenting) / Fraction(outstanding) if outstanding > 0 else Fraction(0)
    return AmendmentTally(
        amendment=amendment,
        lines=lines,
        tally=tally,
        as_of=as_of,
        consenting_principal=consenting,
        outstanding_principal=outstanding,
        share=share,
    )
