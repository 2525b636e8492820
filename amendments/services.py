"""Proposing an amendment or waiver and recording the written consents to it (§9).

Each write locks the amendment's row, records its fact, and works out whether
the amendment has now taken effect (`amendments.domain.consent_tally`): the
first day on or after the Company's consent on which holders of more than 50%
of the series' outstanding principal had consented. That day is stored once,
with the notes then outstanding, whose holders the notice job writes to (§12).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from amendments.models import Amendment, AmendmentAddressee, AmendmentKind, HolderConsent
from amendments.selectors import amendment_tally_get, series_note_facts


class AmendmentConflict(Exception):
    """The amendment's state forbids the request (API: 409); nothing was recorded."""


def _refuse_future(day: date, field: str) -> None:
    today = timezone.localdate()
    if day > today:
        raise ValidationError(
            {field: f"{day} is after today ({today}); a consent is recorded once it is given."}
        )


@transaction.atomic
def amendment_propose(
    *,
    series,
    title: str,
    kind: str = AmendmentKind.AMENDMENT,
    summary: str = "",
    issuer_consented_on: date | None = None,
    recorded_by=None,
) -> Amendment:
    """Propose an amendment or waiver of a series, with the Company's consent if given.

    Raises:
        ValidationError: no title, an unknown kind, a consent dated in the future
            or before the series' agreement.
    """
    if not (title or "").strip():
        raise ValidationError({"title": "Give the amendment a title."})
    if issuer_consented_on is not None:
        _check_issuer_day(series, issuer_consented_on)
    amendment = Amendment(
        series=series,
        kind=kind,
        title=title.strip(),
        summary=(summary or "").strip(),
        issuer_consented_on=issuer_consented_on,
        recorded_by=recorded_by if getattr(recorded_by, "is_authenticated", False) else None,
    )
    amendment.full_clean()
    amendment.save()
    return amendment


def _check_issuer_day(series, day: date) -> None:
    _refuse_future(day, "issuer_consented_on")
    if day < series.agreement_date:
        raise ValidationError(
            {"issuer_consented_on": f"The series' agreement is dated {series.agreement_date}; "
                                    f"{day} is before it."}
        )


def _locked(amendment: Amendment) -> Amendment:
    return Amendment.objects.select_for_update().select_related("series").get(pk=amendment.pk)


@transaction.atomic
def amendment_issuer_consent_record(
    *, amendment: Amendment, consented_on: date, recorded_by=None
) -> Amendment:
    """Record the Company's written consent (§9), once.

    Raises:
        AmendmentConflict: the Company's consent is already recorded.
        ValidationError: a date in the future or before the series' agreement.
    """
    amendment = _locked(amendment)
    if amendment.issuer_consented_on is not None:
        raise AmendmentConflict(
            f"The Company's consent is already recorded, dated {amendment.issuer_consented_on}."
        )
    _check_issuer_day(amendment.series, consented_on)
    amendment.issuer_consented_on = consented_on
    amendment.save(update_fields=["issuer_consented_on"])
    amendment_effect_check(amendment=amendment)
    return amendment


@transaction.atomic
def amendment_holder_consent_record(
    *, amendment: Amendment, holder, consented_on: date, reference: str = "", recorded_by=None
) -> HolderConsent:
    """Record a holder's written consent, for all their notes of the series (§9).

    A consent given when the holder's notes were already converted or repaid is
    recorded as given, and weighs nothing (no principal outstanding).

    Raises:
        ValidationError: the holder holds no note of the series, a date in the future.
        AmendmentConflict: the holder's consent is already recorded.
    """
    amendment = _locked(amendment)
    notes = series_note_facts(amendment.series_id)
    held = [n for n in notes if n.holder_id == holder.pk]
    if not held:
        raise ValidationError(
            {"holder": f"{holder} holds no note of {amendment.series.name}; only its holders "
                       "consent to its amendment (§9)."}
        )
    _refuse_future(consented_on, "consented_on")
    earlier = HolderConsent.objects.filter(amendment=amendment, holder=holder).first()
    if earlier is not None:
        raise AmendmentConflict(
            f"{holder}'s consent is already recorded, dated {earlier.consented_on}."
        )
    consent = HolderConsent(
        amendment=amendment,
        holder=holder,
        consented_on=consented_on,
        reference=(reference or "").strip(),
        recorded_by=recorded_by if getattr(recorded_by, "is_authenticated", False) else None,
    )
    consent.full_clean()
    consent.save()
    amendment_effect_check(amendment=amendment, notes=notes)
    return consent


def amendment_effect_check(*, amendment: Amendment, notes=None) -> date | None:
    """Store the day the amendment took effect, once, with the notes then outstanding.

    Call inside the transaction that holds the amendment's row lock.
    """
    if amendment.effective_on is not None:
        return amendment.effective_on
    notes = series_note_facts(amendment.series_id) if notes is None else notes
    effective_on = amendment_tally_get(amendment=amendment, notes=notes).computed_effective_on
    if effective_on is None:
        return None
    amendment.effective_on = effective_on
    amendment.save(update_fields=["effective_on"])
    AmendmentAddressee.objects.bulk_create(
        AmendmentAddressee(amendment=amendment, note_id=n.note_id)
        for n in notes
        if n.outstanding_on(effective_on) > 0
    )
    return effective_on


def amendments_effect_check_pending() -> int:
    """Look again at every amendment not yet in effect; returns how many took effect.

    A share can pass 50% without a new consent — another holder prepaid or was
    repaid — so the daily servicing cycle asks this before it runs.
    """
    took_effect = 0
    waiting = Amendment.objects.filter(
        effective_on__isnull=True, issuer_consented_on__isnull=False, consents__isnull=False
    ).distinct().values_list("pk", flat=True)
    for pk in waiting:
        with transaction.atomic():
            amendment = _locked(Amendment(pk=pk))
            if amendment_effect_check(amendment=amendment) is not None:
                took_effect += 1
    return took_effect
